"""Background jobs on huey: the wave/expiry tick every minute and texting offers.

Single process (no REDIS_URL): a `SqliteHuey` queue in `data/huey.db`, consumed by a thread
inside the app process (`embedded_consumer`, registered as a lifespan task). With REDIS_URL:
a `RedisHuey` queue and consumers as separate processes (`python -m pakjeplekje worker`, or
`huey_consumer pakjeplekje.scheduler.huey`). Jobs carry ids only and re-read the database,
which stays the source of truth: a job for a slot that is no longer open does nothing.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime

from huey import Huey, RedisHuey, SqliteHuey, crontab
from huey.consumer import Consumer

from pakjeplekje import jobs
from pakjeplekje.config import get_settings
from pakjeplekje.db import session_scope
from pakjeplekje.domain import waves
from pakjeplekje.models import utcnow

log = logging.getLogger(__name__)

SHUTDOWN_TIMEOUT_S = 10.0


def make_huey() -> Huey:
    """RedisHuey when REDIS_URL is set (several processes share it), else SQLite under data/."""
    settings = get_settings()
    if settings.redis_url:
        return RedisHuey("pakjeplekje", url=settings.redis_url)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return SqliteHuey("pakjeplekje", filename=str(settings.data_dir / "huey.db"))


huey = make_huey()


def tick(now: datetime | None = None) -> list[int]:
    """Expire the unreachable and queue due waves in one transaction, then text the new offers.

    Texting happens after the commit: the provider is never called inside a transaction."""
    now = now or utcnow()
    with session_scope() as db:
        expired = waves.expire_offers(db, now)
        new_ids = waves.run_due_waves(db, now)
    if expired or new_ids:
        log.info("waves tick: %s offer(s) expired, %s new", expired, len(new_ids))
    if new_ids:
        jobs.send_offers(new_ids)
    return new_ids


@huey.periodic_task(crontab(minute="*"))
@huey.lock_task("pakjeplekje-waves-tick")  # two consumers' schedulers never tick at once
def waves_tick() -> None:
    tick()


@huey.task()
def send_offers_task(offer_ids: list[int]) -> int:
    """Text queued offers off the request path; safe to run twice (dispatch claims each)."""
    return jobs.send_offers(offer_ids)


class _EmbeddedConsumer(Consumer):  # type: ignore[misc]
    """Runs beside the web server: the server owns the process signals, not huey."""

    def _set_signal_handlers(self) -> None:
        return None


@asynccontextmanager
async def embedded_consumer() -> AsyncIterator[None]:
    """Lifespan task: a huey consumer in background threads for the single-process mode.

    Does nothing with REDIS_URL (consumers are separate processes then) or in immediate mode."""
    if get_settings().redis_url or huey.immediate:
        yield
        return
    consumer = _EmbeddedConsumer(
        huey, workers=2, worker_type="thread", shutdown_timeout=SHUTDOWN_TIMEOUT_S
    )
    consumer.start()
    log.info("embedded huey consumer started")
    try:
        yield
    finally:
        await asyncio.to_thread(consumer.stop, True)
        log.info("embedded huey consumer stopped")


def run_worker(workers: int = 2) -> int:
    """`python -m pakjeplekje worker`: a standalone consumer (the REDIS_URL deployment)."""
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    huey.create_consumer(workers=workers, worker_type="thread").run()
    return 0


# --- issue 6: AVG retention and deletion, daily (logic in privacy_jobs.py) -----------------


@huey.periodic_task(crontab(hour="3", minute="17"))
@huey.lock_task("pakjeplekje-privacy-daily")
def privacy_daily() -> None:
    from pakjeplekje import privacy_jobs

    privacy_jobs.run_daily()
