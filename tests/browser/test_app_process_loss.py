"""An app process dies under connected staff tabs (issue 13, the fault suite): nginx in front of
two app processes, a huey worker, PostgreSQL and Redis, as `make prod-local` runs them.

Two tabs of one practice's owner are open through nginx: tab A on Plekken with a slot form
filled in and its matches on screen, tab B on the dashboard. The process holding tab A's
websocket is killed (-9, granian's worker with it). What the owner must see: tab A comes back by
itself (no reload, still logged in) with the form, its matches and the chosen period, and
sends the slot; a patient's claim through nginx shows in both tabs. Then the killed process is
started again, takes requests, and the other process is killed under tab B: the same again.

Which process holds a tab is read, not guessed: Reflex keeps a record per tab token in Redis
naming the process instance that holds its socket (reflex/utils/token_manager.py), and each
process's instance id is learnt by connecting a probe socket to it directly.
"""

from __future__ import annotations

import pickle
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
import redis
from playwright.sync_api import Browser, Page, WebSocket, expect

from deploy.stack import Stack
from tests.browser import raw_socket
from tests.browser.conftest import _require_chromium, app_environment
from tests.browser.flows import App, log_in, next_weekday, sign_up, unique_email
from tests.local_services import deployed_stack, free_port

SOCKET_RECORD = "token_manager_socket_record_"  # reflex RedisTokenManager's key prefix
PATIENTS = 3
RECONNECT_BUDGET_S = 10.0  # a tab must be usable again well within this


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    _require_chromium()
    data_dir = tmp_path_factory.mktemp("loss-data")
    port = free_port()
    env = app_environment(port, data_dir)  # dev mode, console mail and SMS, the tests' clock
    with deployed_stack(data_dir, env, port) as running:
        yield running


# --- set-up straight into the stack's database (not the subject) ------------------------------


def _confirm_and_seed(stack: Stack, email: str, count: int) -> None:
    """The owner's practice confirmed, `count` waiting patients, no quiet hours, fixed waves
    (every patient texted in the first wave: each tab's patient has a link to claim with)."""
    from sqlmodel import Session, select

    from pakjeplekje import clock
    from pakjeplekje.db import make_engine
    from pakjeplekje.domain.accounts import email_confirmation
    from pakjeplekje.domain.waitlist import patients
    from pakjeplekje.models import Practice, Treatment, User
    from pakjeplekje.services.demo import waiting_patient

    engine = make_engine(stack.env["DATABASE_URL"], pool_size=1)
    with Session(engine) as db:
        practice_id = db.exec(select(User.practice_id).where(User.email == email)).one()
        email_confirmation.mark_confirmed(db, practice_id, clock.now())
        practice = db.get(Practice, practice_id)
        assert practice is not None
        practice.quiet_start_minute, practice.quiet_end_minute = 0, 0
        practice.wave_mode = "vast"
        db.add(practice)
        treatment = db.exec(
            select(Treatment.id).where(
                Treatment.practice_id == practice_id, Treatment.name == "controle"
            )
        ).first()
        for i in range(count):
            clean = waiting_patient(f"Seed Patiënt {i:03d}", f"+316{20000000 + i}", treatment)
            patients.insert(db, practice_id, clean, clock.now())
        db.commit()
    engine.dispose()


# --- which process holds which tab -------------------------------------------------------------


def _instance_of(stack: Stack, token: str) -> str | None:
    """The Reflex instance id that Redis names as holding the socket of tab `token`."""
    raw = redis.Redis.from_url(stack.env["REDIS_URL"]).get(SOCKET_RECORD + token)
    return None if raw is None else str(pickle.loads(raw).instance_id)  # noqa: S301  # our own Redis


def _instance_of_app(stack: Stack, i: int) -> str:
    """App process `i`'s instance id: a probe socket straight to its port, then its record."""

    async def probe() -> str | None:
        sock = await raw_socket.RawSocket.open(
            f"http://127.0.0.1:{stack.app_ports[i]}", origin=stack.url("")
        )
        try:
            await sock.call(f"{raw_socket.ROOT_STATE}.set_is_hydrated", {"value": True})
            return _instance_of(stack, sock.token)
        finally:
            await sock.close()

    instance = raw_socket.run(probe())
    assert instance, f"app {i} left no socket record in Redis"
    return instance


def _tab_token(page: Page) -> str:
    token = page.evaluate("window.sessionStorage.getItem('token')")
    assert token
    return str(token)


def _holder(stack: Stack, page: Page) -> int:
    """Which app process holds this tab's websocket now."""
    running = [i for i, proc in enumerate(stack.app_processes) if proc.poll() is None]
    instances = {_instance_of_app(stack, i): i for i in running}
    instance = _instance_of(stack, _tab_token(page))
    assert instance in instances, "the tab's socket is held by no running app process"
    return instances[instance]


