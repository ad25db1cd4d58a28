"""The few pages served outside the Reflex app (claim page, privacy request form, e-mail
links): one small, fast HTML shell for a slow phone, with the privacy links in its footer."""

from __future__ import annotations

import html

from starlette.requests import Request
from starlette.responses import HTMLResponse

from pakjeplekje import routes
from pakjeplekje.client_address import client_address, is_loopback, limit_key
from pakjeplekje.config import get_settings

NO_STORE = {  # personal pages: never cached, never indexed, no referrer
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex",
}

PAGE = """<!doctype html><html lang="nl"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>{title}</title><style>
body{{font-family:system-ui,-apple-system,sans-serif;margin:0;background:#f4f7f6;color:#1a1a1a}}
main{{max-width:440px;margin:0 auto;padding:24px 18px}}
h1{{font-size:1.5rem;margin:0 0 4px}} .practice{{color:#0d7f73;font-weight:700;font-size:1.1rem}}
.card{{background:#fff;border-radius:14px;padding:20px;margin:18px 0;box-shadow:0 1px 3px #0002}}
.when{{font-size:1.35rem;font-weight:700;margin:6px 0}} .muted{{color:#555}}
button,.button{{display:block;width:100%;box-sizing:border-box;font-size:1.2rem;padding:18px;
border:0;border-radius:12px;background:#0d9488;color:#fff;font-weight:700;text-align:center;
text-decoration:none;margin-top:12px}} .secondary{{background:#e6eeec;color:#1a1a1a}}
footer{{font-size:.85rem;color:#666;margin-top:28px}} footer a{{color:#0d7f73}}
.what{{font-weight:700;margin:6px 0 0}} .contact{{border-top:1px solid #e3e8e7;margin-top:14px}}
.contact a{{color:#0d7f73;font-weight:700}} .answers{{display:flex;gap:10px}}
.answers form{{flex:1}} .leave{{margin-top:48px;padding-top:14px;border-top:1px solid #d5dedc;
font-size:.9rem}} .leave a{{color:#555}}
</style></head><body><main>{body}<footer><a href="{policy}">Privacybeleid</a> ·
<a href="{request_form}">Uw gegevens inzien of laten verwijderen</a></footer>
</main></body></html>"""


def page(title: str, body: str, status: int = 200) -> HTMLResponse:
    """`body` is HTML the caller escaped; the title is escaped here."""
    document = PAGE.format(
        title=html.escape(title),
        body=body,
        policy=routes.PRIVACY_POLICY,
        request_form=routes.PRIVACY_REQUEST,
    )
    return HTMLResponse(document, status_code=status, headers=NO_STORE)


def request_address(request: Request) -> str:
    """The client's address: the peer, or behind a proxy in TRUSTED_PROXIES what it forwarded."""
    peer = request.client.host if request.client else None
    forwarded = request.headers.getlist("x-forwarded-for")
    return client_address(peer, forwarded, get_settings().trusted_proxies)


def client_host(request: Request) -> str:
    """Who a per-client rate limit counts (an IPv6 client by its /64)."""
    return limit_key(request_address(request))


def from_this_machine(request: Request) -> bool:
    """The dev inboxes show reset and claim links: only for a browser on this machine."""
    return is_loopback(request_address(request))
