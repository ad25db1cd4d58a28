"""When the next wave of offers for an open slot goes out, and when offers stop being reachable.

The rules (every time is passed in as `now`; nothing here reads the clock):

- Wave 1 goes out when staff open the slot (`slots.open_slot`); opened inside quiet hours, it
  goes out when they end (`quiet_hours.first_wave_held_until`): the slot then has no offer
  yet, so the rule for a next wave below sends it. When each next wave is due and how many
  it holds is the practice's strategy's call (`wave_strategies`: "vast", `wave_size` every
  `wave_interval_minutes`; "adaptief", `adaptive`), counted from the previous wave, which is
  the newest offer's `created_at` (the slot's own `created_at` when no offer exists yet).
  Its number is the highest existing wave + 1; it holds the next best matches that were not
  offered this slot before (`matching` excludes them). A "Nee" releases the next patient at
  once (`release_next`).
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
- Every strategy goes through these rules: only the "when" and "how many" differ.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

from sqlalchemy import or_
from sqlmodel import Session, col, select, update

from pakjeplekje.domain.core_loop import outreach, slots
from pakjeplekje.domain.core_loop.quiet_hours import quiet_period_end
from pakjeplekje.domain.core_loop.wave_strategies import Strategy, replacement
from pakjeplekje.domain.offers import WAITING_FOR_ANSWER, OfferStatus, SlotStatus
from pakjeplekje.models import Offer, Practice, Slot


def next_wave_at(
    practice: Practice, slot: Slot, due: datetime | None, now: datetime
) -> datetime | None:
    """When the wave the strategy wants at `due` may go out (may lie in the past: it is
    overdue), or None: quiet hours hold it, the minimum notice forbids it."""
    if slot.status != SlotStatus.OPEN or due is None:
        return None
    notice = timedelta(minutes=practice.min_notice_minutes)
    if slot.starts_at - now < notice:
        return None
    # An overdue wave goes out now, so quiet hours are judged at the later of the two moments.
    quiet_end = quiet_period_end(practice, max(due, now))
    if quiet_end is not None and slot.starts_at >= quiet_end:
        due = quiet_end
    if slot.starts_at - max(due, now) < notice:
        return None
    return due


def _wave_if_due(
    db: Session,
    slot: Slot,
    now: datetime,
    countries: frozenset[str] | None,
    strategy: Strategy | None,
) -> list[int]:
    practice = db.get(Practice, slot.practice_id)
    assert practice is not None
    chosen = strategy or outreach.strategy_for(practice)
    seen = outreach.outreach(db, chosen, practice, slot, now)
    due = next_wave_at(practice, slot, chosen.due(seen), now)
    if due is None or due > now:
        return []
    return slots.add_wave(db, slot, seen.waves + 1, now, countries, chosen)


def run_due_waves(
    db: Session,
    now: datetime,
    countries: frozenset[str] | None = None,
    strategy: Strategy | None = None,
) -> list[int]:
    """Queue the next wave for every open slot whose wave is due; returns the offer ids to text.
    `strategy`: every practice's own (`outreach.strategy_for`) unless one is given (the
    outreach simulator compares them).

    Slot rows are locked (PostgreSQL: skipped when another worker holds them) so two workers
    never build the same wave twice."""
    open_slots = db.exec(
        select(Slot)
        .where(Slot.status == SlotStatus.OPEN, Slot.starts_at > now)
        .order_by(col(Slot.id))
        .with_for_update(skip_locked=True, of=Slot)
    ).all()
    offer_ids: list[int] = []
    for slot in open_slots:
        offer_ids += _wave_if_due(db, slot, now, countries, strategy)
    return offer_ids


def release_next(
    db: Session,
    slot_id: int,
    now: datetime,
    countries: frozenset[str] | None = None,
    strategy: Strategy | None = None,
) -> list[int]:
    """After a "Nee": the next patient(s) at once, if the strategy replaces declines and the
    slot may still get a wave (open, quiet hours, minimum notice)."""
    slot = db.exec(
        select(Slot).where(Slot.id == slot_id, Slot.status == SlotStatus.OPEN).with_for_update()
    ).first()
    if slot is None:
        return []
    practice = db.get(Practice, slot.practice_id)
    assert practice is not None
    chosen = strategy or outreach.strategy_for(practice)
    if not chosen.replaces_declines or next_wave_at(practice, slot, now, now) != now:
        return []
    seen = outreach.outreach(db, chosen, practice, slot, now)
    return slots.add_wave(db, slot, seen.waves + 1, now, countries, replacement(chosen))


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
