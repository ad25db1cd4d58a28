"""Retention rules (privacy policy: "bewaartermijnen"), run daily by `privacy_jobs`.

- SMS bodies older than 90 days are blanked; the delivery record (status, time, provider id)
  stays for billing.
- A waitlist entry untouched for `Practice.retention_review_months` (default 12) is flagged
  for review (`review_requested_at`); the practice sees them on /privacy and keeps them one by
  one or all at once. One month after the flag, entries still untouched are deleted. An entry
  edited after its flag counts as reviewed (it is neither shown nor removed) and is flagged
  again once it has been untouched for the review period once more.
Idempotent: running twice on the same day changes nothing the second time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement
from sqlmodel import Session, col, delete, func, or_, select, update

from pakjeplekje.domain import audit
from pakjeplekje.domain.actor import Actor
from pakjeplekje.domain.dutch_dates import add_months
from pakjeplekje.domain.errors import NotFound
from pakjeplekje.models import Message, Patient, Practice

SMS_BODY_DAYS = 90


def months_before(moment: datetime, months: int) -> datetime:
    """`months` calendar months earlier, on the Amsterdam calendar."""
    return add_months(moment, -months)


def blank_old_sms(db: Session, now: datetime, days: int = SMS_BODY_DAYS) -> int:
    return db.exec(
        update(Message)
        .where(col(Message.created_at) < now - timedelta(days=days), col(Message.body) != "")
        .values(body="")
    ).rowcount


def flag_for_review(db: Session, now: datetime) -> int:
    flagged = 0
    practices = db.exec(
        select(Practice.id, Practice.retention_review_months).where(Practice.status == "active")
    ).all()
    for practice_id, months in practices:
        flagged += db.exec(
            update(Patient)
            .where(
                col(Patient.practice_id) == practice_id,
                or_(
                    col(Patient.review_requested_at).is_(None),
                    col(Patient.review_requested_at) < col(Patient.updated_at),
                ),
                col(Patient.updated_at) < months_before(now, max(1, months)),
            )
            .values(review_requested_at=now)
        ).rowcount
    return flagged


def remove_unreviewed(db: Session, now: datetime) -> int:
    """Flagged a month ago and still untouched: deleted (the audit log keeps only the count)."""
    cutoff = months_before(now, 1)
    stale = select(Patient.id, Patient.practice_id).where(
        col(Patient.review_requested_at).is_not(None),
        col(Patient.review_requested_at) <= cutoff,
        col(Patient.updated_at) <= col(Patient.review_requested_at),
    )
    per_practice: dict[int, list[int]] = {}
    for patient_id, practice_id in db.exec(stale).all():
        per_practice.setdefault(practice_id, []).append(patient_id)
    for practice_id, ids in per_practice.items():
        db.exec(delete(Patient).where(col(Patient.id).in_(ids)))
        audit.record(
            db, "patient.retention_removed", practice_id=practice_id, detail=str(len(ids)), now=now
        )
    return sum(len(ids) for ids in per_practice.values())


def _flagged(practice_id: int) -> tuple[ColumnElement[bool], ...]:
    """Flagged and not touched since: what the practice still has to review."""
    return (
        col(Patient.practice_id) == practice_id,
        col(Patient.review_requested_at).is_not(None),
        col(Patient.updated_at) <= col(Patient.review_requested_at),
    )


def flagged_count(db: Session, practice_id: int) -> int:
    return db.exec(select(func.count()).select_from(Patient).where(*_flagged(practice_id))).one()


@dataclass(frozen=True)
class Flagged:
    id: int
    name: str
    updated_at: datetime
    removal_after: datetime  # flagged + one month


def flagged(db: Session, practice_id: int, limit: int = 20) -> list[Flagged]:
    """The first entries to review (oldest flag first): one short list, never the table."""
    rows = db.exec(
        select(Patient.id, Patient.name, Patient.updated_at, Patient.review_requested_at)
        .where(*_flagged(practice_id))
        .order_by(col(Patient.review_requested_at), col(Patient.name), col(Patient.id))
        .limit(limit)
    ).all()
    return [Flagged(pid, name, updated, _month_after(flag)) for pid, name, updated, flag in rows]  # type: ignore[arg-type]  # stored ids are never None; _flagged keeps flagged rows only


def _month_after(moment: datetime) -> datetime:
    return months_before(moment, -1)


def keep_flagged(db: Session, actor: Actor, now: datetime) -> int:
    """Staff reviewed the flagged entries and keep them all (another review period)."""
    kept = db.exec(
        update(Patient)
        .where(*_flagged(actor.practice_id))
        .values(review_requested_at=None, updated_at=now)
    ).rowcount
    audit.by_actor(
        db, actor, "patient.retention_kept", "practice", actor.practice_id, now, detail=str(kept)
    )
    return kept


def keep_one(db: Session, actor: Actor, patient_id: int, now: datetime) -> None:
    """Keep one flagged entry (another review period). Another practice's id is not found."""
    kept = db.exec(
        update(Patient)
        .where(col(Patient.id) == patient_id, *_flagged(actor.practice_id))
        .values(review_requested_at=None, updated_at=now)
    ).rowcount
    if kept != 1:
        raise NotFound("Deze inschrijving staat niet (meer) ter controle.")
    audit.by_actor(db, actor, "patient.retention_kept", "patient", patient_id, now, detail="1")
