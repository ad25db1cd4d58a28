"""Privacy HTTP routes: the practice's ZIP export (Overdracht).

The export is a plain HTTP download (the websocket caps `rx.download` at 1 MB): the privacy
page asks for a two-minute, single-use token over the websocket, then navigates here. The
route also requires the owner's session cookie, spends the token, and streams the ZIP from a
sync generator that Starlette runs in its threadpool — nothing is written to disk.
"""

from __future__ import annotations

import html
import json
import logging
from collections.abc import Iterator
from functools import partial

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from pakjeplekje import clock
from pakjeplekje import routes as paths
from pakjeplekje.config import get_settings
from pakjeplekje.db import session_scope
from pakjeplekje.domain import phones
from pakjeplekje.domain.accounts.sessions import resolve_session
from pakjeplekje.domain.errors import DomainError
from pakjeplekje.domain.privacy import correction, fulfilment, inzage_view
from pakjeplekje.domain.privacy import export as privacy_export
from pakjeplekje.domain.privacy import requests as privacy_requests
from pakjeplekje.services import practice_deletion as practice_deletion_service
from pakjeplekje.services import privacy_requests as privacy_requests_service
from pakjeplekje.web.html_pages import NO_STORE, client_host, page
from pakjeplekje.web.session_cookie import token_from_cookie_header

log = logging.getLogger(__name__)


def _stream(practice_id: int) -> Iterator[bytes]:
    with session_scope() as db:
        if db.get_bind().dialect.name == "postgresql":  # one snapshot for every table
            db.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        yield from privacy_export.export_zip(db, practice_id, clock.now())


def export_zip(request: Request) -> Response:
    raw_session = token_from_cookie_header(request.headers.get("cookie"))
    try:
        with session_scope() as db:
            now = clock.now()
            actor = resolve_session(db, raw_session, now)
            practice_id = privacy_export.redeem_export(
                db, request.query_params.get("token", ""), actor, now
            )
    except DomainError as exc:
        return JSONResponse({"error": exc.message}, status_code=403, headers=NO_STORE)
    stamp = clock.now().strftime("%Y%m%d-%H%M")
    return StreamingResponse(
        _stream(practice_id),
        media_type="application/zip",
        headers={
            **NO_STORE,
            "Content-Disposition": f'attachment; filename="pakjeplekje-export-{stamp}.zip"',
            "X-Content-Type-Options": "nosniff",
        },
    )


def undo_page(request: Request) -> Response:
    """The link from the deletion e-mail: GET shows a button (mail scanners only GET), POST
    restores the practice."""
    token = request.query_params.get("token", "")
    try:
        practice = practice_deletion_service.undo(token, confirmed=request.method == "POST")
    except DomainError as exc:
        return page("Herstellen", f"<h1>Herstellen lukt niet</h1>{_error(exc.message)}", 400)
    name = html.escape(practice.name)
    if request.method == "POST":
        return page(
            "Hersteld",
            f"<h1>{name} is hersteld</h1><p>U en uw collega's kunnen weer inloggen. "
            'Vrijgegeven plekken blijven gesloten.</p><a class="button" href="/inloggen">'
            "Inloggen</a>",
        )
    return page(
        "Herstellen",
        f"<h1>Verwijdering ongedaan maken</h1><p>{name} staat op de lijst om verwijderd te "
        "worden. Wilt u het account herstellen?</p>"
        f'<form method="post" action="{paths.PRIVACY_UNDO_DELETION}?token='
        f'{html.escape(token)}"><button type="submit">Account herstellen</button></form>',
    )


def email_confirm_page(request: Request) -> Response:
    """The link in the mail to the new address: GET shows a button (mail scanners only GET),
    POST makes the new address the login."""
    token = request.query_params.get("token", "")
    try:
        with session_scope() as db:
            if request.method == "POST":
                user = correction.confirm_email_change(db, token, clock.now())
                address = user.email
            else:
                address = correction.check_email_change(db, token, clock.now()).pending_email or ""
    except DomainError as exc:
        return page("E-mailadres", f"<h1>Bevestigen lukt niet</h1>{_error(exc.message)}", 400)
    shown = html.escape(address)
    if request.method == "POST":
        return page(
            "E-mailadres gewijzigd",
            f"<h1>E-mailadres gewijzigd</h1><p>U logt voortaan in met <b>{shown}</b>.</p>"
            '<a class="button" href="/inloggen">Inloggen</a>',
        )
    return page(
        "E-mailadres bevestigen",
        f"<h1>Nieuw e-mailadres bevestigen</h1><p>Wilt u voortaan inloggen met <b>{shown}</b>?"
        f'</p><form method="post" action="{paths.PRIVACY_CONFIRM_EMAIL}?token='
        f'{html.escape(token)}">'
        '<button type="submit">Bevestigen</button></form>',
    )


