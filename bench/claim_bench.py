"""Claim storm: 200 clients, 200 distinct tokens for one slot, released together."""

from __future__ import annotations

import threading
import time

from pakjeplekje import migrations
from pakjeplekje.config import get_settings
from pakjeplekje.db import get_engine, session_scope
from pakjeplekje.demo import offered_slot
from pakjeplekje.domain import claims
from pakjeplekje.models import Practice, utcnow

CLIENTS = 200


def _setup() -> list[str]:
    now = utcnow()
    with session_scope() as db:
        practice = Practice(
            name="Storm Praktijk",
            slug=f"storm-{time.time_ns()}",
            sms_sender_name="Storm",
            created_at=now,
        )
        db.add(practice)
        db.flush()
        return offered_slot(db, practice.id, CLIENTS, now, name="Storm").tokens  # type: ignore[arg-type]


def _warm_pool() -> None:
    """Open every pooled connection first: a running app server has a warm pool, and opening
    twenty PostgreSQL connections inside the storm would measure connection set-up instead."""
    engine = get_engine()
    held = [engine.connect() for _ in range(engine.pool.size() + engine.pool._max_overflow)]  # type: ignore[attr-defined]
    for connection in held:
        connection.close()


def run(url: str) -> list[tuple[str, float, str]]:
    migrations.upgrade(url)
    tokens = _setup()
    secret = get_settings().secret_key
    barrier = threading.Barrier(CLIENTS)
    outcomes: list[str] = []
    latencies: list[float] = []
    lock = threading.Lock()

    def client(i: int, token: str) -> None:
        barrier.wait()
        start = time.perf_counter()
        try:
            with workers, session_scope() as db:
                result = claims.claim(
                    db,
                    token,
                    channel="api",
                    client=f"10.0.{i // 250}.{i}",
                    secret=secret,
                    now=utcnow(),
                ).result
        except Exception as exc:
            result = f"error:{type(exc).__name__}"
        with lock:
            outcomes.append(result)
            latencies.append((time.perf_counter() - start) * 1000)

    # A web server runs requests on a bounded pool of workers (anyio: 40 threads), not one
    # thread per client: claims run at most `pool_size` at a time; the wait counts as latency.
    workers = threading.Semaphore(get_engine().pool.size())
    _warm_pool()
    threads = [threading.Thread(target=client, args=(i, t)) for i, t in enumerate(tokens)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    latencies.sort()
    return [
        ("claim storm: claimed", float(outcomes.count("claimed")), f"of {CLIENTS}"),
        ("claim storm: taken", float(outcomes.count("taken")), f"of {CLIENTS}"),
        ("claim storm: errors", float(sum(o.startswith("error") for o in outcomes)), ""),
        ("claim storm: p95 latency", latencies[int(0.95 * len(latencies)) - 1], "ms"),
    ]
