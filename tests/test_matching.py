"""Who gets offered a freed slot, and in which order: every eligibility rule on and off.

A wrong rule here means a patient is texted for a slot they cannot take (or never texted for
one they could), so each rule gets a case where it lets the patient through and one where it
keeps them out, with the other rules all satisfied.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import Session, select

from pakjeplekje.domain.accounts import practice_settings
from pakjeplekje.domain.core_loop import matching
from pakjeplekje.domain.offers import add_offers
from pakjeplekje.domain.waitlist import patients
from pakjeplekje.domain.waitlist.patients import ALL_CELLS, CleanPatient, cell
from pakjeplekje.models import Patient, Practice, Practitioner, Slot, Treatment
from tests.conftest import Factory

_phones = itertools.count(10_000_000)

# A Wednesday morning in winter: 2026-11-25 10:00 in Amsterdam (CET, UTC+1).
WED_10_LOCAL = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


@dataclass
class World:
    """One practice with the default treatments and two practitioners."""

    db: Session
    practice: Practice
    treatments: dict[str, int]
    dr1: int
    dr2: int
    now: datetime
    slots: list[Slot] = field(default_factory=list)

    @property
    def pid(self) -> int:
        assert self.practice.id is not None
        return self.practice.id

    def patient(self, *, treatments: tuple[str, ...] = ("vulling",), **changes: Any) -> Patient:
        """A patient eligible for `shape()`; `changes` set Patient fields before the flush."""
        return self.patients(1, treatments=treatments, **changes)[0]

    def patients(
        self, n: int, *, treatments: tuple[str, ...] = ("vulling",), **changes: Any
    ) -> list[Patient]:
        clean = CleanPatient(
            name="Test Patiënt",
            phone=f"06-{next(_phones)}",
            treatment_ids=tuple(self.treatments[t] for t in treatments),
            duration_minutes=30,
            availability=ALL_CELLS,
            preferred_practitioner_id=None,
            urgency="normaal",
            note="",
            consent_method="balie",
            status="waiting",
        )
        cleans = [
            replace(clean, name=f"Patiënt {next(_phones)}", phone=f"06-{next(_phones)}")
            for _ in range(n)
        ]
        made = patients.insert_many(self.db, self.pid, cleans, self.now)
        for p in made:
            for key, value in changes.items():
                setattr(p, key, value)
            self.db.add(p)
        self.db.flush()
        return made

    def slot(self, starts_at: datetime | None = None, **changes: Any) -> Slot:
        """A stored open slot (offers need a real slot row)."""
        slot = Slot(
            practice_id=self.pid,
            starts_at=starts_at or WED_10_LOCAL,
            duration_minutes=30,
            treatment_id=self.treatments["vulling"],
            created_at=self.now,
            **changes,
        )
        self.db.add(slot)
        self.db.flush()
        self.slots.append(slot)
        return slot

    def shape(self, **changes: Any) -> matching.SlotShape:
        """A 30-minute vulling on Wednesday morning with no practitioner."""
        base = matching.SlotShape(
            practice_id=self.pid,
            starts_at=WED_10_LOCAL,
            duration_minutes=30,
            treatment_id=self.treatments["vulling"],
            practitioner_id=None,
        )
        return replace(base, **changes)

    def offers(self, patient: Patient, n: int, at: datetime) -> None:
        """`n` offers to `patient` made at `at`, each for its own slot."""
        for _ in range(n):
            add_offers(self.db, self.slot(), [patient.id], wave=1, now=at)  # type: ignore[list-item]

    def eligible_ids(self, shape: matching.SlotShape) -> list[int]:
        return [m.patient_id for m in matching.ranked(self.db, shape, self.now, 10_000)]


def make_world(db: Session, factory: Factory, now: datetime, name: str = "Alfa") -> World:
    practice = factory.practice(db, f"Tandartspraktijk {name}")
    assert practice.id is not None
    practice_settings.create_default_treatments(db, practice.id)
    dr1 = Practitioner(practice_id=practice.id, name="Dr. Een")
    dr2 = Practitioner(practice_id=practice.id, name="Dr. Twee")
    db.add_all([dr1, dr2])
    db.flush()
    treatments = dict(
        db.exec(
            select(Treatment.name, Treatment.id).where(Treatment.practice_id == practice.id)
        ).all()
    )
    assert dr1.id and dr2.id
    return World(db, practice, treatments, dr1.id, dr2.id, now)  # type: ignore[arg-type]


@pytest.fixture
def world(db: Session, factory: Factory, now: datetime) -> World:
    return make_world(db, factory, now)


def _eligible(world: World, patient: Patient, shape: matching.SlotShape) -> bool:
    """Ranked and count must agree on whether this patient is in."""
    ids = world.eligible_ids(shape)
    assert matching.count(world.db, shape, world.now) == len(ids)
    return patient.id in ids


# (case id, patient changes, slot-shape changes, eligible). Values that need ids are resolved
# by `_resolve`: "dr1"/"dr2" are practitioners, ("t", name) a treatment.
RuleCase = tuple[str, dict[str, Any], dict[str, Any], bool]
RULE_CASES: list[RuleCase] = [
    ("baseline fits", {}, {}, True),
    ("status waiting", {"status": "waiting"}, {}, True),
    ("status booked", {"status": "booked"}, {}, False),
    ("status removed", {"status": "removed"}, {}, False),
    ("not opted out", {"opted_out_at": None}, {}, True),
    ("opted out", {"opted_out_at": datetime(2026, 11, 1, tzinfo=UTC)}, {}, False),
    ("number accepted", {"phone_invalid_at": None}, {}, True),
    ("number invalid", {"phone_invalid_at": datetime(2026, 11, 1, tzinfo=UTC)}, {}, False),
    ("no consent", {"consent_method": ""}, {}, False),
    ("needs less than slot", {"duration_minutes": 15}, {}, True),
    ("needs exactly the slot", {"duration_minutes": 30}, {}, True),
    ("needs more than slot", {"duration_minutes": 31}, {}, False),
    ("longer slot fits longer need", {"duration_minutes": 60}, {"duration_minutes": 60}, True),
    ("wants the treatment", {"treatments": ("vulling",)}, {}, True),
    ("wants another treatment", {"treatments": ("kroon",)}, {}, False),
    ("wants one of several", {"treatments": ("kroon", "vulling")}, {}, True),
    ("wants overig", {"treatments": ("overig",)}, {"treatment_id": ("t", "kroon")}, True),
    ("slot without treatment", {"treatments": ("kroon",)}, {"treatment_id": None}, True),
    ("no preference, slot has dr1", {}, {"practitioner_id": "dr1"}, True),
    (
        "prefers dr1, slot has dr1",
        {"preferred_practitioner_id": "dr1"},
        {"practitioner_id": "dr1"},
        True,
    ),
    (
        "prefers dr2, slot has dr1",
        {"preferred_practitioner_id": "dr2"},
        {"practitioner_id": "dr1"},
        False,
    ),
    (
        "prefers dr2, slot has nobody",
        {"preferred_practitioner_id": "dr2"},
        {"practitioner_id": None},
        True,
    ),
]


def _resolve(world: World, value: Any) -> Any:
    if value in ("dr1", "dr2"):
        return getattr(world, value)
    if isinstance(value, tuple) and value[:1] == ("t",):
        return world.treatments[value[1]]
    return value


@pytest.mark.parametrize(
    ("case", "patient_changes", "shape_changes", "eligible"),
    RULE_CASES,
    ids=[c[0] for c in RULE_CASES],
)
def test_each_rule_on_and_off(
    world: World,
    case: str,
    patient_changes: dict[str, Any],
    shape_changes: dict[str, Any],
    eligible: bool,
) -> None:
    """One rule broken at a time: everything else about the patient fits the slot."""
    changes = {k: _resolve(world, v) for k, v in patient_changes.items()}
    patient = world.patient(**changes)
    shape = world.shape(**{k: _resolve(world, v) for k, v in shape_changes.items()})
    assert _eligible(world, patient, shape) is eligible, case


# (case id, slot start in UTC, availability cell (weekday, part) that must match, or None).
AVAILABILITY_CASES: list[tuple[str, datetime, tuple[int, int] | None]] = [
    ("wed 10:00 ochtend", datetime(2026, 11, 25, 9, 0, tzinfo=UTC), (2, 0)),
    ("wed 11:59 ochtend", datetime(2026, 11, 25, 10, 59, tzinfo=UTC), (2, 0)),
    ("wed 12:00 middag", datetime(2026, 11, 25, 11, 0, tzinfo=UTC), (2, 1)),
    ("wed 16:59 middag", datetime(2026, 11, 25, 15, 59, tzinfo=UTC), (2, 1)),
    ("wed 17:00 avond", datetime(2026, 11, 25, 16, 0, tzinfo=UTC), (2, 2)),
    ("sat 09:00 ochtend", datetime(2026, 11, 28, 8, 0, tzinfo=UTC), (5, 0)),
    ("mon 08:00 ochtend", datetime(2026, 11, 30, 7, 0, tzinfo=UTC), (0, 0)),
    # Right after DST ends (25 Oct): 10:30 UTC is 11:30 CET, not 12:30 CEST.
    ("2026-10-26 11:30 CET ochtend", datetime(2026, 10, 26, 10, 30, tzinfo=UTC), (0, 0)),
    ("2026-10-26 16:30 CET middag", datetime(2026, 10, 26, 15, 30, tzinfo=UTC), (0, 1)),
    # Right after DST starts (29 Mar): 10:30 UTC is 12:30 CEST, 15:00 UTC is 17:00 CEST.
    ("2026-03-30 12:30 CEST middag", datetime(2026, 3, 30, 10, 30, tzinfo=UTC), (0, 1)),
    ("2026-03-30 17:00 CEST avond", datetime(2026, 3, 30, 15, 0, tzinfo=UTC), (0, 2)),
    # The local date, not the UTC one: Saturday 23:30 UTC is already Sunday in Amsterdam.
    ("sun 10:00 nobody", datetime(2026, 11, 29, 9, 0, tzinfo=UTC), None),
    ("sat 23:30 UTC is sunday", datetime(2026, 11, 28, 23, 30, tzinfo=UTC), None),
]


@pytest.mark.parametrize(
    ("case", "starts_at", "wanted"),
    AVAILABILITY_CASES,
    ids=[c[0] for c in AVAILABILITY_CASES],
)
def test_availability_uses_the_local_weekday_and_part_of_day(
    world: World, case: str, starts_at: datetime, wanted: tuple[int, int] | None
) -> None:
    """Only the patient who ticked exactly that cell matches; Sunday matches nobody."""
    every_cell = {
        (day, part): world.patient(availability=cell(day, part))
        for day in range(6)
        for part in range(3)
    }
    everything = world.patient(availability=ALL_CELLS)
    shape = world.shape(starts_at=starts_at)
    expected = set() if wanted is None else {every_cell[wanted].id, everything.id}
    assert set(world.eligible_ids(shape)) == expected, case
    assert matching.count(world.db, shape, world.now) == len(expected)
    bit = matching.availability_bit(starts_at, "Europe/Amsterdam")
    assert bit == (None if wanted is None else cell(*wanted))


def test_an_offer_for_this_slot_excludes_the_patient(world: World) -> None:
    """Never text the same person twice for one slot; offers for other slots do not count."""
    slot = world.slot()
    offered, other_slot_only, fresh = (world.patient() for _ in range(3))
    add_offers(world.db, slot, [offered.id], wave=1, now=world.now)  # type: ignore[list-item]
    world.offers(other_slot_only, 1, world.now)
    shape = world.shape(slot_id=slot.id)
    assert set(world.eligible_ids(shape)) == {other_slot_only.id, fresh.id}
    # Before the slot exists (the preview) nobody is excluded for it.
    assert offered.id in world.eligible_ids(world.shape())


# (case id, paused_until relative to now or None, eligible): the preferences link's pause.
PAUSE_CASES: list[tuple[str, timedelta | None, bool]] = [
    ("never paused", None, True),
    ("paused for two weeks", timedelta(weeks=2), False),
    ("pause ends in a second", timedelta(seconds=1), False),
    ("pause ends right now", timedelta(0), True),
    ("pause ended yesterday", -timedelta(days=1), True),
]


@pytest.mark.parametrize(
    ("case", "until", "eligible"), PAUSE_CASES, ids=[c[0] for c in PAUSE_CASES]
)
def test_a_paused_patient_is_skipped_until_paused_until(
    world: World, case: str, until: timedelta | None, eligible: bool
) -> None:
    patient = world.patient(paused_until=None if until is None else world.now + until)
    assert _eligible(world, patient, world.shape()) is eligible, case


# (case id, offers made, their age, eligible with the default cap of 3 a week).
CAP_CASES: list[tuple[str, int, timedelta, bool]] = [
    ("no offers", 0, timedelta(0), True),
    ("two this week", 2, timedelta(days=1), True),
    ("three this week", 3, timedelta(days=1), False),
    ("three, almost a week ago", 3, timedelta(days=6, hours=23), False),
    ("three, just over a week ago", 3, timedelta(days=7, minutes=1), True),
    ("five, a month ago", 5, timedelta(days=30), True),
]


@pytest.mark.parametrize(("case", "n", "age", "eligible"), CAP_CASES, ids=[c[0] for c in CAP_CASES])
def test_frequency_cap_counts_the_last_seven_days(
    world: World, case: str, n: int, age: timedelta, eligible: bool
) -> None:
    patient = world.patient()
    world.offers(patient, n, world.now - age)
    assert _eligible(world, patient, world.shape()) is eligible, case


def test_frequency_cap_follows_the_practice_setting(world: World) -> None:
    """max_offers_per_week is the practice's choice, not a constant."""
    patient = world.patient()
    world.offers(patient, 1, world.now - timedelta(hours=1))
    assert _eligible(world, patient, world.shape())
    world.practice.max_offers_per_week = 1
    world.db.add(world.practice)
    world.db.flush()
    assert not _eligible(world, patient, world.shape())


