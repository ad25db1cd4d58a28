"""The synthetic world every strategy meets: practices, waitlists, patients' habits, released
slots and newcomers, all drawn from one seed before any strategy runs, so each strategy sees
exactly the same inputs.

Assumptions (each a named constant below; no study publishes SMS reply times, so these are
parameters, not findings):
- A patient says yes to a text with their own probability ~ Beta(ACCEPT_A, ACCEPT_B), mean
  0.10 (published: 8.3 % of offers accepted at Sutter, 11 % at an academic centre).
- Of the texts a patient does not want, DECLINE_SHARE get an explicit "Nee"; the rest stay
  unanswered.
- Answer time is log-normal: each patient's median is itself log-normal around
  MEDIAN_DELAY_MIN minutes (spread MEDIAN_DELAY_SIGMA), one answer varies around it with
  DELAY_SIGMA. An answer that would fall in the night (NIGHT_START–NIGHT_END local) comes
  the next morning, within MORNING_SPREAD_MIN minutes after NIGHT_END.
- Each practice releases RELEASES_PER_DAY cancellations per working day at a random moment
  in opening hours, LEAD_MIN to LEAD_MAX ahead (log-uniform), starting in opening hours
  (Mon–Fri OPEN_HOUR–CLOSE_HOUR local), SLOT_DURATIONS long, one of the practice's treatments.
- A waitlist holds WAITLIST patients; each wants 1–2 treatments, is free in each weekday
  morning/afternoon/evening with AVAILABLE_SHARE, needs PATIENT_DURATIONS minutes, and is
  urgent (hoog) with URGENT_SHARE. NEWCOMERS_PER_DAY join per working day (those who claim
  leave the list as booked: the real claim does that), keeping the list about steady.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

ZONE = ZoneInfo("Europe/Amsterdam")
START = date(2026, 1, 5)  # a Monday; the simulated clock starts at local midnight

ACCEPT_A, ACCEPT_B = 1.2, 10.8  # Beta: mean 0.10, most patients 0.01–0.25
DECLINE_SHARE = 0.30  # of the texts a patient does not want: answered with "Nee"
MEDIAN_DELAY_MIN = 30.0  # minutes: the typical patient's median answer time
MEDIAN_DELAY_SIGMA = 0.8  # spread of the medians between patients (log scale)
DELAY_SIGMA = 1.0  # spread of one patient's answer times (log scale)
NIGHT_START, NIGHT_END = time(23, 0), time(7, 30)  # answers in between come in the morning
MORNING_SPREAD_MIN = 90.0  # morning answers arrive within this many minutes of NIGHT_END

RELEASES_PER_DAY = (1, 3)  # cancellations per practice per working day (uniform, inclusive)
LEAD_MIN, LEAD_MAX = timedelta(hours=2), timedelta(days=14)  # log-uniform
OPEN_HOUR, CLOSE_HOUR = 8, 17  # opening hours Mon–Fri, local
SLOT_DURATIONS = (15, 30, 45, 60)
TREATMENTS = ("controle", "gebitsreiniging", "vulling", "kroon", "wortelkanaalbehandeling")

WAITLIST = (150, 300)  # patients per practice at the start (uniform, inclusive)
AVAILABLE_SHARE = 0.45  # chance a patient is free in a given weekday × part of day
PATIENT_DURATIONS = (15, 15, 30, 30, 30, 45, 60)  # what a patient needs (drawn uniformly)
URGENT_SHARE = 0.10
NEWCOMERS_PER_DAY = 1.5  # joiners per practice per working day (on average)


@dataclass(frozen=True)
class Habits:
    """How one patient answers texts (drawn once; the same under every strategy)."""

    accept: float  # chance of a yes to any one text
    median_delay: float  # minutes


@dataclass(frozen=True)
class PatientSpec:
    key: str  # "practice.patient": keys the per-(patient, slot) answer draws
    practice: int
    joins_at: datetime  # UTC; before the start: on the list from the beginning
    added_at: datetime  # when they joined the waitlist (matching ranks by it)
    urgent: bool
    availability: int
    treatments: tuple[str, ...]
    duration: int
    habits: Habits


@dataclass(frozen=True)
class SlotSpec:
    key: str  # "practice.release"
    practice: int
    released_at: datetime  # UTC
    starts_at: datetime  # UTC
    duration: int
    treatment: str

    @property
    def lead(self) -> timedelta:
        return self.starts_at - self.released_at


@dataclass(frozen=True)
class Population:
    seed: int
    start: datetime  # UTC
    end: datetime  # UTC: no releases or newcomers after this
    practices: int
    patients: tuple[PatientSpec, ...]  # in joining order
    slots: tuple[SlotSpec, ...]  # in release order


@dataclass(frozen=True)
class Answer:
    """One patient's answer to one slot's text: the same whatever strategy texted them."""

    kind: str  # "ja" | "nee" | "stil" (no answer)
    at: datetime  # UTC: when it comes


def _local(day: date, minutes: float) -> datetime:
    return (datetime.combine(day, time(0), tzinfo=ZONE) + timedelta(minutes=minutes)).astimezone(
        UTC
    )


def _working_moment(rng: random.Random, day: date) -> datetime:
    return _local(day, rng.uniform(OPEN_HOUR * 60, CLOSE_HOUR * 60))


def _patient(
    rng: random.Random, practice: int, number: int, joins_at: datetime, added_at: datetime
) -> PatientSpec:
    availability = sum(1 << bit for bit in range(18) if rng.random() < AVAILABLE_SHARE)
    wanted = tuple(sorted(rng.sample(TREATMENTS, rng.choice((1, 1, 2)))))
    median = math.exp(math.log(MEDIAN_DELAY_MIN) + rng.gauss(0, MEDIAN_DELAY_SIGMA))
    return PatientSpec(
        key=f"{practice}.{number}",
        practice=practice,
        joins_at=joins_at,
        added_at=added_at,
        urgent=rng.random() < URGENT_SHARE,
        availability=availability,
        treatments=wanted,
        duration=rng.choice(PATIENT_DURATIONS),
        habits=Habits(rng.betavariate(ACCEPT_A, ACCEPT_B), median),
    )


def _slot(rng: random.Random, practice: int, number: int, day: date) -> SlotSpec | None:
    """A release on `day` whose start falls in opening hours (a few tries; None: skipped)."""
    released_at = _working_moment(rng, day)
    low, high = math.log(LEAD_MIN.total_seconds()), math.log(LEAD_MAX.total_seconds())
    duration = rng.choice(SLOT_DURATIONS)
    for _ in range(20):
        starts = released_at + timedelta(seconds=math.exp(rng.uniform(low, high)))
        local = starts.astimezone(ZONE)
        local = local.replace(minute=local.minute // 15 * 15, second=0, microsecond=0)
        end_minute = local.hour * 60 + local.minute + duration
        if (
            local.weekday() < 5
            and local.hour >= OPEN_HOUR
            and end_minute <= CLOSE_HOUR * 60
            and local.astimezone(UTC) - released_at >= LEAD_MIN
        ):
            return SlotSpec(
                f"{practice}.{number}",
                practice,
                released_at,
                local.astimezone(UTC),
                duration,
                rng.choice(TREATMENTS),
            )
    return None


def generate(seed: int, days: int, practices: int) -> Population:
    """Everything the run will meet, drawn from `seed` alone."""
    rng = random.Random(seed)  # noqa: S311 -- a simulation: the same world on every run
    start = _local(START, 0)
    patients: list[PatientSpec] = []
    slots: list[SlotSpec] = []
    for practice in range(practices):
        for number in range(rng.randint(*WAITLIST)):
            added = start - timedelta(days=rng.uniform(1, 365))
            patients.append(_patient(rng, practice, number, added, added))
    joined = {p: sum(1 for s in patients if s.practice == p) for p in range(practices)}
    released = dict.fromkeys(range(practices), 0)
    for offset in range(days):
        day = START + timedelta(days=offset)
        if day.weekday() >= 5:
            continue
        for practice in range(practices):
            for _ in range(rng.randint(*RELEASES_PER_DAY)):
                found = _slot(rng, practice, released[practice], day)
                released[practice] += 1
                if found is not None:
                    slots.append(found)
            newcomers = int(NEWCOMERS_PER_DAY) + (rng.random() < NEWCOMERS_PER_DAY % 1)
            for _ in range(newcomers):
                moment = _working_moment(rng, day)
                patients.append(_patient(rng, practice, joined[practice], moment, moment))
                joined[practice] += 1
    return Population(
        seed,
        start,
        _local(START + timedelta(days=days), 0),
        practices,
        tuple(sorted(patients, key=lambda p: (p.joins_at, p.key))),
        tuple(sorted(slots, key=lambda s: (s.released_at, s.key))),
    )


def answer(seed: int, patient: PatientSpec, slot_key: str, sent_at: datetime) -> Answer:
    """Patient `patient`'s answer to a text about slot `slot_key`, from a generator keyed by
    (seed, patient, slot) alone: the same answer whichever strategy texts them; it comes the
    patient's delay after the text, or the next morning when that falls in the night."""
    rng = random.Random(f"{seed}/{patient.key}/{slot_key}")  # noqa: S311 -- simulation
    wants = rng.random() < patient.habits.accept
    says_no = rng.random() < DECLINE_SHARE
    minutes = math.exp(math.log(patient.habits.median_delay) + rng.gauss(0, DELAY_SIGMA))
    morning = rng.uniform(0, MORNING_SPREAD_MIN)
    kind = "ja" if wants else "nee" if says_no else "stil"
    at = sent_at + timedelta(minutes=minutes)
    local = at.astimezone(ZONE)
    if local.time() >= NIGHT_START or local.time() < NIGHT_END:
        day = local.date() + timedelta(days=1) if local.time() >= NIGHT_START else local.date()
        wake = datetime.combine(day, NIGHT_END, tzinfo=ZONE) + timedelta(minutes=morning)
        at = wake.astimezone(UTC)
    return Answer(kind, at)
