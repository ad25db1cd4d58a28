"""What a wave strategy is shown of one slot: the glue between matching, the patients'
answer history and `wave_strategies`. A strategy never reads the database: this module builds
its `Outreach` and `Candidate`s (the history only when the strategy reads it)."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from pakjeplekje.domain.core_loop import adaptive, matching
from pakjeplekje.domain.core_loop.wave_strategies import (
    Candidate,
    History,
    Outreach,
    Pick,
    Strategy,
    Waiting,
    practice_fixed,
)
from pakjeplekje.domain.offers import WAITING_FOR_ANSWER, OfferStatus
from pakjeplekje.models import Offer, Practice, Slot

HISTORY = timedelta(days=180)  # answers older than this say little about today's patient


def strategy_for(practice: Practice) -> Strategy:
    """The practice's choice in Instellingen: adaptive (the default) or its fixed waves."""
    return practice_fixed(practice) if practice.wave_mode == "vast" else adaptive.Adaptive()


def histories(
    db: Session, practice_id: int, patient_ids: list[int], now: datetime
) -> dict[int, History]:
    """Each patient's answers to this practice's texts of the last 180 days."""
    if not patient_ids:
        return {}
    rows = db.exec(
        select(Offer.patient_id, Offer.sent_at, Offer.clicked_at, Offer.declined_at).where(
            Offer.practice_id == practice_id,
            col(Offer.patient_id).in_(patient_ids),
            col(Offer.sent_at).is_not(None),
            col(Offer.sent_at) > now - HISTORY,
        )
    ).all()
    texted: dict[int, int] = defaultdict(int)
    interested: dict[int, int] = defaultdict(int)
    declined: dict[int, int] = defaultdict(int)
    delays: dict[int, list[float]] = defaultdict(list)
    for patient_id, sent_at, clicked_at, declined_at in rows:
        assert sent_at is not None
        texted[patient_id] += 1
        if declined_at is not None:
            declined[patient_id] += 1
        elif clicked_at is not None:
            interested[patient_id] += 1
        answered = declined_at or clicked_at
        if answered is not None:
            delays[patient_id].append(max(0.5, (answered - sent_at).total_seconds() / 60))
    return {
        pid: History(texted[pid], interested[pid], declined[pid], tuple(sorted(delays[pid])))
        for pid in texted
    }


def outreach(
    db: Session, strategy: Strategy, practice: Practice, slot: Slot, now: datetime
) -> Outreach:
    """The slot's outreach so far: its waves, and the offers still waiting for an answer."""
    offers = db.exec(select(Offer).where(Offer.slot_id == slot.id)).all()
    last_wave_at = max((o.created_at for o in offers), default=slot.created_at)
    waves = max((o.wave for o in offers), default=0)
    waiting_rows = [
        (o.patient_id, o.sent_at)
        for o in offers
        if o.status in WAITING_FOR_ANSWER or o.status == OfferStatus.SENDING
    ]
    known = (
        histories(db, practice.id, [pid for pid, _ in waiting_rows], now)
        if strategy.needs_history
        else {}
    )
    waiting = tuple(Waiting(pid, sent, known.get(pid, History())) for pid, sent in waiting_rows)
    return Outreach(practice, slot, now, last_wave_at, waves, waiting)


def shape_of(slot: Slot) -> matching.SlotShape:
    assert slot.id is not None
    return matching.SlotShape(
        slot.practice_id,
        slot.starts_at,
        slot.duration_minutes,
        slot.treatment_id,
        slot.practitioner_id,
        slot.id,
    )


def candidates(db: Session, strategy: Strategy, seen: Outreach, limit: int) -> list[Candidate]:
    """Matching's best `limit` for the slot, with their history when the strategy reads it."""
    ranked = matching.ranked(
        db, shape_of(seen.slot), seen.now, limit, rotate=strategy.needs_history
    )
    known = (
        histories(db, seen.practice.id, [m.patient_id for m in ranked], seen.now)
        if strategy.needs_history
        else {}
    )
    return [
        Candidate(
            m.patient_id, m.urgency, m.added_at, m.recent_offers, known.get(m.patient_id, History())
        )
        for m in ranked
    ]


def pick(db: Session, strategy: Strategy, seen: Outreach) -> list[Pick]:
    """Who the slot's next wave texts, and why."""
    return strategy.plan(seen, candidates(db, strategy, seen, strategy.lookahead(seen)))


def opening_plan(
    db: Session, practice: Practice, shape: matching.SlotShape, at: datetime, now: datetime
) -> adaptive.Plan:
    """What adaptive waves would do first for a slot of this shape opened at `at`."""
    ranked = matching.ranked(db, shape, now, adaptive.LOOKAHEAD, rotate=True)
    known = histories(db, practice.id, [m.patient_id for m in ranked], now)
    pool = [known.get(m.patient_id, History()) for m in ranked]
    return adaptive.opening_plan(practice, shape.starts_at, at, pool)
