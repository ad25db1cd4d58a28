"""Provider failures end to end: the real twilio SDK against a local fake API, the jobs and the
tick. Retryable errors come back with backoff; invalid numbers are flagged, skipped by
matching and shown in the grid until staff correct them; nothing is ever texted twice."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from datetime import timedelta

import pytest
from pytest_httpserver import HTTPServer
from sqlmodel import select
from werkzeug import Request as WzRequest
from werkzeug import Response as WzResponse

from pakjeplekje import clock
from pakjeplekje.db import session_scope
from pakjeplekje.domain.core_loop import dispatch, matching, replies
from pakjeplekje.domain.waitlist import patients
from pakjeplekje.models import Message, Offer, Patient, Practice, Slot
from pakjeplekje.services import jobs, scheduler
from tests.conftest import AppEnv, Factory, reset_app_caches
from tests.test_claims import make_slot
from tests.test_sms_adapters import SID, TOKEN, twilio_error, twilio_message

MESSAGES = f"/2010-04-01/Accounts/{SID}/Messages.json"


@pytest.fixture
def fake_twilio(
    app_env: AppEnv, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> Callable[[Callable[[str], WzResponse]], list[str]]:
    """Point the app's Twilio backend at the fake; `answer(to)` decides each response.

    Returns a function that installs the answer and gives the list of numbers texted."""
    monkeypatch.setenv("SMS_BACKEND", "twilio")
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", SID)
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", TOKEN)
    monkeypatch.setenv("TWILIO_FROM", "+3197010000000")
    monkeypatch.setenv("TWILIO_API_BASE_URL", httpserver.url_for("/"))
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://app.pakjeplekje.test")
    reset_app_caches()
    calls: list[str] = []

    def install(answer: Callable[[str], WzResponse]) -> list[str]:
        def handler(request: WzRequest) -> WzResponse:
            to = request.form["To"]
            calls.append(to)
            return answer(to)

        httpserver.expect_request(MESSAGES, method="POST").respond_with_handler(handler)
        return calls

    return install


def accepted(to: str) -> WzResponse:
    body = twilio_message(to=to, sid=f"SM{len(to):02d}{abs(hash(to)) % 10**30:030d}")
    return WzResponse(json.dumps(body), status=201, content_type="application/json")


def test_a_rate_limited_offer_is_retried_with_backoff_and_sent_once(
    fake_twilio: Callable[..., list[str]], factory: Factory
) -> None:
    setup = make_slot(factory, "Druk", 1)
    busy = {"left": 1}

    def answer(to: str) -> WzResponse:
        if busy["left"]:
            busy["left"] -= 1
            return twilio_error(429, 20429, "Too Many Requests")
        return accepted(to)

    calls = fake_twilio(answer)
    with session_scope() as db:
        [offer_id] = db.exec(select(Offer.id).where(Offer.slot_id == setup.slot_id)).all()
    start = clock.now()
    assert jobs.send_offers([offer_id]) == 0
    with session_scope() as db:
        offer = db.get(Offer, offer_id)
        assert offer is not None and offer.status == "queued" and offer.attempts == 1
        assert offer.retry_at is not None
        wait = offer.retry_at - start
        assert timedelta(seconds=29) < wait <= timedelta(seconds=31)
        assert dispatch.due_for_sending(db, offer.retry_at - timedelta(seconds=1)) == []

    scheduler.tick(offer.retry_at)  # the backoff has passed: the tick sends it again
    scheduler.tick(offer.retry_at + timedelta(minutes=5))  # and never again after that
    assert len(calls) == 2
    with session_scope() as db:
        offer = db.get(Offer, offer_id)
        assert offer is not None and offer.status == "sent" and offer.retry_at is None
        outcomes = [m.status for m in db.exec(select(Message).order_by(Message.id))]  # type: ignore[arg-type]
        assert outcomes == ["failed", "accepted"]  # every attempt is on record


def test_retryable_failures_stop_after_the_last_attempt(
    fake_twilio: Callable[..., list[str]], factory: Factory
) -> None:
    setup = make_slot(factory, "Storing", 1)
    calls = fake_twilio(lambda to: twilio_error(503, 20500, "Service Unavailable"))
    with session_scope() as db:
        [offer_id] = db.exec(select(Offer.id).where(Offer.slot_id == setup.slot_id)).all()
    jobs.send_offers([offer_id])
    for _ in range(dispatch.MAX_ATTEMPTS + 2):
        with session_scope() as db:
            offer = db.get(Offer, offer_id)
            assert offer is not None
            moment = offer.retry_at or clock.now()
        scheduler.tick(moment)
    assert len(calls) == dispatch.MAX_ATTEMPTS
    with session_scope() as db:
        offer = db.get(Offer, offer_id)
        assert offer is not None and offer.status == "failed"
        assert offer.attempts == dispatch.MAX_ATTEMPTS and offer.retry_at is None


def test_backoff_doubles_up_to_ten_minutes() -> None:
    delays = [dispatch.retry_delay(n) for n in range(1, 8)]
    assert delays[:4] == [timedelta(seconds=s) for s in (30, 60, 120, 240)]
    assert delays[-1] == timedelta(minutes=10)


@pytest.mark.parametrize("code", [21211, 21614])
def test_an_invalid_number_is_flagged_skipped_and_shown_until_corrected(
    fake_twilio: Callable[..., list[str]], factory: Factory, code: int
) -> None:
    setup = make_slot(factory, f"Ongeldig {code}", 2)
    with session_scope() as db:
        offers = db.exec(select(Offer).where(Offer.slot_id == setup.slot_id)).all()
        bad = db.get(Patient, offers[0].patient_id)
        assert bad is not None
        bad_phone, bad_id = bad.phone, bad.id
    calls = fake_twilio(
        lambda to: twilio_error(400, code, "Invalid") if to == bad_phone else accepted(to)
    )
    jobs.send_offers([o.id for o in offers])  # type: ignore[misc]
    scheduler.tick(clock.now() + timedelta(hours=1))
    assert calls.count(bad_phone) == 1  # a permanent error is never retried

    with session_scope() as db:
        patient = db.get(Patient, bad_id)
        assert patient is not None and patient.phone_invalid_at is not None
        slot = db.get(Slot, setup.slot_id)
        assert slot is not None
        shape = matching.SlotShape(
            slot.practice_id, slot.starts_at, 30, slot.treatment_id, None, slot_id=None
        )
        best = matching.ranked(db, shape, clock.now(), limit=10)
        assert best and bad_id not in [m.patient_id for m in best]
        practice = db.get(Practice, slot.practice_id)
        assert practice is not None
        _, actor = factory.login(db, factory.user(db, practice, f"staf{code}@molen.test"))
        page = patients.list_page(db, slot.practice_id, patients.PatientQuery())
        flags = {row.id: row.sms_problem for row in page.rows}
        assert flags[bad_id] == "Nummer ongeldig"
        assert sum(1 for flag in flags.values() if flag) == 1

        form = patients.get(db, actor, bad_id).form  # type: ignore[arg-type]
        corrected = dataclasses.replace(form, phone="06 2345 6789")
        patients.update(db, actor, bad_id, corrected, clock.now())  # type: ignore[arg-type]
    with session_scope() as db:
        patient = db.get(Patient, bad_id)
        assert patient is not None and patient.phone_invalid_at is None


def test_a_delivery_callback_with_an_invalid_number_flags_it(
    app_env: AppEnv, factory: Factory
) -> None:
    setup = make_slot(factory, "Callback", 1)
    with session_scope() as db:
        [offer] = db.exec(select(Offer).where(Offer.slot_id == setup.slot_id)).all()
        sms = dispatch.claim_for_sending(db, offer.id, "https://x.nl/c/", clock.now())  # type: ignore[arg-type]
        assert sms is not None
        dispatch.record_sent(db, sms, "SM" + "7" * 32, "queued", clock.now())
    with session_scope() as db:
        practice = replies.apply_status(db, "SM" + "7" * 32, "undelivered", 21614, clock.now())
        assert practice == sms.practice_id
    with session_scope() as db:
        patient = db.get(Patient, sms.patient_id)
        assert patient is not None and patient.phone_invalid_at is not None
        assert db.get(Offer, sms.offer_id).status == "failed"  # type: ignore[union-attr]


def test_an_offer_whose_send_job_was_lost_is_sent_by_the_tick(
    app_env: AppEnv, factory: Factory
) -> None:
    """The database is the truth: a queued offer nobody texted within a minute is picked up."""
    setup = make_slot(factory, "Verloren", 2)
    with session_scope() as db:
        ids = list(db.exec(select(Offer.id).where(Offer.slot_id == setup.slot_id)).all())
        assert dispatch.due_for_sending(db, clock.now()) == []  # just queued: its job may run
        assert dispatch.due_for_sending(db, clock.now() + timedelta(minutes=2)) == sorted(ids)
    scheduler.tick(clock.now() + timedelta(minutes=2))
    with session_scope() as db:
        statuses = db.exec(select(Offer.status).where(Offer.slot_id == setup.slot_id)).all()
        assert set(statuses) == {"sent"}
        assert dispatch.due_for_sending(db, clock.now() + timedelta(minutes=5)) == []
