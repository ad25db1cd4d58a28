"""Waves and expiry with a controllable clock: every `now` is passed in, nothing sleeps.

Local times are Europe/Amsterdam. The pure rules get explicit moments; the database tests run
on a working morning (`office_now`: 10:00 on a weekday), since the rhythm of waves is about the
hours patients are awake, which a run starting on a Saturday night would not be.
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from huey import MemoryHuey
from sqlmodel import Session, select

from pakjeplekje import clock
from pakjeplekje.db import session_scope
from pakjeplekje.domain.accounts import practice_settings
from pakjeplekje.domain.core_loop import slots, waves
from pakjeplekje.domain.waitlist import patients
from pakjeplekje.models import Offer, Patient, Practice, Slot, Treatment
from pakjeplekje.services.demo import waiting_patient
from tests import timeplan
from tests.conftest import AppEnv, Factory

AMS = ZoneInfo("Europe/Amsterdam")


def local(*args: int) -> datetime:
    """A wall-clock time in Amsterdam, as the UTC moment it is."""
    return datetime(*args, tzinfo=AMS).astimezone(UTC)  # type: ignore[misc]


def practice_with(**settings: int) -> Practice:
    """An unsaved practice: `next_wave_at` is pure and needs no database."""
    defaults = {
        "wave_size": 5,
        "wave_interval_minutes": 10,
        "quiet_start_minute": 21 * 60,
        "quiet_end_minute": 8 * 60,
        "min_notice_minutes": 60,
    }
    return Practice(name="Klok", slug="klok", sms_sender_name="Klok", **{**defaults, **settings})


def slot_at(starts_at: datetime, status: str = "open") -> Slot:
    return Slot(
        practice_id=1,
        starts_at=starts_at,
        duration_minutes=30,
        status=status,
        created_at=starts_at - timedelta(days=1),
    )


# --- next_wave_at: pure ------------------------------------------------------------------


def fixed_due(practice: Practice, slot: Slot, last: datetime, now: datetime) -> datetime | None:
    """`next_wave_at` for fixed waves: due one interval after the last wave."""
    due = last + timedelta(minutes=practice.wave_interval_minutes)
    return waves.next_wave_at(practice, slot, due, now)


def test_next_wave_is_one_interval_after_the_last() -> None:
    last = local(2026, 11, 24, 10, 0)
    slot = slot_at(local(2026, 11, 25, 10, 0))
    assert fixed_due(practice_with(), slot, last, last) == last + timedelta(minutes=10)
    practice = practice_with(wave_interval_minutes=25)
    assert fixed_due(practice, slot, last, last) == last + timedelta(minutes=25)


def test_overdue_wave_is_due_at_its_own_time() -> None:
    last = local(2026, 11, 24, 10, 0)
    slot = slot_at(local(2026, 11, 25, 10, 0))
    due = fixed_due(practice_with(), slot, last, last + timedelta(hours=1))
    assert due == last + timedelta(minutes=10)


def test_wave_in_quiet_hours_is_held_until_they_end_across_midnight() -> None:
    last = local(2026, 11, 24, 20, 55)  # due 21:05: inside 21:00–08:00
    slot = slot_at(local(2026, 11, 25, 10, 0))
    due = fixed_due(practice_with(), slot, last, last + timedelta(minutes=1))
    assert due == local(2026, 11, 25, 8, 0)


def test_wave_just_after_midnight_is_held_until_the_same_morning() -> None:
    last = local(2026, 11, 25, 0, 20)
    slot = slot_at(local(2026, 11, 25, 14, 0))
    assert fixed_due(practice_with(), slot, last, last) == local(2026, 11, 25, 8, 0)


def test_no_hold_when_the_slot_starts_before_quiet_hours_end() -> None:
    last = local(2026, 11, 24, 20, 55)
    slot = slot_at(local(2026, 11, 25, 7, 30))  # starts before 08:00: holding is useless
    due = fixed_due(practice_with(), slot, last, last + timedelta(minutes=1))
    assert due == local(2026, 11, 24, 21, 5)


def test_held_wave_too_close_to_the_start_is_dropped() -> None:
    last = local(2026, 11, 24, 20, 55)
    slot = slot_at(local(2026, 11, 25, 8, 30))  # held to 08:00 leaves 30 min < 60 notice
    assert fixed_due(practice_with(), slot, last, last) is None


def test_overdue_wave_found_in_quiet_hours_is_held_too() -> None:
    """The worker was down: the wave was due at 20:50 but it is 21:30 now."""
    last = local(2026, 11, 24, 20, 40)
    slot = slot_at(local(2026, 11, 25, 10, 0))
    now = local(2026, 11, 24, 21, 30)
    assert fixed_due(practice_with(), slot, last, now) == local(2026, 11, 25, 8, 0)


@pytest.mark.parametrize(
    ("quiet", "due_local", "held_to_local"),
    [
        ((12 * 60, 13 * 60), (2026, 11, 24, 12, 30), (2026, 11, 24, 13, 0)),  # lunch, same day
        ((12 * 60, 13 * 60), (2026, 11, 24, 13, 0), None),  # the end minute is no longer quiet
        ((21 * 60, 8 * 60), (2026, 11, 24, 20, 59), None),
        ((21 * 60, 8 * 60), (2026, 11, 24, 21, 0), (2026, 11, 25, 8, 0)),
        ((0, 0), (2026, 11, 24, 23, 0), None),  # equal start and end: no quiet hours
    ],
)
def test_quiet_period_boundaries(
    quiet: tuple[int, int],
    due_local: tuple[int, ...],
    held_to_local: tuple[int, ...] | None,
) -> None:
    practice = practice_with(quiet_start_minute=quiet[0], quiet_end_minute=quiet[1])
    expected = local(*held_to_local) if held_to_local else None
    assert waves.quiet_period_end(practice, local(*due_local)) == expected


@pytest.mark.parametrize(
    ("last_utc", "expected_utc", "why"),
    [
        # Sat 28 Mar 20:05 UTC = 21:05 CET: held to Sun 29 Mar 08:00 CEST = 06:00 UTC.
        ((2026, 3, 28, 19, 55), (2026, 3, 29, 6, 0), "evening before spring forward"),
        # Sun 29 Mar 05:40 UTC = 07:40 CEST (quiet; a fixed +1 would say 06:40, also quiet).
        ((2026, 3, 29, 5, 30), (2026, 3, 29, 6, 0), "morning after spring forward"),
        # Sun 29 Mar 06:30 UTC = 08:30 CEST: awake (a fixed +1 would hold it till 07:00 UTC).
        ((2026, 3, 29, 6, 20), (2026, 3, 29, 6, 30), "awake after spring forward"),
        # Sun 29 Mar 19:05 UTC = 21:05 CEST: quiet (a fixed +1 would call it 20:05, awake).
        ((2026, 3, 29, 18, 55), (2026, 3, 30, 6, 0), "first summer evening"),
        # Sat 24 Oct 19:05 UTC = 21:05 CEST: held to Sun 25 Oct 08:00 CET = 07:00 UTC.
        ((2026, 10, 24, 18, 55), (2026, 10, 25, 7, 0), "evening before fall back"),
        # Sun 25 Oct 06:30 UTC = 07:30 CET: still quiet (a fixed +2 would say 08:30, awake).
        ((2026, 10, 25, 6, 20), (2026, 10, 25, 7, 0), "morning after fall back"),
        # Sun 25 Oct 07:10 UTC = 08:10 CET: awake.
        ((2026, 10, 25, 7, 0), (2026, 10, 25, 7, 10), "awake after fall back"),
    ],
)
def test_quiet_hours_stay_local_across_dst(
    last_utc: tuple[int, ...], expected_utc: tuple[int, ...], why: str
) -> None:
    last = datetime(*last_utc, tzinfo=UTC)  # type: ignore[misc]
    slot = slot_at(last + timedelta(days=2))
    due = fixed_due(practice_with(), slot, last, last)
    assert due == datetime(*expected_utc, tzinfo=UTC), why  # type: ignore[misc]


def test_minimum_notice_stops_waves() -> None:
    now = local(2026, 11, 24, 10, 0)
    practice = practice_with(min_notice_minutes=60)
    assert fixed_due(practice, slot_at(now + timedelta(minutes=59)), now, now) is None
    # Still 65 min away now, but the wave is due in 10 minutes, leaving 55.
    assert fixed_due(practice, slot_at(now + timedelta(minutes=65)), now, now) is None
    near = slot_at(now + timedelta(minutes=70))
    assert fixed_due(practice, near, now, now) == now + timedelta(minutes=10)


@pytest.mark.parametrize("status", ["claimed", "closed", "expired"])
def test_no_wave_for_a_slot_that_is_not_open(status: str) -> None:
    now = local(2026, 11, 24, 10, 0)
    slot = slot_at(now + timedelta(days=1), status=status)
    assert fixed_due(practice_with(), slot, now, now + timedelta(hours=1)) is None


# --- run_due_waves and expire_offers on a real database -----------------------------------


@pytest.fixture
def now(office_now: datetime) -> datetime:
    return office_now


@dataclass
class Clinic:
    db: Session
    practice: Practice
    treatment_id: int
    patient_ids: list[int]

    def slot(self, starts_at: datetime, created_at: datetime) -> Slot:
        slot = Slot(
            practice_id=self.practice.id,  # type: ignore[arg-type]
            starts_at=starts_at,
            duration_minutes=30,
            treatment_id=self.treatment_id,
            created_at=created_at,
        )
        self.db.add(slot)
        self.db.flush()
        return slot

    def offers(self, slot: Slot) -> list[Offer]:
        return list(
            self.db.exec(select(Offer).where(Offer.slot_id == slot.id).order_by(Offer.id)).all()
        )


def make_clinic(
    db: Session, factory: Factory, now: datetime, size: int = 10, **settings: int
) -> Clinic:
    practice = factory.practice(db, "Tandartspraktijk Golf")
    for name, value in {"wave_size": 3, **settings}.items():
        setattr(practice, name, value)
    db.add(practice)
    practice_settings.create_default_treatments(db, practice.id)  # type: ignore[arg-type]
    db.flush()
    treatment = db.exec(
        select(Treatment.id).where(
            Treatment.practice_id == practice.id, Treatment.name == "vulling"
        )
    ).one()
    people = patients.insert_many(
        db,
        practice.id,  # type: ignore[arg-type]
        [waiting_patient(f"Golf {i}", f"+316200{i:05d}", treatment) for i in range(size)],
        now - timedelta(days=30),
    )
    return Clinic(db, practice, treatment, [p.id for p in people])  # type: ignore[misc]


def test_waves_go_out_every_interval_with_wave_size_and_new_patients(
    db: Session, factory: Factory, now: datetime
) -> None:
    clinic = make_clinic(db, factory, now, size=10, wave_size=3)
    slot = clinic.slot(now + timedelta(days=1), now)  # Wed 10:00 local
    first = slots.add_wave(db, slot, 1, now)
    assert len(first) == 3

    assert waves.run_due_waves(db, now + timedelta(minutes=9, seconds=59)) == []
    second = waves.run_due_waves(db, now + timedelta(minutes=10))
    assert len(second) == 3
    assert waves.run_due_waves(db, now + timedelta(minutes=15)) == []  # wave 2 was at +10
    third = waves.run_due_waves(db, now + timedelta(minutes=20))
    fourth = waves.run_due_waves(db, now + timedelta(minutes=30))
    assert (len(third), len(fourth)) == (3, 1)  # ten patients in all
    assert waves.run_due_waves(db, now + timedelta(minutes=40)) == []

    offers = clinic.offers(slot)
    assert [o.wave for o in offers] == [1, 1, 1, 2, 2, 2, 3, 3, 3, 4]
    assert sorted(o.patient_id for o in offers) == sorted(clinic.patient_ids)  # nobody twice
    assert {o.id for o in offers if o.wave == 2} == set(second)
    assert all(o.status == "queued" and o.expires_at == slot.starts_at for o in offers)


def test_slot_whose_first_wave_found_nobody_retries_from_its_creation(
    db: Session, factory: Factory, now: datetime
) -> None:
    clinic = make_clinic(db, factory, now, size=2)
    slot = clinic.slot(now + timedelta(days=1), now)
    assert waves.run_due_waves(db, now + timedelta(minutes=5)) == []
    assert len(waves.run_due_waves(db, now + timedelta(minutes=10))) == 2
    assert [o.wave for o in clinic.offers(slot)] == [1, 1]


def test_run_due_waves_only_touches_due_slots_of_each_practice(
    db: Session, factory: Factory, now: datetime
) -> None:
    fast = make_clinic(db, factory, now, size=4, wave_size=2, wave_interval_minutes=5)
    slow = make_clinic(db, factory, now, size=4, wave_size=2, wave_interval_minutes=30)
    fast_slot = fast.slot(now + timedelta(days=1), now)
    slow_slot = slow.slot(now + timedelta(days=1), now)
    slots.add_wave(db, fast_slot, 1, now)
    slots.add_wave(db, slow_slot, 1, now)
    new = waves.run_due_waves(db, now + timedelta(minutes=5))
    assert {o.id for o in fast.offers(fast_slot) if o.wave == 2} == set(new)
    assert [o.wave for o in slow.offers(slow_slot)] == [1, 1]


@pytest.mark.parametrize("status", ["claimed", "closed"])
def test_no_wave_after_claim_or_close(
    db: Session, factory: Factory, now: datetime, status: str
) -> None:
    clinic = make_clinic(db, factory, now)
    slot = clinic.slot(now + timedelta(days=1), now)
    slots.add_wave(db, slot, 1, now)
    slot.status = status
    db.add(slot)
    db.flush()
    assert waves.run_due_waves(db, now + timedelta(hours=1)) == []
    assert len(clinic.offers(slot)) == 3


def test_minimum_notice_stops_waves_in_the_database(
    db: Session, factory: Factory, now: datetime
) -> None:
    clinic = make_clinic(db, factory, now, min_notice_minutes=60)
    slot = clinic.slot(now + timedelta(minutes=75), now)
    slots.add_wave(db, slot, 1, now)
    assert len(waves.run_due_waves(db, now + timedelta(minutes=10))) == 3  # 65 min left
    assert waves.run_due_waves(db, now + timedelta(minutes=20)) == []  # 55 min left
    assert [o.wave for o in clinic.offers(slot)] == [1, 1, 1, 2, 2, 2]


def test_quiet_hours_hold_the_wave_until_morning_in_the_database(
    db: Session, factory: Factory
) -> None:
    evening = local(2026, 11, 24, 20, 55)
    clinic = make_clinic(db, factory, evening)
    slot = clinic.slot(local(2026, 11, 25, 11, 0), evening)
    slots.add_wave(db, slot, 1, evening)
    assert waves.run_due_waves(db, local(2026, 11, 24, 21, 5)) == []
    assert waves.run_due_waves(db, local(2026, 11, 25, 7, 59)) == []
    assert len(waves.run_due_waves(db, local(2026, 11, 25, 8, 0))) == 3


def test_expiry_of_offers_and_slots(db: Session, factory: Factory, now: datetime) -> None:
    clinic = make_clinic(db, factory, now - timedelta(days=2), size=10)
    past = clinic.slot(now - timedelta(minutes=1), now - timedelta(days=1))
    closed = clinic.slot(now + timedelta(days=1), now - timedelta(hours=1))
    future = clinic.slot(now + timedelta(days=1), now - timedelta(hours=1))
    created = now - timedelta(hours=1)
    past_ids = slots.add_wave(db, past, 1, created)
    closed_ids = slots.add_wave(db, closed, 1, created)
    future_ids = slots.add_wave(db, future, 1, created)
    statuses = ["sent", "sending", "claimed"]  # one answering, one with unknown outcome, a winner
    for offer_id, status in zip(past_ids, statuses, strict=True):
        offer = db.get(Offer, offer_id)
        assert offer is not None
        offer.status = status
        db.add(offer)
    closed.status = "closed"
    db.add(closed)
    db.flush()

    # past: the `sent` one; closed: all three
    assert sum(waves.expire_offers(db, now).values()) == 1 + 3
    db.expire_all()
    assert db.get(Slot, past.id).status == "expired"  # type: ignore[union-attr]
    assert db.get(Slot, closed.id).status == "closed"  # type: ignore[union-attr]
    assert db.get(Slot, future.id).status == "open"  # type: ignore[union-attr]
    status_of = {o.id: o.status for o in db.exec(select(Offer)).all()}
    assert [status_of[i] for i in past_ids] == ["expired", "sending", "claimed"]
    assert {status_of[i] for i in closed_ids} == {"expired"}
    assert {status_of[i] for i in future_ids} == {"queued"}
    assert waves.expire_offers(db, now) == {}  # idempotent


def test_expiring_a_claimed_slot_leaves_the_patients_alone(
    db: Session, factory: Factory, now: datetime
) -> None:
    clinic = make_clinic(db, factory, now, size=3)
    slot = clinic.slot(now + timedelta(days=1), now)
    ids = slots.add_wave(db, slot, 1, now)
    slot.status = "claimed"
    db.add(slot)
    db.flush()
    assert sum(waves.expire_offers(db, now).values()) == len(ids)
    waiting = db.exec(select(Patient.status).where(Patient.practice_id == clinic.practice.id))
    assert set(waiting.all()) == {"waiting"}


# --- the scheduler's tick and the embedded consumer ---------------------------------------


def test_tick_expires_queues_and_texts_in_one_go(app_env: AppEnv, factory: Factory) -> None:
    from pakjeplekje.services import scheduler

    # A weekday 10:00 local a few days ahead: awake, a weekday, and still in the future for
    # the dispatch (which checks the slot against the app's clock).
    start = timeplan.weekday_at(clock.now(), 10, 0)
    with session_scope() as db:
        clinic = make_clinic(db, factory, start, size=6)
        slot = clinic.slot(start + timedelta(days=1), start - timedelta(minutes=30))
        slot_id = slot.id
        first = slots.add_wave(db, slot, 1, start - timedelta(minutes=30))
    new = scheduler.tick(start)  # wave 1 is 30 min old: wave 2 is due
    assert len(new) == 3 and not set(new) & set(first)
    with session_scope() as db:
        offers = db.exec(select(Offer).where(Offer.slot_id == slot_id)).all()
        assert {o.id: o.status for o in offers if o.id in new} == dict.fromkeys(new, "sent")
        # wave 1 sat in the queue for 30 min (its send job was lost): the tick texts it too
        assert {o.status for o in offers if o.id in first} == {"sent"}


@pytest.mark.needs_running_clock
def test_embedded_consumer_runs_tasks_and_stops_cleanly(
    app_env: AppEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pakjeplekje.services import scheduler

    memory = MemoryHuey("waves-test", utc=True)
    ran = threading.Event()

    @memory.task()
    def ping() -> None:
        ran.set()

    monkeypatch.setattr(scheduler, "huey", memory)

    async def lifespan() -> bool:
        async with scheduler.embedded_consumer():
            ping()
            return await asyncio.to_thread(ran.wait, 10)

    before = threading.active_count()
    assert asyncio.run(lifespan())
    assert threading.active_count() <= before  # workers and scheduler joined


def test_no_embedded_consumer_with_redis(app_env: AppEnv, monkeypatch: pytest.MonkeyPatch) -> None:
    from pakjeplekje.services import scheduler

    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:1/0")
    app_env.reload()

    async def lifespan() -> int:
        before = threading.active_count()
        async with scheduler.embedded_consumer():
            return threading.active_count() - before

    assert asyncio.run(lifespan()) == 0
