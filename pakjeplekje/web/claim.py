"""The patient's side: the claim page `/c/<token>` and `POST /api/claim/{token}`.

Server-rendered HTML, not a Reflex page: a patient on a slow phone gets a few kilobytes that
work without JavaScript, and an unknown token gets a real 404. Both call `claims.claim()`,
after a read-only look (`claims.decided`) that answers every claim that can no longer win
without taking the write lock.
"""

from __future__ import annotations

import html

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from pakjeplekje import clock
from pakjeplekje import routes as paths
from pakjeplekje.db import read_scope, session_scope
from pakjeplekje.domain.core_loop import claims
from pakjeplekje.domain.dutch_dates import long_moment
from pakjeplekje.domain.tokens import hash_token
from pakjeplekje.services import claiming, declining, unit_of_work
from pakjeplekje.web.html_pages import NO_STORE, client_host, page

API_STATUS = {
    "claimed": 200,
    "taken": 409,
    "expired": 410,
    "unavailable": 410,
    "declined": 410,
    "not_found": 404,
    "rate_limited": 429,
}
# The API's contract knows four answers; a practice that takes no claims, or an offer the
# patient declined, is "expired" there.
API_RESULT = {"unavailable": "expired", "declined": "expired"}


def _run_claim(request: Request, token: str, channel: str) -> claims.ClaimResult:
    return claiming.claim_by_link(token, channel, client_host(request))


def api_claim(request: Request) -> JSONResponse:
    result = _run_claim(request, request.path_params["token"], "api")
    if result.result == "not_found":
        return JSONResponse({"result": "not_found"}, status_code=404, headers=NO_STORE)
    return JSONResponse(
        {"result": API_RESULT.get(result.result, result.result)},
        status_code=API_STATUS[result.result],
        headers=NO_STORE,
    )


def _slot_card(view: claims.ClaimView) -> str:
    """The slot and where it is: treatment (when the slot names one), time, duration, and the
    practice's address and number (a tap calls it)."""
    treatment = (
        f'<p class="what" id="behandeling">{html.escape(view.treatment.capitalize())}</p>'
        if view.treatment
        else ""
    )
    return (
        f'<p class="practice">{html.escape(view.practice_name)}</p>'
        f'<div class="card"><p class="muted">Vrijgekomen afspraak</p>{treatment}'
        f'<p class="when" id="wanneer">{long_moment(view.starts_local)}</p>'
        f'<p class="muted">Duur: {view.duration_minutes} minuten</p>{_practice_contact(view)}</div>'
    )


def _practice_contact(view: claims.ClaimView) -> str:
    """Address and phone, each only when the practice filled it in."""
    lines = []
    if view.address:
        lines.append(f'<p id="adres">{html.escape(view.address)}</p>')
    if view.phone:
        shown = html.escape(view.shown_phone)
        lines.append(
            f'<p>Telefoon: <a id="telefoon" href="tel:{html.escape(view.phone)}">{shown}</a></p>'
        )
    return f'<div class="contact">{"".join(lines)}</div>' if lines else ""


def not_found() -> HTMLResponse:
    return page(
        "Niet gevonden",
        "<h1>Deze link bestaat niet</h1><p>Controleer of u de hele "
        "link uit de SMS heeft geopend.</p>",
        status=404,
    )


def _preferences_link(token: str) -> str:
    """Every offer's page leads to the patient's preferences (availability, pause, leave). The
    link goes through `/c/<token>/voorkeuren`, which finds the patient: the claim page itself
    stays free of database reads (a claim storm's losers are answered from memory)."""
    href = paths.CLAIM_PREFERENCES.format(token=html.escape(token))
    return (
        f'<a id="voorkeuren" href="{href}">Uw voorkeuren aanpassen of pauzeren</a>'
        '<span aria-hidden="true"> · </span>'
    )


