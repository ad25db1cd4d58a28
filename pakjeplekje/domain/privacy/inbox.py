"""The practice's inbox of privacy requests: filed when a request arrives (due one month
later, AVG art. 12(3)), listed for the owner, resolved (done or rejected) with a note."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from pakjeplekje.domain import audit, phones
from pakjeplekje.domain.actor import Actor
from pakjeplekje.domain.errors import DomainError, NotFound
from pakjeplekje.domain.privacy.requests import STATUSES, add_month
from pakjeplekje.models import Patient, PrivacyRequest, User


def file_request(
    db: Session,
    practice_id: int,
    kind: str,
    subject: str,
    verified_by: str,
    now: datetime,
    *,
    status: str,
    resolution: str,
    patient_id: int | None = None,
    user_id: int | None = None,
    message: str = "",
) -> PrivacyRequest:
    request = PrivacyRequest(
        practice_id=practice_id,
        kind=kind,
        subject=subject,
        verified_by=verified_by,
        patient_id=patient_id,
        user_id=user_id,
        message=message,
        status=status,
        received_at=now,
        due_at=add_month(now),
        resolved_at=now if status != "open" else None,
        resolution=resolution,
    )
    db.add(request)
    db.flush()
    audit.record(
        db,
        f"privacy.request_{kind}",
        practice_id=practice_id,
        target_type="privacy_request",
        target_id=request.id,
        detail=f"{subject}, {verified_by}, {status}",
        now=now,
    )
    return request


@dataclass(frozen=True)
class InboxRow:
    id: int
    kind: str
    subject: str
    verified_by: str
    message: str
    status: str
    received_at: datetime
    due_at: datetime
    resolution: str
    overdue: bool
    # Who asked, as staff need it to act: the name on the waitlist or account, and the
    # number (06-12345678) or address the code went to. Staff see these anyway; a request
    # whose entry was erased (verwijdering) says so instead.
    requester_name: str = ""
    requester_contact: str = ""


ERASED = "Gegevens gewist op verzoek"


def _requester(patient: Patient | None, user: User | None) -> tuple[str, str]:
    if patient is not None:
        return patient.name, phones.display(patient.phone)
    if user is not None:
        return user.name, user.email
    return ERASED, ""


def inbox(db: Session, practice_id: int, now: datetime, status: str = "") -> list[InboxRow]:
    stmt = (
        select(PrivacyRequest, Patient, User)
        .outerjoin(
            Patient,
            (col(Patient.id) == PrivacyRequest.patient_id)
            & (col(Patient.practice_id) == practice_id),
        )
        .outerjoin(
            User, (col(User.id) == PrivacyRequest.user_id) & (col(User.practice_id) == practice_id)
        )
        .where(PrivacyRequest.practice_id == practice_id)
    )
    if status in STATUSES:
        stmt = stmt.where(PrivacyRequest.status == status)
    rows = db.exec(
        stmt.order_by(col(PrivacyRequest.status) != "open", col(PrivacyRequest.due_at)).limit(200)
    ).all()
    found = []
    for r, patient, user in rows:
        name, contact = _requester(patient, user)
        found.append(
            InboxRow(
                r.id,
                r.kind,
                r.subject,
                r.verified_by,
                r.message,
                r.status,
                r.received_at,
                r.due_at,
                r.resolution,
                r.status == "open" and now > r.due_at,
                name,
                contact,
            )
        )
    return found


def resolve(
    db: Session, actor: Actor, *, request_id: int, status: str, resolution: str, now: datetime
) -> PrivacyRequest:
    """Mark a request done or rejected (with a note), or open again."""
    if status not in STATUSES:
        raise DomainError("Onbekende status.")
    request = db.exec(
        select(PrivacyRequest).where(
            PrivacyRequest.id == request_id, PrivacyRequest.practice_id == actor.practice_id
        )
    ).first()
    if request is None:
        raise NotFound("Dit verzoek bestaat niet (meer).")
    note = " ".join((resolution or "").split())[:500]
    if status == "rejected" and not note:
        raise DomainError("Schrijf waarom het verzoek is afgewezen.", field="resolution")
    request.status = status
    request.resolution = note or request.resolution
    request.resolved_at = None if status == "open" else now
    request.handled_by_user_id = actor.user_id
    db.add(request)
    audit.by_actor(db, actor, f"privacy.request_{status}", "privacy_request", request.id, now)
    return request
