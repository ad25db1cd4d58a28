"""The production layout, at its boundary: nginx in front of two app processes and a huey worker,
on PostgreSQL and Redis, started by `deploy.stack.running_stack` as `make prod-local` starts it.
Pages, assets, the event websocket and a sign-up all go through nginx; requests reach both app
processes; and with no app process left, nginx answers the Dutch 503 page."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, expect

from deploy.stack import Stack
from tests.browser import raw_socket
from tests.browser.conftest import _require_chromium, app_environment
from tests.browser.flows import PASSWORD, App, log_in, sign_up, unique_email
from tests.local_services import deployed_stack, free_port


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    _require_chromium()
    data_dir = tmp_path_factory.mktemp("stack-data")
    port = free_port()
    env = app_environment(port, data_dir)  # dev mode, console mail and SMS, the tests' clock
    with deployed_stack(data_dir, env, port) as running:
        yield running


@pytest.fixture
def chromium(stack: Stack, browser: Browser) -> Browser:
    """The session's Chromium (conftest `browser`), once the stack is up."""
    return browser


def _access_log(stack: Stack) -> list[str]:
    """nginx's log lines: time, method, status, upstream address(es), times (site.conf)."""
    text = (stack.run_dir / "logs/access.log").read_text()
    return [line for line in text.splitlines() if line.strip()]


def _settled_length(stack: Stack) -> int:
    """The log's length once no earlier request is still to be logged (unchanged for 0.3 s)."""
    length = -1
    while length != (length := len(_access_log(stack))):
        time.sleep(0.3)
    return length


def _logged(stack: Stack, since: int, count: int) -> list[str]:
    """The `count` lines logged after line `since`, once nginx wrote them: it logs a request
    when it is finished, which can be a moment after the client read the answer."""
    deadline = time.monotonic() + 10
    while len(lines := _access_log(stack)[since:]) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(lines) == count, lines
    return lines


_UPSTREAM = re.compile(r"127\.0\.0\.1:\d+")


def _answered_by(line: str) -> str | None:
    """The app process that answered (the last one nginx tried), or None for nginx itself."""
    tried = _UPSTREAM.findall(line)
    return tried[-1] if tried else None


def test_pages_come_through_an_app_process_and_assets_from_nginx(stack: Stack) -> None:
    before = _settled_length(stack)
    page = httpx.get(stack.url("/"))
    assert page.status_code == 200
    assert '<div id="root"' in page.text or "/assets/" in page.text  # the Reflex page
    # the app set this page's policy (with its inline scripts' hashes): it came through an app
    assert "script-src 'self'" in page.headers["content-security-policy"]
    asset = re.search(r"/assets/[\w.-]+\.js", page.text)
    assert asset is not None
    served = httpx.get(stack.url(asset.group(0)), headers={"Accept-Encoding": "gzip"})
    assert served.status_code == 200
    assert served.headers["content-encoding"] == "gzip"  # the build's .gz, straight from disk
    assert "immutable" in served.headers["cache-control"]
    # two lines, in either order: the page's (an app answered) and the asset's (nobody did)
    answered = sorted(_answered_by(line) or "" for line in _logged(stack, before, 2))
    assert answered[0] == "" and answered[1] in {f"127.0.0.1:{p}" for p in stack.app_ports}
    # the frontend talks to the backend through nginx's origin, not an app's own port
    env_module = next((stack.run_dir / "web/build/client/assets").glob("reflex-env-*.js"))
    assert f"ws://localhost:{stack.port}/_event" in env_module.read_text()


def test_requests_reach_both_app_processes(stack: Stack) -> None:
    before = _settled_length(stack)
    for _ in range(12):
        assert httpx.get(stack.url("/api/health")).status_code == 200
    answered = {_answered_by(line) for line in _logged(stack, before, 12)}
    assert answered == {f"127.0.0.1:{port}" for port in stack.app_ports}


