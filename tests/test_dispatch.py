"""Texting offers: exactly once per (slot, patient), whatever retries or crashes happen."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlmodel import select

from pakjeplekje import clock
from pakjeplekje.db import session_scope
from pakjeplekje.domain.core_loop import dispatch, slots
from pakjeplekje.domain.core_loop.sms_texts import fits
from pakjeplekje.models import Message, Offer, Patient, Slot
from pakjeplekje.services import jobs
from tests.conftest import AppEnv, Factory
from tests.test_claims import make_slot


def _queued_offers(factory: Factory, name: str, count: int) -> tuple[int, list[int]]:
    """A slot whose offers wait in the queue, as a wave leaves them."""
    setup = make_slot(factory, name, count)
    with session_scope() as db:
        ids = list(db.exec(select(Offer.id).where(Offer.slot_id == setup.slot_id)).all())
    return setup.slot_id, ids  # type: ignore[return-value]


def _outbox(app_env: AppEnv) -> list[dict[str, str]]:
    path = app_env.data_dir / "outbox" / "sms.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_each_offer_is_texted_once_even_when_the_job_runs_twice(
    app_env: AppEnv, factory: Factory
) -> None:
    slot_id, offer_ids = _queued_offers(factory, "Eenmaal", 3)
    assert jobs.send_offers(offer_ids) == 3
    assert jobs.send_offers(offer_ids) == 0  # a retry of the whole job sends nothing
    texts = _outbox(app_env)
    assert len(texts) == 3 and len({t["to"] for t in texts}) == 3
    for text in texts:
        assert fits(text["body"]) and "/c/" in text["body"] and "JA of NEE" in text["body"]
    with session_scope() as db:
        offers = db.exec(select(Offer).where(Offer.slot_id == slot_id)).all()
        assert {o.status for o in offers} == {"sent"}
        assert len(db.exec(select(Message).where(Message.direction == "out")).all()) == 3
        patient = db.get(Patient, offers[0].patient_id)
        assert patient is not None and patient.offers_count == 1 and patient.last_offer_at


def test_only_one_of_two_workers_claims_an_offer(app_env: AppEnv, factory: Factory) -> None:
    """The conditional queued → sending update lets exactly one sender through."""
    _, (offer_id, *_) = _queued_offers(factory, "Twee", 1)
    with session_scope() as db:
        first = dispatch.claim_for_sending(db, offer_id, "https://x.nl/c/", clock.now())
    with session_scope() as db:
        second = dispatch.claim_for_sending(db, offer_id, "https://x.nl/c/", clock.now())
    assert first is not None and second is None


def test_a_crash_between_send_and_mark_sent_never_texts_again(
    app_env: AppEnv, factory: Factory
) -> None:
    """Claimed for sending but never marked: the offer stays `sending`, reported, not resent."""
    _, offer_ids = _queued_offers(factory, "Crash", 1)
    with session_scope() as db:
        assert dispatch.claim_for_sending(db, offer_ids[0], "https://x.nl/c/", clock.now())
    assert jobs.send_offers(offer_ids) == 0
    with session_scope() as db:
        later = clock.now() + timedelta(minutes=10)
        practice_id = db.get(Offer, offer_ids[0]).practice_id  # type: ignore[union-attr]
        assert dispatch.stuck_offers(db, practice_id, later) == offer_ids
        assert dispatch.stuck_offers(db, practice_id + 1, later) == []  # never another's


def test_closed_or_claimed_slots_are_not_texted(app_env: AppEnv, factory: Factory) -> None:
    slot_id, offer_ids = _queued_offers(factory, "Dicht", 2)
    with session_scope() as db:
        slot = db.get(Slot, slot_id)
        assert slot is not None
        slot.status = "closed"
    assert jobs.send_offers(offer_ids) == 0
    assert _outbox(app_env) == []


def test_failures_are_recorded_and_unsubscribed_numbers_opt_out(
    app_env: AppEnv, factory: Factory
) -> None:
    _, offer_ids = _queued_offers(factory, "Fout", 2)
    with session_scope() as db:
        unsubscribed = dispatch.claim_for_sending(db, offer_ids[0], "https://x.nl/c/", clock.now())
        busy = dispatch.claim_for_sending(db, offer_ids[1], "https://x.nl/c/", clock.now())
    assert unsubscribed and busy
    with session_scope() as db:
        dispatch.record_failed(db, unsubscribed, 21610, False, clock.now())
        dispatch.record_failed(db, busy, 429, True, clock.now())
    with session_scope() as db:
        first, second = (db.get(Offer, i) for i in offer_ids)
        assert first is not None and second is not None
        assert (first.status, second.status) == ("failed", "queued")  # 429 goes back in line
        patient = db.get(Patient, unsubscribed.patient_id)
        assert patient is not None and patient.opted_out_at is not None
        codes = sorted(m.error_code for m in db.exec(select(Message)))  # type: ignore[type-var]
        assert codes == [429, 21610]


def test_opening_a_slot_queues_wave_one_for_the_best_matches(
    app_env: AppEnv, factory: Factory
) -> None:
    """slots.add_wave takes the practice's wave size and skips patients already offered."""
    setup = make_slot(factory, "Golf", 8)
    with session_scope() as db:
        slot = db.get(Slot, setup.slot_id)
        assert slot is not None
        db.exec(Offer.__table__.delete())  # type: ignore[attr-defined]  (start without offers)
        first = slots.add_wave(db, slot, 1, clock.now())
        second = slots.add_wave(db, slot, 2, clock.now())
        third = slots.add_wave(db, slot, 3, clock.now())
    assert (len(first), len(second), len(third)) == (5, 3, 0)
