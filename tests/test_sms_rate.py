"""The per-sender SMS rate limit (SMS_PER_SECOND), on a clock the test moves: the window log in
this process and in Redis, the waiting, and the real Twilio adapter behind it. Several worker
processes sharing the limit: tests/faults/test_fault_sms_rate.py."""

from __future__ import annotations

import os
import random
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
import redis
from pytest_httpserver import HTTPServer
from sqlmodel import col, select

from pakjeplekje import clock
from pakjeplekje.adapters.sms import RateLimitedSms, SmsError, TwilioSms
from pakjeplekje.adapters.sms_rate import (
    HOLD_S,
    LocalWindow,
    RateLimited,
    RedisWindow,
    SendRate,
    WindowStore,
    send_rate,
)
from pakjeplekje.db import session_scope
from pakjeplekje.models import Message, Offer
from pakjeplekje.services import jobs, scheduler
from tests.conftest import AppEnv, Factory
from tests.test_claims import make_slot
from tests.test_send_retries import accepted, fake_twilio  # noqa: F401  (fixture)
from tests.test_sms_adapters import BODY, MESSAGES, PHONE, SERVICE, SID, TOKEN, twilio_message


class ManualClock:
    """Seconds on a monotonic scale that only the test moves; `sleep` moves it."""

    def __init__(self) -> None:
        self.t = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.t += seconds


def most_in_any_window(times: list[float], window: float = 1.0) -> int:
    """The largest number of `times` inside one half-open window [t, t + window)."""
    times = sorted(times)
    return max(
        (sum(1 for u in times[i:] if u < t + window) for i, t in enumerate(times)), default=0
    )


def redis_db() -> redis.Redis:
    """A Redis database for this test (the shared server; keys are unique per test)."""
    url = f"redis://127.0.0.1:6379/{random.randint(9, 15)}"
    client = redis.Redis.from_url(url, socket_timeout=2)
    try:
        client.ping()
    except redis.RedisError:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("CI=true but Redis is not running on 127.0.0.1:6379")
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    return client


@pytest.fixture(params=["local", "redis"])
def store_and_clock(request: pytest.FixtureRequest) -> Iterator[tuple[WindowStore, ManualClock]]:
    clock = ManualClock()
    if request.param == "local":
        yield LocalWindow(3, clock=clock), clock
        return
    client = redis_db()
    store = RedisWindow(client, 3, clock=clock)
    yield store, clock
    client.delete(*[k for k in client.scan_iter("pakjeplekje:sms-rate:test-*")] or ["-"])


def sender_name() -> str:
    return f"test-{uuid.uuid4().hex[:8]}"


def test_the_window_lets_the_limit_through_then_waits_until_an_answer_is_a_second_old(
    store_and_clock: tuple[WindowStore, ManualClock],
) -> None:
    store, clock = store_and_clock
    sender = sender_name()
    assert [store.try_acquire(sender, f"t{i}") for i in range(3)] == [0, 0, 0]
    assert store.try_acquire(sender, "t3") > 0  # full: the fourth waits
    clock.t += 0.2
    for i in range(3):
        store.release(sender, f"t{i}")  # the provider answered at +0.2 s
    clock.t += 0.9
    wait = store.try_acquire(sender, "t3")
    assert wait == pytest.approx(0.1, abs=1e-6)  # one second after the answers, not the grants
    clock.t += wait
    assert store.try_acquire(sender, "t3") == 0
    assert [store.try_acquire(sender, t) for t in ("u", "v", "w")][:2] == [0, 0]
    assert store.try_acquire(sender, "x") > 0  # all three answers aged out; three new in


def test_a_send_in_flight_keeps_its_place_however_long_the_provider_takes(
    store_and_clock: tuple[WindowStore, ManualClock],
) -> None:
    store, clock = store_and_clock
    sender = sender_name()
    for i in range(3):
        assert store.try_acquire(sender, f"t{i}") == 0
    clock.t += 5  # no answer yet: the provider may receive them any moment
    assert store.try_acquire(sender, "late") > 0
    assert store.try_acquire(sender_name(), "elsewhere") == 0  # other senders are not held up
    clock.t += HOLD_S + 1.0  # a worker that died mid-send frees its place after HOLD_S
    assert store.try_acquire(sender, "late") == 0