def _result_page(token: str, view: claims.ClaimView) -> HTMLResponse:
    card = _slot_card(view)
    if view.state == "open":
        decline = paths.CLAIM_DECLINE.format(token=html.escape(token))
        body = (
            f"<h1>Wilt u deze plek?</h1>{card}"
            f'<div class="answers"><form method="post">'
            f'<button type="submit">Ja, ik neem deze plek</button></form>'
            f'<form method="post" action="{decline}">'
            f'<button class="secondary" type="submit">Nee, dank u</button></form></div>'
            f'<p class="muted">Wie het eerst bevestigt, krijgt de plek. Zegt u nee, dan gaat '
            f"de plek meteen naar de volgende; u blijft op de wachtlijst staan.</p>"
        )
    elif view.state == "declined":
        body = (
            f"<h1>Dank u voor uw antwoord</h1>{card}<p>U heeft deze plek afgeslagen; hij gaat "
            f"naar de volgende op de wachtlijst. U blijft op de wachtlijst staan en krijgt bij "
            f"een volgende vrije plek weer een SMS.</p>"
        )
    elif view.state == "claimed_by_you":
        calendar = paths.CLAIM_CALENDAR.format(token=html.escape(token))
        body = (
            f"<h1>De afspraak is van u!</h1>{card}<p>U krijgt ook een bevestiging per "
            f'SMS.</p><a class="button secondary" href="{calendar}">Zet in mijn agenda</a>'
        )
    elif view.state == "taken":
        body = (
            f"<h1>Helaas, deze plek is al vergeven</h1>{card}<p>U blijft op de wachtlijst "
            f"staan. Bij een volgende vrije plek krijgt u weer een SMS.</p>"
        )
    elif view.state == "unavailable":  # the practice is read-only; the patient needs no why
        body = (
            f"<h1>Deze plek is niet meer beschikbaar</h1>{card}<p>Via deze link kunt u de "
            f"plek op dit moment niet aannemen. Wilt u deze afspraak graag? Neem dan gerust "
            f"contact op met de praktijk. U blijft op de wachtlijst staan.</p>"
        )
    else:
        body = (
            f"<h1>Deze plek is niet meer beschikbaar</h1>{card}<p>De afspraak is verlopen "
            f"of door de praktijk gesloten. U blijft op de wachtlijst staan.</p>"
        )
    # Leaving the waitlist is a small link at the foot of the page, away from the answer
    # buttons, and it asks first (`opt_out_question`): nobody leaves by a slip of the thumb.
    leave = (
        f'<p class="leave">{_preferences_link(token)}<a id="afmelden" '
        f'href="{paths.CLAIM_OPT_OUT.format(token=html.escape(token))}">'
        "Afmelden voor deze praktijk</a></p>"
    )
    return page(f"Vrije plek bij {view.practice_name}", body + leave)


def claim_page(request: Request) -> Response:
    token = request.path_params["token"]
    if request.method == "POST":
        result = _run_claim(request, token, "page")
        if result.result == "rate_limited":
            return page(
                "Even wachten",
                "<h1>Te veel pogingen</h1><p>Probeer het over een kwartier opnieuw.</p>",
                status=429,
            )
        view = result.view
    else:
        view = claiming.view_offer(token)
    return not_found() if view is None else _result_page(token, view)


def decline(request: Request) -> Response:
    """ "Nee, dank u": the offer ends declined and the next patient is texted at once. A link
    that can no longer say no (won, lost, expired) shows what it shows anyway."""
    token = request.path_params["token"]
    declining.decline_by_link(token)
    view = claiming.view_offer(token)
    return not_found() if view is None else _result_page(token, view)


def opt_out_question(token: str) -> Response:
    """GET: "Weet u het zeker?" before anything changes; the button posts to the same address."""
    with read_scope() as db:
        practice_name = claims.opt_out_practice(db, token)
    if practice_name is None:
        return not_found()
    name = html.escape(practice_name)
    back = paths.CLAIM.format(token=html.escape(token))
    return page(
        "Afmelden?",
        f'<p class="practice">{name}</p><h1>Weet u zeker dat u zich wilt afmelden?</h1>'
        f"<p>U krijgt dan geen SMS'jes meer over vrije plekken bij {name}. Wilt u later toch "
        "weer berichten? Dan kan de praktijk u weer aanmelden.</p>"
        f'<form method="post"><button type="submit" id="afmelden-bevestigen">Ja, meld mij af'
        f'</button></form><a class="button secondary" href="{back}">Nee, terug</a>',
    )


def opt_out(request: Request) -> Response:
    if request.method == "GET":
        return opt_out_question(request.path_params["token"])
    token = request.path_params["token"]
    # a unit of work: the practice's webhook (patient.opted_out) leaves once this is committed
    practice_name = unit_of_work.run(lambda work: claims.opt_out(work.db, token, clock.now()))
    if practice_name is None:
        return not_found()
    return page(
        "Afgemeld",
        f"<h1>U bent afgemeld</h1><p>U krijgt geen SMS'jes meer van "
        f"{html.escape(practice_name)}. Wilt u toch weer berichten? Neem contact op "
        "met de praktijk.</p>",
    )


def calendar_file(request: Request) -> Response:
    token = request.path_params["token"]
    with session_scope() as db:
        view = claims.view(db, token, clock.now())
    if view is None or view.state != "claimed_by_you":
        return not_found()
    body = claims.ics(view, uid=hash_token(token)[:24], now=clock.now())
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={**NO_STORE, "Content-Disposition": 'attachment; filename="afspraak.ics"'},
    )


def routes() -> list[Route]:
    return [
        Route(paths.CLAIM_API, api_claim, methods=["POST"]),
        Route(paths.CLAIM, claim_page, methods=["GET", "POST"]),
        Route(paths.CLAIM_CALENDAR, calendar_file, methods=["GET"]),
        Route(paths.CLAIM_OPT_OUT, opt_out, methods=["GET", "POST"]),
        Route(paths.CLAIM_DECLINE, decline, methods=["POST"]),
    ]
