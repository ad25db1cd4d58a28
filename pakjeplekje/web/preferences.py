"""The patient's preferences page `/voorkeuren/<token>`: when they can come, a pause of 1–4
weeks, leaving the list, and what the practice holds about them.

Server-rendered HTML like the claim page: a few kilobytes, works without JavaScript, forms
POST to the page's own address. The signed token in that address is the only credential (no
cookie, no login), so a cross-site form cannot act for the patient without already holding the
link; as defence in depth a POST a browser marks `Sec-Fetch-Site: cross-site` is refused. A
link we never made is a plain 404 before anything is read; a genuine link whose entry is gone
says so kindly (410).
"""

from __future__ import annotations

import html
from urllib.parse import parse_qsl

from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from pakjeplekje import routes as paths
from pakjeplekje.domain.core_loop.preferences import PAUSE_WEEKS, PreferencesView
from pakjeplekje.domain.waitlist.patients import DAY_NAMES, PARTS, cell_key
from pakjeplekje.services import preferences as service
from pakjeplekje.web.claim import not_found
from pakjeplekje.web.html_pages import NO_STORE, page

BODY_MAX = 4_096  # the biggest genuine form (18 ticked cells) is well under 1 KB
FORM_ERROR = "Er ging iets mis met het formulier. Probeer het opnieuw."
TOO_BIG = "Dit formulier is te groot. Probeer het opnieuw."
ACTIONS = ("beschikbaarheid", "pauzeren", "pauze-beeindigen", "afmelden")
DONE = {
    "beschikbaarheid": "Opgeslagen: u krijgt alleen nog berichten over plekken op de dagdelen "
    "die u heeft aangevinkt.",
    "pauze-beeindigen": "De pauze is beëindigd. U krijgt weer berichten over vrije plekken.",
}


def _alert(message: str) -> str:
    return (
        f'<p class="card" role="alert" id="fout" style="color:#b00020">{html.escape(message)}</p>'
    )


def _notice(message: str) -> str:
    return (
        f'<p class="card" role="status" id="bevestiging" style="border-left:6px solid #0d9488">'
        f"{html.escape(message)}</p>"
    )


def _gone() -> HTMLResponse:
    return page(
        "Link werkt niet meer",
        "<h1>Deze link werkt niet meer</h1><p>Uw gegevens staan niet (meer) op deze "
        "wachtlijst, of de praktijk heeft uw gegevens aangepast. Er is niets dat u hoeft te "
        "doen. Vragen? Neem gerust contact op met de praktijk.</p>",
        status=410,
    )


def _availability_form(action: str, view: PreferencesView) -> str:
    chosen = set(view.chosen_cells)
    head = "".join(f'<th scope="col">{part}</th>' for part in PARTS)
    rows = []
    for day, name in enumerate(DAY_NAMES):
        boxes = []
        for part, part_name in enumerate(PARTS):
            key = cell_key(day, part)
            checked = " checked" if key in chosen else ""
            boxes.append(
                f'<td><input type="checkbox" name="dagdeel" value="{key}" id="{key}"{checked} '
                f'aria-label="{name} {part_name}" style="width:28px;height:28px"></td>'
            )
        rows.append(f'<tr><th scope="row" style="text-align:left">{name}</th>{"".join(boxes)}</tr>')
    return (
        f'<form method="post" action="{action}" class="card" id="beschikbaarheid">'
        '<h2 style="font-size:1.15rem;margin-top:0">Wanneer kunt u?</h2>'
        '<p class="muted">Vink de dagdelen aan waarop u naar de praktijk kunt. Ochtend is tot '
        "12:00, middag tot 17:00, avond tot 21:00.</p>"
        '<input type="hidden" name="actie" value="beschikbaarheid">'
        '<table style="width:100%;text-align:center;border-collapse:collapse">'
        f"<thead><tr><th></th>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
        '<button type="submit" id="beschikbaarheid-opslaan">Beschikbaarheid opslaan</button>'
        "</form>"
    )


