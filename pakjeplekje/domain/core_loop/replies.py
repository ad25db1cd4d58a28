"""SMS replies from patients: `JA` claims, `NEE` declines (the next patient gets the slot),
`STOP` opts out, `START` opts back in.

A reply belongs to the practice of the newest offer texted to that number: one shared
sending number serves every practice, and the newest offer is what the patient answers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func
from sqlmodel import Session, col, select, update

from pakjeplekje.domain.core_loop import claims, declines, dispatch
from pakjeplekje.domain.core_loop.sms_texts import (
    confirmation_text,
    help_text,
    opted_in_text,
    opted_out_text,
)
from pakjeplekje.domain.offers import ANSWERABLE_BY_SMS, AWAITING_DELIVERY, OfferStatus, SlotStatus
from pakjeplekje.domain.waitlist import opting_out
from pakjeplekje.models import Message, Offer, Patient, Practice, Slot

STOP_WORDS = {"STOP", "STOPPEN", "AFMELDEN", "STOPALL", "UNSUBSCRIBE"}
START_WORDS = {"START"}
CLAIM_WORDS = {"JA"}
DECLINE_WORDS = {"NEE", "NEEDANKU", "NEEBEDANKT", "NEEDANKJEWEL"}
HELP_EVERY = timedelta(hours=24)
E164 = re.compile(r"^\+[1-9]\d{7,14}$")
TAKEN = "Helaas, deze plek is al vergeven. U blijft op de wachtlijst staan."
UNAVAILABLE = "Deze plek is niet meer beschikbaar. U blijft op de wachtlijst staan."
DECLINED = (
    "Dank u voor uw antwoord. De plek gaat naar de volgende op de wachtlijst; u blijft erop staan."
)
NOTHING_OPEN = "Er staat op dit moment geen vrije plek voor u open."
STATUS_ORDER = {"queued": 0, "sending": 1, "sent": 2, "delivered": 3, "undelivered": 4, "failed": 4}


@dataclass(frozen=True)
class Reply:
    text: str = ""
    practice_id: int | None = None  # set when a claim was won: whose staff to tell
    filled_message: str = ""
    settled: claims.Settled | None = None  # set when a claim was won: the links that lost
    declined: declines.Declined | None = None  # set after a `NEE`: the slot's next patient


def keyword(body: str) -> str:
    """` ja! ` → `JA`: case, spaces and punctuation do not matter."""
    return re.sub(r"[^A-Z]", "", (body or "").upper())[:20]


def _newest_offer(db: Session, phone: str) -> tuple[Offer, Practice] | None:
    """The newest offer texted to this number, whatever its state or the practice's status:
    it says which practice a reply answers (STOP must work even at a suspended practice)."""
    stmt = (
        select(Offer, Practice)
        .join(Patient, col(Patient.id) == Offer.patient_id)
        .join(Practice, col(Practice.id) == Offer.practice_id)
        .where(Patient.phone == phone)
    )
    return db.exec(stmt.order_by(col(Offer.created_at).desc(), col(Offer.id).desc())).first()


def _newest_open_offer(db: Session, phone: str, now: datetime) -> tuple[Offer, Practice] | None:
    """The offer a `JA` claims: still claimable (slot open and not started, offer not expired)
    at an active practice. A started slot the expiry job has not reached yet must not hide an
    older offer that is still open."""
    stmt = (
        select(Offer, Practice)
        .join(Patient, col(Patient.id) == Offer.patient_id)
        .join(Practice, col(Practice.id) == Offer.practice_id)
        .join(Slot, col(Slot.id) == Offer.slot_id)
        .where(
            Patient.phone == phone,
            Practice.status == "active",
            col(Offer.status).in_(ANSWERABLE_BY_SMS),
            Offer.expires_at > now,
            Slot.status == SlotStatus.OPEN,
            Slot.starts_at > now,
        )
    )
    return db.exec(stmt.order_by(col(Offer.created_at).desc(), col(Offer.id).desc())).first()


def log_row(practice_id: int, phone: str, direction: str, body: str, now: datetime) -> Message:
    """A text in or our answer, as the practice's message log keeps it."""
    return Message(
        practice_id=practice_id,
        direction=direction,
        phone=phone,
        body=body[:1600],
        status="received" if direction == "in" else "sent",
        created_at=now,
        updated_at=now,
    )


def _log(
    db: Session, practice_id: int, phone: str, direction: str, body: str, now: datetime
) -> None:
    db.add(log_row(practice_id, phone, direction, body, now))


def _opt_in(db: Session, phone: str, practice_id: int) -> None:
    db.exec(
        update(Patient)
        .where(col(Patient.phone) == phone, col(Patient.practice_id) == practice_id)
        .values(opted_out_at=None)
    )


def _help_sent_recently(db: Session, phone: str, now: datetime) -> bool:
    recent = (
        select(func.count())
        .select_from(Message)
        .where(
            Message.phone == phone,
            Message.direction == "out",
            Message.status == "sent",
            Message.created_at > now - HELP_EVERY,
            col(Message.offer_id).is_(None),
            col(Message.body).contains("antwoord JA"),
        )
    )
    return db.exec(recent).one() > 0


def _opt_out_everywhere(db: Session, phone: str, now: datetime) -> None:
    """STOP from a number no practice has texted (an offer purged, a waitlist entry added
    after it was texted elsewhere): we cannot tell which practice is meant, and a STOP is the
    phone owner's objection (AVG art. 21), so honouring it too widely is the safe error. It
    only sets opted_out_at on rows with exactly this number; nothing is read or revealed."""
    opting_out.opt_out(db, col(Patient.phone) == phone, via="sms", now=now)


