"""The typed offer lifecycle: stored values, the named groups, the one constructor."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlmodel import Session

from pakjeplekje.domain.core_loop import claims, slots
from pakjeplekje.domain.offers import (
    ANSWERABLE_BY_SMS,
    AWAITING_DELIVERY,
    CLAIMABLE,
    NOT_VIEWED,
    WAITING_FOR_ANSWER,
    OfferStatus,
    SlotStatus,
    add_offers,
)
from pakjeplekje.domain.tokens import hash_token
from pakjeplekje.models import Offer
from tests.conftest import Factory
from tests.test_matching import World, make_world


@pytest.fixture
def world(db: Session, factory: Factory, now: datetime) -> World:
    return make_world(db, factory, now)


def test_stored_values_are_the_plain_strings() -> None:
    """The column keeps the words it always had; a member equals its word."""
    assert [s.value for s in OfferStatus] == [
        "queued",
        "sending",
        "sent",
        "delivered",
        "failed",
        "clicked",
        "claimed",
        "lost",
        "expired",
        "skipped",
        "declined",
    ]
    assert OfferStatus.CLAIMED == "claimed" and f"{OfferStatus.LOST}" == "lost"
    assert [s.value for s in SlotStatus] == ["open", "claimed", "closed", "expired"]


def test_groups_are_parts_of_claimable_and_every_status_has_a_label() -> None:
    for group in (WAITING_FOR_ANSWER, ANSWERABLE_BY_SMS, NOT_VIEWED):
        assert set(group) < set(CLAIMABLE)
    assert OfferStatus.SENDING not in WAITING_FOR_ANSWER
    assert set(AWAITING_DELIVERY) < set(CLAIMABLE)
    assert set(slots.OFFER_LABELS) == set(OfferStatus)
    assert set(slots.SLOT_LABELS) == set(SlotStatus)


def test_add_offers_returns_working_claim_tokens(world: World) -> None:
    """One constructor for every caller: queued (or skipped), flushed, in order, expiring at
    the slot's start; the raw token is the one whose hash is stored, and it opens the page."""
    db: Session = world.db
    slot = world.slot()
    first, second = (p.id for p in world.patients(2))
    assert first is not None and second is not None
    issued = add_offers(db, slot, [first, second], wave=3, now=world.now, skipped={second})
    assert [offer.status for offer, _ in issued] == ["queued", "skipped"]
    assert [offer.patient_id for offer, _ in issued] == [first, second]
    for offer, raw in issued:
        assert offer.id is not None and offer.wave == 3
        assert offer.expires_at == slot.starts_at and offer.token_hash == hash_token(raw)
    assert claims.view(db, issued[0][1], world.now) is not None
    stored = db.get(Offer, issued[0][0].id)
    assert stored is not None and stored.status == OfferStatus.CLICKED
