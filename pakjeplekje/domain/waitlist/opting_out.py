"""Opting out: the one path every "no more texts" takes (STOP by SMS, the claim page's
"Afmelden", the provider's own STOP list, an AVG objection, the preferences page's "leave the
list"). It sets `opted_out_at` and tells each practice's software (`patient.opted_out`), so a
new way to opt out cannot forget the webhook."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement
from sqlmodel import Session, col, select, update

from pakjeplekje.domain.integrations import webhook_events
from pakjeplekje.models import Patient


def opt_out(
    db: Session, which: ColumnElement[bool], *, via: str, now: datetime
) -> list[tuple[int, int]]:
    """Opt out the entries `which` selects that are not opted out yet; returns their
    (practice id, patient id). An entry already opted out keeps its first moment and sends no
    second event."""
    fresh = db.exec(
        select(Patient.practice_id, Patient.id).where(which, col(Patient.opted_out_at).is_(None))
    ).all()
    rows = [(practice_id, patient_id) for practice_id, patient_id in fresh]
    if not rows:
        return []
    db.exec(
        update(Patient)
        .where(col(Patient.id).in_([patient_id for _, patient_id in rows]))
        .values(opted_out_at=now)
    )
    webhook_events.patients_opted_out(db, rows, via, now)
    return rows


def opt_out_patient(
    db: Session, practice_id: int, patient_id: int, *, via: str, now: datetime
) -> bool:
    """One entry of one practice (the preferences page's "leave the list"); False when it was
    already opted out or is not this practice's."""
    which = (col(Patient.id) == patient_id) & (col(Patient.practice_id) == practice_id)
    return bool(opt_out(db, which, via=via, now=now))
