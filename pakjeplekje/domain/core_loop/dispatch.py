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

from sqlalchemy import ColumnElement, and_, or_
from sqlmodel import Session, col, select, update

from pakjeplekje.domain import billing, phones
from pakjeplekje.domain.core_loop.provider_errors import INVALID_NUMBER_CODES, OPTED_OUT_CODES
from pakjeplekje.domain.core_loop.sms_texts import confirmation_text, offer_text
from pakjeplekje.domain.offers import OfferStatus, SlotStatus
from pakjeplekje.domain.tokens import new_token
from pakjeplekje.domain.waitlist import opting_out
from pakjeplekje.models import Message, Offer, Patient, Practice, Slot

MAX_ATTEMPTS = 5  # a retryable failure after the fifth attempt is final
RETRY_FIRST = timedelta(seconds=30)
RETRY_MAX = timedelta(minutes=10)
LOST_AFTER = timedelta(minutes=1)
# `sending` for longer than this: the worker died or the provider's answer was lost between
# "claimed for sending" and "recorded"; staff see "onbekend of verstuurd", it is never resent.
UNSURE_AFTER = timedelta(minutes=5)


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
    return db.exec(
        select(Slot, Patient, Practice)
        .select_from(Offer)
        .join(Slot, col(Slot.id) == Offer.slot_id)
        .join(Patient, col(Patient.id) == Offer.patient_id)
        .join(Practice, col(Practice.id) == Offer.practice_id)
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
    return OutgoingSms(offer_id, practice.id, patient.id, patient.phone, body)


def claim_for_sending(
    db: Session,
    offer_id: int,
    link: str,
    now: datetime,
    countries: frozenset[str] | None = None,
) -> OutgoingSms | None:
    """Move one queued offer of an open slot to `sending` and issue its claim token.

    `link` is the claim URL prefix (…/c/); returns None when someone else already took it,
    or when the rules say no text: a trial practice's offer to a number outside `countries`
    (SMS_ALLOWED_COUNTRIES) ends `skipped`, whoever queued it."""
    raw, digest = new_token()
    open_slot = select(Slot.id).where(Slot.status == SlotStatus.OPEN, Slot.starts_at > now)
    moved = db.exec(
        update(Offer)
        .where(
            col(Offer.id) == offer_id,
            col(Offer.status) == OfferStatus.QUEUED,
            col(Offer.slot_id).in_(open_slot),
        )
        .values(status=OfferStatus.SENDING, token_hash=digest)
    ).rowcount
    context = _context(db, col(Offer.id) == offer_id) if moved == 1 else None
    if context is None:
        return None
    if not billing.can_send_sms(db, context[2].id, now):
        _hold_back(db, offer_id, now)  # deleted, read-only, past due or out of SMS: none leaves
        return None
    if _abroad_on_trial(db, context[1], countries):
        db.exec(
            update(Offer)
            .where(col(Offer.id) == offer_id)
            .values(status=OfferStatus.SKIPPED, retry_at=None)
        )
        return None
    return _outgoing(
        offer_id,
        *context,
        write=lambda name, when, minutes: offer_text(name, when, minutes, link + raw),
    )


def _abroad_on_trial(db: Session, patient: Patient, countries: frozenset[str] | None) -> bool:
    """A number the practice's free trial may not text (None: no country rule applies)."""
    return (
        countries is not None
        and not phones.in_countries(patient.phone, countries)
        and billing.on_trial(db, patient.practice_id)
    )


def _hold_back(db: Session, offer_id: int, now: datetime) -> None:
    """Back in the queue; the tick looks again after the longest backoff (the practice may
    have paid by then, and the slot may still be open)."""
    db.exec(
        update(Offer)
        .where(col(Offer.id) == offer_id)
        .values(status=OfferStatus.QUEUED, retry_at=now + RETRY_MAX)
    )


def confirmation_for(
    db: Session, offer_id: int, now: datetime, countries: frozenset[str] | None = None
) -> OutgoingSms | None:
    """The confirmation text for the winner of a slot (only for a claimed offer)."""
    context = _context(db, col(Offer.id) == offer_id, col(Offer.status) == OfferStatus.CLAIMED)
    if context is None:
        return None
    if not billing.can_send_sms(db, context[2].id, now):
        return None  # the claim stands (page, .ics); only the text stays home
    if _abroad_on_trial(db, context[1], countries):
        return None  # likewise
    phone = phones.display(context[2].phone) if context[2].phone else ""
    return _outgoing(
        offer_id,
        *context,
        write=lambda name, when, minutes: confirmation_text(name, when, minutes, phone),
    )


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
        .where(col(Offer.id) == sms.offer_id)
        .values(status=OfferStatus.SENT, sent_at=now, retry_at=None)
    )
    db.exec(
        update(Patient)
        .where(col(Patient.id) == sms.patient_id)
        .values(offers_count=Patient.offers_count + 1, last_offer_at=now)
    )


