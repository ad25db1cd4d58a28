"""Messages per second per sender, shared by every process that texts (SMS_PER_SECOND).

Providers cap how fast one sender may send: Twilio releases an alphanumeric sender ID's
messages at 10 message segments per second by default, a US/Canadian long code at 1 per second,
and queues (or, at the API's concurrency limit, answers 429) what comes faster (Twilio support,
"Can I increase message throughput (MPS) for an Alphanumeric Sender ID?" and "Understanding
Twilio Rate Limits and Message Queues"). The app keeps under the cap itself, so a wave of 40
leaves as fast as the sender allows and no faster, whichever worker texts it.

The algorithm is a sliding-window log (the exact form of a per-second limit: a fixed-window
counter lets 2 × the limit through across a window boundary), with one twist so the limit
holds *as the provider counts*, at arrival: a send counts from the moment it is granted while
it is in flight, and for one window after the provider answered. The provider received it
somewhere in between, so no window of `window` seconds at the provider can ever hold more than
`limit` of our sends, whatever the network delay.

- With REDIS_URL: one sorted set per sender in Redis, changed only by a Lua script (atomic; the
  time is Redis's own `TIME`, one clock for every worker on every host).
- Without: the same log in this process (single-process mode has one sender process).

A send that finds the window full waits (polling, at most `max_wait`), it is never dropped; if
the wait runs out (or Redis stays unreachable that long) `RateLimited` says "not sent, try
later", which the caller treats like a provider's 429.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from typing import Protocol

import redis

log = logging.getLogger(__name__)

WINDOW_S = 1.0
HOLD_S = 15.0  # counted while in flight; longer than the SMS adapter's HTTP timeout
MAX_WAIT_S = 30.0
POLL_S = 0.05  # a full window may be freed by an answer any moment: look again this often

Clock = Callable[[], float]
Sleep = Callable[[float], None]


class RateLimited(Exception):
    """The sender's window stayed full (or its store unreachable) for `max_wait`: not sent."""


class WindowStore(Protocol):
    def try_acquire(self, sender: str, ticket: str) -> float:
        """0 when `ticket` may send now (and is counted in flight); else seconds to wait."""
        ...

    def release(self, sender: str, ticket: str) -> None:
        """The provider answered: `ticket` counts for one more window from now."""
        ...


class LocalWindow:
    """The log in this process, for the single-process mode (no REDIS_URL)."""

    def __init__(
        self,
        limit: int,
        window: float = WINDOW_S,
        hold: float = HOLD_S,
        clock: Clock = time.monotonic,
    ) -> None:
        self.limit, self.window, self.hold, self.clock = limit, window, hold, clock
        self._lock = threading.Lock()
        self._logs: dict[str, dict[str, float]] = {}

    def try_acquire(self, sender: str, ticket: str) -> float:
        with self._lock:
            now = self.clock()
            log_ = self._logs.setdefault(sender, {})
            for old in [t for t, counts_until in log_.items() if counts_until <= now - self.window]:
                del log_[old]
            if len(log_) < self.limit:
                log_[ticket] = now + self.hold
                return 0.0
            return max(min(log_.values()) + self.window - now, 0.001)

    def release(self, sender: str, ticket: str) -> None:
        with self._lock:
            log_ = self._logs.get(sender, {})
            if ticket in log_:
                log_[ticket] = self.clock()


# KEYS[1] the sender's log: member = one send, score = the instant it counts from (in flight:
# now + hold). ARGV: limit, window, hold, member, now ('' = Redis's TIME; tests pass a clock).
_ACQUIRE = """
local now
if ARGV[5] ~= '' then
  now = tonumber(ARGV[5])
else
  local t = redis.call('TIME')
  now = tonumber(t[1]) + tonumber(t[2]) / 1000000
end
local limit, window, hold = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) < limit then
  redis.call('ZADD', KEYS[1], now + hold, ARGV[4])
  redis.call('PEXPIRE', KEYS[1], math.ceil((hold + window) * 1000))
  return '0'
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return tostring(math.max(tonumber(oldest[2]) + window - now, 0.001))
"""
# ARGV: member, now ('' = TIME). XX: a ticket already swept away is not brought back.
_RELEASE = """
local now
if ARGV[2] ~= '' then
  now = tonumber(ARGV[2])
else
  local t = redis.call('TIME')
  now = tonumber(t[1]) + tonumber(t[2]) / 1000000
end
redis.call('ZADD', KEYS[1], 'XX', now, ARGV[1])
return 1
"""


class RedisWindow:
    """The log in Redis, shared by every worker process (and host) that uses the same Redis."""

    def __init__(
        self,
        client: redis.Redis,
        limit: int,
        window: float = WINDOW_S,
        hold: float = HOLD_S,
        clock: Clock | None = None,
    ) -> None:
        self.client, self.limit, self.window, self.hold, self.clock = (
            client,
            limit,
            window,
            hold,
            clock,
        )
        self._acquire = client.register_script(_ACQUIRE)
        self._release = client.register_script(_RELEASE)

    @staticmethod
    def key(sender: str) -> str:
        return f"pakjeplekje:sms-rate:{sender}"

    def _now(self) -> str:
        return "" if self.clock is None else repr(self.clock())

    def try_acquire(self, sender: str, ticket: str) -> float:
        args: list[str | int | float] = [self.limit, self.window, self.hold, ticket, self._now()]
        return float(self._acquire(keys=[self.key(sender)], args=args))

    def release(self, sender: str, ticket: str) -> None:
        self._release(keys=[self.key(sender)], args=[ticket, self._now()])


class SendRate:
    """Waits for a free place in the sender's window; never lets a send through a full one."""

    def __init__(
        self,
        store: WindowStore,
        *,
        max_wait: float = MAX_WAIT_S,
        clock: Clock = time.monotonic,
        sleep: Sleep = time.sleep,
    ) -> None:
        self.store, self.max_wait, self.clock, self.sleep = store, max_wait, clock, sleep

    @contextmanager
    def slot(self, sender: str) -> Iterator[None]:
        """Hold a place for one send to `sender`; it counts a window on after the block."""
        ticket = uuid.uuid4().hex
        deadline = self.clock() + self.max_wait
        unreachable = False
        while True:
            try:
                wait = self.store.try_acquire(sender, ticket)
            except redis.RedisError as exc:  # a Redis restart: wait for it like for a place
                if not unreachable:
                    log.warning("sms rate store unreachable (%s); waiting", type(exc).__name__)
                unreachable, wait = True, POLL_S * 4
            if wait <= 0:
                break
            pause = min(wait, POLL_S * 4 if unreachable else POLL_S)
            if self.clock() + pause > deadline:
                raise RateLimited(f"no place in {self.max_wait:.0f} s")
            self.sleep(pause)
        try:
            yield
        finally:
            try:
                self.store.release(sender, ticket)
            except redis.RedisError:  # it stays counted in flight until HOLD_S passes
                log.warning("sms rate limit store unreachable; send stays counted in flight")


_lock = threading.Lock()


@cache
def _local(limit: int) -> SendRate:
    return SendRate(LocalWindow(limit))


@cache
def _shared(redis_url: str, limit: int) -> SendRate:
    client = redis.Redis.from_url(redis_url, socket_timeout=2, socket_connect_timeout=2)
    return SendRate(RedisWindow(client, limit))


def send_rate(redis_url: str | None, limit: int) -> SendRate:
    """This process's limiter: one per process (and Redis), shared by its threads."""
    with _lock:
        return _shared(redis_url, limit) if redis_url else _local(limit)