def routes() -> list[Route]:
    return [
        Route(paths.PRIVACY_EXPORT, export_zip, methods=["GET"]),
        Route(paths.PRIVACY_UNDO_DELETION, undo_page, methods=["GET", "POST"]),
        Route(paths.PRIVACY_CONFIRM_EMAIL, email_confirm_page, methods=["GET", "POST"]),
        *verzoek_routes(),
    ]


# --- /privacy/verzoek: the public request form (server-rendered, works without JavaScript) ---

KIND_HELP = {
    "inzage": "zien welke gegevens praktijken via PakJePlekje over u hebben",
    "overdracht": "uw gegevens downloaden (JSON)",
    "correctie": "onjuiste gegevens laten aanpassen",
    "verwijdering": "uw gegevens laten wissen en geen SMS meer krijgen",
    "bezwaar": "van elke wachtlijst af en geen SMS meer krijgen",
}


def _error(message: str) -> str:
    return f'<p class="card" role="alert" style="color:#b00020">{html.escape(message)}</p>'


def _channel(request: Request, form: dict[str, str] | None = None) -> str:
    value = (form or {}).get("channel") or request.query_params.get("via", "")
    return "email" if value == "email" else "sms"


def _where_codes_go() -> str:
    """The same sentence for every number: a foreign number learns nothing from its answer that
    this page did not already say."""
    names = phones.country_names(get_settings().sms_allowed_countries)
    return (
        f'<p class="muted">Codes per SMS gaan alleen naar mobiele nummers uit {names}. Heeft u '
        "een ander nummer? Vraag dan uw praktijk om uw verzoek door te geven.</p>"
    )


def _start_form(channel: str, kind: str = "", value: str = "", error: str = "") -> str:
    choices = "".join(
        f'<label style="display:block;margin:8px 0"><input type="radio" name="kind" '
        f'value="{k}"{" checked" if k == kind else ""} required> <b>{label}</b>: '
        f"{KIND_HELP[k]}</label>"
        for k, label in privacy_requests.KINDS.items()
    )
    if channel == "sms":
        field = (
            '<label for="value">Uw mobiele nummer</label><input id="value" name="value" '
            f'type="tel" autocomplete="tel" required value="{html.escape(value)}" '
            'style="display:block;width:100%;font-size:1.1rem;padding:10px;box-sizing:border-box">'
        )
        switch = _where_codes_go() + (
            f'<p class="muted">Werkt u bij een praktijk? <a href="{paths.PRIVACY_REQUEST}'
            '?via=email">Bevestig met uw e-mailadres</a>.</p>'
        )
    else:
        field = (
            '<label for="value">Uw e-mailadres</label><input id="value" name="value" '
            f'type="email" autocomplete="email" required value="{html.escape(value)}" '
            'style="display:block;width:100%;font-size:1.1rem;padding:10px;box-sizing:border-box">'
        )
        switch = (
            f'<p class="muted">Staat u op een wachtlijst? <a href="{paths.PRIVACY_REQUEST}">'
            "Bevestig met uw mobiele nummer</a>.</p>"
        )
    return (
        "<h1>Privacyverzoek</h1><p>Onder de AVG kunt u uw gegevens inzien, laten corrigeren "
        "of verwijderen, meenemen, of bezwaar maken. Wij sturen eerst een code om te "
        "controleren dat het om uw gegevens gaat.</p>"
        + (_error(error) if error else "")
        + f'<form method="post" action="{paths.PRIVACY_REQUEST}" class="card">'
        f'<input type="hidden" name="channel" value="{channel}">'
        f"<fieldset style='border:0;padding:0'><legend>Wat wilt u?</legend>{choices}</fieldset>"
        f'{field}<button type="submit">Stuur mij een code</button></form>{switch}'
    )