# --- what the owner sees -----------------------------------------------------------------------


_HYDRATED = re.compile(r'"is_hydrated_rx_state_":\s*true')


@dataclass
class Sockets:
    """Every event websocket a tab opens, with when its state came back (the first update)
    and when the page was hydrated again (its on_load handlers done: usable)."""

    opened: list[WebSocket] = field(default_factory=list)
    first_update: dict[int, float] = field(default_factory=dict)
    hydrated: dict[int, float] = field(default_factory=dict)

    def watch(self, page: Page) -> None:
        def on_socket(ws: WebSocket) -> None:
            if "/_event" not in ws.url:
                return
            self.opened.append(ws)
            key = id(ws)

            def on_frame(payload: str | bytes) -> None:
                if isinstance(payload, str) and payload.startswith("42/_event"):
                    now = time.monotonic()
                    self.first_update.setdefault(key, now)
                    if _HYDRATED.search(payload):
                        self.hydrated.setdefault(key, now)

            ws.on("framereceived", on_frame)

        page.on("websocket", on_socket)


def _mark_document(page: Page) -> None:
    """A mark on this document: a reload or a navigation to another page loses it."""
    page.evaluate("window.__pjp_still_here = 'ja'")


def _same_document(page: Page) -> bool:
    return bool(page.evaluate("window.__pjp_still_here === 'ja'"))


def _prepare_slot(page: Page, start: str, period: str, matches: int) -> None:
    """Plekken: a period chosen, a slot filled in and its matches on screen, not yet sent."""
    page.get_by_role("combobox", name="Periode").click()
    page.get_by_role("option", name=period).click()
    expect(page.get_by_role("combobox", name="Periode")).to_contain_text(period)
    page.get_by_label("Datum").fill(next_weekday().isoformat())
    page.get_by_label("Begintijd").fill(start)
    page.locator("#treatment").select_option(label="controle")
    page.get_by_role("button", name="Bekijk wie er past").click()
    expect(page.locator("#aantal-kandidaten")).to_have_text(f"{matches} patiënten passen")


def _reconnected(
    page: Page, sockets: Sockets, before: int, killed_at: float
) -> tuple[float, float]:
    """Seconds from the kill to the tab's new websocket carrying its state again, and to the
    page being hydrated again (its on_load handlers, the login check among them, done)."""
    deadline = killed_at + RECONNECT_BUDGET_S
    while time.monotonic() < deadline:
        fresh = [id(ws) for ws in sockets.opened[before:]]
        hydrated = [sockets.hydrated[k] for k in fresh if k in sockets.hydrated]
        if hydrated:
            state_back = min(sockets.first_update[k] for k in fresh if k in sockets.first_update)
            return state_back - killed_at, min(hydrated) - killed_at
        page.wait_for_timeout(25)  # lets Playwright deliver the socket events
    raise AssertionError(f"the tab was not hydrated again within {RECONNECT_BUDGET_S} s")


def _still_as_left(page: Page, start: str, period: str, matches: int) -> None:
    """The owner's view survived: same document, logged in, period, form and matches."""
    assert _same_document(page), "the tab reloaded or navigated away"
    assert "/inloggen" not in page.url
    expect(page.get_by_role("combobox", name="Periode")).to_contain_text(period)
    expect(page.get_by_label("Begintijd")).to_have_value(start)
    expect(page.locator("#aantal-kandidaten")).to_have_text(f"{matches} patiënten passen")


def _send(page: Page, start: str, matches: int) -> str:
    """Send the previewed slot; returns its id once the SMS'jes show as sent."""
    page.get_by_role("button", name="Verstuur de SMS'jes").click()
    card = page.locator("[data-slot]").filter(has_text=start).first
    expect(card.locator("[data-offer]")).to_have_count(matches)
    expect(card.get_by_text("verstuurd")).to_have_count(matches)
    slot_id = card.get_attribute("data-slot")
    assert slot_id
    return slot_id


def _claim(stack: Stack, patient: int) -> str:
    """Patient `patient` claims through nginx with the link texted for the open slot."""
    phone = f"+316{20000000 + patient}"
    inbox = httpx.get(stack.url(f"/dev/sms?nummer={quote(phone)}"), timeout=20).text
    links = re.findall(r"/c/([A-Za-z0-9_-]+)", inbox)
    assert links, f"no claim link texted to patient {patient}"
    answers = []
    for link in dict.fromkeys(links):  # the open slot's link: an earlier slot is filled
        answer = httpx.post(stack.url(f"/api/claim/{link}"), timeout=20).json()
        if answer == {"result": "claimed"}:
            return f"Seed Patiënt {patient:03d}"
        answers.append(answer)
    raise AssertionError(f"no claim succeeded: {answers}")


