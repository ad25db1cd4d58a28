"""Claiming a freed slot: one atomic conditional update, so exactly one patient wins.

The claim page and `POST /api/claim/{token}` call `claim()`, the SMS reply `JA` calls
`claim_offer()`; both go through `_claim`, so the rules are the same on every path: only an
offer that is still open can win (not one that lost, expired or failed), and only at a
practice that takes claims (`billing.takes_claims`: not read-only).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, or_
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select, update

from pakjeplekje.domain import audit, billing, phones, throttle
from pakjeplekje.domain.dutch_dates import short_moment
from pakjeplekje.domain.ical import ics_fold, ics_text
from pakjeplekje.domain.integrations import webhook_events
from pakjeplekje.domain.offers import CLAIMABLE, NOT_VIEWED, OfferStatus, SlotStatus
from pakjeplekje.domain.tokens import hash_token, keyed_hash
from pakjeplekje.domain.waitlist import opting_out
from pakjeplekje.models import Offer, Patient, Practice, Slot, Treatment

TOKEN_MAX = 100
GUESS_LIMIT = 30  # unknown tokens per client per 15 minutes before that client is locked


@dataclass(frozen=True)
class ClaimView:
    """What the claim page may show: the practice (where it is, how to call it) and the slot,
    nothing about anyone else. The treatment is named here, behind the link, never in a text."""

    practice_name: str
    starts_at: datetime  # UTC
    timezone: str
    duration_minutes: int
    # open | claimed_by_you | taken | expired | declined | unavailable (practice read-only)
    state: str
    first_view_of: int | None = None  # practice whose staff should see "bekeken" (not shown)
    treatment: str = ""  # "" when the slot names none
    address: str = ""
    phone: str = ""  # stored E.164 (`+31201234567`); `shown_phone` for people

    @property
    def shown_phone(self) -> str:
        """`020 123 4567`: the practice's number as a Dutch patient reads it."""
        return phones.display(self.phone) if self.phone else ""

    @property
    def starts_local(self) -> datetime:
        return self.starts_at.astimezone(ZoneInfo(self.timezone))


def _find(db: Session, which: ColumnElement[bool]) -> tuple[Offer, Slot, Practice] | None:
    return db.exec(
        select(Offer, Slot, Practice)
        .join(Slot, col(Slot.id) == Offer.slot_id)
        .join(Practice, col(Practice.id) == Offer.practice_id)
        .where(which, Practice.status == "active")
    ).first()


def _by_token(raw: str) -> ColumnElement[bool] | None:
    if not raw or len(raw) > TOKEN_MAX:
        return None
    return col(Offer.token_hash) == hash_token(raw)


def _state(offer: Offer, slot: Slot, now: datetime) -> str:
    """What this offer's link means now. A lost offer stays lost, even when staff reopen the
    slot after a no-show: the reopened slot gets new offers, old links cannot take it back."""
    if offer.status == OfferStatus.DECLINED:  # the patient said no: final for this link
        return "declined"
    if offer.status == OfferStatus.CLAIMED and slot.status == SlotStatus.CLAIMED:
        return "claimed_by_you" if slot.claimed_patient_id == offer.patient_id else "taken"
    if offer.status == OfferStatus.LOST:  # lost the race, or won and was given back (the no-show)
        return "expired" if offer.claimed_at is not None else "taken"
    if slot.status == SlotStatus.CLAIMED:
        return "taken"
    if slot.status != SlotStatus.OPEN or now >= offer.expires_at or offer.status not in CLAIMABLE:
        return "expired"
    return "open"


def _claim_state(db: Session, offer: Offer, slot: Slot, practice: Practice, now: datetime) -> str:
    """`_state`, and an open offer of a practice that takes no claims is `unavailable`."""
    state = _state(offer, slot, now)
    if state == "open" and not billing.takes_claims(db, practice.id, now):
        return "unavailable"
    return state


