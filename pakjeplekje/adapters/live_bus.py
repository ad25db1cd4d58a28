"""The live bus: "the slots of practice N changed" travels from wherever it happens — a claim
from the page, the API or an SMS reply, an SMS sent or delivered, an offer expired — to the
processes that serve staff browsers. Who listens is not this module's business: the UI
registers its refresher at start-up (`listening`), and jobs, services and routes only publish.

- single process (no REDIS_URL): the change is handed to the app's event loop, which
  `listening` recorded (jobs run on the embedded huey consumer's threads);
- with REDIS_URL: the change goes out on a Redis channel; every app process hands it to its
  listener. Separate job processes (`python -m pakjeplekje worker`) publish the same way.

Only a practice id, a short staff-facing message and the token of a tab that already refreshed
itself travel; the database stays the truth and the refreshed page re-reads it.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from concurrent.futures import Future
from contextlib import asynccontextmanager, suppress
from functools import cache, lru_cache
from typing import Any

import redis
import redis.asyncio

from pakjeplekje.config import get_settings

log = logging.getLogger(__name__)

CHANNEL = "pakjeplekje:live"


def channel(url: str) -> str:
    """The channel of this deployment. Redis pub/sub ignores database numbers: without the
    number in its name, two deployments on one Redis server (tests, bench, staging beside
    production) would show each other's "plek gevuld" notices, names included, to the tabs
    of whatever practice has the same id there."""
    db = redis.Redis.from_url(url).connection_pool.connection_kwargs.get("db", 0)
    return f"{CHANNEL}:{db}"


# (practice_id, message, skip) → refresh the clients this process serves.
Listener = Callable[[int, str, str], Awaitable[Any]]

_listener: Listener | None = None
_loop: asyncio.AbstractEventLoop | None = None
_pending: set[asyncio.Task[Any]] = set()  # deliveries in flight (the loop keeps weak references)


@cache
@lru_cache(maxsize=4)
def _redis(url: str) -> redis.Redis:
    """One client (and connection pool) per process: a publish per delivery callback must not
    open a connection each time."""
    return redis.Redis.from_url(url, socket_timeout=2)


def _encode(practice_id: int, message: str, skip: str) -> str:
    return json.dumps({"practice_id": practice_id, "message": message, "skip": skip})


def publish(practice_id: int, message: str = "", skip: str = "") -> None:
    """Announce a change of this practice's slots; callable from any thread or process, and
    never waits for the refresh. `skip`: the client token of a tab that refreshed itself.

    Never raises: a live update is a convenience, the data is already committed."""
    url = get_settings().redis_url
    try:
        if url:
            _redis(url).publish(channel(url), _encode(practice_id, message, skip))
        elif _listener is not None and _loop is not None and not _loop.is_closed():
            delivery = _listener(practice_id, message, skip)
            future = asyncio.run_coroutine_threadsafe(_awaited(delivery), _loop)
            future.add_done_callback(_log_failure)
    except (redis.RedisError, RuntimeError):
        log.exception("live update for practice %s not published", practice_id)


async def practice_changed(practice_id: int, message: str = "", skip: str = "") -> None:
    """`publish` for code on the app's event loop (event handlers, async routes).

    Returns before any tab is refreshed: an event handler that waited here would wait for its
    own tab, whose state lock it holds — the tab froze and every tab after it went silent."""
    if get_settings().redis_url:
        await asyncio.to_thread(publish, practice_id, message, skip)  # network: off the loop
    elif _listener is not None:
        _in_background(_listener(practice_id, message, skip))


async def _awaited(delivery: Awaitable[Any]) -> Any:
    return await delivery


def _in_background(delivery: Awaitable[Any]) -> None:
    task = asyncio.ensure_future(delivery)
    _pending.add(task)
    task.add_done_callback(_pending.discard)


def _log_failure(future: Future[Any]) -> None:
    if not future.cancelled() and future.exception() is not None:
        log.error("live update failed", exc_info=future.exception())


def _decode(data: bytes | str) -> tuple[int, str, str] | None:
    try:
        change = json.loads(data)
        return (
            int(change["practice_id"]),
            str(change.get("message", "")),
            str(change.get("skip", "")),
        )
    except (ValueError, KeyError, TypeError):
        log.warning("ignored a malformed live message")
        return None


async def _relay_from_redis(url: str, listener: Listener) -> None:
    client = redis.asyncio.Redis.from_url(url)
    pubsub = client.pubsub()
    await pubsub.subscribe(channel(url))
    try:
        async for item in pubsub.listen():
            if item.get("type") == "message" and (change := _decode(item["data"])) is not None:
                _in_background(listener(*change))
    finally:
        await pubsub.aclose()  # type: ignore[no-untyped-call]  # redis leaves PubSub.aclose unannotated
        await client.aclose()


async def _keep_relaying(url: str, listener: Listener) -> None:
    while True:
        try:
            await _relay_from_redis(url, listener)
        except redis.RedisError:
            log.warning("live relay lost Redis; retrying in 2 s")
            await asyncio.sleep(2)


@asynccontextmanager
async def listening(listener: Listener) -> AsyncIterator[None]:
    """While open, this process hands every change to `listener` on the running loop; with
    REDIS_URL it relays the channel (reconnecting when Redis goes away). Only a process that
    serves staff browsers listens; elsewhere a change without Redis goes nowhere."""
    global _listener, _loop
    _listener, _loop = listener, asyncio.get_running_loop()
    url = get_settings().redis_url
    task = asyncio.create_task(_keep_relaying(url, listener)) if url else None
    try:
        yield
    finally:
        _listener, _loop = None, None
        if task is not None:
            task.cancel()
            with suppress(asyncio.CancelledError):
                await task
