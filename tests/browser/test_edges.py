"""The HTTP edge of the running prod build, as an attacker and a browser meet it: who the
client is, what reaches the log, the headers on every page, the login grant, the dev
inboxes and the upload endpoint."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import re
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import aiohttp
import httpx
import pytest
import socketio
from playwright.sync_api import Page, expect
from sqlmodel import Session, select

from pakjeplekje.db import make_engine
from pakjeplekje.domain.tokens import keyed_hash
from pakjeplekje.models import LoginThrottle
from tests.browser.conftest import TRUSTED_PROXY
from tests.browser.flows import (
    PASSWORD,
    App,
    log_in,
    open_slot,
    seed_patients,
    signed_up_owner,
    toasts,
)

SECRET = "browser-test-secret"  # SECRET_KEY of the app under test
STATE = "reflex___state____state.pakjeplekje___ui___state___"
LOGIN_SUBMIT = f"{STATE}auth____login_state.submit"
IMPORT_UPLOAD = f"{STATE}waitlist_import____waitlist_import_state.upload"
NOT_AN_UPLOAD = f"{STATE}waitlist_import____waitlist_import_state.cancel"
BACKGROUND_NOT_AN_UPLOAD = f"{STATE}billing____billing_state.wait_for_webhook"


# --- a raw Socket.IO client, from a chosen local address ------------------------------------


async def _send_events(
    app: App,
    events: list[dict[str, Any]],
    *,
    source: str = "127.0.0.1",
    headers: dict[str, str] | None = None,
    wait_s: float = 8.0,
) -> list[Any]:
    """Connect as a script would (own Origin header allowed), send `events`, collect what the
    server answers until it has answered each event or `wait_s` passed."""
    connector = aiohttp.TCPConnector(local_addr=(source, 0))
    answers: list[Any] = []
    async with aiohttp.ClientSession(connector=connector) as http:
        sio = socketio.AsyncClient(http_session=http, reconnection=False)

        @sio.on("event", namespace="/_event")
        async def _collect(data: Any) -> None:
            answers.append(data)

        await sio.connect(
            f"http://localhost:{app.port}?token={uuid.uuid4()}",
            socketio_path="/_event",
            namespaces=["/_event"],
            transports=["websocket"],
            headers={"Origin": app.base_url, **(headers or {})},
        )
        for event in events:
            await sio.emit("event", event, namespace="/_event")
        deadline = time.monotonic() + wait_s
        while len(answers) < len(events) and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        await sio.disconnect()
    return answers


def send_events(app: App, events: list[dict[str, Any]], **kwargs: Any) -> list[Any]:
    """On a thread of its own: Playwright's sync API keeps an event loop on this one."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, _send_events(app, events, **kwargs)).result()


def event(name: str, payload: dict[str, Any], path: str = "/inloggen") -> dict[str, Any]:
    return {
        "name": name,
        "payload": payload,
        "router_data": {"pathname": path, "query": {}, "asPath": path},
    }


def throttle_keys(app: App) -> set[str]:
    engine = make_engine(f"sqlite:///{app.data_dir / 'pakjeplekje.db'}")
    with Session(engine) as db:
        keys = set(db.exec(select(LoginThrottle.key)).all())
    engine.dispose()
    return keys


def failed_login_from(app: App, source: str, forwarded: str) -> None:
    answers = send_events(
        app,
        [event(LOGIN_SUBMIT, {"form": {"email": "niemand@example.nl", "password": "fout fout"}})],
        source=source,
        headers={"X-Forwarded-For": forwarded},
    )
    assert answers, "the login handler should answer with its error"


# --- 1. the client address of event handlers --------------------------------------------------


def test_event_handlers_count_the_peer_or_what_a_trusted_proxy_forwarded(app: App) -> None:
    """The login limit keys on the websocket's peer; a forged X-Forwarded-For from an
    untrusted peer is ignored, one from the trusted proxy (127.0.0.2) names the client, and an
    IPv6 client is counted by its /64."""
    failed_login_from(app, "127.0.0.3", "203.0.113.50")  # untrusted peer, forged header
    failed_login_from(app, TRUSTED_PROXY, "198.51.100.1, 203.0.113.9")  # through the proxy
    failed_login_from(app, TRUSTED_PROXY, "2001:db8:5:6:aaaa:bbbb:cccc:dddd")
    keys = throttle_keys(app)
    assert keyed_hash(SECRET, "client", "127.0.0.3") in keys
    assert keyed_hash(SECRET, "client", "203.0.113.50") not in keys
    assert keyed_hash(SECRET, "client", "203.0.113.9") in keys
    assert keyed_hash(SECRET, "client", "198.51.100.1") not in keys
    assert keyed_hash(SECRET, "client", TRUSTED_PROXY) not in keys
    assert keyed_hash(SECRET, "client", "2001:db8:5:6::/64") in keys