def _answered_by(stack: Stack, since: int) -> set[str]:
    lines = (stack.run_dir / "logs/access.log").read_text().splitlines()[since:]
    return {m[-1] for line in lines if (m := re.findall(r"127\.0\.0\.1:\d+", line))}


def _log_length(stack: Stack) -> int:
    return len((stack.run_dir / "logs/access.log").read_text().splitlines())


def test_staff_tabs_survive_the_loss_of_their_app_process(
    stack: Stack, browser: Browser, capsys: pytest.CaptureFixture[str]
) -> None:
    app = App(base_url=stack.url(""), port=stack.port, data_dir=Path(stack.env["DATA_DIR"]))
    contexts = []
    for _ in range(2):
        context = browser.new_context(locale="nl-NL", timezone_id="Europe/Amsterdam")
        context.set_default_timeout(15_000)
        contexts.append(context)
    tab_a, tab_b = (context.new_page() for context in contexts)
    sockets_a, sockets_b = Sockets(), Sockets()
    sockets_a.watch(tab_a)
    sockets_b.watch(tab_b)
    email = unique_email("verlies")
    sign_up(tab_a, app, practice="Tandartspraktijk Twee Processen", name="Olga", email=email)
    tab_a.wait_for_url(re.compile(r"/dashboard"))
    _confirm_and_seed(stack, email, PATIENTS)
    log_in(tab_b, app, email)
    tab_b.wait_for_url(re.compile(r"/dashboard"))
    tab_a.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Plekken").click()
    expect(tab_a.get_by_text("Nog geen plekken vrijgegeven.")).to_be_visible()
    _prepare_slot(tab_a, "09:30", "30 dagen", PATIENTS)
    for tab in (tab_a, tab_b):
        _mark_document(tab)
    token_a = _tab_token(tab_a)

    # 1. kill -9 the process that holds tab A
    first = _holder(stack, tab_a)
    opened = len(sockets_a.opened)
    killed_at = time.monotonic()
    stack.kill_app(first)
    reconnect_a, hydrated_a = _reconnected(tab_a, sockets_a, opened, killed_at)
    _still_as_left(tab_a, "09:30", "30 dagen", PATIENTS)
    slot_a = _send(tab_a, "09:30", PATIENTS)
    usable_a = time.monotonic() - killed_at
    assert _tab_token(tab_a) == token_a  # the same tab state in Redis, not a fresh one
    assert _holder(stack, tab_a) != first

    # 2. a patient claims through nginx: both tabs hear it, no reload
    winner = _claim(stack, 0)
    expect(tab_a.locator(f"[data-slot='{slot_a}'] .gevuld")).to_contain_text(winner)
    expect(tab_b.locator("#recent-gevuld")).to_contain_text(winner)
    assert _same_document(tab_a) and _same_document(tab_b)

    # 3. the killed process comes back and takes requests again
    stack.start_app(first)
    since, deadline = _log_length(stack), time.monotonic() + 20
    while f"127.0.0.1:{stack.app_ports[first]}" not in _answered_by(stack, since):
        assert time.monotonic() < deadline, "the restarted process got no requests"
        assert httpx.get(stack.url("/api/health"), timeout=5).status_code == 200
        time.sleep(0.2)

    # 4. tab B prepares a slot, then the process holding it (the survivor) is killed
    tab_b.locator("#plek-vrijgeven").click()
    tab_b.wait_for_url(re.compile(r"/plekken"))
    _prepare_slot(tab_b, "11:30", "7 dagen", PATIENTS - 1)
    token_b = _tab_token(tab_b)
    second = _holder(stack, tab_b)
    assert second != first
    opened = len(sockets_b.opened)
    killed_at = time.monotonic()
    stack.kill_app(second)
    reconnect_b, hydrated_b = _reconnected(tab_b, sockets_b, opened, killed_at)
    _still_as_left(tab_b, "11:30", "7 dagen", PATIENTS - 1)
    slot_b = _send(tab_b, "11:30", PATIENTS - 1)
    usable_b = time.monotonic() - killed_at
    assert _tab_token(tab_b) == token_b
    assert _holder(stack, tab_b) == first

    # 5. and live updates still reach both tabs, now both on the restarted process
    winner = _claim(stack, 1)
    for tab in (tab_a, tab_b):
        expect(tab.locator(f"[data-slot='{slot_b}'] .gevuld")).to_contain_text(winner)
        assert _same_document(tab)
    for context in contexts:
        context.close()
    with capsys.disabled():
        print(
            f"\nafter kill -9 (state back / hydrated / slot sent): tab A {reconnect_a:.2f} / "
            f"{hydrated_a:.2f} / {usable_a:.2f} s, tab B {reconnect_b:.2f} / {hydrated_b:.2f} / "
            f"{usable_b:.2f} s"
        )
