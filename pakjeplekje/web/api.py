"""HTTP routes that are not pages: health, the session cookie hand-off, the dev mail inbox;
the claim, waitlist, Twilio and Stripe routes are mounted from their own modules."""

from __future__ import annotations

import html
import logging
import re

from sqlalchemy import text
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from pakjeplekje import clock, routes
from pakjeplekje.adapters.mail import ConsoleOutbox
from pakjeplekje.config import get_settings
from pakjeplekje.db import get_engine, session_scope
from pakjeplekje.domain.accounts import auth
from pakjeplekje.domain.accounts.sessions import resolve_session
from pakjeplekje.domain.errors import DomainError
from pakjeplekje.web import api_docs, api_v1
from pakjeplekje.web import calendar_feed as api_calendar
from pakjeplekje.web import claim as api_claim
from pakjeplekje.web import dev_sms as api_dev_sms
from pakjeplekje.web import email_confirmation as api_account
from pakjeplekje.web import poster as api_poster
from pakjeplekje.web import preferences as api_preferences
from pakjeplekje.web import privacy as api_privacy
from pakjeplekje.web import public_signup as api_public_signup
from pakjeplekje.web import results_download as api_results
from pakjeplekje.web import stripe_webhook as api_stripe
from pakjeplekje.web import twilio_webhooks as api_webhooks
from pakjeplekje.web import waitlist_downloads as api_waitlist
from pakjeplekje.web.api_v1 import openapi as api_v1_openapi
from pakjeplekje.web.api_v1 import problems as api_v1_problems
from pakjeplekje.web.html_pages import from_this_machine
from pakjeplekje.web.security_headers import SecurityHeaders
from pakjeplekje.web.session_cookie import (
    binding_cookie_name,
    clear_binding_cookie,
    clear_session_cookie,
    cookie_from_header,
    set_session_cookie,
    token_from_cookie_header,
)
from pakjeplekje.web.unavailable import EXCEPTION_HANDLERS
from pakjeplekje.web.upload_guard import UploadGuard

log = logging.getLogger(__name__)

_SAFE_NEXT = re.compile(r"^/(?!/)[A-Za-z0-9/_\-]*$")  # a local path, never //host


def health(_: Request) -> JSONResponse:
    try:
        with get_engine().connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception:
        log.exception("health check: database unreachable")
        return JSONResponse({"status": "error", "db": "unreachable"}, status_code=503)
    return JSONResponse({"status": "ok", "db": "ok"})


def _redirect(path: str) -> RedirectResponse:
    response = RedirectResponse(path, status_code=303)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def start_session(request: Request) -> Response:
    """Trades a one-minute login grant (from a login/signup event) for the HttpOnly cookie,
    only in the browser that asked for it: its page set the binding cookie just before."""
    grant = request.query_params.get("grant", "")
    target = request.query_params.get("next", "/dashboard")
    if not _SAFE_NEXT.match(target):
        target = "/dashboard"
    binding = cookie_from_header(request.headers.get("cookie"), binding_cookie_name())
    try:
        if not auth.login_grant_bound(get_settings().secret_key, grant, binding):
            raise DomainError("Deze link hoort bij een andere browser.")
        with session_scope() as db:
            token = auth.redeem_login_grant(db, grant, clock.now())
    except DomainError:  # no session ever existed in this browser: not "verlopen"
        response = _redirect(routes.login("inloggen"))
    else:
        response = _redirect(target)
        set_session_cookie(response, token)
    clear_binding_cookie(response)
    return response


def end_session(request: Request) -> Response:
    raw = token_from_cookie_header(request.headers.get("cookie"))
    with session_scope() as db:
        actor = resolve_session(db, raw, clock.now())
        if actor is not None:
            auth.log_out(db, actor, clock.now())
    response = _redirect(routes.login("uitgelogd"))
    clear_session_cookie(response)
    return response


_LINK = re.compile(r"(https?://[^\s<>\"']+)")


def dev_mail(request: Request) -> Response:
    """Development inbox of the console mail backend; absent (404) outside dev and for any
    client not on this machine."""
    settings = get_settings()
    if not settings.is_dev or settings.mail_backend != "console" or not from_this_machine(request):
        return Response("Not Found", status_code=404, media_type="text/plain")
    items = []
    for mail in ConsoleOutbox(settings.data_dir).messages():
        body = _LINK.sub(r'<a href="\1">\1</a>', html.escape(mail["body"]))
        items.append(
            f'<article class="mail"><h2>{html.escape(mail["subject"])}</h2>'
            f'<p class="meta">Aan: <span class="to">{html.escape(mail["to"])}</span> · '
            f"{html.escape(mail['sent_at'])}</p><pre>{body}</pre></article>"
        )
    content = "".join(items) or "<p>Nog geen e-mails verstuurd.</p>"
    page = (
        '<!doctype html><html lang="nl"><head><meta charset="utf-8">'
        "<title>Dev-mail · PakJePlekje</title><style>body{font-family:system-ui;max-width:760px;"
        "margin:2rem auto;padding:0 1rem}article{border:1px solid #ddd;border-radius:8px;"
        "padding:1rem;margin:1rem 0}pre{white-space:pre-wrap;font-family:inherit}.meta{color:#666}"
        "</style></head><body><h1>Dev-mail</h1><p>E-mails die de console-backend zou versturen "
        f"(alleen in ontwikkeling).</p>{content}</body></html>"
    )
    return HTMLResponse(page, headers={"Cache-Control": "no-store"})


def _problem_types() -> dict[str, tuple[int, str]]:
    """Every `type` a problem answer of /api/v1 can carry, for its anchor on the docs page."""
    titles = api_v1_openapi.PROBLEM_TITLES
    return {slug: (status, titles[status]) for slug, status in api_v1_problems.TYPES.items()}


def create_api() -> Starlette:
    """Our routes; reflex mounts itself inside, so the middleware covers its pages too."""
    return Starlette(
        middleware=[Middleware(SecurityHeaders), Middleware(UploadGuard)],
        exception_handlers=EXCEPTION_HANDLERS,
        routes=[
            Route(routes.HEALTH, health, methods=["GET"]),
            Route(routes.SESSION_GRANT, start_session, methods=["GET"]),
            # POST only: the SameSite=Lax cookie is not sent on a cross-site POST (no logout CSRF)
            Route(routes.LOGOUT, end_session, methods=["POST"]),
            Route(routes.DEV_MAIL, dev_mail, methods=["GET"]),
            *api_waitlist.routes(),
            *api_results.routes(),
            *api_claim.routes(),
            *api_preferences.routes(),
            *api_dev_sms.routes(),
            *api_webhooks.routes(),
            *api_stripe.routes(),
            *api_privacy.routes(),
            *api_public_signup.routes(),
            *api_account.account_routes(),
            *api_poster.poster_routes(),
            *api_calendar.calendar_routes(),
            # the readable docs, from the same OpenAPI document the API serves and checks
            *api_docs.routes(lambda: api_v1_openapi.DOCUMENT, _problem_types()),
            *api_v1.routes(),  # last: a page under /api/v1 (the docs) mounted above wins
        ],
    )