def retry_delay(attempts: int) -> timedelta:
    """Backoff after the n-th retryable failure: 30 s, 1, 2, 4 min … at most 10 min."""
    factor: int = 2 ** (attempts - 1)  # typeshed: int ** int may be a float (negative powers)
    return min(RETRY_FIRST * factor, RETRY_MAX)


def record_failed(
    db: Session, sms: OutgoingSms, code: int | None, retryable: bool, now: datetime
) -> None:
    """A retryable failure puts the offer back in the queue with a backoff (the tick sends it
    again, see `due_for_sending`) until MAX_ATTEMPTS; a permanent one marks it failed."""
    record_message(db, sms, None, "failed", code, now)
    offer = db.get(Offer, sms.offer_id)
    assert offer is not None
    offer.attempts += 1
    again = retryable and offer.attempts < MAX_ATTEMPTS
    offer.status = OfferStatus.QUEUED if again else OfferStatus.FAILED
    offer.retry_at = now + retry_delay(offer.attempts) if again else None
    db.add(offer)
    apply_provider_error(db, sms.patient_id, code, now)


def apply_provider_error(db: Session, patient_id: int, code: int | None, now: datetime) -> None:
    """What a permanent provider error says about the patient: 21610 (the number sent STOP to
    the provider) opts out; 21211/21614 (invalid, not a mobile) flags the number for staff."""
    if code in OPTED_OUT_CODES:
        opting_out.opt_out(db, col(Patient.id) == patient_id, via="provider", now=now)
    elif code in INVALID_NUMBER_CODES:
        db.exec(update(Patient).where(col(Patient.id) == patient_id).values(phone_invalid_at=now))


def due_for_sending(db: Session, now: datetime, lost_after: timedelta = LOST_AFTER) -> list[int]:
    """Queued offers of open slots that the tick should (re)send: retries whose backoff has
    passed, and first attempts whose send job never ran (queued for longer than `lost_after`,
    e.g. the job queue lost it). Sending them twice is impossible: `claim_for_sending` wins once.
    """
    open_slot = select(Slot.id).where(Slot.status == SlotStatus.OPEN, Slot.starts_at > now)
    return list(
        db.exec(
            select(Offer.id)
            .where(
                Offer.status == OfferStatus.QUEUED,
                col(Offer.slot_id).in_(open_slot),
                or_(
                    col(Offer.retry_at) <= now,
                    and_(col(Offer.retry_at).is_(None), col(Offer.created_at) <= now - lost_after),
                ),
            )
            .order_by(col(Offer.id))
        ).all()
    )


def outcome_unknown(status: str, created_at: datetime, now: datetime) -> bool:
    """An offer whose text may or may not have left: `stuck_offers`' rule for one row."""
    return status == OfferStatus.SENDING and created_at < now - UNSURE_AFTER


def stuck_offers(
    db: Session, practice_id: int, now: datetime, older_than: timedelta = UNSURE_AFTER
) -> list[int]:
    """The practice's offers that started sending but never finished (the provider's answer
    was lost): shown on the dashboard for a human to check, never resent."""
    return list(
        db.exec(
            select(Offer.id).where(
                Offer.practice_id == practice_id,
                Offer.status == OfferStatus.SENDING,
                Offer.created_at < now - older_than,
            )
        ).all()
    )