def test_dev_inboxes_refuse_a_stranger_behind_the_proxy(app: App) -> None:
    local = httpx.get(app.url("/dev/mail"))
    assert local.status_code == 200
    with httpx.Client(transport=httpx.HTTPTransport(local_address=TRUSTED_PROXY)) as proxy:
        for path in ("/dev/mail", "/dev/sms"):
            forwarded = proxy.get(app.url(path), headers={"X-Forwarded-For": "198.51.100.4"})
            assert forwarded.status_code == 404
    with httpx.Client(transport=httpx.HTTPTransport(local_address="127.0.0.3")) as other:
        # another loopback address is this machine too; a forged header changes nothing
        assert other.get(app.url("/dev/sms"), headers={"X-Forwarded-For": "8.8.8.8"}).is_success


# --- 2. the session cookie never reaches the log ----------------------------------------------


def test_a_bad_event_logs_no_session_cookie(new_page, app: App) -> None:  # type: ignore[no-untyped-def]
    """Reflex logs a bad event with its router_data, headers and cookie included: the log
    shows the event, never the cookie's value."""
    page = new_page()
    signed_up_owner(page, app, "Praktijk Logboek")
    [session] = [c for c in page.context.cookies() if c["name"] == "pjp_sessie"]
    token = session["value"]
    log = app.data_dir / "app.log"
    before = log.stat().st_size
    marker = f"bestaat_niet_{uuid.uuid4().hex[:8]}"
    send_events(
        app,
        [
            event(
                f"{STATE}{marker}.handler", {"x": 1}, path=f"/wachtwoord-herstellen?token={marker}"
            ),
            event(f"{STATE}slots____slots_state.{marker}", {"practice_id": "abc"}),
        ],
        headers={"Cookie": f"theme=dark; pjp_sessie={token}"},
        wait_s=3,
    )
    deadline = time.monotonic() + 15
    written = ""
    while time.monotonic() < deadline:
        written = log.read_bytes()[before:].decode("utf-8", "replace")
        if marker in re.sub(r"\s+", "", written):
            break
        time.sleep(0.5)
    flat = re.sub(r"\s+", "", written)  # the console handler wraps long lines
    assert marker in flat, "the bad event should have been logged"
    assert "'cookie':'***'" in flat  # the headers were in the record, the cookie masked
    assert token not in flat and token[:12] not in flat


# --- 3. security headers and a working app under the CSP --------------------------------------


def _inline_hashes(html: str) -> set[str]:
    found = re.findall(r"<script(?![^>]*\ssrc=)[^>]*>(.*?)</script>", html, re.S)
    return {
        "'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() + "'"
        for s in found
    }


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/", 200),
        ("/inloggen/", 200),
        ("/inloggen", 200),
        ("/dashboard/", 200),
        ("/wachtlijst", 200),
        ("/deze-pagina-bestaat-niet", 404),
        ("/c/geen-echt-token", 404),
        ("/privacy/verzoek", 200),
    ],
)
def test_every_page_carries_the_security_headers(app: App, path: str, status: int) -> None:
    """Reflex's prerendered pages (gzip or not), its 404 page and our own pages."""
    for encoding in ("gzip", "identity"):
        response = httpx.get(
            app.url(path), headers={"Accept-Encoding": encoding}, follow_redirects=True
        )
        assert response.status_code == status
        assert response.headers["content-type"].startswith("text/html")
        h = response.headers
        assert h["x-content-type-options"] == "nosniff"
        assert h["x-frame-options"] == "DENY"
        assert h["referrer-policy"] in {"same-origin", "no-referrer"}
        csp = dict(
            (part.split()[0], part.split()[1:]) for part in h["content-security-policy"].split(";")
        )
        assert csp["frame-ancestors"] == ["'none'"]
        assert "'unsafe-inline'" not in csp["script-src"]
        assert _inline_hashes(response.text) <= set(csp["script-src"])