def test_other_practices_patients_are_never_matched(
    db: Session, factory: Factory, now: datetime, world: World
) -> None:
    """A patient of practice B who fits A's slot in every way is still not A's to text."""
    other = make_world(db, factory, now, "Beta")
    theirs = other.patient()
    ours = world.patient()
    assert world.eligible_ids(world.shape()) == [ours.id]
    # Even with B's own treatment on A's slot shape, B's patient does not appear.
    shape = world.shape(treatment_id=other.treatments["vulling"])
    assert theirs.id not in world.eligible_ids(shape)
    assert other.eligible_ids(other.shape()) == [theirs.id]


def test_ranking_urgency_then_waiting_then_recent_offers_then_id(world: World) -> None:
    """Urgent first; among equals the longest waiting; then who was texted least lately."""
    now = world.now
    hoog_new = world.patient(urgency="hoog", added_at=now - timedelta(days=1))
    hoog_old = world.patient(urgency="hoog", added_at=now - timedelta(days=10))
    oldest = world.patient(added_at=now - timedelta(days=300))
    tie_a = world.patient(added_at=now - timedelta(days=20))
    tie_busy = world.patient(added_at=now - timedelta(days=20))
    tie_b = world.patient(added_at=now - timedelta(days=20))
    tie_old_offers = world.patient(added_at=now - timedelta(days=20))
    world.offers(tie_busy, 2, now - timedelta(days=2))
    world.offers(tie_old_offers, 2, now - timedelta(days=10))  # too old to count

    matches = matching.ranked(world.db, world.shape(), now, 100)
    assert [m.patient_id for m in matches] == [
        hoog_old.id,
        hoog_new.id,
        oldest.id,
        tie_a.id,
        tie_b.id,
        tie_old_offers.id,
        tie_busy.id,
    ]
    by_id = {m.patient_id: m for m in matches}
    assert by_id[tie_busy.id].recent_offers == 2
    assert by_id[tie_old_offers.id].recent_offers == 0
    assert by_id[hoog_old.id].urgency == "hoog"
    assert by_id[oldest.id].added_at == now - timedelta(days=300)
    assert by_id[oldest.id].name == oldest.name


def test_limit_and_count(world: World) -> None:
    """The limit cuts the ranking; count is the size of the unlimited ranking."""
    fits = world.patients(7)
    world.patients(3, status="booked")
    shape = world.shape()
    full = matching.ranked(world.db, shape, world.now, 1000)
    assert [m.patient_id for m in full] == [p.id for p in fits]
    assert matching.count(world.db, shape, world.now) == len(full) == 7
    assert matching.ranked(world.db, shape, world.now, 3) == full[:3]
    assert matching.ranked(world.db, shape, world.now, 0) == []


def test_nobody_waiting_gives_an_empty_ranking(world: World) -> None:
    shape = world.shape()
    assert matching.ranked(world.db, shape, world.now, 10) == []
    assert matching.count(world.db, shape, world.now) == 0
