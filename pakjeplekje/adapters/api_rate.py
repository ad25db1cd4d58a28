"""Requests per minute per API key (API_REQUESTS_PER_MINUTE), across every app process.

The same sliding-window log as the SMS sender limit (`sms_rate`): with REDIS_URL one sorted
set per key in Redis, changed only by its Lua script (Redis's own clock, so every process on
every host counts alike); without, the log in this process (the single-process mode). The
difference: a request counts from the moment it is let through (no "in flight" hold) and is
never waited for: a full window answers at once with the seconds until a place frees, which
the route returns as 429 with Retry-After.

The limit protects the service, it is not a rule of the business: when Redis is unreachable
the request goes through (logged), rather than the whole API failing with it.
"""

from __future__ import annotations

import logging
import threading
import uuid
from functools import cache

import redis

from pakjeplekje.adapters.sms_rate import LocalWindow, RedisWindow, WindowStore

log = logging.getLogger(__name__)

WINDOW_S = 60.0


class _RedisKeyWindow(RedisWindow):
    @staticmethod
    def key(sender: str) -> str:
        return f"pakjeplekje:api-rate:{sender}"


class ApiRate:
    def __init__(self, store: WindowStore) -> None:
        self.store = store

    def admit(self, api_key_id: int) -> float:
        """0 when the request may go on (it is counted); else seconds until it may."""
        try:
            return self.store.try_acquire(str(api_key_id), uuid.uuid4().hex)
        except redis.RedisError as exc:
            log.warning("api rate store unreachable (%s); request let through", type(exc).__name__)
            return 0.0


_lock = threading.Lock()


@cache
def _local(limit: int) -> ApiRate:
    return ApiRate(LocalWindow(limit, window=WINDOW_S, hold=0.0))


@cache
def _shared(redis_url: str, limit: int) -> ApiRate:
    client = redis.Redis.from_url(redis_url, socket_timeout=2, socket_connect_timeout=2)
    return ApiRate(_RedisKeyWindow(client, limit, window=WINDOW_S, hold=0.0))


def api_rate(redis_url: str | None, limit: int) -> ApiRate:
    """This process's limiter: one per process (and Redis), shared by its threads."""
    with _lock:
        return _shared(redis_url, limit) if redis_url else _local(limit)


def forget() -> None:
    """Drop the cached limiters (tests start each with an empty window)."""
    _local.cache_clear()
    _shared.cache_clear()
