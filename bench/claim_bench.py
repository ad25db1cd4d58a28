"""Claim storm: 200 clients, 200 distinct tokens for one slot, released together.

The clients are served as the app serves them: by worker processes, each with a warm
connection pool and a bounded number of requests in flight (a web server's thread pool), not
one thread per client. SQLite runs one worker (the `make run` deployment: one process);
PostgreSQL runs two (the REDIS_URL deployment, one worker per core). Latency counts from the
release, so waiting for a free worker is part of it.
"""

from __future__ import annotations

import multiprocessing
import threading
import time
from datetime import timedelta
from multiprocessing.synchronize import Barrier
from typing import Any

from pakjeplekje import clock, migrations
from pakjeplekje.db import get_engine, session_scope
from pakjeplekje.models import Practice
from pakjeplekje.services import claiming
from pakjeplekje.services.demo import offered_slot

CLIENTS = 200


def _setup() -> list[str]:
    now = clock.now()
    with session_scope() as db:
        practice = Practice(
            name="Storm Praktijk",
            slug=f"storm-{time.time_ns()}",
            sms_sender_name="Storm",
            created_at=now,
            email_confirmed_at=now,  # made by hand, not signed up: nothing to confirm
        )
        db.add(practice)
        db.flush()
        # a claim looks only at whether the slot is still ahead, not at its weekday or hour
        start = now + timedelta(days=1)
        return offered_slot(db, practice.id, CLIENTS, now, starts_at=start, name="Storm").tokens


def _warm_pool() -> None:
    """Open the pooled connections first: a running server has them already."""
    engine = get_engine()
    held = [engine.connect() for _ in range(engine.pool.size())]  # type: ignore[attr-defined]  # the engine pools with a QueuePool; Pool has no size()
    for connection in held:
        connection.close()


def _worker(tokens: list[str], first: int, barrier: Barrier, results: Any) -> None:
    """One app worker process: its clients' claims, at most `pool_size` at a time."""
    in_flight = threading.Semaphore(get_engine().pool.size())  # type: ignore[attr-defined]  # the engine pools with a QueuePool; Pool has no size()
    out: list[tuple[str, float]] = []
    lock = threading.Lock()

    def client(i: int, token: str) -> None:
        barrier.wait()
        start = time.perf_counter()
        try:
            with in_flight:  # as `POST /api/claim/{token}` runs it: a read, then the race
                result = claiming.claim_by_link(token, "api", f"10.0.0.{i}").result
        except Exception as exc:
            result = f"error:{type(exc).__name__}"
        with lock:
            out.append((result, (time.perf_counter() - start) * 1000))

    _warm_pool()
    threads = [threading.Thread(target=client, args=(first + n, t)) for n, t in enumerate(tokens)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    results.put(out)


def run(url: str) -> list[tuple[str, float, str]]:
    migrations.upgrade(url)
    tokens = _setup()
    workers = 1 if url.startswith("sqlite") else 2
    spawn = multiprocessing.get_context("spawn")
    barrier, results = spawn.Barrier(CLIENTS), spawn.Queue()
    share = -(-CLIENTS // workers)
    processes = [
        spawn.Process(target=_worker, args=(tokens[n : n + share], n, barrier, results))
        for n in range(0, CLIENTS, share)
    ]
    for process in processes:
        process.start()
    outcomes: list[tuple[str, float]] = []
    for _ in processes:
        outcomes += results.get(timeout=300)
    for process in processes:
        process.join()
    answers = [result for result, _ in outcomes]
    latencies = sorted(ms for _, ms in outcomes)
    return [
        ("claim storm: workers", float(workers), "processes"),
        ("claim storm: claimed", float(answers.count("claimed")), f"of {CLIENTS}"),
        ("claim storm: taken", float(answers.count("taken")), f"of {CLIENTS}"),
        ("claim storm: errors", float(sum(r.startswith("error") for r in answers)), ""),
        ("claim storm: p95 latency", latencies[int(0.95 * len(latencies)) - 1], "ms"),
    ]
