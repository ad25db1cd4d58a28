"""Live updates for staff browsers: when a slot of a practice changes — a claim from the page,
the API or an SMS reply, an SMS sent or delivered, an offer expired — every open staff page of
that practice (and no other) refreshes, and a fill shows a toast.

Each app process keeps its own registry (practice id → client tokens of the staff pages its
websockets serve) and refreshes those clients with `app.modify_state`. A change is announced
with `publish` from any thread or process:

- single process (no REDIS_URL): the refresh is handed to the app's event loop, which the
  `relay` lifespan task recorded at start-up (jobs run on the embedded huey consumer's threads);
- with REDIS_URL: the change goes out on a Redis channel; every app process relays it to the
  clients it serves. Separate job processes (`python -m pakjeplekje worker`) publish the same
  way, so their work reaches the browsers too.

Only a practice id and a short staff-facing message travel; the database stays the truth and
the refreshed page re-reads it.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import defaultdict
from collections.abc import AsyncIterator, Coroutine
from concurrent.futures import Future
from contextlib import asynccontextmanager, suppress
from functools import cache

import redis
import redis.asyncio
import reflex as rx
from reflex.state import StateUpdate
from reflex_base.event import Event

from pakjeplekje.config import get_settings

log = logging.getLogger(__name__)

CHANNEL = "pakjeplekje:live"

_clients: dict[int, set[str]] = defaultdict(set)
_pending: set[asyncio.Task[int]] = set()  # refreshes in flight (the loop keeps weak references)
# A tab that does not answer (closed, or busy with a long event) must not hold up the others.
CLIENT_TIMEOUT_S = 5.0
# Set by the `relay` lifespan task: only a process that serves staff browsers refreshes them.
_app: rx.App | None = None
_loop: asyncio.AbstractEventLoop | None = None


def subscribe(practice_id: int, client_token: str) -> None:
    for tokens in _clients.values():
        tokens.discard(client_token)  # a client watches one practice at a time
    _clients[practice_id].add(client_token)


def watchers(practice_id: int) -> list[str]:
    return list(_clients.get(practice_id, ()))


@cache
def _redis(url: str) -> redis.Redis:
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
            _redis(url).publish(CHANNEL, _encode(practice_id, message, skip))
        elif _loop is not None and not _loop.is_closed():
            refresh = refresh_here(practice_id, message, skip)
            future = asyncio.run_coroutine_threadsafe(refresh, _loop)
            future.add_done_callback(_log_failure)
    except (redis.RedisError, RuntimeError):
        log.exception("live update for practice %s not published", practice_id)


async def practice_changed(practice_id: int, message: str = "", skip: str = "") -> None:
    """`publish` for code on the app's event loop (event handlers, async routes).

    Returns before any tab is refreshed: an event handler that waited here would wait for its
    own tab, whose state lock it holds — the tab froze and every tab after it went silent."""
    if get_settings().redis_url:
        await asyncio.to_thread(publish, practice_id, message, skip)  # network: off the loop
    else:
        _in_background(refresh_here(practice_id, message, skip))


def _in_background(refresh: Coroutine[None, None, int]) -> None:
    task = asyncio.create_task(refresh)
    _pending.add(task)
    task.add_done_callback(_pending.discard)


def _log_failure(future: Future[None]) -> None:
    if not future.cancelled() and future.exception() is not None:
        log.error("live update failed", exc_info=future.exception())


async def _still_watching(app: rx.App, token: str, practice_id: int) -> bool:
    """The tab's session (its websocket's cookie) still belongs to staff of this practice: a
    tab left on the login page after logging out gets no names of patients."""
    from pakjeplekje.ui.state.base import current_actor
    from pakjeplekje.ui.state.session import SessionState

    async with app.modify_state(rx.BaseStateToken(ident=token, cls=SessionState)) as root:
        actor = await current_actor(root)
    return actor is not None and actor.practice_id == practice_id


async def refresh_here(practice_id: int, message: str = "", skip: str = "") -> int:
    """Refresh the slot views (Plekken, dashboard) of this process's staff clients of the
    practice, all at once; a non-empty `message` (a fill) also shows as a toast on whatever page
    they are on. Returns how many clients were refreshed."""
    app = _app
    if app is None:  # no reflex app serving browsers in this process (tests, tools, workers)
        return 0
    tokens = [token for token in watchers(practice_id) if token != skip]
    done = await asyncio.gather(
        *(_refresh_client(app, token, practice_id, message) for token in tokens)
    )
    refreshed = sum(done)
    log.info("live update for %s client(s)", refreshed)
    return refreshed


async def _refresh_client(app: rx.App, token: str, practice_id: int, message: str) -> bool:
    from pakjeplekje.ui.state.dashboard import DashboardState
    from pakjeplekje.ui.state.slots import SlotsState

    try:
        async with asyncio.timeout(CLIENT_TIMEOUT_S):
            if not await _still_watching(app, token, practice_id):
                _clients[practice_id].discard(token)  # logged out (or into another practice)
                return False
            for view in (SlotsState, DashboardState):  # the staff views that show slots
                async with app.modify_state(rx.BaseStateToken(ident=token, cls=view)) as root:
                    await (await root.get_state(view))._reload(practice_id)
            if message and app.event_namespace is not None:
                toast = rx.toast.success(message, duration=10_000, close_button=True)
                update = StateUpdate(events=Event.from_event_type([toast]))
                await app.event_namespace.emit_update(update, token)
    except TimeoutError:
        log.warning("live update: a client did not answer in %s s", CLIENT_TIMEOUT_S)
        return False
    except Exception:  # a closed tab must not stop the others
        log.exception("live update failed for one client")
        _clients[practice_id].discard(token)
        return False
    return True


async def _relay_from_redis(url: str) -> None:
    client = redis.asyncio.Redis.from_url(url)
    pubsub = client.pubsub()
    await pubsub.subscribe(CHANNEL)
    try:
        async for item in pubsub.listen():
            if item.get("type") != "message":
                continue
            try:
                change = json.loads(item["data"])
                practice_id = int(change["practice_id"])
                message, skip = str(change.get("message", "")), str(change.get("skip", ""))
            except (ValueError, KeyError, TypeError):
                log.warning("ignored a malformed live message")
                continue
            _in_background(refresh_here(practice_id, message, skip))
    finally:
        await pubsub.aclose()
        await client.aclose()


@asynccontextmanager
async def relay(app: rx.App) -> AsyncIterator[None]:
    """Lifespan task (reflex passes `app`): remember the app and its loop, and with REDIS_URL
    relay the channel to the clients this process serves (reconnecting when Redis goes away)."""
    global _app, _loop
    _app, _loop = app, asyncio.get_running_loop()
    url = get_settings().redis_url
    task = asyncio.create_task(_keep_relaying(url)) if url else None
    try:
        yield
    finally:
        _app, _loop = None, None
        if task is not None:
            task.cancel()
            with suppress(asyncio.CancelledError):
                await task


async def _keep_relaying(url: str) -> None:
    while True:
        try:
            await _relay_from_redis(url)
        except redis.RedisError:
            log.warning("live relay lost Redis; retrying in 2 s")
            await asyncio.sleep(2)