def _pause_form(action: str, view: PreferencesView) -> str:
    if view.paused_until is not None:
        return (
            f'<form method="post" action="{action}" class="card" id="pauze">'
            '<h2 style="font-size:1.15rem;margin-top:0">Pauze</h2>'
            f'<p id="gepauzeerd"><b>Gepauzeerd tot {view.paused_until_text}.</b> Tot die dag '
            "krijgt u geen berichten over vrije plekken.</p>"
            '<input type="hidden" name="actie" value="pauze-beeindigen">'
            '<button type="submit" class="secondary" id="pauze-beeindigen">Pauze beëindigen'
            "</button></form>"
        )
    choices = "".join(
        f'<label style="display:block;margin:8px 0;font-size:1.1rem"><input type="radio" '
        f'name="weken" value="{weeks}" id="weken-{weeks}"{" checked" if weeks == 1 else ""}> '
        f"{weeks} {'week' if weeks == 1 else 'weken'}</label>"
        for weeks in PAUSE_WEEKS
    )
    return (
        f'<form method="post" action="{action}" class="card" id="pauze">'
        '<h2 style="font-size:1.15rem;margin-top:0">Even geen berichten?</h2>'
        '<p class="muted">Op vakantie of even druk? Pauzeer de berichten; u blijft op de '
        "wachtlijst staan en uw plek in de rij blijft bewaard.</p>"
        f'<input type="hidden" name="actie" value="pauzeren"><fieldset style="border:0;padding:0">'
        f"<legend>Hoe lang?</legend>{choices}</fieldset>"
        '<button type="submit" class="secondary" id="pauzeren">Pauzeren</button></form>'
    )


def _held(view: PreferencesView) -> str:
    """What the practice holds, minimal: name, treatments; the grid above shows availability."""
    treatments = ", ".join(view.treatments) or "geen behandeling opgegeven"
    return (
        '<section class="card" id="gegevens"><h2 style="font-size:1.15rem;margin-top:0">'
        "Wat de praktijk van u bewaart</h2>"
        f"<p>Naam: <b>{html.escape(view.name)}</b></p>"
        f"<p>Behandeling: {html.escape(treatments)}</p>"
        '<p class="muted">Plus uw mobiele nummer, wanneer u kunt en wanneer u zich aanmeldde. '
        f'Meer weten? Lees het <a href="{paths.PRIVACY_POLICY}">privacybeleid</a>.</p></section>'
    )


STATE_TEXT = {
    "on_list": "U staat op de wachtlijst. Komt er een plek vrij die bij u past, dan krijgt u "
    "een SMS.",
    "pending": "Uw aanmelding wacht nog op een akkoord van de praktijk. U kunt uw voorkeuren "
    "alvast aanpassen.",
    "booked": "U heeft via de wachtlijst een afspraak gekregen. Wilt u daarna weer berichten? "
    "Dan zet de praktijk u terug op de wachtlijst.",
}


def _closed(view: PreferencesView) -> str:
    """Opted out or removed: the state and how to come back, nothing to change here."""
    name = html.escape(view.practice_name)
    if view.state == "opted_out":
        return (
            f'<h1 id="status">U bent afgemeld</h1><p>U krijgt geen SMS\'jes meer over vrije '
            f"plekken bij {name}. Wilt u toch weer berichten? Neem contact op met de praktijk "
            "(of stuur START als u een SMS van de praktijk kunt beantwoorden).</p>"
        )
    return (
        f'<h1 id="status">U staat niet meer op de wachtlijst</h1><p>De praktijk heeft u van '
        f"de wachtlijst van {name} gehaald. Wilt u er weer op? Neem contact op met de "
        "praktijk.</p>"
    )


def _render(token: str, view: PreferencesView, notice: str = "", error: str = "") -> HTMLResponse:
    action = html.escape(paths.preferences(token))
    top = f'<p class="practice">{html.escape(view.practice_name)}</p>'
    messages = (_notice(notice) if notice else "") + (_alert(error) if error else "")
    if not view.can_change:
        body = top + messages + _closed(view) + _held(view)
        return page("Uw voorkeuren", body, status=400 if error else 200)
    leave = (
        f'<p class="leave"><a id="afmelden" href="{action}?stap=afmelden">'
        "Van de wachtlijst af</a></p>"
    )
    body = (
        f'{top}<h1>Uw voorkeuren</h1>{messages}<p id="status">{STATE_TEXT[view.state]}</p>'
        f"{_availability_form(action, view)}{_pause_form(action, view)}{_held(view)}{leave}"
    )
    return page("Uw voorkeuren", body, status=400 if error else 200)


