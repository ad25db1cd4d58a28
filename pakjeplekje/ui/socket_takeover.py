"""A staff tab whose app process died keeps its state when it reconnects to another process.

Reflex (0.10, `reflex/utils/token_manager.py` `RedisTokenManager`) keeps a record per tab token
in Redis naming the process that holds the tab's websocket, and removes it when the socket
closes. A process killed with -9 (or by the OOM killer, or a crashed machine) removes nothing.
When the tab reconnects through nginx to a surviving process, that process finds the record,
takes the tab for a duplicated browser tab, and hands it a new token: a new, empty state. The
open preview, the chosen period and the form are gone, and the page guard's next step runs on
a state that never saw the login.

Here every process announces that it is alive with a Redis subscription of its own (one
channel per Reflex instance id). Redis drops a subscription the moment its connection closes,
a killed process's included, so `PUBSUB NUMSUB` answers "is the record's process still there"
at once. A record of a process that is gone is removed before Reflex looks; a record of a live
process (a really duplicated tab) is left alone, and Reflex gives that tab its own token.
"""

from __future__ import annotations

import asyncio
import logging
import pickle
from typing import Any

import reflex as rx
from reflex.utils.token_manager import RedisTokenManager

log = logging.getLogger(__name__)

ALIVE_CHANNEL = "pakjeplekje:reflex-instance:"
SUBSCRIBE_TIMEOUT_S = 2.0


def alive_channel(instance_id: str) -> str:
    return f"{ALIVE_CHANNEL}{instance_id}"


class TakeoverTokenManager(RedisTokenManager):
    """Reflex's Redis token manager, except that a dead process's record is not a duplicate."""

    def __init__(self, redis: Any) -> None:
        super().__init__(redis)
        self._alive_for: str | None = None  # the instance id the subscription announces
        self._alive_task: asyncio.Task[None] | None = None
        self._alive_ready: asyncio.Event | None = None

    async def _announce(self, instance_id: str, ready: asyncio.Event) -> None:
        """Hold the subscription for as long as the process lives (again after a Redis restart)."""
        while True:
            try:
                async with self.redis.pubsub() as pubsub:
                    await pubsub.subscribe(alive_channel(instance_id))
                    while True:  # the confirmation first, then nothing is ever published here
                        message = await pubsub.get_message(timeout=30)
                        if message and message.get("type") == "subscribe":
                            ready.set()
            except asyncio.CancelledError:
                raise
            except Exception:  # Redis away: every reconnect to a record of ours is refused
                log.warning("alive announcement lost Redis; retrying in 1 s")
                await asyncio.sleep(1)

    async def _ensure_alive(self) -> None:
        if self._alive_for != self.instance_id or self._alive_task is None:
            if self._alive_task is not None:
                self._alive_task.cancel()
            self._alive_for, self._alive_ready = self.instance_id, asyncio.Event()
            self._alive_task = asyncio.create_task(
                self._announce(self.instance_id, self._alive_ready)
            )
        assert self._alive_ready is not None
        try:  # announced before this process stores any record of its own
            await asyncio.wait_for(self._alive_ready.wait(), SUBSCRIBE_TIMEOUT_S)
        except TimeoutError:
            log.warning("alive announcement not confirmed in %s s", SUBSCRIBE_TIMEOUT_S)

    async def _is_alive(self, instance_id: str) -> bool:
        counts = await self.redis.pubsub_numsub(alive_channel(instance_id))
        return bool(counts) and int(counts[0][1]) > 0

    async def _forget_if_dead(self, token: str) -> None:
        """Remove the record of `token` when the process it names is gone."""
        key = self._get_redis_key(token)
        raw = await self.redis.get(key)
        if not raw:
            return
        owner = pickle.loads(raw).instance_id  # noqa: S301  # written by Reflex into our Redis
        if owner != self.instance_id and not await self._is_alive(owner):
            await self.redis.delete(key)
            log.info("a tab came back from an app process that is gone; its state is kept")

    async def link_token_to_sid(self, token: str, sid: str) -> str | None:
        await self._ensure_alive()
        try:
            await self._forget_if_dead(token)
        except Exception:  # Redis trouble: Reflex's own handling decides, as before
            log.exception("could not check the owner of a reconnecting tab")
        return await super().link_token_to_sid(token, sid)


def install(app: rx.App) -> None:
    """Swap Reflex's Redis token manager for ours (without Redis there is nothing to swap)."""
    namespace = app.event_namespace
    manager = getattr(namespace, "_token_manager", None)
    if namespace is not None and type(manager) is RedisTokenManager:
        namespace._token_manager = TakeoverTokenManager(manager.redis)
