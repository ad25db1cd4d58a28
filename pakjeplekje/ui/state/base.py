"""Plumbing every state shares: running domain calls off the event loop, finding the actor."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TypeVar

import reflex as rx
from sqlmodel import Session

from pakjeplekje import clock, routes
from pakjeplekje.client_address import client_address, limit_key
from pakjeplekje.config import get_settings
from pakjeplekje.domain.accounts.sessions import resolve_session
from pakjeplekje.domain.actor import Actor
from pakjeplekje.services import unit_of_work
from pakjeplekje.services.unit_of_work import UnitOfWork
from pakjeplekje.web.session_cookie import token_from_cookie_header

T = TypeVar("T")


async def in_transaction(work: Callable[[Session], T]) -> T:
    """Run `work` in one committed transaction on a worker thread (never block the event loop)."""
    return await unit_of_work.run_off_loop(lambda uow: work(uow.db))


async def in_unit_of_work(work: Callable[[UnitOfWork], T]) -> T:
    """`in_transaction` for work with effects (mail, jobs, live updates): they run after the
    commit, and not at all when it rolls back."""
    return await unit_of_work.run_off_loop(work)


def session_token(state: rx.State) -> str | None:
    """The HttpOnly cookie the websocket handshake carried; the browser's JS never sees it."""
    return token_from_cookie_header(state.router.headers.cookie)


def client_id(state: rx.State) -> str:
    """Who a per-client rate limit counts, as `html_pages.client_host` does for HTTP routes.
    Reflex's `client_ip` is the websocket's TCP peer (its `trusted_proxy_hops` stays 0, checked
    at start-up); the forwarded header it keeps is believed only from a trusted proxy."""
    router = state.router
    forwarded = router.headers.raw_headers.get("x-forwarded-for", "")
    address = client_address(router.session.client_ip, [forwarded], get_settings().trusted_proxies)
    return limit_key(address)


async def current_actor(state: rx.State) -> Actor | None:
    """Re-checked against the database on every event: revocation takes effect at once."""
    token = session_token(state)
    if not token:
        return None
    return await in_transaction(lambda db: resolve_session(db, token, clock.now()))


MAX_ID = 2**63 - 1


def record_id(value: object) -> int | None:
    """A record id from the client, or None: digits only and within a BIGINT."""
    text = str(value)
    if not text.isdecimal() or len(text) > 19:
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None


def link(path: str) -> str:
    return get_settings().url(path)


def full_page_redirect(url: str) -> rx.event.EventSpec:
    """A real navigation (not the client router), so the server can set or clear the cookie."""
    return rx.call_script(f"window.location.assign({json.dumps(url)})")


def full_page_post(url: str) -> rx.event.EventSpec:
    """Submit an empty HTML form: reflex's own forms always intercept the submit event."""
    return rx.call_script(
        "(() => { const f = document.createElement('form'); f.method = 'post'; "
        f"f.action = {json.dumps(url)}; document.body.appendChild(f); f.submit(); }})()"
    )


def login_redirect(reason: str) -> rx.event.EventSpec:
    """To the login page, saying why (`verlopen`, `inloggen`)."""
    return rx.redirect(routes.login(reason), replace=True)


def no_session_redirect(state: rx.State) -> rx.event.EventSpec:
    """A caller without a valid session: "verlopen" if it still sent a (stale) cookie."""
    return login_redirect("verlopen" if session_token(state) else "inloggen")