def test_the_app_works_under_its_csp(new_page, app: App) -> None:  # type: ignore[no-untyped-def]
    """Sign up, open a slot (a toast), walk the menu, log out, log in: no CSP violation."""
    page: Page = new_page()
    violations: list[str] = []
    page.on(
        "console",
        lambda msg: (
            violations.append(msg.text)
            if "Content Security Policy" in msg.text or "Refused to" in msg.text
            else None
        ),
    )
    page.on("pageerror", lambda err: violations.append(f"pageerror: {err}"))
    owner = signed_up_owner(page, app, "Praktijk Strikt Beleid")
    seed_patients(app, owner, 6)
    menu = page.get_by_role("navigation", name="Hoofdmenu")
    menu.get_by_role("link", name="Plekken").click()
    open_slot(page, "10:00")
    expect(toasts(page).filter(has_text="Plek vrijgegeven")).to_be_visible()
    for label, path in [
        ("Wachtlijst", "/wachtlijst"),
        ("Dashboard", "/dashboard"),
        ("Privacy", "/privacy"),
        ("Instellingen", "/instellingen"),
        ("Abonnement", "/abonnement"),
    ]:
        menu.get_by_role("link", name=label).click()
        page.wait_for_url(re.compile(path))
        page.wait_for_load_state("networkidle")
    page.get_by_role("button", name="Uitloggen").click()
    page.wait_for_url(re.compile(r"/inloggen"))
    log_in(page, app, owner, PASSWORD)
    page.wait_for_url(re.compile(r"/dashboard"))
    assert violations == []


# --- 5. the login grant works only in the browser that asked for it --------------------------


def test_a_login_grant_opened_in_another_browser_logs_nobody_in(new_page, app: App) -> None:  # type: ignore[no-untyped-def]
    """Login CSRF: the attacker logs in to their own practice, keeps the grant link instead of
    following it, and sends it to a victim: the victim's browser is not logged in."""
    attacker: Page = new_page()
    owner = signed_up_owner(attacker, app, "Praktijk Aanvaller")
    attacker.get_by_role("button", name="Uitloggen").click()
    attacker.wait_for_url(re.compile(r"/inloggen"))
    grants: list[str] = []

    def keep(route) -> None:  # type: ignore[no-untyped-def]
        grants.append(route.request.url)
        route.abort()

    attacker.route("**/api/auth/sessie?**", keep)
    log_in(attacker, app, owner, PASSWORD)
    deadline = time.monotonic() + 20
    while not grants and time.monotonic() < deadline:
        attacker.wait_for_timeout(200)
    assert grants and "grant=" in grants[0]

    victim: Page = new_page()
    victim.goto(grants[0])
    victim.wait_for_url(re.compile(r"/inloggen/?\?melding=inloggen"))
    expect(victim.get_by_text("Log in om verder te gaan.")).to_be_visible()
    assert not [c for c in victim.context.cookies() if c["name"] == "pjp_sessie"]
    victim.goto(app.url("/dashboard"))
    victim.wait_for_url(re.compile(r"/inloggen"))

    attacker.unroute("**/api/auth/sessie?**")
    attacker.goto(grants[0])  # the browser that asked still gets in with it
    attacker.wait_for_url(re.compile(r"/dashboard"))
    assert [c for c in attacker.context.cookies() if c["name"] == "pjp_sessie"]


# --- 6. /_upload answers nonsense with 4xx ----------------------------------------------------


@pytest.mark.parametrize(
    ("handler", "body", "content_type"),
    [
        (BACKGROUND_NOT_AN_UPLOAD, None, None),  # reflex answered this one with 500
        (NOT_AN_UPLOAD, None, None),  # a real handler that takes no files
        (f"{STATE}bestaat.niet", None, None),
        ("", None, None),
        (IMPORT_UPLOAD, b"geen multipart", "multipart/form-data; boundary=x"),
        (IMPORT_UPLOAD, b"--x\r\nContent-Disposition: form-data\r\n\r\n", "multipart/form-data"),
        (IMPORT_UPLOAD, b"\x00\xff" * 100, "application/octet-stream"),
    ],
)
def test_upload_endpoint_answers_garbage_with_4xx(
    app: App, handler: str, body: bytes | None, content_type: str | None
) -> None:
    headers = {"reflex-client-token": str(uuid.uuid4()), "reflex-event-handler": handler}
    if body is None:
        response = httpx.post(
            app.url("/_upload"), headers=headers, files={"files": ("a.csv", b"naam;telefoon\n")}
        )
    else:
        headers["content-type"] = content_type or ""
        response = httpx.post(app.url("/_upload"), headers=headers, content=body)
    assert 400 <= response.status_code < 500, (response.status_code, response.text[:200])