def _leave_question(token: str, view: PreferencesView) -> HTMLResponse:
    action = html.escape(paths.preferences(token))
    name = html.escape(view.practice_name)
    return page(
        "Van de wachtlijst af?",
        f'<p class="practice">{name}</p><h1>Weet u zeker dat u van de wachtlijst af wilt?</h1>'
        f"<p>U krijgt dan geen SMS'jes meer over vrije plekken bij {name}. Even geen berichten? "
        "Pauzeren kan ook.</p>"
        f'<form method="post" action="{action}"><input type="hidden" name="actie" '
        'value="afmelden"><button type="submit" id="afmelden-bevestigen">Ja, haal mij van de '
        f'wachtlijst</button></form><a class="button secondary" href="{action}">Nee, terug</a>',
    )


async def _read_form(request: Request) -> dict[str, list[str]] | None:
    """The urlencoded body, at most BODY_MAX bytes (None when bigger or not a form)."""
    if request.headers.get("content-type", "").split(";")[0].strip() != (
        "application/x-www-form-urlencoded"
    ):
        return {}
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > BODY_MAX:
        return None
    body = b""
    try:
        async for chunk in request.stream():
            body += chunk
            if len(body) > BODY_MAX:
                return None
    except ClientDisconnect:
        return {}
    fields: dict[str, list[str]] = {}
    for key, value in parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True):
        fields.setdefault(key, []).append(value)
    return fields


def _first(form: dict[str, list[str]], key: str) -> str:
    return (form.get(key) or [""])[0]


async def preferences_page(request: Request) -> Response:
    """Reads the body on the loop (bounded), then answers on a worker thread: every service
    call below is a blocking database transaction."""
    token = request.path_params["token"]
    if request.method == "GET":
        return await run_in_threadpool(_show, token, request.query_params.get("stap", ""))
    if request.headers.get("sec-fetch-site") == "cross-site":
        return page("Niet toegestaan", "<h1>Dit formulier kwam van een andere site</h1>", 403)
    form = await _read_form(request)
    return await run_in_threadpool(_post, token, form)


def _show(token: str, step: str) -> Response:
    current = service.show(token)
    if current.view is None:
        return _gone() if current.gone else not_found()
    if step == "afmelden" and current.view.can_change:
        return _leave_question(token, current.view)
    return _render(token, current.view)


def _post(token: str, form: dict[str, list[str]] | None) -> Response:
    action = "" if not form else _first(form, "actie")
    if form is None or action not in ACTIONS:
        current = service.show(token)
        if current.view is None:
            return _gone() if current.gone else not_found()
        response = _render(token, current.view, error=TOO_BIG if form is None else FORM_ERROR)
        response.status_code = 413 if form is None else 400
        return response
    if action == "beschikbaarheid":
        outcome = service.set_availability(token, form.get("dagdeel", []))
    elif action == "pauzeren":
        outcome = service.pause(token, _first(form, "weken"))
    elif action == "pauze-beeindigen":
        outcome = service.end_pause(token)
    else:
        outcome = service.leave(token)
    if outcome.view is None:
        return _gone() if outcome.gone else not_found()
    if outcome.error:
        return _render(token, outcome.view, error=outcome.error)
    if action == "pauzeren":
        notice = (
            f"Gepauzeerd tot {outcome.view.paused_until_text}. Tot die dag krijgt u geen "
            "berichten over vrije plekken."
        )
    elif action == "afmelden":
        notice = "Gelukt: u bent van de wachtlijst af."
    else:
        notice = DONE[action]
    return _render(token, outcome.view, notice=notice)


def from_offer(request: Request) -> Response:
    """`/c/<token>/voorkeuren`, the claim page's link: on to the patient's own signed link."""
    signed = service.link_for_offer(request.path_params["token"])
    if signed is None:
        return not_found()
    return RedirectResponse(paths.preferences(signed), status_code=303, headers=NO_STORE)


def routes() -> list[Route]:
    return [
        Route(paths.PREFERENCES, preferences_page, methods=["GET", "POST"]),
        Route(paths.CLAIM_PREFERENCES, from_offer, methods=["GET"]),
    ]
