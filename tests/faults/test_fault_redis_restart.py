"""Redis restarted in the middle of a wave. Redis here keeps nothing on disk, so every queued
huey job is gone; the database still knows every offer. A real worker rides out the outage
(its send waits for the shared rate limit to come back, its queue reader reconnects), and the
minute tick texts what the lost jobs held: every offer once, none twice."""

from __future__ import annotations

import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from pakjeplekje import clock
from pakjeplekje.db import session_scope
from pakjeplekje.models import Offer
from pakjeplekje.services import scheduler
from pakjeplekje.services.slots import chunks
from tests.conftest import AppEnv, Factory
from tests.faults import fault_harness as h
from tests.test_claims import make_slot

WAVE = 30


def offer_ids(slot_id: int) -> list[int]:
    with session_scope() as db:
        return list(db.exec(select(Offer.id).where(Offer.slot_id == slot_id)).all())


def statuses(slot_id: int) -> Counter[str]:
    with session_scope() as db:
        return Counter(db.exec(select(Offer.status).where(Offer.slot_id == slot_id)).all())


def test_a_redis_restart_loses_no_offer_and_the_worker_carries_on(
    app_env: AppEnv, factory: Factory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    wave = make_slot(factory, "Herstart", WAVE)
    later = make_slot(factory, "Na de herstart", 3)
    with h.own_redis(tmp_path) as server, h.fake_twilio(delay=0.2) as fake:
        extra = h.twilio_env(fake.base_url, 10)
        h.use_in_this_process(monkeypatch, app_env, server.url, extra)
        worker = h.start_worker(app_env, server.url, extra, "worker")
        try:
            h.wait_started(worker)
            for chunk in chunks(offer_ids(wave.slot_id)):
                scheduler.send_offers_task(chunk)
            h.wait_for(lambda: len(fake.arrivals) >= 3, 30, "the wave to start")
            assert server.queued() > 0  # jobs still waiting in Redis …
            server.stop()  # … and gone with it
            time.sleep(1.0)
            server.start()
            assert server.queued() == 0

            def quiet() -> bool:
                return time.monotonic() - fake.arrivals[-1].at > 1.5

            h.wait_for(quiet, 60, "the worker to finish what it held")
            by_worker = len(fake.arrivals)
            assert worker.alive(), worker.text()
            held = statuses(wave.slot_id)
            assert held["queued"] > 0 and held["sending"] == 0  # lost jobs, no lost sends

            # the worker reads the new Redis: a job queued now is done by it
            scheduler.send_offers_task(offer_ids(later.slot_id))
            reconnect = h.wait_for(lambda: len(fake.arrivals) == by_worker + 3, 60, "new job")

            scheduler.tick(clock.now() + timedelta(minutes=2))  # the minute tick recovers
            by_tick = len(fake.arrivals) - by_worker - 3
            scheduler.tick(clock.now() + timedelta(minutes=10))
        finally:
            h.stop_workers(worker)

    per_number = Counter(fake.numbers())
    assert len(per_number) == WAVE + 3 and set(per_number.values()) == {1}
    assert statuses(wave.slot_id) == {"sent": WAVE}
    assert statuses(later.slot_id) == {"sent": 3}
    log = worker.text()
    print(
        f"\nbefore/while Redis restarted the worker texted {by_worker} of {WAVE}; the tick the "
        f"other {by_tick}; a job queued after the restart ran {reconnect:.1f} s later; "
        f"queue read errors logged: {log.count('Error reading from queue')}"
    )
    print("\n".join(line for line in log.splitlines() if "WARNING" in line or "ERROR" in line))
    assert by_tick == WAVE - by_worker