def test_the_event_websocket_upgrades_through_nginx(stack: Stack) -> None:
    async def connect() -> raw_socket.Reply:
        sock = await raw_socket.RawSocket.open(stack.url(""))
        try:  # an event and its answer: the socket really carries Reflex's protocol
            return await sock.call(f"{raw_socket.ROOT_STATE}.set_is_hydrated", {"value": True})
        finally:
            await sock.close()

    reply = raw_socket.run(connect())
    assert not reply.timed_out and not reply.closed
    upgraded = [line for line in _access_log(stack) if line.split()[2] == "101"]
    assert upgraded and _answered_by(upgraded[-1]) in {f"127.0.0.1:{p}" for p in stack.app_ports}


def _confirm(stack: Stack, email: str) -> None:
    """Mark the owner's practice confirmed in the stack's database (set-up, not the subject)."""
    from sqlmodel import Session, select

    from pakjeplekje import clock
    from pakjeplekje.db import make_engine
    from pakjeplekje.domain.accounts import email_confirmation
    from pakjeplekje.models import User

    engine = make_engine(stack.env["DATABASE_URL"], pool_size=1)
    with Session(engine) as db:
        practice_id = db.exec(select(User.practice_id).where(User.email == email)).one()
        email_confirmation.mark_confirmed(db, practice_id, clock.now())
        db.commit()
    engine.dispose()


def test_sign_up_log_in_and_dashboard_through_nginx(stack: Stack, chromium: Browser) -> None:
    app = App(base_url=stack.url(""), port=stack.port, data_dir=Path(stack.env["DATA_DIR"]))
    email = unique_email("stack")
    first = chromium.new_context(locale="nl-NL", timezone_id="Europe/Amsterdam")
    first.set_default_timeout(20_000)
    page = first.new_page()
    sign_up(page, app, practice="Tandartspraktijk Achter Nginx", name="Olga Eigenaar", email=email)
    page.wait_for_url(re.compile(r"/dashboard"))
    _confirm(stack, email)
    first.close()

    again = chromium.new_context(locale="nl-NL", timezone_id="Europe/Amsterdam")
    again.set_default_timeout(20_000)
    page = again.new_page()
    log_in(page, app, email, PASSWORD)
    page.wait_for_url(re.compile(r"/dashboard"))
    menu = page.get_by_role("navigation", name="Hoofdmenu")
    menu.get_by_role("link", name="Plekken").click()
    expect(page.get_by_text("Nog geen plekken vrijgegeven.")).to_be_visible()
    again.close()


def test_a_killed_app_process_is_passed_over_and_its_replacement_rejoins(stack: Stack) -> None:
    """kill -9 of one app process: nginx sends every request to the other at once (a refused
    connection is retried on the next process); `start_app` brings a replacement back."""
    stack.kill_app(0)
    before = _settled_length(stack)
    for _ in range(6):
        assert httpx.get(stack.url("/api/health")).status_code == 200
    answered = {_answered_by(line) for line in _logged(stack, before, 6)}
    assert answered == {f"127.0.0.1:{stack.app_ports[1]}"}
    stack.start_app(0)
    assert stack.app_processes[0].poll() is None
    served = httpx.get(f"http://127.0.0.1:{stack.app_ports[0]}/api/health")
    assert served.json() == {"status": "ok", "db": "ok"}


def test_with_no_app_process_left_nginx_answers_the_dutch_503_page(stack: Stack) -> None:
    """Last in this module: it stops the stack's app processes."""
    for i in range(len(stack.app_processes)):
        stack.kill_app(i)
    answer = httpx.get(stack.url("/inloggen/"))
    assert answer.status_code == 503
    assert "PakJePlekje is even niet bereikbaar" in answer.text
    assert answer.headers["retry-after"] == "30"
    posted = httpx.post(stack.url("/api/claim/abc"))  # a patient's click gets the same page
    assert posted.status_code == 503
    assert "even niet bereikbaar" in posted.text
