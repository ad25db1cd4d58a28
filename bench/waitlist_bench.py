"""The waitlist at size: 11 practices × 10,000 patients; the grid's queries and CSV in and out.

Seeding uses SQLAlchemy core executemany (a few thousand rows per statement); the figures come
from the same domain functions the app calls, each in its own unit of work like a request.
"""

from __future__ import annotations

import json
import random
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict
from datetime import timedelta
from typing import Any

from sqlalchemy import insert, text
from sqlmodel import Session, select

from pakjeplekje import clock, migrations
from pakjeplekje.config import get_settings
from pakjeplekje.db import get_engine, session_scope
from pakjeplekje.domain.accounts.practice_settings import create_default_treatments
from pakjeplekje.domain.accounts.sessions import resolve_session, start_session
from pakjeplekje.domain.waitlist import patient_csv, patients
from pakjeplekje.domain.waitlist.patients import PatientQuery
from pakjeplekje.models import (
    Patient,
    PatientTreatment,
    Practice,
    Practitioner,
    Treatment,
    User,
)

PRACTICES = 11
PATIENTS = 10_000
CHUNK = 2_500
RUNS = 30

FIRST = [
    "Anna",
    "Bram",
    "Chantal",
    "Daan",
    "Emma",
    "Fatima",
    "Gerrit",
    "Hanna",
    "Ibrahim",
    "Jan",
    "Julia",
    "Kees",
    "Lotte",
    "Mohamed",
    "Noor",
    "Olga",
    "Pieter",
    "Quinten",
    "Rosa",
    "Sanne",
    "Thijs",
    "Ursula",
    "Vincent",
    "Willemijn",
    "Yusuf",
    "Zoë",
    "Anouk",
    "Bas",
    "Cor",
    "Dewi",
    "Esra",
    "Finn",
    "Ilse",
    "Jeroen",
    "Karin",
    "Lars",
    "Marieke",
    "Niels",
    "Priya",
    "Ruben",
    "Sofie",
    "Tom",
    "Vera",
    "Wim",
]
LAST = [
    "de Vries",
    "Jansen",
    "van den Berg",
    "Bakker",
    "Visser",
    "Smit",
    "Meijer",
    "de Boer",
    "Mulder",
    "de Groot",
    "Bos",
    "Vos",
    "Peters",
    "Hendriks",
    "van Leeuwen",
    "Dekker",
    "Brouwer",
    "de Wit",
    "Dijkstra",
    "Smits",
    "de Graaf",
    "van der Meer",
    "van der Linden",
    "Kok",
    "Jacobs",
    "de Haan",
    "Vermeulen",
    "van den Heuvel",
    "van der Veen",
    "van den Broek",
    "Öztürk",
    "El Amrani",
    "Yılmaz",
    "Nguyen",
    "Kaya",
    "Bouzid",
    "Schouten",
    "Willems",
    "Hoekstra",
    "Koster",
    "Prins",
    "Huisman",
]
NOTES = ("", "", "", "", "Liever niet op vrijdag", "Belt terug na 17 uur", "Komt met de bus")
PRACTITIONERS = ("Dr. Jansen", "Dr. El Idrissi", "Mondhygiënist Bos", "Dr. van Dam")


def _timed_ms(fn: Callable[[], object], repeat: int = RUNS) -> float:
    fn()  # warm caches and the connection pool, as a running app would be
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def _phone(rng: random.Random) -> str:
    if rng.random() < 0.03:  # a Belgian mobile now and then
        return f"+324{rng.randint(7, 9)}{rng.randint(0, 9_999_999):07d}"
    return f"+316{rng.randint(1, 5)}{rng.randint(0, 9_999_999):07d}"


def _availability(rng: random.Random) -> int:
    bits = 0
    for _ in range(rng.randint(1, 6)):
        bits |= rng.choice(list(patients.CELLS.values()))
    return bits


def _new_practice(db: Session, number: int) -> tuple[int, list[int], list[int]]:
    practice = Practice(
        name=f"Tandartspraktijk Bench {number}",
        slug=f"bench-{number}",
        sms_sender_name="Bench",
        email_confirmed_at=clock.now(),  # made by hand, not signed up: nothing to confirm
    )
    db.add(practice)
    db.flush()
    assert practice.id is not None
    create_default_treatments(db, practice.id)
    db.add_all(Practitioner(practice_id=practice.id, name=name) for name in PRACTITIONERS)
    db.flush()
    treatments = db.exec(select(Treatment.id).where(Treatment.practice_id == practice.id)).all()
    practitioners = db.exec(
        select(Practitioner.id).where(Practitioner.practice_id == practice.id)
    ).all()
    return practice.id, list(treatments), list(practitioners)