def view(db: Session, raw: str, now: datetime) -> ClaimView | None:
    """The page's content; opening it marks the offer `clicked` (bekeken)."""
    which = _by_token(raw)
    found = None if which is None else _find(db, which)
    if found is None:
        return None
    offer, slot, practice = found
    first_view = offer.status in NOT_VIEWED and _mark_viewed(db, offer, now)
    if offer.status == OfferStatus.LOST and offer.clicked_at is None:
        _mark_late_click(db, offer, now)
    return ClaimView(
        practice.name,
        slot.starts_at,
        practice.timezone,
        slot.duration_minutes,
        _claim_state(db, offer, slot, practice, now),
        first_view_of=practice.id if first_view else None,
        treatment=_treatment_name(db, slot),
        address=practice.address,
        phone=practice.phone,
    )


def _treatment_name(db: Session, slot: Slot) -> str:
    """The slot's treatment, looked up within the slot's own practice ("" when it has none)."""
    if slot.treatment_id is None:
        return ""
    name = db.exec(
        select(Treatment.name).where(
            col(Treatment.id) == slot.treatment_id, Treatment.practice_id == slot.practice_id
        )
    ).first()
    return name or ""


def _mark_viewed(db: Session, offer: Offer, now: datetime) -> bool:
    """A conditional update, not read-then-write: a winner elsewhere may have marked this
    offer `lost` since it was read, and a page view must not turn it back into `clicked`."""
    marked = db.exec(
        update(Offer)
        .where(col(Offer.id) == offer.id, col(Offer.status).in_(NOT_VIEWED))
        .values(status=OfferStatus.CLICKED, clicked_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.refresh(offer)
    return marked == 1


def _mark_late_click(db: Session, offer: Offer, now: datetime) -> None:
    """Opened after the slot was gone: the offer stays `lost`, but the click is kept. It is
    the patient's interest all the same (adaptive waves read it: a fast "ja" that came too
    late must not count as no answer) and a disappointed clicker on /resultaten. Links
    answered from `settled_claims` (the first 15 minutes after a win) are not recorded."""
    db.exec(
        update(Offer)
        .where(
            col(Offer.id) == offer.id,
            col(Offer.status) == OfferStatus.LOST,
            col(Offer.clicked_at).is_(None),
        )
        .values(clicked_at=now)
        .execution_options(synchronize_session=False)
    )


@dataclass(frozen=True)
class Settled:
    """The offers a win made final: from now on each of their links answers `view` ("taken")
    whatever happens to the slot (a lost offer stays lost), so that answer may be kept outside
    the database and given without asking it. Holds token hashes and the slot's public card,
    nothing about a patient."""

    token_hashes: tuple[str, ...]
    view: ClaimView
    # The numbers whose newest offer is one that lost and that have no other offer open at
    # any practice: until another offer is texted to them, a `JA` from them is "taken",
    # logged at `practice_id`.
    phones: tuple[str, ...] = ()
    practice_id: int | None = None


@dataclass(frozen=True)
class ClaimResult:
    result: str  # claimed | taken | expired | unavailable | not_found | rate_limited
    view: ClaimView | None = None
    practice_id: int | None = None  # set for the winner: whose staff to tell
    filled_message: str = ""  # for staff only, never shown to the patient
    offer_id: int | None = None  # the winning offer (for the confirmation SMS)
    settled: Settled | None = None  # set for the winner: the links that lost with this win


def claim(
    db: Session, raw: str, *, channel: str, client: str, secret: str, now: datetime
) -> ClaimResult:
    """Claim through a link token (the page and the API). Unknown tokens count towards a
    per-client lock: a locked client gets "rate limited" instead of "not found"."""
    which = _by_token(raw)
    result = None if which is None else _claim(db, which, channel=channel, now=now)
    if result is not None:
        return result
    client_key = keyed_hash(secret, "claim-client", client or "unknown")
    if throttle.is_locked(db, client_key, now):
        return ClaimResult("rate_limited")
    throttle.register_failure(db, client_key, GUESS_LIMIT, now)
    return ClaimResult("not_found")


def claim_offer(db: Session, offer_id: int, *, channel: str, now: datetime) -> ClaimResult:
    """Claim a known offer (the SMS reply `JA` for that number's newest open offer)."""
    return _claim(db, col(Offer.id) == offer_id, channel=channel, now=now) or ClaimResult(
        "not_found"
    )


@dataclass(frozen=True)
class Race:
    """A claim that may still win: it must race, in a transaction, for this slot."""

    slot_id: int


def decided(db: Session, raw: str, now: datetime) -> ClaimResult | Race | None:
    """The answer to a link claim that can no longer win (slot claimed, closed or expired,
    offer lost, practice read-only), from reads alone: run on a read-only session, everyone
    after the winner is answered without queueing for the write lock (SQLite) or the slot's
    row (PostgreSQL). `Race`: the claim may win and must race in `claim()`. None: the token
    is unknown (`claim()` counts that against the client)."""
    which = _by_token(raw)
    found = None if which is None else _find(db, which)
    if found is None:
        return None
    offer, slot, practice = found
    state = _claim_state(db, offer, slot, practice, now)
    return Race(slot.id) if state == "open" else _answer(db, state, slot, practice)


def _card(db: Session, state: str, slot: Slot, practice: Practice) -> ClaimView:
    return ClaimView(
        practice.name,
        slot.starts_at,
        practice.timezone,
        slot.duration_minutes,
        state,
        treatment=_treatment_name(db, slot),
        address=practice.address,
        phone=practice.phone,
    )


def _answer(db: Session, state: str, slot: Slot, practice: Practice) -> ClaimResult:
    return ClaimResult(
        "claimed" if state == "claimed_by_you" else state, _card(db, state, slot, practice)
    )


def _claim(
    db: Session, which: ColumnElement[bool], *, channel: str, now: datetime
) -> ClaimResult | None:
    """Exactly one winner: the slot row flips from open to claimed in one conditional UPDATE
    that also requires this offer to be open; every other claimer's UPDATE matches no row,
    however many run at the same moment (SQLite: the transaction holds the write lock from
    BEGIN; PostgreSQL re-checks the WHERE after the winner commits). None when no offer
    matches `which`."""
    found = _find(db, which)
    if found is None:
        return None
    offer, slot, practice = found
    if not billing.takes_claims(db, practice.id, now):
        return _answer(db, _claim_state(db, offer, slot, practice, now), slot, practice)
    offer_open = (
        select(Offer.id)
        .where(
            col(Offer.id) == offer.id,
            col(Offer.status).in_(CLAIMABLE),
            col(Offer.expires_at) > now,
        )
        .exists()
    )
    won = (
        db.exec(
            update(Slot)
            .where(col(Slot.id) == slot.id, col(Slot.status) == SlotStatus.OPEN, offer_open)
            .values(
                status=SlotStatus.CLAIMED,
                claimed_patient_id=offer.patient_id,
                claimed_at=now,
                claimed_via=channel,
            )
            .execution_options(synchronize_session=False)
        ).rowcount
        == 1
    )
    db.refresh(slot)
    db.refresh(offer)
    if not won:
        state = _state(offer, slot, now)
        if state == "open":  # an offer expired meanwhile
            state = "expired"
        if state == "taken" and offer.status in CLAIMABLE:
            offer.status = OfferStatus.LOST
            db.add(offer)
        return _answer(db, state, slot, practice)

    offer.status, offer.claimed_at = OfferStatus.CLAIMED, now
    db.add(offer)
    losing = (
        col(Offer.slot_id) == slot.id,
        col(Offer.id) != offer.id,
        col(Offer.status).in_(CLAIMABLE),
    )
    lost = db.exec(select(Offer.id, Offer.token_hash).where(*losing)).all()
    db.exec(update(Offer).where(*losing).values(status=OfferStatus.LOST))
    lost_phones = _only_lost(db, [offer_id for offer_id, _ in lost])
    db.exec(
        update(Patient)
        .where(col(Patient.id) == offer.patient_id, col(Patient.practice_id) == slot.practice_id)
        .values(status="booked", last_claim_at=now)
    )
    audit.record(
        db,
        "slot.claimed",
        practice_id=slot.practice_id,
        target_type="slot",
        target_id=slot.id,
        detail=channel,
        now=now,
    )
    webhook_events.slot_claimed(db, slot, offer, now)  # the practice's agenda books the patient
    won_view = _card(db, "claimed_by_you", slot, practice)
    winner = db.get(Patient, offer.patient_id)
    local = won_view.starts_local
    message = (
        f"Plek van {short_moment(local)} is gevuld door {winner.name if winner else 'een patiënt'}."
    )
    return ClaimResult(
        "claimed",
        won_view,
        practice_id=slot.practice_id,
        filled_message=message,
        offer_id=offer.id,
        settled=Settled(
            tuple(token for _, token in lost),
            replace(won_view, state="taken"),
            phones=lost_phones,
            practice_id=slot.practice_id,
        ),
    )


def _only_lost(db: Session, offer_ids: list[int]) -> tuple[str, ...]:
    """The numbers of these (just lost) offers for which that offer is the newest and no
    other offer is still open, at any practice: what a `JA` from them answers is settled."""
    if not offer_ids:
        return ()
    other, other_patient = aliased(Offer), aliased(Patient)
    newer_or_open = (
        select(other.id)
        .join(other_patient, col(other_patient.id) == other.patient_id)
        .where(
            col(other_patient.phone) == Patient.phone,
            col(other.id) != Offer.id,
            or_(
                col(other.created_at) > Offer.created_at,
                and_(col(other.created_at) == Offer.created_at, col(other.id) > Offer.id),
                col(other.status).in_(CLAIMABLE),
            ),
        )
        .exists()
    )
    return tuple(
        db.exec(
            select(Patient.phone)
            .join(Offer, col(Offer.patient_id) == Patient.id)
            .where(col(Offer.id).in_(offer_ids), ~newer_or_open)
        ).all()
    )


def ics(view: ClaimView, uid: str, now: datetime) -> str:
    """A calendar entry for the winner: the treatment (when the slot names one) at the practice,
    the time, the address as LOCATION and the practice's number to call when plans change."""

    def stamp(moment: datetime) -> str:
        return moment.strftime("%Y%m%dT%H%M%SZ")

    end = view.starts_at + timedelta(minutes=view.duration_minutes)
    what = view.treatment.capitalize() if view.treatment else "Afspraak"
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//PakJePlekje//NL",
        "CALSCALE:GREGORIAN",
        "BEGIN:VEVENT",
        f"UID:{uid}@pakjeplekje",
        f"DTSTAMP:{stamp(now)}",
        f"DTSTART:{stamp(view.starts_at)}",
        f"DTEND:{stamp(end)}",
        f"SUMMARY:{ics_text(f'{what} bij {view.practice_name}')}",
    ]
    if view.address:
        lines.append(f"LOCATION:{ics_text(view.address)}")
    if view.phone:
        lines.append(f"DESCRIPTION:{ics_text(f'Verhinderd? Bel de praktijk: {view.shown_phone}')}")
    lines += ["END:VEVENT", "END:VCALENDAR", ""]
    return "\r\n".join(ics_fold(line) for line in lines)


def opt_out_practice(db: Session, raw: str) -> str | None:
    """The practice a link would opt out of, read only: the question "Weet u het zeker?" comes
    before anything changes. None for an unknown token."""
    which = _by_token(raw)
    found = None if which is None else _find(db, which)
    return None if found is None else found[2].name


def opt_out(db: Session, raw: str, now: datetime) -> str | None:
    """ "Afmelden voor deze praktijk" on the claim page: the same as replying STOP (alphanumeric
    senders cannot receive replies). Returns the practice name, None for an unknown token."""
    which = _by_token(raw)
    found = None if which is None else _find(db, which)
    if found is None:
        return None
    offer, _, practice = found
    opting_out.opt_out_patient(db, practice.id, offer.patient_id, via="claimpagina", now=now)
    audit.record(
        db,
        "patient.opted_out",
        practice_id=practice.id,
        target_type="patient",
        target_id=offer.patient_id,
        detail="claimpagina",
        now=now,
    )
    return practice.name
