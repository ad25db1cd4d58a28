"""Background jobs on huey: the wave/expiry tick every minute and texting offers.

Single process (no REDIS_URL): a `SqliteHuey` queue in `data/huey.db`, consumed by a thread
inside the app process (`embedded_consumer`, registered as a lifespan task). With REDIS_URL:
a `RedisHuey` queue and consumers as separate processes (`python -m pakjeplekje worker`, or
`huey_consumer pakjeplekje.services.scheduler.huey`). Jobs carry ids only and re-read the database,
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

from pakjeplekje import clock, db
from pakjeplekje.config import get_settings
from pakjeplekje.domain.core_loop import dispatch, waves
from pakjeplekje.logmask import configure_logging
from pakjeplekje.services import billing as subscriptions
from pakjeplekje.services import jobs, privacy_purge, webhooks
from pakjeplekje.services import unit_of_work as units
from pakjeplekje.services.unit_of_work import unit_of_work

log = logging.getLogger(__name__)

SHUTDOWN_TIMEOUT_S = 10.0
# An idle SqliteHuey consumer polls with growing pauses (huey's default grows to 10 s); a
# slot's texts should leave within a second of staff pressing send.
CONSUMER_OPTIONS = {"workers": 2, "worker_type": "thread", "max_delay": 1.0}


def make_huey() -> Huey:
    """RedisHuey when REDIS_URL is set (several processes share it), else SQLite under data/."""
    settings = get_settings()
    if settings.redis_url:
        return RedisHuey("pakjeplekje", url=settings.redis_url)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return SqliteHuey("pakjeplekje", filename=str(settings.data_dir / "huey.db"))


huey = make_huey()


def tick(now: datetime | None = None) -> list[int]:
    """Expire the unreachable, queue due waves and pick up offers due for (another) attempt in
    one transaction, then text them; returns the ids of the new wave offers.

    Texting happens after the commit: the provider is never called inside a transaction."""
    now = now or clock.now()
    with unit_of_work() as work:
        expired = waves.expire_offers(work.db, now)
        new_ids = waves.run_due_waves(work.db, now, get_settings().sms_allowed_countries)
        fresh = set(new_ids)
        again = [i for i in dispatch.due_for_sending(work.db, now) if i not in fresh]
        for practice_id in expired:
            work.practice_changed(practice_id)
    if expired or new_ids or again:
        log.info(
            "waves tick: %s offer(s) expired, %s new, %s retried",
            sum(expired.values()),
            len(new_ids),
            len(again),
        )
    if new_ids or again:
        jobs.send_offers(new_ids + again)
    return new_ids


@huey.periodic_task(crontab(minute="*"))  # type: ignore[untyped-decorator]  # huey ships no type information
@huey.lock_task("pakjeplekje-waves-tick")  # type: ignore[untyped-decorator]  # huey ships no type information; two consumers' schedulers never tick at once
def waves_tick() -> None:
    tick()


@huey.periodic_task(crontab(minute="*/5"))  # type: ignore[untyped-decorator]  # huey ships no type information
@huey.lock_task("pakjeplekje-billing-tick")  # type: ignore[untyped-decorator]  # huey ships no type information
def billing_tick() -> None:
    """Ended trials get their deletion date; metered SMS overage goes to Stripe's meter."""
    subscriptions.billing_tick()


@huey.task()  # type: ignore[untyped-decorator]  # huey ships no type information
def send_offers_task(offer_ids: list[int]) -> int:
    """Text queued offers off the request path; safe to run twice (dispatch claims each)."""
    return jobs.send_offers(offer_ids)


@huey.task()  # type: ignore[untyped-decorator]  # huey ships no type information
def send_confirmation_task(offer_id: int) -> bool:
    """The winner's "the slot is yours" text, off the claim's request path."""
    return jobs.send_confirmation(offer_id)


@huey.task()  # type: ignore[untyped-decorator]  # huey ships no type information
def send_privacy_code_task(code_id: int, channel: str, value: str, code: str) -> None:
    """A /privacy/verzoek code, sent off the request path: the form answers every number in
    the same time, and whether the number is known is decided here (`code_delivery`).

    The only job carrying personal data (the number or address, and the code): the code row
    holds both only as hashes, and the job lives seconds; nothing of it is returned or logged.
    """
    jobs.send_privacy_code(code_id, channel, value, code)


@huey.task()  # type: ignore[untyped-decorator]  # huey ships no type information
def send_signup_code_task(code_id: int, practice_id: int, phone: str, code: str) -> None:
    """The code of a public sign-up (/wachtlijst/<slug>), like the privacy code: off the
    request path, the number and code live only in this short job."""
    jobs.send_signup_code(code_id, practice_id, phone, code)


@huey.task()  # type: ignore[untyped-decorator]  # huey ships no type information
def deliver_webhooks_task(delivery_ids: list[int]) -> int:
    """Post new webhook deliveries right after the commit that recorded them (ids only)."""
    return webhooks.deliver(delivery_ids)


@huey.periodic_task(crontab(minute="*"))  # type: ignore[untyped-decorator]  # huey ships no type information
@huey.lock_task("pakjeplekje-webhooks-tick")  # type: ignore[untyped-decorator]  # huey ships no type information
def webhooks_tick() -> None:
    """Retries whose backoff has passed, and deliveries whose job was lost."""
    webhooks.sweep()


units.set_webhook_sender(deliver_webhooks_task)


class _EmbeddedConsumer(Consumer):  # type: ignore[misc]  # huey ships no type information
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
    consumer = _EmbeddedConsumer(huey, shutdown_timeout=SHUTDOWN_TIMEOUT_S, **CONSUMER_OPTIONS)
    consumer.start()
    log.info("embedded huey consumer started")
    try:
        yield
    finally:
        await asyncio.to_thread(consumer.stop, True)
        log.info("embedded huey consumer stopped")


def run_worker() -> int:
    """`python -m pakjeplekje worker`: a standalone consumer (the REDIS_URL deployment) with
    WORKER_THREADS job threads and a pool of that + 1 connections (config.py's budget)."""
    configure_logging()
    db.serve_as_worker()
    threads = get_settings().worker_threads
    huey.create_consumer(**{**CONSUMER_OPTIONS, "workers": threads}).run()
    return 0


# --- AVG retention and deletion, daily (logic in privacy_purge.py) -----------------


@huey.periodic_task(crontab(hour="3", minute="17"))  # type: ignore[untyped-decorator]  # huey ships no type information
@huey.lock_task("pakjeplekje-privacy-daily")  # type: ignore[untyped-decorator]  # huey ships no type information
def privacy_daily() -> None:
    privacy_purge.run_daily()
