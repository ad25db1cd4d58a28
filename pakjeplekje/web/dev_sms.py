"""`/dev/sms`: the console SMS backend's outbox as a phone-like inbox, one column per number.

Development only (404 otherwise, like /dev/mail): it shows claim links, which are as good as
a claim. Everything from the outbox is HTML-escaped before links are made clickable.
"""

from __future__ import annotations

import html
import re
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from pakjeplekje import routes as paths
from pakjeplekje.adapters.sms import ConsoleSms
from pakjeplekje.config import get_settings
from pakjeplekje.web.html_pages import from_this_machine

# Run on escaped text; a URL never ends in punctuation that merely closes the sentence.
_LINK = re.compile(r"(https?://[^\s<>\"']*[^\s<>\"'.,;:!?)])")

_STYLE = (
    "body{font-family:system-ui;margin:1.5rem;background:#f4f4f6}"
    ".inbox{display:flex;gap:1rem;align-items:flex-start;overflow-x:auto}"
    ".phone{flex:0 0 340px;background:#fff;border:1px solid #ccc;border-radius:24px;"
    "padding:1rem;box-shadow:0 2px 6px #0001}"
    ".phone h2{font-size:1rem;margin:0 0 .75rem;text-align:center}"
    ".bubble{background:#e9e9eb;border-radius:18px;padding:.6rem .8rem;margin:.5rem 0;"
    "white-space:pre-wrap;overflow-wrap:anywhere}"
    ".meta{display:block;color:#777;font-size:.75rem;margin-top:.25rem}"
    "a{color:#0a58ca}"
)


def _requested_number(request: Request) -> str | None:
    """`?nummer=+316…` arrives as ' 316…' when the '+' was not encoded; restore it."""
    raw = request.query_params.get("nummer", "").strip()
    if not raw:
        return None
    return "+" + raw if raw[0].isdigit() else raw


def _bubble(message: dict[str, str]) -> str:
    body = _LINK.sub(r'<a href="\1">\1</a>', html.escape(message["body"]))
    return (
        f'<div class="bubble" data-provider-id="{html.escape(message["provider_id"])}">{body}'
        f'<span class="meta">{html.escape(message["sent_at"])}</span></div>'
    )


def dev_sms(request: Request) -> Response:
    """Development inbox of the console SMS backend; absent (404) outside dev and for any
    client not on this machine."""
    settings = get_settings()
    if not settings.is_dev or settings.sms_backend != "console" or not from_this_machine(request):
        return Response("Not Found", status_code=404, media_type="text/plain")
    number = _requested_number(request)
    threads: dict[str, list[dict[str, str]]] = {}  # insertion order = newest activity first
    for message in ConsoleSms(settings.data_dir).messages(number):
        threads.setdefault(message["to"], []).append(message)
    columns = []
    for to, messages in threads.items():
        href = f"{paths.DEV_SMS}?nummer=" + quote(to, safe="")
        columns.append(
            f'<section class="phone" data-number="{html.escape(to)}">'
            f'<h2><a href="{html.escape(href)}">{html.escape(to)}</a></h2>'
            f"{''.join(_bubble(m) for m in messages)}</section>"
        )
    empty = "Nog geen SMS verstuurd" + (f" naar {html.escape(number)}" if number else "") + "."
    content = f'<div class="inbox">{"".join(columns)}</div>' if columns else f"<p>{empty}</p>"
    show_all = f' · <a href="{paths.DEV_SMS}">alle nummers</a>' if number else ""
    page = (
        '<!doctype html><html lang="nl"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Dev-SMS · PakJePlekje</title><style>{_STYLE}</style></head><body>"
        "<h1>Dev-SMS</h1><p>SMS'jes die de console-backend zou versturen (alleen in "
        f"ontwikkeling), nieuwste eerst{show_all}.</p>{content}</body></html>"
    )
    return HTMLResponse(page, headers={"Cache-Control": "no-store"})


def routes() -> list[Route]:
    return [Route(paths.DEV_SMS, dev_sms, methods=["GET"])]
