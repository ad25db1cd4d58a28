"""When the next wave of offers for an open slot goes out, and when offers stop being reachable.

The rules (every time is passed in as `now`; nothing here reads the clock):

- Wave 1 goes out when staff open the slot (`slots.open_slot`); opened inside quiet hours, it
  goes out when they end (`quiet_hours.first_wave_held_until`): the slot then has no offer
  yet, so the rule for a next wave below sends it. Each next wave is due
  `wave_interval_minutes` after the previous one, which is the newest offer's `created_at`
  (the slot's own `created_at` when no offer exists yet, e.g. wave 1 found nobody). Its number
  is the highest existing wave + 1; it holds the next `wave_size` best matches that were not
  offered this slot before (`matching` excludes them).
- Quiet hours (`quiet_hours.py`, in the practice's own time zone, right across DST): a wave
  that would go out inside them is held until the quiet period ends — unless the slot itself
  starts before that end, then holding would make the wave useless and it goes out as due.
- No wave once the slot is not `open` (claimed, closed, expired), or when the moment the wave
  would go out is within `min_notice_minutes` of the slot's start.
- Expiry: an offer still waiting for an answer (`queued`, `sent`, `delivered`, `clicked`) expires
  once its slot started or is no longer open; an `open` slot whose start passed becomes
  `expired`. An offer in `sending` is left alone: its outcome is unknown and `dispatch`
  reports it instead.
- A slot that runs out of matches keeps its rhythm: the due check repeats each tick and picks
  up patients who joined the waitlist meanwhile.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

from sqlalchemy import func, or_
from sqlmodel import Session, col, select, update

from pakjeplekje.domain.core_loop import slots
from pakjeplekje.domain.core_loop.quiet_hours import quiet_period_end
from pakjeplekje.domain.offers import WAITING_FOR_ANSWER, OfferStatus, SlotStatus
from pakjeplekje.models import Offer, Practice, Slot


def next_wave_at(
    practice: Practice, slot: Slot, last_wave_at: datetime, now: datetime
) -> datetime | None:
    """When the slot's next wave may go out (may lie in the past: it is overdue), or None."""
    if slot.status != SlotStatus.OPEN:
        return None
    notice = timedelta(minutes=practice.min_notice_minutes)
    if slot.starts_at - now < notice:
        return None
    due = last_wave_at + timedelta(minutes=practice.wave_interval_minutes)
    # An overdue wave goes out now, so quiet hours are judged at the later of the two moments.
    quiet_end = quiet_period_end(practice, max(due, now))
    if quiet_end is not None and slot.starts_at >= quiet_end:
        due = quiet_end
    if slot.starts_at - max(due, now) < notice:
        return None
    return due


def run_due_waves(db: Session, now: datetime, countries: frozenset[str] | None = None) -> list[int]:
    """Queue the next wave for every open slot whose wave is due; returns the offer ids to text.

    Slot rows are locked (PostgreSQL: skipped when another worker holds them) so two workers
    never build the same wave twice."""
    open_slots = db.exec(
        select(Slot)
        .where(Slot.status == SlotStatus.OPEN, Slot.starts_at > now)
        .order_by(col(Slot.id))
        .with_for_update(skip_locked=True, of=Slot)
    ).all()
    if not open_slots:
        return []
    history = {
        slot_id: (last, wave)
        for slot_id, last, wave in db.exec(
            select(Offer.slot_id, func.max(Offer.created_at), func.max(Offer.wave))
            .where(col(Offer.slot_id).in_([s.id for s in open_slots]))
            .group_by(col(Offer.slot_id))
        ).all()
    }
    offer_ids: list[int] = []
    for slot in open_slots:
        practice = db.get(Practice, slot.practice_id)
        assert practice is not None
        last_wave_at, last_wave = history.get(slot.id, (slot.created_at, 0))
        due = next_wave_at(practice, slot, last_wave_at, now)
        if due is not None and due <= now:
            offer_ids += slots.add_wave(db, slot, last_wave + 1, now, countries)
    return offer_ids


def expire_offers(db: Session, now: datetime) -> dict[int, int]:
    """Expire what can no longer be claimed; returns, per practice whose slots changed, the
    number of offers expired (staff pages of those practices need a refresh)."""
    ended = list(
        db.exec(
            select(Slot.id, Slot.practice_id).where(
                Slot.status == SlotStatus.OPEN, Slot.starts_at <= now
            )
        ).all()
    )
    changed: Counter[int] = Counter({practice_id: 0 for _, practice_id in ended})
    if ended:
        db.exec(
            update(Slot)
            .where(col(Slot.id).in_([slot_id for slot_id, _ in ended]))
            .values(status=SlotStatus.EXPIRED)
        )
    gone = select(Slot.id).where(
        or_(col(Slot.status) != SlotStatus.OPEN, col(Slot.starts_at) <= now)
    )
    stale = db.exec(
        select(Offer.id, Offer.practice_id).where(
            col(Offer.status).in_(WAITING_FOR_ANSWER),
            or_(col(Offer.expires_at) <= now, col(Offer.slot_id).in_(gone)),
        )
    ).all()
    if stale:
        db.exec(
            update(Offer)
            .where(
                col(Offer.id).in_([offer_id for offer_id, _ in stale]),
                col(Offer.status).in_(WAITING_FOR_ANSWER),
            )
            .values(status=OfferStatus.EXPIRED)
        )
        changed.update(practice_id for _, practice_id in stale)
    return dict(changed)
