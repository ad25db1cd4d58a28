"""What a run achieved, read from its own database (the rows the real code wrote) plus what
only the patients saw (a "ja" that found the slot gone): per slot, then per strategy and
lead-time bucket.

- fill rate: slots claimed through the waitlist / slots released;
- median time to fill: release to claim, minutes, of the filled slots;
- SMS per filled slot: offer texts / filled slots;
- disappointed clickers: a "ja" (link opened, claim pressed) answered "al vergeven"; a "ja"
  after the slot's start is counted apart (`late`);
- contacts above the cap: texts to a patient beyond the practice's `max_offers_per_week`
  within any 7 days (matching should make this 0);
- quiet-hour violations: texts sent inside the practice's quiet hours, local time;
- fairness, over the whole run: the share of everyone on the waitlist at some point who was
  never texted, and the Gini coefficient of texts per patient;
- yes per text: "ja" answers / texts (calibration against the published 8–11 %).
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from pakjeplekje.domain.core_loop.quiet_hours import quiet_period_end
from pakjeplekje.domain.offers import SlotStatus
from pakjeplekje.models import Message, Offer, Patient, Practice, Slot
from pakjeplekje.simulation.world import Run

WEEK = timedelta(days=7)
ALL = "alle"
BUCKETS: tuple[tuple[str, timedelta], ...] = (  # label, longest lead time (exclusive)
    ("2-6 u", timedelta(hours=6)),
    ("6-24 u", timedelta(hours=24)),
    ("1-3 d", timedelta(days=3)),
    ("3-14 d", timedelta(days=15)),
)


def bucket(lead: timedelta) -> str:
    return next((label for label, below in BUCKETS if lead < below), BUCKETS[-1][0])


@dataclass(frozen=True)
class SlotOutcome:
    bucket: str
    filled: bool
    minutes_to_fill: float | None
    texts: int
    yes: int  # "ja" answers: the winner, the disappointed and the late (a "ja" always claims)
    disappointed: int
    late: int
    over_cap: int
    quiet: int


@dataclass(frozen=True)
class Observed:
    """One (strategy, practice) run, as plain data (it crosses process boundaries)."""

    key: str
    name: str
    practice: int
    slots: tuple[SlotOutcome, ...]
    texts_per_patient: tuple[int, ...]  # everyone on the waitlist during the run, 0 included


def _over_cap(times: list[datetime], cap: int) -> set[datetime]:
    """The texts that were the (cap+1)-th or later within 7 days."""
    times = sorted(times)
    return {t for i, t in enumerate(times) if sum(1 for u in times[: i + 1] if t - u < WEEK) > cap}


def observe(run: Run) -> Observed:
    with Session(run.engine) as db:
        practice = db.exec(select(Practice)).one()
        slots = db.exec(select(Slot).order_by(col(Slot.id))).all()
        texts = db.exec(
            select(Offer.slot_id, Offer.patient_id, Message.created_at)
            .join(Offer, col(Offer.id) == Message.offer_id)
            .where(Message.direction == "out")
            .order_by(col(Message.id))
        ).all()
        patient_ids = db.exec(select(Patient.id).order_by(col(Patient.id))).all()
    by_patient: dict[int, list[datetime]] = defaultdict(list)
    for _, patient_id, sent_at in texts:
        by_patient[patient_id].append(sent_at)
    capped = {
        (pid, t) for pid, times in by_patient.items()
        for t in _over_cap(times, practice.max_offers_per_week)
    }  # fmt: skip
    per_slot: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])  # texts, capped, quiet
    for slot_id, patient_id, sent_at in texts:
        counts = per_slot[slot_id]
        counts[0] += 1
        counts[1] += (patient_id, sent_at) in capped
        counts[2] += quiet_period_end(practice, sent_at) is not None
    outcomes = []
    for slot in slots:
        filled = slot.status == SlotStatus.CLAIMED and slot.claimed_at is not None
        counts = per_slot[slot.id]
        outcomes.append(
            SlotOutcome(
                bucket=bucket(slot.starts_at - slot.created_at),
                filled=filled,
                minutes_to_fill=(
                    (slot.claimed_at - slot.created_at).total_seconds() / 60
                    if filled and slot.claimed_at is not None
                    else None
                ),
                texts=counts[0],
                yes=filled + run.disappointed[slot.id] + run.late[slot.id],
                disappointed=run.disappointed[slot.id],
                late=run.late[slot.id],
                over_cap=counts[1],
                quiet=counts[2],
            )
        )
    return Observed(
        run.key,
        run.strategy.name,
        run.practice,
        tuple(outcomes),
        tuple(len(by_patient.get(pid, ())) for pid in patient_ids),
    )


def gini(values: list[int]) -> float:
    """0: everyone got as many texts; 1: one patient got them all."""
    total = sum(values)
    if not values or total == 0:
        return 0.0
    ordered = sorted(values)
    n = len(ordered)
    weighted = sum((i + 1) * v for i, v in enumerate(ordered))
    return 2 * weighted / (n * total) - (n + 1) / n


@dataclass(frozen=True)
class Row:
    """One strategy in one lead-time bucket (or all of them)."""

    strategy: str
    name: str
    bucket: str
    slots: int
    filled: int
    fill_rate: float
    median_fill_min: float | None
    sms: int
    sms_per_fill: float | None
    disappointed: int
    disappointed_per_slot: float
    late: int
    yes_per_sms: float
    over_cap: int
    quiet_violations: int
    never_offered: float | None  # whole run only (bucket `alle`)
    gini: float | None


def summarize(observed: list[Observed]) -> list[Row]:
    """Rows per strategy (in the order first seen) × bucket, then `alle`."""
    keys = list(dict.fromkeys(o.key for o in observed))
    rows = []
    for key in keys:
        runs = [o for o in observed if o.key == key]
        outcomes = [s for o in runs for s in o.slots]
        texts = [n for o in runs for n in o.texts_per_patient]
        for label in [b for b, _ in BUCKETS] + [ALL]:
            chosen = [s for s in outcomes if label in (ALL, s.bucket)]
            filled = [s for s in chosen if s.filled]
            sms = sum(s.texts for s in chosen)
            whole = label == ALL
            rows.append(
                Row(
                    strategy=key,
                    name=runs[0].name,
                    bucket=label,
                    slots=len(chosen),
                    filled=len(filled),
                    fill_rate=len(filled) / len(chosen) if chosen else 0.0,
                    median_fill_min=(
                        statistics.median(s.minutes_to_fill or 0.0 for s in filled)
                        if filled
                        else None
                    ),
                    sms=sms,
                    sms_per_fill=sms / len(filled) if filled else None,
                    disappointed=sum(s.disappointed for s in chosen),
                    disappointed_per_slot=(
                        sum(s.disappointed for s in chosen) / len(chosen) if chosen else 0.0
                    ),
                    late=sum(s.late for s in chosen),
                    yes_per_sms=sum(s.yes for s in chosen) / sms if sms else 0.0,
                    over_cap=sum(s.over_cap for s in chosen),
                    quiet_violations=sum(s.quiet for s in chosen),
                    never_offered=(
                        sum(1 for n in texts if n == 0) / len(texts) if whole and texts else None
                    ),
                    gini=gini(texts) if whole else None,
                )
            )
    return rows


@dataclass(frozen=True)
class Verdict:
    bucket: str
    best: str  # the best fixed strategy's name
    met: bool
    reasons: tuple[str, ...]  # what missed, in words (empty when met)


def goal(rows: list[Row], adaptive: str) -> list[Verdict]:
    """Issue 14's goal per bucket: adaptive fills at least as many as the best fixed strategy
    (highest fill rate; fewer SMS per fill breaks a tie), with at most half its SMS per fill and
    at most a third of its disappointed clickers; no quiet-hour text, never above the cap."""
    verdicts = []
    for label in [b for b, _ in BUCKETS] + [ALL]:
        here = [r for r in rows if r.bucket == label]
        mine = next((r for r in here if r.strategy == adaptive), None)
        others = [r for r in here if r.strategy != adaptive]
        if mine is None or not others or not mine.slots:
            continue
        best = max(others, key=lambda r: (r.fill_rate, -(r.sms_per_fill or 1e9)))
        missed = []
        if mine.fill_rate < best.fill_rate:
            missed.append(f"vult {mine.fill_rate:.0%} < {best.fill_rate:.0%}")
        if best.sms_per_fill is not None and (mine.sms_per_fill or 1e9) > best.sms_per_fill / 2:
            missed.append(
                f"SMS/vulling {_num(mine.sms_per_fill)} > "
                f"{_num((best.sms_per_fill or 0) / 2)} (de helft)"
            )
        if mine.disappointed > best.disappointed / 3:
            missed.append(
                f"teleurgesteld {mine.disappointed} > {best.disappointed / 3:.1f} (een derde)"
            )
        if mine.quiet_violations:
            missed.append(f"{mine.quiet_violations} SMS in stille uren")
        if mine.over_cap:
            missed.append(f"{mine.over_cap} SMS boven het maximum per week")
        verdicts.append(Verdict(label, best.name, not missed, tuple(missed)))
    return verdicts


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"
