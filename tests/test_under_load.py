"""Many people at once, at the boundary they cross: 30 logins through the login event handler
on one event loop, and 30 patients claiming one slot through a real HTTP server.

No attempt may crash ("database is locked" was the old answer to 21 of 30 logins on SQLite),
every wrong password must be counted by the lockout, and a slot has exactly one winner. Both
run on SQLite (a real file database) and, with TEST_DATABASE_URL, on PostgreSQL.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from reflex import constants
from reflex.state import State
from sqlalchemy import func
from sqlmodel import col, select

from pakjeplekje import clock
from pakjeplekje.clock import CLOCK_START_ENV
from pakjeplekje.db import session_scope
from pakjeplekje.domain.accounts import auth
from pakjeplekje.domain.tokens import keyed_hash
from pakjeplekje.models import AuditEvent, LoginThrottle, Offer, OneTimeToken, Slot
from pakjeplekje.ui.state.auth import LoginState
from tests.browser.conftest import ROOT, stop
from tests.conftest import TEST_SECRET, AppEnv, Factory
from tests.test_claims import make_slot

RIGHT = "een-heel-lang-wachtwoord"
WRONG = "fout-wachtwoord-geraden"


def login_state(client_ip: str) -> LoginState:
    """The LoginState a fresh websocket from `client_ip` gets (no session cookie)."""
    root = State()
    root.router_data = {constants.RouteVar.HEADERS: {}, constants.RouteVar.CLIENT_IP: client_ip}
    root._update_router_vars(root.router_data, {})
    return root.get_substate(LoginState.get_full_name().split(".")[1:])  # type: ignore[return-value]


@dataclass(frozen=True)
class Attempt:
    email: str
    password: str
    client: str


def storm_plan() -> list[Attempt]:
    """30 attempts, each from its own address: 8 right ones to one account, 4 wrong ones to
    another (below the limit), 12 wrong ones to a third (past the limit: it must lock), and
    3 right + 3 wrong to a fourth, all interleaved."""
    plan = (
        [("eigenaar@alfa.nl", RIGHT)] * 8
        + [("assistent@alfa.nl", WRONG)] * 4
        + [("doelwit@beta.nl", WRONG)] * 12
        + [("gemengd@beta.nl", RIGHT), ("gemengd@beta.nl", WRONG)] * 3
    )
    order = [i * 7 % len(plan) for i in range(len(plan))]  # 7 is coprime to 30: a shuffle
    return [Attempt(*plan[i], client=f"10.1.0.{n}") for n, i in enumerate(order)]


def run_on_fresh_loop(coro):  # type: ignore[no-untyped-def]
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


async def login_storm(plan: list[tuple[Attempt, LoginState]]) -> list[tuple[str, object]]:
    """Every attempt's handler awaited concurrently on one loop, as one reflex worker runs
    30 websockets: ("ok", None), ("error", the message shown) or ("raised", the exception)."""

    async def one(attempt: Attempt, state: LoginState) -> tuple[str, object]:
        try:
            redirect = await state.submit({"email": attempt.email, "password": attempt.password})
        except Exception as exc:  # what the user would see as "An error occurred"
            return "raised", exc
        if redirect is not None and not state.error:
            return "ok", None
        return "error", state.error

    return await asyncio.gather(*(one(a, s) for a, s in plan))


@pytest.fixture
def accounts(app_env: AppEnv, factory: Factory) -> dict[str, int]:
    with session_scope() as db:
        alfa = factory.practice(db, "Tandartspraktijk Alfa")
        beta = factory.practice(db, "Tandartspraktijk Beta")
        users = [
            factory.user(db, alfa, "eigenaar@alfa.nl", role="owner", password=RIGHT),
            factory.user(db, alfa, "assistent@alfa.nl", password=RIGHT),
            factory.user(db, beta, "doelwit@beta.nl", password=RIGHT),
            factory.user(db, beta, "gemengd@beta.nl", password=RIGHT),
        ]
        return {u.email: u.id for u in users}  # type: ignore[misc]


def _throttle(key_kind: str, value: str) -> LoginThrottle | None:
    with session_scope() as db:
        row = db.get(LoginThrottle, keyed_hash(TEST_SECRET, key_kind, value))
        if row is not None:
            db.expunge(row)
        return row


def test_thirty_simultaneous_logins_never_crash_and_every_wrong_one_counts(
    accounts: dict[str, int],
) -> None:
    plan = storm_plan()
    states = [login_state(a.client) for a in plan]  # made here: reflex's registry is per thread
    started = time.monotonic()
    results = run_on_fresh_loop(login_storm(list(zip(plan, states, strict=True))))
    elapsed = time.monotonic() - started
    print(f"\n30 concurrent logins: {elapsed:.1f} s")

    raised = [r for kind, r in results if kind == "raised"]
    assert raised == [], f"{len(raised)} of 30 logins crashed: {raised[:3]}"
    by_account: dict[str, Counter[object]] = {}
    for attempt, (kind, message) in zip(plan, results, strict=True):
        by_account.setdefault(attempt.email, Counter())[message if kind == "error" else kind] += 1
    assert by_account["eigenaar@alfa.nl"] == Counter({"ok": 8})
    assert by_account["assistent@alfa.nl"] == Counter({auth.INVALID_LOGIN: 4})
    # the 5th counted failure locks; later attempts are refused unchecked
    assert by_account["doelwit@beta.nl"] == Counter({auth.INVALID_LOGIN: 4, auth.LOCKED: 8})
    assert by_account["gemengd@beta.nl"] == Counter({"ok": 3, auth.INVALID_LOGIN: 3})

    # the database agrees with the answers: counters, lock, audit trail and login grants
    below = _throttle("account", "assistent@alfa.nl")
    assert below is not None and below.failures == 4 and below.locked_until is None
    locked = _throttle("account", "doelwit@beta.nl")
    assert locked is not None and locked.locked_until is not None
    assert locked.locked_until > clock.now()
    assert _throttle("account", "eigenaar@alfa.nl") is None
    client_failures = sum(
        row.failures if (row := _throttle("client", a.client)) is not None else 0
        for a in plan
        if a.password == WRONG
    )
    assert client_failures == 4 + 5 + 3  # each checked wrong password, from its own address
    with session_scope() as db:
        failed = dict(
            db.exec(
                select(AuditEvent.target_id, func.count())
                .where(AuditEvent.action == "auth.login_failed")
                .group_by(col(AuditEvent.target_id))
            ).all()
        )
        grants = db.exec(
            select(func.count()).select_from(OneTimeToken).where(OneTimeToken.purpose == "login")
        ).one()
    assert failed == {
        accounts["assistent@alfa.nl"]: 4,
        accounts["doelwit@beta.nl"]: 5,
        accounts["gemengd@beta.nl"]: 3,
    }
    assert grants == 11


# --- 30 patients, one slot, a real HTTP server --------------------------------------------


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class Server:
    url: str
    log: Path


@pytest.fixture
def api_server(app_env: AppEnv, tmp_path: Path) -> Iterator[Server]:
    """The app's HTTP routes (`api.create_api`, what reflex mounts in front of itself) served
    by granian, the server `reflex run --env prod` uses, in a process of its own on the test
    database, its clock starting at the tests' clock."""
    port = _free_port()
    log = tmp_path / "granian.log"
    env = {**os.environ, CLOCK_START_ENV: clock.now().isoformat()}
    args = [sys.executable, "-m", "granian", "--interface", "asgi", "--factory"]
    args += ["--host", "127.0.0.1", "--port", str(port), "--workers", "1"]
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [*args, "pakjeplekje.web.api:create_api"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, log.read_text()
            try:
                if httpx.get(f"{url}/api/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        yield Server(url, log)
    finally:
        stop(proc)


def test_thirty_patients_claiming_at_once_over_http_get_one_winner(
    api_server: Server, factory: Factory
) -> None:
    """Each patient opens the claim page and presses the button (the API), all released
    together: every page answers, one claim wins, 29 are told it is taken, nothing crashes."""
    setup = make_slot(factory, "Storm", 30)
    barrier = threading.Barrier(30)
    answers: list[tuple[int, int, str]] = []
    errors: list[BaseException] = []

    def patient(token: str) -> None:
        with httpx.Client(base_url=api_server.url, timeout=60) as http:
            barrier.wait()
            try:
                page = http.get(f"/c/{token}")
                claim = http.post(f"/api/claim/{token}")
                answers.append((page.status_code, claim.status_code, claim.text))
            except BaseException as exc:
                errors.append(exc)

    started = time.monotonic()
    threads = [threading.Thread(target=patient, args=(t,)) for t in setup.tokens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    elapsed = time.monotonic() - started
    print(f"\n30 concurrent page views + claims over HTTP: {elapsed:.1f} s")

    assert errors == []
    pages = Counter(page for page, _, _ in answers)
    claimed = Counter(code for _, code, _ in answers)
    assert (pages, claimed) == (Counter({200: 30}), Counter({200: 1, 409: 29}))
    with session_scope() as db:
        slot = db.get(Slot, setup.slot_id)
        statuses = Counter(db.exec(select(Offer.status).where(Offer.slot_id == setup.slot_id)))
    assert slot is not None and slot.status == "claimed" and slot.claimed_via == "api"
    assert statuses == Counter({"claimed": 1, "lost": 29})
    time.sleep(0.5)  # the winner's confirmation text is recorded on a thread of its own
    server_log = api_server.log.read_text()
    assert "Traceback" not in server_log and "locked" not in server_log, server_log[-3000:]
