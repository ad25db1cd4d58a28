"""A patient says no: `NEE` by SMS or "Nee, dank u" on the claim page.

The offer ends `declined` (one conditional UPDATE: an offer that won, lost or expired
meanwhile stays as it is), and the caller asks `waves.release_next` for the next patient at
once instead of waiting for the next wave. A no is final for that offer: its link then
says so, and a later `JA` finds nothing open to claim.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement
from sqlmodel import Session, col, select, update

from pakjeplekje.domain.offers import CLAIMABLE, OfferStatus, SlotStatus
from pakjeplekje.domain.tokens import hash_token
from pakjeplekje.models import Offer, Practice, Slot

TOKEN_MAX = 100


@dataclass(frozen=True)
class Declined:
    offer_id: int
    slot_id: int
    practice_id: int  # whose staff see the "nee" and whose slot gets its next patient


def decline_link(db: Session, raw: str, now: datetime) -> Declined | None:
    """The claim page's "Nee, dank u"; None when the link is unknown or no longer open."""
    if not raw or len(raw) > TOKEN_MAX:
        return None
    return _decline(db, col(Offer.token_hash) == hash_token(raw), now)


def decline_offer(db: Session, offer_id: int, now: datetime) -> Declined | None:
    """`NEE` by SMS, for the number's newest open offer (`replies`)."""
    return _decline(db, col(Offer.id) == offer_id, now)


def _decline(db: Session, which: ColumnElement[bool], now: datetime) -> Declined | None:
    found = db.exec(
        select(Offer.id, Offer.slot_id, Offer.practice_id)
        .join(Practice, col(Practice.id) == Offer.practice_id)
        .where(which, Practice.status == "active")
    ).first()
    if found is None:
        return None
    offer_id, slot_id, practice_id = found
    open_slot = select(Slot.id).where(
        Slot.id == slot_id, Slot.status == SlotStatus.OPEN, Slot.starts_at > now
    )
    moved = db.exec(
        update(Offer)
        .where(
            col(Offer.id) == offer_id,
            col(Offer.status).in_(CLAIMABLE),
            col(Offer.expires_at) > now,
            col(Offer.slot_id).in_(open_slot),
        )
        .values(status=OfferStatus.DECLINED, declined_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    return Declined(offer_id, slot_id, practice_id) if moved == 1 else None
