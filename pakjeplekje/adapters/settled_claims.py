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

The same for a `JA` by SMS, per number (`Settled.phones`): "taken", logged at that practice,
until another offer is texted to the number (`texted`, called by the send job before the
provider is). Numbers are stored only as keyed hashes. With REDIS_URL these live in Redis
alone: the send job runs in another process. A number texted less than `CLOCK_MARGIN` before
the win was checked does not count as settled (clocks of two hosts may differ a little).
"""

from __future__ import annotations

import json
import logging
import time
from collections import OrderedDict
from datetime import datetime, timedelta
from functools import lru_cache
from threading import Lock
from typing import TypeVar

import redis

from pakjeplekje import clock
from pakjeplekje.config import get_settings
from pakjeplekje.domain.core_loop.claims import ClaimView, Settled
from pakjeplekje.domain.tokens import keyed_hash

log = logging.getLogger(__name__)
T = TypeVar("T")

KEEP = timedelta(minutes=15)
KEEP_SMS = timedelta(minutes=5)
CLOCK_MARGIN = timedelta(seconds=5)
LOCAL_MAX = 50_000  # links remembered in this process (~100 bytes each)
PREFIX = "pjp:settled:"
SMS_PREFIX = "pjp:settled-sms:"
TEXTED_PREFIX = "pjp:texted:"
REDIS_PAUSE_S = 5.0  # after a Redis error, ask only the database for this long


def _encode(view: ClaimView) -> str:
    return json.dumps(
        [
            view.practice_name,
            view.starts_at.isoformat(),
            view.timezone,
            view.duration_minutes,
            view.treatment,
            view.address,
            view.phone,
        ]
    )


def _decode(raw: str | bytes) -> ClaimView:
    """An entry written before the card named treatment, address and phone has four fields."""
    name, starts_at, timezone, minutes, *more = json.loads(raw)
    treatment, address, phone = [*more, "", "", ""][:3]
    return ClaimView(
        name,
        datetime.fromisoformat(starts_at),
        timezone,
        int(minutes),
        "taken",
        treatment=str(treatment),
        address=str(address),
        phone=str(phone),
    )


class SettledClaims:
    def __init__(self, redis_url: str | None, secret: str) -> None:
        self._secret = secret
        self._local: OrderedDict[str, tuple[datetime, ClaimView]] = OrderedDict()
        self._local_sms: OrderedDict[str, tuple[datetime, int]] = OrderedDict()  # no Redis
        self._local_texted: OrderedDict[str, datetime] = OrderedDict()  # no Redis
        self._lock = Lock()
        self._redis = (
            redis.Redis.from_url(redis_url, socket_timeout=0.5, socket_connect_timeout=0.5)
            if redis_url
            else None
        )
        self._redis_paused_until = 0.0  # a monotonic instant, not a date

    def remember(self, settled: Settled, checked_at: datetime) -> None:
        """After the winner's commit (checked at `checked_at`): every losing link answers
        `settled.view` from now on, every settled number's `JA` "taken"."""
        now = clock.now()
        practice_id = settled.practice_id
        phones = [self._phone_key(p) for p in settled.phones] if practice_id else []
        with self._lock:
            for token_hash in settled.token_hashes:
                _put(self._local, token_hash, (now + KEEP, settled.view))
            if self._redis is None and practice_id:
                for key in phones:
                    _put(self._local_sms, key, (checked_at, practice_id))
        if not self._redis_usable() or not (settled.token_hashes or phones):
            return
        value, sms_value = (
            _encode(settled.view),
            json.dumps([settled.practice_id, checked_at.isoformat()]),
        )
        try:
            with self._redis.pipeline(transaction=False) as pipe:  # type: ignore[union-attr]  # _redis_usable checked it
                for token_hash in settled.token_hashes:
                    pipe.set(PREFIX + token_hash, value, ex=KEEP)
                for key in phones:
                    pipe.set(SMS_PREFIX + key, sms_value, ex=KEEP_SMS)
                pipe.execute()
        except redis.RedisError:
            self._pause_redis("remember")

    def texted(self, phone: str) -> None:
        """An offer is about to be texted to `phone`: its `JA` may claim again."""
        key, now = self._phone_key(phone), clock.now()
        if self._redis is None:
            with self._lock:
                _put(self._local_texted, key, now)
            return
        try:
            self._redis.set(TEXTED_PREFIX + key, now.isoformat(), ex=KEEP_SMS + CLOCK_MARGIN)
        except redis.RedisError:  # cannot tell the app processes: KEEP_SMS bounds the doubt
            log.error("settled claims: Redis unreachable; a settled JA may outlive a new offer")

    def lost_by_sms(self, phone: str) -> int | None:
        """The practice whose "taken" answers this number's `JA`, or None: ask the database."""
        found = self._sms_entry(self._phone_key(phone))
        if found is None:
            return None
        practice_id, checked_at, texted_at = found
        if clock.now() - checked_at > KEEP_SMS:
            return None
        if texted_at is not None and texted_at >= checked_at - CLOCK_MARGIN:
            return None  # an offer went out since: this `JA` may be for that one
        return practice_id

    def _sms_entry(self, key: str) -> tuple[int, datetime, datetime | None] | None:
        """(practice, checked at, last texted at) of a settled number."""
        if self._redis is None:
            with self._lock:
                entry, texted_at = self._local_sms.get(key), self._local_texted.get(key)
            return None if entry is None else (entry[1], entry[0], texted_at)
        if not self._redis_usable():
            return None
        try:
            found, texted = self._redis.mget(SMS_PREFIX + key, TEXTED_PREFIX + key)  # type: ignore[misc]  # a sync client: a list
        except redis.RedisError:
            self._pause_redis("lost_by_sms")
            return None
        if found is None:
            return None
        practice_id, checked = json.loads(found)
        texted_at = None if texted is None else datetime.fromisoformat(texted.decode())
        return int(practice_id), datetime.fromisoformat(checked), texted_at

    def _phone_key(self, phone: str) -> str:
        return keyed_hash(self._secret, "settled-sms", phone)

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


def _put(cache: OrderedDict[str, T], key: str, value: T) -> None:
    cache[key] = value
    cache.move_to_end(key)
    while len(cache) > LOCAL_MAX:
        cache.popitem(last=False)


@lru_cache(maxsize=1)
def settled_claims() -> SettledClaims:
    settings = get_settings()
    return SettledClaims(settings.redis_url, settings.secret_key)
