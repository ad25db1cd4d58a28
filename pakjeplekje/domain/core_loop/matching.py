"""Who may be offered a slot, and in which order. The rule lives here and only here.

Eligible: status `waiting`, not opted out, not paused (the preferences link's pause: skipped
until `paused_until`, offered again from that instant on), a number the provider accepts (not
marked invalid after error 21211/21614), consent recorded, needs no more time than the slot
has, wants the slot's treatment (or `overig`), is available on that weekday and part of day,
has no conflicting practitioner preference, was not offered this slot before, and got fewer
than the practice's `max_offers_per_week` offers in the last 7 days.
Ranked: urgency `hoog` first, then the longest waiting, then the fewest recent offers. With
`rotate` (adaptive waves): urgency first, then the fewest recent offers, then the longest
waiting, so equals take turns instead of the longest-waiting few getting every text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ScalarSelect, case, func, or_
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import Select

from pakjeplekje.domain.waitlist.patients import cell
from pakjeplekje.models import Offer, Patient, PatientTreatment, Practice, Treatment

RECENT = timedelta(days=7)


def part_of_day(local: datetime) -> int:
    """0 ochtend (until 12:00), 1 middag (until 17:00), 2 avond."""
    return 0 if local.hour < 12 else 1 if local.hour < 17 else 2


def availability_bit(starts_at: datetime, timezone: str) -> int | None:
    """The waitlist cell a slot falls in; None on Sunday (nobody can mark it)."""
    local = starts_at.astimezone(ZoneInfo(timezone))
    return None if local.weekday() > 5 else cell(local.weekday(), part_of_day(local))


@dataclass(frozen=True)
class SlotShape:
    """What matching needs to know about a slot (also before it exists: the preview)."""

    practice_id: int
    starts_at: datetime
    duration_minutes: int
    treatment_id: int | None
    practitioner_id: int | None
    slot_id: int | None = None


@dataclass(frozen=True)
class Match:
    patient_id: int
    name: str
    urgency: str
    added_at: datetime
    recent_offers: int


def _recent_offers(now: datetime) -> ScalarSelect[int]:
    return (
        select(func.count(col(Offer.id)))
        .where(Offer.patient_id == Patient.id, Offer.created_at > now - RECENT)
        .correlate(Patient)
        .scalar_subquery()
    )


def _eligible(
    db: Session, shape: SlotShape, now: datetime
) -> tuple[Select[Patient, int], ScalarSelect[int]]:
    practice = db.get(Practice, shape.practice_id)
    assert practice is not None
    bit = availability_bit(shape.starts_at, practice.timezone)
    recent = _recent_offers(now)
    stmt = select(Patient, recent.label("recent")).where(
        Patient.practice_id == shape.practice_id,
        Patient.status == "waiting",
        col(Patient.opted_out_at).is_(None),
        or_(col(Patient.paused_until).is_(None), col(Patient.paused_until) <= now),
        col(Patient.phone_invalid_at).is_(None),
        Patient.consent_method != "",
        Patient.duration_minutes <= shape.duration_minutes,
        col(Patient.availability).op("&")(bit or 0) != 0,
        recent < practice.max_offers_per_week,
    )
    if shape.treatment_id is not None:
        overig = select(Treatment.id).where(
            Treatment.practice_id == shape.practice_id, Treatment.name == "overig"
        )
        stmt = stmt.where(
            col(Patient.id).in_(
                select(PatientTreatment.patient_id).where(
                    or_(
                        col(PatientTreatment.treatment_id) == shape.treatment_id,
                        col(PatientTreatment.treatment_id).in_(overig),
                    )
                )
            )
        )
    if shape.practitioner_id is not None:
        stmt = stmt.where(
            or_(
                col(Patient.preferred_practitioner_id).is_(None),
                col(Patient.preferred_practitioner_id) == shape.practitioner_id,
            )
        )
    if shape.slot_id is not None:
        stmt = stmt.where(
            ~col(Patient.id).in_(select(Offer.patient_id).where(Offer.slot_id == shape.slot_id))
        )
    return stmt, recent


def ranked(
    db: Session, shape: SlotShape, now: datetime, limit: int, *, rotate: bool = False
) -> list[Match]:
    stmt, recent = _eligible(db, shape, now)
    urgent_first = case((col(Patient.urgency) == "hoog", 0), else_=1)
    order = (recent, col(Patient.added_at)) if rotate else (col(Patient.added_at), recent)
    rows = db.exec(stmt.order_by(urgent_first, *order, col(Patient.id)).limit(limit)).all()
    return [Match(p.id, p.name, p.urgency, p.added_at, n) for p, n in rows]


def count(db: Session, shape: SlotShape, now: datetime) -> int:
    stmt, _ = _eligible(db, shape, now)
    return db.exec(select(func.count()).select_from(stmt.subquery())).one()
