"""The dashboard overview: open slots with their SMS progress, recent fills, fill rate and the
median time to fill — of one practice only."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlmodel import Session

from pakjeplekje import texts
from pakjeplekje.domain.core_loop import dashboard, slots
from pakjeplekje.models import Offer, Slot
from pakjeplekje.ui.state import slots as slot_state
from tests import timeplan
from tests.conftest import Factory
from tests.test_waves import Clinic, make_clinic


def _filled(
    clinic: Clinic, created: datetime, minutes: float, patient: int, *, seconds: float = 0
) -> Slot:
    slot = clinic.slot(created + timedelta(days=1), created)
    slot.status = "claimed"
    slot.claimed_at = created + timedelta(minutes=minutes, seconds=seconds)
    slot.claimed_patient_id = clinic.patient_ids[patient]
    clinic.db.add(slot)
    return slot


def test_overview_counts_this_practice_only(db: Session, factory: Factory, now: datetime) -> None:
    clinic = make_clinic(db, factory, now, size=6, wave_size=3)
    open_slot = clinic.slot(timeplan.weekday_at(now), now - timedelta(hours=1))
    for offer_id, status in zip(
        slots.add_wave(db, open_slot, 1, now), ["sent", "clicked", "queued"], strict=True
    ):
        offer = db.get(Offer, offer_id)
        assert offer is not None
        offer.status = status
        db.add(offer)
    _filled(clinic, now - timedelta(days=2), 4, 0)
    _filled(clinic, now - timedelta(days=3), 10, 1)
    expired = clinic.slot(now - timedelta(days=1), now - timedelta(days=2))
    expired.status = "expired"
    db.add(expired)
    elsewhere = make_clinic(db, factory, now, size=2)
    _filled(elsewhere, now - timedelta(days=1), 1, 0)
    old = _filled(clinic, now - timedelta(days=45), 1, 2)  # outside the 30 days
    db.flush()

    view = dashboard.overview(db, clinic.practice.id, now)  # type: ignore[arg-type]

    assert view.waiting == 6
    assert [o.slot.id for o in view.open_slots] == [open_slot.id]
    assert view.open_slots[0].progress == "1 in wachtrij · 1 verstuurd · 1 bekeken"
    assert len(view.recent_fills) == 2 and old.id not in [r.id for r in view.recent_fills]
    assert (view.filled, view.ended) == (2, 3)
    assert view.median_seconds_to_fill == 7 * 60  # median of 4 and 10 minutes


def test_an_empty_practice(db: Session, factory: Factory, now: datetime) -> None:
    clinic = make_clinic(db, factory, now, size=0)
    view = dashboard.overview(db, clinic.practice.id, now)  # type: ignore[arg-type]
    assert (view.waiting, view.open_slots, view.recent_fills) == (0, [], [])
    assert (view.filled, view.ended, view.median_seconds_to_fill) == (0, 0, None)
    assert dashboard.progress([]) == "nog geen SMS'jes"


@pytest.mark.parametrize(
    ("seconds", "shown"), [(90, "2 min"), (40, "binnen een minuut"), (150, "2 min")]
)
def test_one_fill_reads_the_same_on_the_slot_and_as_the_median(
    db: Session, factory: Factory, now: datetime, seconds: int, shown: str
) -> None:
    """One rounding: the slot card and the dashboard's median format the same seconds the
    same way, and a fill under a minute never reads "0 min"."""
    clinic = make_clinic(db, factory, now, size=1)
    _filled(clinic, now - timedelta(hours=2), 0, 0, seconds=seconds)
    db.flush()

    view = dashboard.overview(db, clinic.practice.id, now)  # type: ignore[arg-type]
    (row,) = slots.list_recent(db, clinic.practice.id, now)  # type: ignore[arg-type]

    assert row.seconds_to_fill == view.median_seconds_to_fill == seconds
    card = slot_state.card(row)
    assert card.fill == texts.duration(view.median_seconds_to_fill) == shown
    assert "0 min" not in card.fill


def test_offers_with_an_unknown_send_outcome_are_reported(
    db: Session, factory: Factory, now: datetime
) -> None:
    """Stuck in `sending` for over five minutes: counted for staff to check, never resent."""
    clinic = make_clinic(db, factory, now, size=3, wave_size=3)
    slot = clinic.slot(timeplan.weekday_at(now), now - timedelta(hours=1))
    first, second, _ = slots.add_wave(db, slot, 1, now - timedelta(minutes=10))
    for offer_id in (first, second):
        offer = db.get(Offer, offer_id)
        assert offer is not None
        offer.status = "sending"
        db.add(offer)
    offer = db.get(Offer, second)
    assert offer is not None
    offer.created_at = now - timedelta(minutes=2)  # still in flight: not reported yet
    db.add(offer)
    db.flush()
    view = dashboard.overview(db, clinic.practice.id, now)  # type: ignore[arg-type]
    assert view.unsure_sms == 1
    # the stuck one is named on the slot's line too, the one still in flight is not
    progress = "1 in wachtrij · 1 verzenden… · 1 onbekend of verstuurd — controleer"
    assert view.open_slots[0].progress == progress