def verzoek_form(request: Request) -> Response:
    return page("Privacyverzoek", _start_form(_channel(request)))


def _code_form(kind: str, channel: str, value: str, ref: str, notice: str, error: str = "") -> str:
    needs_text = kind == "correctie" or (channel == "email" and kind != "inzage")
    text_field = (
        '<label for="message">Uw toelichting (wat moet er anders?)</label>'
        '<textarea id="message" name="message" rows="4" maxlength="2000" '
        'style="display:block;width:100%;box-sizing:border-box"></textarea>'
        if needs_text
        else ""
    )
    return (
        f"<h1>Vul uw code in</h1><p>{html.escape(notice)}</p>"
        + (_error(error) if error else "")
        + f'<form method="post" action="{paths.PRIVACY_REQUEST_CONFIRM}" class="card">'
        f'<input type="hidden" name="ref" value="{html.escape(ref)}">'
        f'<input type="hidden" name="value" value="{html.escape(value)}">'
        f'<input type="hidden" name="kind" value="{html.escape(kind)}">'
        f'<input type="hidden" name="channel" value="{html.escape(channel)}">'
        '<label for="code">Code (6 cijfers)</label><input id="code" name="code" '
        'inputmode="numeric" autocomplete="one-time-code" maxlength="6" required '
        'style="display:block;width:100%;font-size:1.4rem;padding:10px;box-sizing:border-box">'
        f'{text_field}<button type="submit">Bevestigen</button></form>'
        + (_where_codes_go() if channel == "sms" else "")
        + f'<p class="muted"><a href="{paths.PRIVACY_REQUEST}">Nieuwe code aanvragen</a></p>'
    )


async def verzoek_start(request: Request) -> Response:
    form = {k: str(v) for k, v in (await request.form()).items()}
    channel = _channel(request, form)
    kind, value = form.get("kind", ""), form.get("value", "")[:254]
    try:
        sent = await run_in_threadpool(
            privacy_requests_service.request_code, kind, channel, value, client_host(request)
        )
    except DomainError as exc:
        status = 429 if "Te veel" in exc.message or "al 3 codes" in exc.message else 400
        return page("Privacyverzoek", _start_form(channel, kind, value, exc.message), status)
    return page("Vul uw code in", _code_form(kind, channel, sent.value, sent.ref, sent.answer))


DATA_STYLE = (
    "<style>.gegevens h2{font-size:1.25rem;margin:0 0 4px}"
    ".gegevens h3{font-size:1.05rem;margin:18px 0 4px;color:#0d7f73}"
    ".gegevens dl{margin:0}.gegevens dt{color:#555;font-size:.85rem;margin-top:8px}"
    ".gegevens dd{margin:0;overflow-wrap:anywhere}"
    ".gegevens .item{border-top:1px solid #e3e9e7;padding:8px 0}"
    ".gegevens .item p{margin:4px 0 0}</style>"
)


def _facts(facts: list[tuple[str, str]]) -> str:
    rows = "".join(f"<dt>{html.escape(k)}</dt><dd>{html.escape(v)}</dd>" for k, v in facts)
    return f"<dl>{rows}</dl>"


def _section(section: inzage_view.Section, practice_no: int) -> str:
    slug = f"{section.title.lower()}-{practice_no}"
    body = _facts(section.facts) if section.facts else ""
    body += "".join(
        f'<div class="item"><p><b>{html.escape(item.title)}</b></p>{_facts(item.facts)}</div>'
        for item in section.items
    )
    if not body:
        body = f'<p class="muted">{html.escape(section.empty)}</p>'
    return f'<section id="{slug}"><h3>{html.escape(section.title)}</h3>{body}</section>'