def handle_reply(db: Session, phone: str, body: str, now: datetime) -> Reply:
    """The answer to one inbound text (also stored, in and out, as Message rows).

    Everything is stored under the practice whose offer the text answers: for `JA` the offer
    it claims, otherwise the newest offer to that number. Never under another practice: a
    confirmation naming practice A must not land in practice B's message log."""
    if not E164.match(phone or ""):
        return Reply()
    word = keyword(body)
    answers_offer = word in CLAIM_WORDS or word in DECLINE_WORDS
    target = _newest_open_offer(db, phone, now) if answers_offer else None
    target = target or _newest_offer(db, phone)
    if target is None:  # not a number any practice texted: nothing to store or say
        if word in STOP_WORDS:
            _opt_out_everywhere(db, phone, now)
        return Reply()
    offer, practice = target
    assert practice.id is not None
    _log(db, practice.id, phone, "in", body, now)
    reply = Reply()
    if word in CLAIM_WORDS:
        reply = _claim(db, offer, practice, now)
    elif word in DECLINE_WORDS:
        declined = declines.decline_offer(db, offer.id, now)
        reply = Reply(DECLINED if declined else NOTHING_OPEN, declined=declined)
    elif word in STOP_WORDS:
        which = (col(Patient.phone) == phone) & (col(Patient.practice_id) == practice.id)
        opting_out.opt_out(db, which, via="sms", now=now)
        reply = Reply(opted_out_text(practice.name))
    elif word in START_WORDS:
        _opt_in(db, phone, practice.id)
        reply = Reply(opted_in_text(practice.name))
    elif not _help_sent_recently(db, phone, now):
        reply = Reply(help_text(practice.name))
    if reply.text:
        _log(db, practice.id, phone, "out", reply.text, now)
    return reply


@dataclass(frozen=True)
class Answered:
    """A reply decided from reads alone, and the log rows it leaves (none for a stranger)."""

    reply: Reply
    log: tuple[Message, ...]


def answer_without_claim(
    db: Session, phone: str, body: str, now: datetime
) -> Answered | claims.Race | None:
    """`handle_reply` for a `JA` that has nothing left to claim (the number's newest offer
    lost, expired or was answered): the answer needs no write, only the two log rows. In a
    claim storm that is every patient after the winner. `Race`: the `JA` may win that slot;
    None: not a `JA`, or one `handle_reply` must answer."""
    if not is_claim(phone, body):
        return None
    open_offer = _newest_open_offer(db, phone, now)
    if open_offer is not None:
        return claims.Race(open_offer[0].slot_id)
    target = _newest_offer(db, phone)
    if target is None:
        return Answered(Reply(), ())
    offer, practice = target
    if offer.status in ANSWERABLE_BY_SMS:  # an open offer of a closed slot: handle_reply says
        return None
    assert practice.id is not None
    return _answered(practice.id, phone, body, _not_claimable(offer), now)


def is_claim(phone: str, body: str) -> bool:
    """A `JA` from a number we could have texted."""
    return keyword(body) in CLAIM_WORDS and bool(E164.match(phone or ""))


def taken(practice_id: int, phone: str, body: str, now: datetime) -> Answered:
    """A `JA` from a number whose newest offer lost (`claims.Settled.phones`)."""
    return _answered(practice_id, phone, body, Reply(TAKEN), now)


def _answered(practice_id: int, phone: str, body: str, reply: Reply, now: datetime) -> Answered:
    rows = (
        log_row(practice_id, phone, "in", body, now),
        log_row(practice_id, phone, "out", reply.text, now),
    )
    return Answered(reply, rows)


def _not_claimable(offer: Offer) -> Reply:
    if offer.status == OfferStatus.LOST:
        return Reply(TAKEN)
    return Reply(NOTHING_OPEN)


def _claim(db: Session, offer: Offer, practice: Practice, now: datetime) -> Reply:
    """`offer` is the newest claimable one, or else the newest one (to say why not). Whether
    the practice takes claims at all is decided in `claims`, as for the claim link."""
    if offer.status not in ANSWERABLE_BY_SMS:
        return _not_claimable(offer)
    result = claims.claim_offer(db, offer.id, channel="sms", now=now)
    if result.result == "claimed" and result.view is not None:
        return Reply(
            confirmation_text(
                practice.name,
                result.view.starts_local,
                result.view.duration_minutes,
                result.view.shown_phone,
            ),
            practice_id=result.practice_id,
            filled_message=result.filled_message,
            settled=result.settled,
        )
    if result.result == "taken":
        return Reply(TAKEN)
    return Reply(UNAVAILABLE)


def apply_status(
    db: Session, provider_id: str, status: str, error_code: int | None, now: datetime
) -> int | None:
    """A delivery callback. Callbacks arrive out of order: a status never moves backwards.

    Returns the practice whose staff should see the change, None when nothing changed."""
    message = db.exec(select(Message).where(Message.provider_id == provider_id)).first()
    if message is None or status not in STATUS_ORDER:
        return None
    if STATUS_ORDER[status] <= STATUS_ORDER.get(message.status, -1):
        return None
    message.status, message.error_code, message.updated_at = status, error_code, now
    db.add(message)
    if message.offer_id is not None:
        new_offer_status = (
            OfferStatus.DELIVERED
            if status == "delivered"
            else (OfferStatus.FAILED if status in ("failed", "undelivered") else None)
        )
        if new_offer_status:
            db.exec(
                update(Offer)
                .where(col(Offer.id) == message.offer_id, col(Offer.status).in_(AWAITING_DELIVERY))
                .values(status=new_offer_status)
            )
    if message.patient_id is not None:
        dispatch.apply_provider_error(db, message.patient_id, error_code, now)
    return message.practice_id
