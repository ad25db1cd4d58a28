"""Costs every staff request pays: the session check per event, and login itself."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

from starlette.testclient import TestClient

from pakjeplekje import clock, migrations
from pakjeplekje.db import session_scope
from pakjeplekje.domain.accounts import auth
from pakjeplekje.domain.accounts.sessions import resolve_session, start_session
from pakjeplekje.web.api import create_api

PASSWORD = "een lange zin als wachtwoord"


def _timed_ms(fn: Callable[[], object], repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return sorted(samples)


def _p(samples: list[float], q: float) -> float:
    return samples[min(len(samples) - 1, int(q * len(samples)))]


def run(url: str) -> list[tuple[str, float, str]]:
    migrations.upgrade(url)
    with session_scope() as db:
        owner = auth.sign_up(
            db,
            practice_name="Bench Praktijk",
            name="Bench",
            email="b@bench.nl",
            password=PASSWORD,
            now=clock.now(),
        )
        token = start_session(db, owner, clock.now())

    def check_session() -> None:
        with session_scope() as db:
            assert resolve_session(db, token, clock.now()) is not None

    def login(email: str) -> Callable[[], None]:
        def attempt() -> None:
            with session_scope() as db:
                auth.log_in(
                    db, email=email, password=PASSWORD, client="bench", secret="s", now=clock.now()
                )

        return attempt

    session_ms = _timed_ms(check_session, 500)
    known_ms = _timed_ms(login("b@bench.nl"), 10)
    unknown_ms = _timed_ms(login("nobody@bench.nl"), 4)  # stays under the lockout threshold
    client = TestClient(create_api())
    health_ms = _timed_ms(lambda: client.get("/api/health"), 200)
    return [
        ("session check per event p50", _p(session_ms, 0.5), "ms"),
        ("session check per event p99", _p(session_ms, 0.99), "ms"),
        ("login, known e-mail (bcrypt cost 12) p50", statistics.median(known_ms), "ms"),
        ("login, unknown e-mail (dummy bcrypt) p50", statistics.median(unknown_ms), "ms"),
        ("GET /api/health p50", _p(health_ms, 0.5), "ms"),
    ]