def _data_page(shown: list[inzage_view.PracticeData], ref: str, value: str) -> str:
    """Per practice a card with its sections; then the same data as a JSON file (overdracht)."""
    cards = "".join(
        f'<div class="card praktijk-gegevens"><h2>{html.escape(p.practice)}</h2>'
        + "".join(_section(s, i) for s in p.sections)
        + "</div>"
        for i, p in enumerate(shown, start=1)
    )
    download = (
        f'<form method="post" action="{paths.PRIVACY_REQUEST_DOWNLOAD}">'
        f'<input type="hidden" name="ref" value="{html.escape(ref)}">'
        f'<input type="hidden" name="value" value="{html.escape(value)}">'
        '<button type="submit">Download als JSON</button></form>'
        '<p class="muted">Hetzelfde als hierboven, in een bestand dat andere programma\'s '
        "kunnen lezen (recht op overdracht). De download werkt 30 minuten.</p>"
    )
    return f'{DATA_STYLE}<div class="gegevens" id="gegevens">{cards}</div>{download}'


def _result(outcome: fulfilment.Outcome, ref: str = "", value: str = "") -> str:
    parts = [
        f"<h1>{privacy_requests.KINDS[outcome.kind]}</h1><p>{html.escape(outcome.summary)}</p>"
    ]
    if outcome.practices:
        listed = "".join(f"<li>{html.escape(n)}</li>" for n in outcome.practices)
        parts.append(f'<div class="card"><p>Betreft:</p><ul id="praktijken">{listed}</ul></div>')
    elif outcome.kind != "correctie":
        parts.append('<p class="muted">Wij vonden bij geen enkele praktijk gegevens.</p>')
    if outcome.data is not None and outcome.practices:
        view = (
            inzage_view.staff_view(outcome.data)
            if "account" in outcome.data
            else inzage_view.patient_view(outcome.data)
        )
        parts.append(_data_page(view, ref, value))
    return "".join(parts)


GONE = (
    "Deze download is niet (meer) beschikbaar. Vraag uw gegevens opnieuw op; u krijgt dan "
    "een nieuwe code."
)


async def verzoek_download(request: Request) -> Response:
    """ "Download als JSON": the form of a just-verified inzage/overdracht, same number. A
    wrong, used-up or someone else's reference gets the same 404 and nothing else."""
    form = {k: str(v) for k, v in (await request.form()).items()}
    data = await run_in_threadpool(
        partial(
            privacy_requests_service.download,
            ref=form.get("ref", ""),
            raw=form.get("value", "")[:254],
        )
    )
    if data is None:
        return page("Download", f"<h1>Download niet beschikbaar</h1>{_error(GONE)}", 404)
    stamp = clock.now().strftime("%Y%m%d-%H%M")
    return Response(
        json.dumps(data, ensure_ascii=False, indent=2),
        media_type="application/json; charset=utf-8",
        headers={
            **NO_STORE,
            "Content-Disposition": f'attachment; filename="mijn-gegevens-pakjeplekje-{stamp}.json"',
            "X-Content-Type-Options": "nosniff",
        },
    )


async def verzoek_confirm(request: Request) -> Response:
    form = {k: str(v) for k, v in (await request.form()).items()}
    channel = _channel(request, form)
    kind, value, ref = form.get("kind", ""), form.get("value", "")[:254], form.get("ref", "")
    message = form.get("message", "")

    if kind == "correctie" and not message.strip():
        notice = "Schrijf wat er gecorrigeerd moet worden."
        return page("Vul uw code in", _code_form(kind, channel, value, ref, notice), 400)
    verified, outcome = await run_in_threadpool(
        partial(
            privacy_requests_service.confirm,
            ref=ref,
            raw=value,
            code=form.get("code", ""),
            message=message,
        )
    )
    if outcome is None:
        return page(
            "Vul uw code in",
            _code_form(
                kind, channel, value, ref, "Controleer de code uit het bericht.", verified.error
            ),
            400,
        )
    return page("Verzoek ontvangen", _result(outcome, ref, value))


def verzoek_routes() -> list[Route]:
    return [
        Route(paths.PRIVACY_REQUEST, verzoek_form, methods=["GET"]),
        Route(paths.PRIVACY_REQUEST, verzoek_start, methods=["POST"]),
        Route(paths.PRIVACY_REQUEST_CONFIRM, verzoek_confirm, methods=["POST"]),
        Route(paths.PRIVACY_REQUEST_DOWNLOAD, verzoek_download, methods=["POST"]),
    ]
