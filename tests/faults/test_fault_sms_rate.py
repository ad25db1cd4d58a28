"""SMS_PER_SECOND holds across worker processes: two real huey workers (RedisHuey on a Redis
server of the test's own) text a wave of 60 through the fake Twilio at 10 per second per
sender, measured where the provider measures, on arrival."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import pytest
from sqlmodel import select

from pakjeplekje.db import session_scope
from pakjeplekje.models import Offer
from pakjeplekje.services import scheduler
from pakjeplekje.services.slots import chunks
from tests.conftest import AppEnv, Factory
from tests.faults import fault_harness as h
from tests.test_claims import make_slot

WAVE = 60
PER_SECOND = 10


def test_two_workers_share_the_senders_limit_and_text_each_offer_once(
    app_env: AppEnv, factory: Factory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    setup = make_slot(factory, "Tempo", WAVE)
    with session_scope() as db:
        ids = list(db.exec(select(Offer.id).where(Offer.slot_id == setup.slot_id)).all())
    with h.own_redis(tmp_path) as server, h.fake_twilio(delay=0.02) as fake:
        extra = h.twilio_env(fake.base_url, PER_SECOND)
        h.use_in_this_process(monkeypatch, app_env, server.url, extra)
        workers = [h.start_worker(app_env, server.url, extra, f"worker{i}") for i in (1, 2)]
        try:
            h.wait_started(*workers)
            for chunk in chunks(ids):  # as opening the slot enqueues them
                scheduler.send_offers_task(chunk)
            took = h.wait_for(lambda: len(fake.arrivals) >= WAVE, 60, "the wave to arrive")
            time.sleep(0.5)  # anything sent twice would arrive now
        finally:
            h.stop_workers(*workers)

    per_number = Counter(fake.numbers())
    assert len(per_number) == WAVE and set(per_number.values()) == {1}  # each exactly once
    busiest = h.most_in_any_window([a.at for a in fake.arrivals])
    print(f"\n{WAVE} texts in {took:.1f} s; most in any 1 s window: {busiest}")
    assert busiest <= PER_SECOND
    assert busiest >= PER_SECOND - 2  # the workers did push against the limit
    assert took >= (WAVE / PER_SECOND) - 1.5
    for w in workers:  # both took part, and neither died
        assert "send_offers_task" in w.text(), w.text()
        assert "Traceback" not in w.text(), w.text()
    with session_scope() as db:
        statuses = db.exec(select(Offer.status).where(Offer.slot_id == setup.slot_id)).all()
    assert Counter(statuses) == {"sent": WAVE}