def _seed_practice(db: Session, rng: random.Random, number: int) -> int:
    practice_id, treatment_ids, practitioner_ids = _new_practice(db, number)
    now = clock.now()
    phones: set[str] = set()
    rows: list[dict[str, Any]] = []
    wanted: dict[str, list[int]] = {}
    while len(rows) < PATIENTS:
        phone = _phone(rng)
        if phone in phones:
            continue
        phones.add(phone)
        added = now - timedelta(minutes=rng.randint(0, 365 * 24 * 60))
        offered = added + timedelta(days=rng.randint(0, 30)) if rng.random() < 0.3 else None
        roll = rng.random()
        rows.append(
            {
                "practice_id": practice_id,
                "name": f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                "phone": phone,
                "duration_minutes": rng.choice((15, 30, 30, 45, 60, 90)),
                "availability": _availability(rng),
                "preferred_practitioner_id": (
                    rng.choice(practitioner_ids) if rng.random() < 0.3 else None
                ),
                "urgency": "hoog" if rng.random() < 0.15 else "normaal",
                "note": rng.choice(NOTES),
                "consent_method": rng.choice(tuple(patients.CONSENT_METHODS)),
                "consent_at": added,
                "status": "waiting" if roll < 0.8 else "booked" if roll < 0.9 else "removed",
                "added_at": added,
                "updated_at": added,
                "opted_out_at": None,
                "offers_count": 1 if offered else 0,
                "last_offer_at": offered,
                "last_claim_at": None,
            }
        )
        wanted[phone] = rng.sample(treatment_ids, rng.choice((1, 1, 1, 2, 2, 3)))
    table = Patient.__table__  # type: ignore[attr-defined]  # sqlmodel sets __table__ on table classes at runtime only
    for start in range(0, len(rows), CHUNK):
        db.execute(insert(table), rows[start : start + CHUNK])
    ids = db.exec(select(Patient.phone, Patient.id).where(Patient.practice_id == practice_id))
    links = [
        {"patient_id": patient_id, "treatment_id": treatment_id}
        for phone, patient_id in ids
        for treatment_id in wanted[phone]
    ]
    link_table = PatientTreatment.__table__  # type: ignore[attr-defined]  # sqlmodel sets __table__ on table classes at runtime only
    for start in range(0, len(links), CHUNK):
        db.execute(insert(link_table), links[start : start + CHUNK])
    return practice_id


def _seed() -> list[int]:
    rng = random.Random(20261124)  # noqa: S311 -- test data, the same on every run
    practice_ids = []
    for number in range(PRACTICES):
        with session_scope() as db:
            practice_ids.append(_seed_practice(db, rng, number))
    if get_engine().dialect.name == "postgresql":
        with get_engine().begin() as conn:  # what autovacuum does shortly after a bulk load
            conn.execute(text("ANALYZE"))
    return practice_ids


def _page_json_bytes(practice_id: int, page_size: int) -> int:
    with session_scope() as db:
        page = patients.list_page(db, practice_id, PatientQuery(page_size=page_size))
    payload = json.dumps([asdict(row) for row in page.rows], ensure_ascii=False)
    return len(payload.encode())


def _csv_round(practice_id: int) -> list[tuple[str, float, str]]:
    """Export one full practice, then import that file into a fresh practice."""
    start = time.perf_counter()
    with session_scope() as db:
        data = "".join(patient_csv.export_csv(db, practice_id, PatientQuery(status=""))).encode()
    export_s = time.perf_counter() - start

    with session_scope() as db:
        fresh_id, _, _ = _new_practice(db, PRACTICES)
        user = User(practice_id=fresh_id, email="import@bench.nl", name="Import", role="owner")
        db.add(user)
        db.flush()
        token = start_session(db, user, clock.now())
    with session_scope() as db:
        actor = resolve_session(db, token, clock.now())
        assert actor is not None
        start = time.perf_counter()
        preview = patient_csv.parse(db, fresh_id, data, secret=get_settings().secret_key)
        parsed = time.perf_counter()
        added = patient_csv.import_rows(db, actor, preview, clock.now())
    done = time.perf_counter()
    assert added == PATIENTS and not preview.errors, (added, preview.errors[:3])
    return [
        (f"CSV export {PATIENTS:,} rows ({len(data) // 1024} KiB)", export_s, "s"),
        (f"CSV import {PATIENTS:,} rows: parse + validate", parsed - start, "s"),
        (f"CSV import {PATIENTS:,} rows: insert + commit", done - parsed, "s"),
        (f"CSV import {PATIENTS:,} rows total", done - start, "s"),
    ]


def run(url: str) -> list[tuple[str, float, str]]:
    migrations.upgrade(url)
    start = time.perf_counter()
    practice_ids = _seed()
    seed_s = time.perf_counter() - start
    practice_id = practice_ids[PRACTICES // 2]
    with session_scope() as db:
        vulling = db.exec(
            select(Treatment.id).where(
                Treatment.practice_id == practice_id, Treatment.name == "vulling"
            )
        ).one()

    def page(query: PatientQuery) -> Callable[[], object]:
        def call() -> object:
            with session_scope() as db:
                return patients.list_page(db, practice_id, query)

        return call

    queries = [
        ("grid page 1, default sort (added)", PatientQuery()),
        ("search name fragment 'vries'", PatientQuery(search="vries")),
        ("search phone fragment '06-1234'", PatientQuery(search="06-1234")),
        ("filter treatment=vulling + day=wo", PatientQuery(treatment_id=vulling, day=2)),
        ("last page, sort by name", PatientQuery(sort="name", page=10**6)),
    ]
    figures: list[tuple[str, float, str]] = [
        (f"seed {PRACTICES} × {PATIENTS:,} patients", seed_s, "s")
    ]
    figures += [(f"list_page: {name} p50", _timed_ms(page(q)), "ms") for name, q in queries]
    figures += [
        (f"grid state payload, {size} rows as JSON", _page_json_bytes(practice_id, size), "bytes")
        for size in (25, 100)
    ]
    return figures + _csv_round(practice_id)
