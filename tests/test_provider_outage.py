"""Twilio answering 429, 500 and 503 — and timing out — for a whole minute, then recovering:
every offer of the wave ends sent exactly once, through `retry_delay`'s backoff and the minute
tick, on the test's clock. A text that timed out may have reached Twilio: never sent again.

Reused from tests/test_send_retries.py: its `fake_twilio` fixture and `accepted` answer. That
file covers one 429 then success, 503 until MAX_ATTEMPTS, the backoff sequence and a lost job;
this one adds a sustained outage over a whole wave, mixed errors and a read time-out."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from datetime import timedelta

import pytest
import time_machine
from sqlmodel import col, select
from werkzeug import Response as WzResponse

from pakjeplekje import clock
from pakjeplekje.adapters import sms
from pakjeplekje.db import session_scope
from pakjeplekje.domain.core_loop import dashboard, dispatch
from pakjeplekje.models import Message, Offer, Patient
from pakjeplekje.services import jobs, scheduler
from tests.conftest import Factory
from tests.test_claims import make_slot
from tests.test_send_retries import accepted, fake_twilio  # noqa: F401  (fixture)
from tests.test_sms_adapters import twilio_error

WAVE = 12
OUTAGE = timedelta(seconds=60)
ERRORS = (
    (429, 20429, "Too Many Requests"),
    (500, 20500, "Internal Server Error"),
    (503, 20503, "Service Unavailable"),
)


def test_a_minute_of_provider_errors_ends_with_every_offer_sent_once(
    fake_twilio: Callable[..., list[str]],  # noqa: F811  (fixture)
    factory: Factory,
    frozen_clock: time_machine.Coordinates,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sms, "DEFAULT_TIMEOUT", 1.0)  # a time-out in a test's time
    setup = make_slot(factory, "Storing", WAVE)
    with session_scope() as db:
        rows = db.exec(
            select(Offer.id, Patient.phone)
            .join(Patient, col(Patient.id) == Offer.patient_id)
            .where(Offer.slot_id == setup.slot_id)
            .order_by(col(Offer.id))
        ).all()
    ids, phones = [r[0] for r in rows], [r[1] for r in rows]
    timed_out = phones[-1]  # last: the fake answers one request at a time
    start = clock.now()
    delivered: Counter[str] = Counter()

    def answer(to: str) -> WzResponse:
        if clock.now() < start + OUTAGE:
            if to == timed_out:
                delivered[to] += 1  # Twilio took it, but its answer comes after our time-out
                time.sleep(2.0)
                return accepted(to)
            return twilio_error(*ERRORS[phones.index(to) % len(ERRORS)])
        delivered[to] += 1
        return accepted(to)

    calls = fake_twilio(answer)
    assert jobs.send_offers(ids) == 0  # the wave meets the outage
    # huey's minute tick, at the minute boundaries: the wave went out 30 s before one
    sent_at: dict[str, timedelta] = {}
    for minute in range(10):
        frozen_clock.move_to(start + timedelta(seconds=30) + timedelta(minutes=minute))
        before, moment = set(delivered), clock.now() - start
        scheduler.tick()
        sent_at.update({p: moment for p in set(delivered) - before})

    with session_scope() as db:
        offers = {o.id: o for o in db.exec(select(Offer).where(Offer.slot_id == setup.slot_id))}
        messages = db.exec(
            select(Message).where(col(Message.offer_id).in_(ids)).order_by(col(Message.id))
        ).all()
    outcomes = Counter((m.phone, m.status) for m in messages)
    tried: dict[str, list[timedelta]] = {}
    for m in messages:
        tried.setdefault(m.phone, []).append(m.created_at - start)
    assert set(delivered.values()) == {1} and len(delivered) == WAVE  # each one text, once
    assert calls.count(timed_out) == 1  # its outcome was unknown: never asked again
    assert offers[ids[-1]].status == "sending"
    for offer_id, phone in zip(ids[:-1], phones[:-1], strict=True):
        assert offers[offer_id].status == "sent"
        failures = offers[offer_id].attempts
        assert failures >= 1 and calls.count(phone) == failures + 1
        assert outcomes[(phone, "failed")] == failures and outcomes[(phone, "accepted")] == 1
        gaps = [b - a for a, b in zip(tried[phone], tried[phone][1:], strict=False)]
        assert all(  # never before the backoff had passed
            gap >= dispatch.retry_delay(n) for n, gap in enumerate(gaps, start=1)
        ), gaps
    # recovered at the first tick after the outage (90 s after the wave), none left behind
    assert {round(t.total_seconds()) for t in sent_at.values()} == {90}
    assert len(sent_at) == WAVE - 1

    before = len(calls)
    frozen_clock.move_to(start + timedelta(minutes=30))
    scheduler.tick()
    assert len(calls) == before  # nothing left to send, nothing sent again
    with session_scope() as db:
        view = dashboard.overview(db, offers[ids[-1]].practice_id, clock.now())
    assert view.unsure_sms == 1  # staff are told to check the one that timed out
    assert dispatch.retry_delay(2) == timedelta(seconds=60)
