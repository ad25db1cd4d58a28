"""Overdracht at size: one practice with 10,000 patients and 100,000 messages exported as the
streamed ZIP (target < 30 s), with the peak memory the export itself allocated."""

from __future__ import annotations

import random
import resource
import time
from datetime import timedelta

from sqlalchemy import insert, text
from sqlmodel import select

from pakjeplekje import clock, migrations
from pakjeplekje.db import get_engine, session_scope
from pakjeplekje.domain.accounts.practice_settings import create_default_treatments
from pakjeplekje.domain.offers import SlotStatus
from pakjeplekje.domain.privacy import export as privacy_export
from pakjeplekje.models import Message, Patient, Practice, Slot

PATIENTS = 10_000
MESSAGES = 100_000
SLOTS = 2_000
CHUNK = 5_000
TARGET_S = 30.0


def _seed() -> int:
    rng = random.Random(20261130)  # noqa: S311 -- test data, the same on every run
    now = clock.now()
    with session_scope() as db:
        practice = Practice(
            name="Tandartspraktijk Export", slug="bench-export", sms_sender_name="Export"
        )
        db.add(practice)
        db.flush()
        practice_id = practice.id
        assert practice_id is not None
        create_default_treatments(db, practice_id)
        patients = [
            {
                "practice_id": practice_id,
                "name": f"Patiënt {i:05d}",
                "phone": f"+3161{i:07d}",
                "duration_minutes": 30,
                "availability": rng.randint(1, 2**21 - 1),
                "urgency": "normaal",
                "note": "",
                "consent_method": "balie",
                "consent_at": now,
                "status": "waiting",
                "added_at": now,
                "updated_at": now,
                "offers_count": 0,
            }
            for i in range(PATIENTS)
        ]
        for start in range(0, PATIENTS, CHUNK):
            db.execute(insert(Patient.__table__), patients[start : start + CHUNK])  # type: ignore[attr-defined]  # sqlmodel sets __table__ on table classes at runtime only
        slots = [
            {
                "practice_id": practice_id,
                "starts_at": now + timedelta(hours=i),
                "duration_minutes": 30,
                "status": SlotStatus.CLOSED,
                "created_at": now,
            }
            for i in range(SLOTS)
        ]
        db.execute(insert(Slot.__table__), slots)  # type: ignore[attr-defined]  # sqlmodel sets __table__ on table classes at runtime only
        ids = list(db.exec(select(Patient.id).where(Patient.practice_id == practice_id)).all())
    body = (
        "Tandartspraktijk Export: er is een plek vrij op di 3 dec om 10:30 (30 min). "
        "Wilt u hem? https://pakjeplekje.nl/c/xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx "
        "STOP = afmelden"
    )
    for start in range(0, MESSAGES, CHUNK):
        rows = [
            {
                "practice_id": practice_id,
                "patient_id": ids[i % PATIENTS],
                "direction": "out",
                "phone": f"+3161{i % PATIENTS:07d}",
                "body": body,
                "provider_id": f"SMe{i:031d}",  # clear of the other benches' ids
                "status": "delivered",
                "created_at": now,
                "updated_at": now,
            }
            for i in range(start, min(start + CHUNK, MESSAGES))
        ]
        with session_scope() as db:
            db.execute(insert(Message.__table__), rows)  # type: ignore[attr-defined]  # sqlmodel sets __table__ on table classes at runtime only
    if get_engine().dialect.name == "postgresql":
        with get_engine().begin() as conn:
            conn.execute(text("ANALYZE"))
    return practice_id


def run(url: str) -> list[tuple[str, float, str]]:
    migrations.upgrade(url)
    start = time.perf_counter()
    practice_id = _seed()
    seed_s = time.perf_counter() - start

    start = time.perf_counter()
    size = 0
    with session_scope() as db:
        for chunk in privacy_export.export_zip(db, practice_id, clock.now()):
            size += len(chunk)
    export_s = time.perf_counter() - start
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    verdict = "ok" if export_s < TARGET_S else "TOO SLOW"
    return [
        (f"privacy seed {PATIENTS:,} patients + {MESSAGES:,} messages", seed_s, "s"),
        (
            f"privacy ZIP export ({size // 1024} KiB, target < {TARGET_S:.0f} s: {verdict})",
            export_s,
            "s",
        ),
        ("bench process peak RSS after the export", peak_mib, "MiB"),
    ]
