"""Texting an offer exactly once: claim it (queued → sending) before the provider is called.

A retry, a second worker or a crash between "send" and "mark sent" can never text twice: only
the caller whose conditional UPDATE moved the offer out of `queued` sends. An offer left in
`sending` is reported by `stuck_offers`, never resent blindly.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement
from sqlmodel import Session, col, select, update

from pakjeplekje.domain.sms_texts import confirmation_text, offer_text
from pakjeplekje.domain.tokens import new_token
from pakjeplekje.models import Message, Offer, Patient, Practice, Slot

OPTED_OUT_CODES = {21610}


@dataclass(frozen=True)
class OutgoingSms:
    offer_id: int
    practice_id: int
    patient_id: int
    phone: str
    body: str


def _context(
    db: Session, *conditions: ColumnElement[bool]
) -> tuple[Slot, Patient, Practice] | None:
    """The slot, patient and practice behind one offer: what a text about it needs."""
    return db.exec(  # type: ignore[return-value]
        select(Slot, Patient, Practice)
        .select_from(Offer)
        .join(Slot, Slot.id == Offer.slot_id)  # type: ignore[arg-type]
        .join(Patient, Patient.id == Offer.patient_id)  # type: ignore[arg-type]
        .join(Practice, Practice.id == Offer.practice_id)  # type: ignore[arg-type]
        .where(*conditions)
    ).first()


def _outgoing(
    offer_id: int,
    slot: Slot,
    patient: Patient,
    practice: Practice,
    write: Callable[[str, datetime, int], str],
) -> OutgoingSms:
    local = slot.starts_at.astimezone(ZoneInfo(practice.timezone))
    body = write(practice.name, local, slot.duration_minutes)
    return OutgoingSms(offer_id, practice.id, patient.id, patient.phone, body)  # type: ignore[arg-type]


def claim_for_sending(db: Session, offer_id: int, link: str, now: datetime) -> OutgoingSms | None:
    """Move one queued offer of an open slot to `sending` and issue its claim token.

    `link` is the claim URL prefix (…/c/); returns None when someone else already took it."""
    raw, digest = new_token()
    open_slot = select(Slot.id).where(Slot.status == "open", Slot.starts_at > now)
    moved = db.exec(  # type: ignore[call-overload]
        update(Offer)
        .where(
            col(Offer.id) == offer_id,
            col(Offer.status) == "queued",
            col(Offer.slot_id).in_(open_slot),
            # issue 6: a deleted (or otherwise inactive) practice texts nobody
            col(Offer.practice_id).in_(select(Practice.id).where(Practice.status == "active")),
        )
        .values(status="sending", token_hash=digest)
    ).rowcount
    context = _context(db, col(Offer.id) == offer_id) if moved == 1 else None
    if context is None:
        return None
    return _outgoing(
        offer_id,
        *context,
        write=lambda name, when, minutes: offer_text(name, when, minutes, link + raw),
    )


def confirmation_for(db: Session, offer_id: int) -> OutgoingSms | None:
    """The confirmation text for the winner of a slot (only for a claimed offer)."""
    context = _context(db, col(Offer.id) == offer_id, col(Offer.status) == "claimed")
    return None if context is None else _outgoing(offer_id, *context, write=confirmation_text)


def record_message(
    db: Session,
    sms: OutgoingSms,
    provider_id: str | None,
    status: str,
    code: int | None,
    now: datetime,
) -> None:
    """Every attempt is a Message row, whatever its outcome."""
    db.add(
        Message(
            practice_id=sms.practice_id,
            offer_id=sms.offer_id,
            patient_id=sms.patient_id,
            direction="out",
            phone=sms.phone,
            body=sms.body,
            provider_id=provider_id,
            status=status,
            error_code=code,
            created_at=now,
            updated_at=now,
        )
    )


def record_sent(
    db: Session, sms: OutgoingSms, provider_id: str, status: str, now: datetime
) -> None:
    record_message(db, sms, provider_id, status, None, now)
    db.exec(
        update(Offer)
        .where(col(Offer.id) == sms.offer_id)  # type: ignore[call-overload]
        .values(status="sent", sent_at=now)
    )
    db.exec(
        update(Patient)
        .where(col(Patient.id) == sms.patient_id)  # type: ignore[call-overload]
        .values(offers_count=Patient.offers_count + 1, last_offer_at=now)
    )


def record_failed(
    db: Session, sms: OutgoingSms, code: int | None, retryable: bool, now: datetime
) -> None:
    """A retryable failure puts the offer back in the queue; an unsubscribed number opts the
    patient out."""
    record_message(db, sms, None, "failed", code, now)
    db.exec(
        update(Offer)
        .where(col(Offer.id) == sms.offer_id)  # type: ignore[call-overload]
        .values(status="queued" if retryable else "failed")
    )
    if code in OPTED_OUT_CODES:
        db.exec(
            update(Patient)
            .where(col(Patient.id) == sms.patient_id)  # type: ignore[call-overload]
            .values(opted_out_at=now)
        )


def stuck_offers(
    db: Session, now: datetime, older_than: timedelta = timedelta(minutes=5)
) -> list[int]:
    """Offers that started sending but never finished: for a human to look at."""
    return list(
        db.exec(
            select(Offer.id).where(Offer.status == "sending", Offer.created_at < now - older_than)
        ).all()
    )  # type: ignore[arg-type]
