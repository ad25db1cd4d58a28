"""Retention rules (privacy policy: "bewaartermijnen"), run daily by `privacy_jobs`.

- SMS bodies older than 90 days are blanked; the delivery record (status, time, provider id)
  stays for billing.
- A waitlist entry untouched for `Practice.retention_review_months` (default 12) is flagged
  for review (`review_requested_at`); the practice sees the count on /privacy and can keep
  them. One month after the flag, entries still untouched are deleted.
Idempotent: running twice on the same day changes nothing the second time.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session, col, delete, select, update

from pakjeplekje.domain import audit
from pakjeplekje.domain.sessions import Actor
from pakjeplekje.models import Message, Patient, Practice

SMS_BODY_DAYS = 90


def months_before(moment: datetime, months: int) -> datetime:
    year, month = divmod(moment.year * 12 + moment.month - 1 - months, 12)
    day = min(
        moment.day,
        [
            31,
            29 if year % 4 == 0 and (year % 100 or year % 400 == 0) else 28,
            31,
            30,
            31,
            30,
            31,
            31,
            30,
            31,
            30,
            31,
        ][month],
    )
    return moment.replace(year=year, month=month + 1, day=day)


def blank_old_sms(db: Session, now: datetime, days: int = SMS_BODY_DAYS) -> int:
    return db.exec(  # type: ignore[call-overload]
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
        flagged += db.exec(  # type: ignore[call-overload]
            update(Patient)
            .where(
                col(Patient.practice_id) == practice_id,
                col(Patient.review_requested_at).is_(None),
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
        per_practice.setdefault(practice_id, []).append(patient_id)  # type: ignore[arg-type]
    for practice_id, ids in per_practice.items():
        db.exec(delete(Patient).where(col(Patient.id).in_(ids)))  # type: ignore[call-overload]
        audit.record(
            db, "patient.retention_removed", practice_id=practice_id, detail=str(len(ids)), now=now
        )
    return sum(len(ids) for ids in per_practice.values())


def flagged_count(db: Session, practice_id: int) -> int:
    return len(
        db.exec(
            select(Patient.id).where(
                Patient.practice_id == practice_id, col(Patient.review_requested_at).is_not(None)
            )
        ).all()
    )


def keep_flagged(db: Session, actor: Actor, now: datetime) -> int:
    """Staff reviewed the flagged entries and keep them all (another 12 months)."""
    kept = db.exec(  # type: ignore[call-overload]
        update(Patient)
        .where(
            col(Patient.practice_id) == actor.practice_id,
            col(Patient.review_requested_at).is_not(None),
        )
        .values(review_requested_at=None, updated_at=now)
    ).rowcount
    audit.by_actor(
        db, actor, "patient.retention_kept", "practice", actor.practice_id, now, detail=str(kept)
    )
    return kept
