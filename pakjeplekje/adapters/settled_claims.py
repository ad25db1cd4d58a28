"""The answers of claims that can no longer win, kept outside the database.

When a slot is claimed every other link to it answers "taken" from then on (a lost offer stays
lost, `claims.Settled`). In a claim storm those losers are nearly everyone: answering them from
here keeps them off the database and its connection pool, so the pool stays free for the
claims that still race. The database stays the truth: an answer lands here only after the
winner's commit, a miss (or an unreachable Redis) simply takes the database path, and entries
expire after `KEEP`, long after any storm.

Two layers: a bounded dict in this process, and with REDIS_URL a Redis key per link so every
app process knows what one of them decided. Only token hashes and the slot's public card (the
practice's name, the time) are stored: nothing about a patient.
"""

from __future__ import annotations

import json
import logging
import time
from collections import OrderedDict
from datetime import datetime, timedelta
from functools import lru_cache
from threading import Lock

import redis

from pakjeplekje import clock
from pakjeplekje.config import get_settings
from pakjeplekje.domain.core_loop.claims import ClaimView, Settled

log = logging.getLogger(__name__)

KEEP = timedelta(minutes=15)
LOCAL_MAX = 50_000  # links remembered in this process (~100 bytes each)
PREFIX = "pjp:settled:"
REDIS_PAUSE_S = 5.0  # after a Redis error, ask only the database for this long


def _encode(view: ClaimView) -> str:
    return json.dumps(
        [view.practice_name, view.starts_at.isoformat(), view.timezone, view.duration_minutes]
    )


def _decode(raw: str | bytes) -> ClaimView:
    name, starts_at, timezone, minutes = json.loads(raw)
    return ClaimView(name, datetime.fromisoformat(starts_at), timezone, int(minutes), "taken")


class SettledClaims:
    def __init__(self, redis_url: str | None) -> None:
        self._local: OrderedDict[str, tuple[datetime, ClaimView]] = OrderedDict()
        self._lock = Lock()
        self._redis = (
            redis.Redis.from_url(redis_url, socket_timeout=0.5, socket_connect_timeout=0.5)
            if redis_url
            else None
        )
        self._redis_paused_until = 0.0  # a monotonic instant, not a date

    def remember(self, settled: Settled) -> None:
        """After the winner's commit: every losing link answers `settled.view` from now on."""
        if not settled.token_hashes:
            return
        expires = clock.now() + KEEP
        with self._lock:
            for token_hash in settled.token_hashes:
                self._local[token_hash] = (expires, settled.view)
                self._local.move_to_end(token_hash)
            while len(self._local) > LOCAL_MAX:
                self._local.popitem(last=False)
        if self._redis_usable():
            value = _encode(settled.view)
            try:
                with self._redis.pipeline(transaction=False) as pipe:  # type: ignore[union-attr]  # _redis_usable checked it
                    for token_hash in settled.token_hashes:
                        pipe.set(PREFIX + token_hash, value, ex=KEEP)
                    pipe.execute()
            except redis.RedisError:
                self._pause_redis("remember")

    def answer(self, token_hash: str) -> ClaimView | None:
        """The final answer for this link, or None: ask the database."""
        with self._lock:
            entry = self._local.get(token_hash)
        if entry is not None:
            expires, view = entry
            if clock.now() < expires:
                return view
        if not self._redis_usable():
            return None
        try:
            raw = self._redis.get(PREFIX + token_hash)  # type: ignore[union-attr]  # _redis_usable checked it
        except redis.RedisError:
            self._pause_redis("answer")
            return None
        return None if raw is None else _decode(raw)  # type: ignore[arg-type]  # a sync client: bytes

    def _redis_usable(self) -> bool:
        return self._redis is not None and time.monotonic() >= self._redis_paused_until

    def _pause_redis(self, step: str) -> None:
        log.warning("settled claims: Redis unreachable (%s); using the database", step)
        self._redis_paused_until = time.monotonic() + REDIS_PAUSE_S


@lru_cache(maxsize=1)
def settled_claims() -> SettledClaims:
    return SettledClaims(get_settings().redis_url)