def test_sends_wait_their_turn_and_no_second_holds_more_than_the_limit(
    store_and_clock: tuple[WindowStore, ManualClock],
) -> None:
    store, clock = store_and_clock
    rate = SendRate(store, clock=clock, sleep=clock.sleep)
    sender, granted = sender_name(), []
    for _ in range(10):
        with rate.slot(sender):
            granted.append(clock.t)
            clock.t += 0.05  # the provider answers in 50 ms
    assert most_in_any_window(granted) == 3
    assert granted[-1] - granted[0] >= 3 * 1.05  # ten at 3 per second: waited, none dropped
    assert all(pause <= 0.05 + 1e-9 for pause in clock.slept)  # looks again often


def test_a_window_that_stays_full_gives_up_after_max_wait() -> None:
    clock = ManualClock()
    store = LocalWindow(1, clock=clock)
    rate = SendRate(store, max_wait=2.0, clock=clock, sleep=clock.sleep)
    store.try_acquire("s", "stuck")  # in flight, never answered
    with pytest.raises(RateLimited), rate.slot("s"):
        pytest.fail("must not get a place")
    assert 1.9 < sum(clock.slept) <= 2.0 + 1e-9


def test_an_unreachable_redis_holds_the_send_back_instead_of_sending_unlimited() -> None:
    client = redis.Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.2)
    clock = ManualClock()
    rate = SendRate(RedisWindow(client, 10), max_wait=1.0, clock=clock, sleep=clock.sleep)
    with pytest.raises(RateLimited), rate.slot("s"):
        pytest.fail("must not send without the shared limit")
    assert 0.5 < sum(clock.slept) <= 1.0 + 1e-9  # it waited for Redis, up to max_wait


def test_the_twilio_sender_waits_for_a_place_and_a_full_window_is_a_retryable_not_sent(
    httpserver: HTTPServer,
) -> None:
    httpserver.expect_request(MESSAGES, method="POST").respond_with_json(
        twilio_message(), status=201
    )
    clock = ManualClock()
    twilio = TwilioSms(
        SID, TOKEN, messaging_service_sid=SERVICE, api_base_url=httpserver.url_for("/")
    )
    store = LocalWindow(2, clock=clock)
    sender = RateLimitedSms(twilio, SendRate(store, clock=clock, sleep=clock.sleep), "twilio:x")
    for _ in range(3):
        sender.send(PHONE, BODY)
    assert len(httpserver.log) == 3
    assert sum(clock.slept) >= 1.0  # the third waited a second for its place

    store.try_acquire("twilio:x", "a")
    store.try_acquire("twilio:x", "b")  # two in flight elsewhere, never answered
    stuck = RateLimitedSms(
        twilio, SendRate(store, max_wait=0.5, clock=clock, sleep=clock.sleep), "twilio:x"
    )
    with pytest.raises(SmsError) as raised:
        stuck.send(PHONE, BODY)
    assert raised.value.retryable and not raised.value.maybe_sent
    assert len(httpserver.log) == 3  # nothing reached the provider


def test_an_offer_that_gets_no_place_in_time_stays_queued_never_unknown(
    fake_twilio: Callable[..., list[str]],  # noqa: F811  (fixture)
    factory: Factory,
    app_env: AppEnv,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The job waits for its place before it claims the offer: no place, no claim."""
    monkeypatch.setenv("SMS_PER_SECOND", "3")  # a limiter of its own in this process
    app_env.reload()
    calls = fake_twilio(accepted)
    rate = send_rate(None, 3)
    monkeypatch.setattr(rate, "max_wait", 0.3)
    busy = [f"elsewhere-{i}" for i in range(3)]
    for ticket in busy:  # three texts of other threads in flight, no answer yet
        assert rate.store.try_acquire("twilio:+3197010000000", ticket) == 0
    setup = make_slot(factory, "Vol", 2)
    with session_scope() as db:
        ids = list(db.exec(select(Offer.id).where(Offer.slot_id == setup.slot_id)).all())

    assert jobs.send_offers(ids) == 0
    with session_scope() as db:
        offers = db.exec(select(Offer).where(col(Offer.id).in_(ids))).all()
        assert {(o.status, o.attempts) for o in offers} == {("queued", 0)}
        assert db.exec(select(Message)).all() == []
    assert calls == []

    for ticket in busy:
        rate.store.release("twilio:+3197010000000", ticket)
    monkeypatch.setattr(rate, "max_wait", 5.0)
    scheduler.tick(clock.now() + timedelta(minutes=2))  # the minute tick finds them queued
    assert sorted(calls) == sorted(set(calls)) and len(calls) == 2
