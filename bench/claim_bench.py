"""Claim storm: 200 clients, 200 distinct tokens for one slot, released together."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

from sqlmodel import select

from pakjeplekje import migrations
from pakjeplekje.config import get_settings
from pakjeplekje.db import get_engine, session_scope
from pakjeplekje.demo import waiting_patient
from pakjeplekje.domain import claims, patients, practice_settings
from pakjeplekje.models import Practice, Slot, Treatment, utcnow

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
        practice_settings.create_default_treatments(db, practice.id)  # type: ignore[arg-type]
        db.flush()
        treatment = db.exec(
            select(Treatment.id).where(Treatment.practice_id == practice.id)
        ).first()
        people = patients.insert_many(
            db,
            practice.id,
            [  # type: ignore[arg-type]
                waiting_patient(f"Storm {i}", f"+3165{i:07d}", treatment) for i in range(CLIENTS)
            ],
            now,
        )
        slot = Slot(
            practice_id=practice.id,
            starts_at=now + timedelta(days=1),  # type: ignore[arg-type]
            duration_minutes=30,
            treatment_id=treatment,
            created_at=now,
        )
        db.add(slot)
        db.flush()
        return [
            claims.create_offer(db, slot, p.id, wave=1, now=now)[1]  # type: ignore[arg-type]
            for p in people
        ]


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
            with session_scope() as db:
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
