"""The dashboard's overview of one practice: what is open now, what was filled lately, and how
well the waitlist works (fill rate and time to fill over the last 30 days)."""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, func, select

from pakjeplekje.domain.accounts import onboarding
from pakjeplekje.domain.core_loop import dispatch, slots
from pakjeplekje.domain.offers import SlotStatus
from pakjeplekje.domain.waitlist import patients
from pakjeplekje.models import Slot

PERIOD = timedelta(days=30)
RECENT_FILLS = 5


@dataclass(frozen=True)
class OpenSlot:
    slot: slots.SlotRow
    progress: str  # "5 verstuurd · 2 bekeken · 3 in wachtrij"


@dataclass(frozen=True)
class Overview:
    waiting: int
    open_slots: list[OpenSlot]
    recent_fills: list[slots.SlotRow]
    filled: int  # in the last 30 days
    ended: int  # filled, expired or closed as "gaat niet door" in the last 30 days
    median_seconds_to_fill: float | None  # formatted by texts.duration, like each slot's
    unsure_sms: int  # offers whose send outcome is unknown: check, never resent
    first_steps: onboarding.FirstSteps


def progress(offers: list[slots.OfferRow]) -> str:
    """Offer statuses of a slot, counted, in the order the loop goes through them."""
    counts = Counter(o.status for o in offers)
    labels = slots.OFFER_LINE_LABELS.items()
    parts = [f"{counts[status]} {label}" for status, label in labels if counts[status]]
    return " · ".join(parts) or "nog geen SMS'jes"


def overview(db: Session, practice_id: int, now: datetime) -> Overview:
    """Everything on the dashboard in a handful of indexed queries of this practice only."""
    recent = slots.list_recent(db, practice_id, now, limit=50, days=int(PERIOD.days))
    open_rows = [r for r in recent if r.status == SlotStatus.OPEN]
    fills = [r for r in recent if r.status == SlotStatus.CLAIMED]
    since = now - PERIOD
    outcome = dict(
        db.exec(
            select(Slot.status, func.count(col(Slot.id)))
            .where(
                Slot.practice_id == practice_id,
                Slot.created_at > since,
                col(Slot.status).in_((SlotStatus.CLAIMED, SlotStatus.EXPIRED, SlotStatus.CLOSED)),
            )
            .group_by(col(Slot.status))
        ).all()
    )
    fill_times = [
        (claimed - created).total_seconds()
        for created, claimed in db.exec(
            select(Slot.created_at, Slot.claimed_at).where(
                Slot.practice_id == practice_id,
                Slot.created_at > since,
                Slot.status == SlotStatus.CLAIMED,
            )
        ).all()
        if claimed is not None
    ]
    return Overview(
        waiting=patients.count_waiting(db, practice_id),
        open_slots=[OpenSlot(r, progress(r.offers)) for r in open_rows],
        recent_fills=fills[:RECENT_FILLS],
        filled=outcome.get(SlotStatus.CLAIMED, 0),
        ended=sum(outcome.values()),
        median_seconds_to_fill=statistics.median(fill_times) if fill_times else None,
        unsure_sms=len(dispatch.stuck_offers(db, practice_id, now)),
        first_steps=onboarding.first_steps(db, practice_id),
    )
