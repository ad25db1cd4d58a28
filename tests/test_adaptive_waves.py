"""Adaptive waves: the arithmetic of the plan (pure), and the real core loop choosing with
it: a slot days away goes to one patient at a time, a slot hours away to several, every
offer says why, and what a patient answered before changes what the plan expects."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest
import time_machine
from sqlmodel import Session, col, select

from pakjeplekje import clock
from pakjeplekje.db import session_scope
from pakjeplekje.domain.core_loop import adaptive, matching, outreach, waves
from pakjeplekje.domain.core_loop.quiet_hours import awake_minutes
from pakjeplekje.domain.core_loop.wave_strategies import History
from pakjeplekje.domain.offers import add_offers
from pakjeplekje.models import Offer, Patient, Practice, Slot
from tests import timeplan
from tests.conftest import AppEnv, Factory
from tests.test_claims import make_slot
from tests.test_declines import one_more_waiting

NEWCOMER = History()
KEEN = History(texted=5, interested=4, delays=(3.0, 4.0, 5.0, 6.0))
SILENT = History(texted=8, interested=0)


def test_a_newcomer_gets_the_prior_and_a_record_moves_it() -> None:
    assert adaptive.interest(NEWCOMER) == pytest.approx(adaptive.PRIOR_INTEREST)
    assert adaptive.interest(KEEN) > 0.4 > adaptive.interest(SILENT)
    assert adaptive.typical_delay(NEWCOMER) == pytest.approx(adaptive.PRIOR_DELAY)
    assert adaptive.typical_delay(KEEN) < 10 < adaptive.PRIOR_DELAY


def test_days_ahead_one_patient_at_a_time_with_the_longest_gap() -> None:
    chosen = adaptive.plan(5 * 24 * 60, [], [NEWCOMER] * 30, [NEWCOMER] * 30)
    assert (chosen.size, chosen.gap) == (1, max(adaptive.GAPS))
    assert chosen.chance >= adaptive.TARGET


def test_hours_ahead_several_at_once_and_sooner() -> None:
    far = adaptive.plan(3 * 24 * 60, [], [NEWCOMER] * 30, [NEWCOMER] * 30)
    near = adaptive.plan(90, [], [NEWCOMER] * 30, [NEWCOMER] * 30)
    assert near.size > far.size
    assert near.gap < far.gap


def test_keen_patients_need_a_smaller_wave_than_silent_ones() -> None:
    keen = adaptive.plan(120, [], [KEEN] * 30, [KEEN] * 30)
    silent = adaptive.plan(120, [], [SILENT] * 30, [SILENT] * 30)
    assert keen.size < silent.size


def test_offers_still_waiting_count_towards_the_chance() -> None:
    alone = adaptive.plan(120, [], [NEWCOMER] * 30, [NEWCOMER] * 30)
    helped = adaptive.plan(120, [(KEEN, 1.0)] * 3, [NEWCOMER] * 30, [NEWCOMER] * 30)
    assert helped.size < alone.size


def test_never_more_than_the_cap_or_the_candidates_and_nothing_past_the_deadline() -> None:
    assert adaptive.plan(10, [], [SILENT] * 40, [SILENT] * 40).size == adaptive.MAX_WAVE
    assert adaptive.plan(10, [], [SILENT] * 3, [SILENT] * 3).size == 3
    assert adaptive.plan(0, [], [NEWCOMER] * 5, [NEWCOMER] * 5).size == 0
    assert adaptive.plan(600, [], [], []).size == 0


def _adaptive_slot(factory: Factory, name: str, offers: int, starts_at: datetime) -> Slot:
    setup = make_slot(factory, name, offers, starts_at=starts_at)
    with session_scope() as db:
        slot = db.get(Slot, setup.slot_id)
        assert slot is not None
        practice = db.get(Practice, slot.practice_id)
        assert practice is not None
        practice.wave_mode = "adaptief"
        db.exec(Offer.__table__.delete().where(Offer.slot_id == slot.id))  # type: ignore[attr-defined]
        return slot


def _wave(db: Session, slot_id: int, now: datetime) -> list[Offer]:
    ids = waves.run_due_waves(db, now)
    return list(db.exec(select(Offer).where(col(Offer.id).in_(ids), Offer.slot_id == slot_id)))


@pytest.fixture
def weekday_morning(frozen_clock: time_machine.Coordinates) -> datetime:
    morning = timeplan.weekday_at(clock.now(), 9, 0, days_ahead=0)
    frozen_clock.move_to(morning)
    return morning


def test_the_core_loop_paces_a_far_slot_and_hurries_a_near_one(
    app_env: AppEnv, factory: Factory, weekday_morning: datetime
) -> None:
    now = weekday_morning
    far = _adaptive_slot(factory, "Ver", 12, timeplan.weekday_at(now, 11, 0, days_ahead=3))
    near = _adaptive_slot(factory, "Dichtbij", 12, now + timedelta(hours=2, minutes=30))
    with session_scope() as db:  # both slots' first waves are due 5 minutes after opening
        ids = waves.run_due_waves(db, now + timedelta(minutes=6))
        first = db.exec(select(Offer).where(col(Offer.id).in_(ids))).all()
        first_far = [o for o in first if o.slot_id == far.id]
        first_near = [o for o in first if o.slot_id == near.id]
    assert len(first_far) == 1
    assert len(first_near) > 1
    assert "nog niet eerder ge-sms't" in first_far[0].reason
    assert first_far[0].reason.startswith("wacht ")
    with session_scope() as db:  # the far slot waits the planned gap before its next wave
        assert _wave(db, far.id, now + timedelta(minutes=60)) == []
        assert len(_wave(db, far.id, now + timedelta(minutes=6 + max(adaptive.GAPS)))) == 1


def test_what_a_patient_answered_before_is_read_from_their_offers(
    app_env: AppEnv, factory: Factory, weekday_morning: datetime
) -> None:
    setup = make_slot(factory, "Geschiedenis", 2)
    now = weekday_morning
    with session_scope() as db:
        first, second = db.exec(
            select(Offer).where(Offer.slot_id == setup.slot_id).order_by(col(Offer.id))
        ).all()
        first.sent_at, first.clicked_at = now, now + timedelta(minutes=4)
        second.sent_at, second.declined_at = now, now + timedelta(minutes=10)
        db.add_all([first, second])
        db.flush()
        practice_id = db.get(Slot, setup.slot_id).practice_id  # type: ignore[union-attr]
        known = outreach.histories(db, practice_id, setup.patient_ids, now + timedelta(hours=1))
    assert known[setup.patient_ids[0]] == History(1, 1, 0, (4.0,))
    assert known[setup.patient_ids[1]] == History(1, 0, 1, (10.0,))
    with session_scope() as db:  # another practice's records are not theirs to read
        other = factory.practice(db, "Tandartspraktijk Anders")
        assert outreach.histories(db, other.id, setup.patient_ids, now) == {}


def test_equals_take_turns_fewest_recent_offers_first(
    app_env: AppEnv, factory: Factory, weekday_morning: datetime
) -> None:
    """The longest-waiting patient was texted once more this week than the others (another
    slot): fixed waves still put them first, adaptive waves give the others their turn."""
    now = weekday_morning
    earlier = make_slot(factory, "Beurt", 3, starts_at=timeplan.weekday_at(now, 11, 0))
    with session_scope() as db:
        practice_id = db.get(Slot, earlier.slot_id).practice_id  # type: ignore[union-attr]
        longest = db.get(Patient, earlier.patient_ids[0])
        assert longest is not None
        longest.added_at = now - timedelta(days=30)
        other = Slot(
            practice_id=practice_id,
            starts_at=timeplan.weekday_at(now, 15, 0),
            duration_minutes=30,
            treatment_id=db.get(Slot, earlier.slot_id).treatment_id,  # type: ignore[union-attr]
            created_at=now,
        )
        db.add_all([longest, other])
        db.flush()
        add_offers(db, other, [longest.id], wave=1, now=now)
        shape = outreach.shape_of(db.get(Slot, earlier.slot_id))  # type: ignore[arg-type]
        shape = replace(shape, slot_id=None)  # offered this slot or not: rank all three
        fixed = [m.patient_id for m in matching.ranked(db, shape, now, 3)]
        turns = [m.patient_id for m in matching.ranked(db, shape, now, 3, rotate=True)]
    assert fixed[0] == earlier.patient_ids[0]
    assert turns[-1] == earlier.patient_ids[0]
    assert sorted(turns) == sorted(fixed)


def test_release_next_gives_the_declined_place_to_one_more(
    app_env: AppEnv, factory: Factory, weekday_morning: datetime
) -> None:
    setup = make_slot(factory, "Vrijgeven", 1)
    one_more_waiting(setup, "Vrijgeven2")
    with session_scope() as db:  # fixed waves: exactly one replacement
        released = waves.release_next(db, setup.slot_id, weekday_morning)
        assert len(released) == 1
        assert waves.release_next(db, 10**9, weekday_morning) == []  # no such slot


def test_the_plan_counts_only_minutes_outside_quiet_hours() -> None:
    practice = Practice(name="Wakker", slug="wakker", sms_sender_name="Wakker")  # 21:00–08:00
    monday = timeplan.at_local(date(2026, 11, 23), 0, 0)
    assert awake_minutes(practice, monday, monday + timedelta(days=1)) == 13 * 60
    assert awake_minutes(practice, monday, monday + timedelta(hours=8)) == 0
    evening = timeplan.at_local(date(2026, 11, 23), 20, 0)
    assert awake_minutes(practice, evening, evening + timedelta(hours=13)) == 60 + 60
    # the night the clocks go back (25 October 2026) has an hour more, of quiet
    dst = timeplan.at_local(date(2026, 10, 24), 12, 0)
    assert awake_minutes(practice, dst, dst + timedelta(days=1, hours=1)) == 13 * 60
    assert awake_minutes(practice, monday, monday) == 0
