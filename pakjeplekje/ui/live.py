"""The live refresher: when the bus (adapters/live_bus.py) says a practice's slots changed,
every open staff page of that practice that this process serves (and no other) re-reads its
slot views, and a fill shows a toast. It registers itself with the bus at start-up (`relay`,
a lifespan task), so jobs and routes publish without knowing any state class.

Changes are coalesced per practice (`Coalesced`): a busy practice can announce a hundred
delivery callbacks a second, and refreshing its tabs a hundred times a second would starve
every tab of every practice (the load test saw 8 of 100 fill toasts arrive). One refresh runs
per practice at a time; whatever arrives meanwhile is folded into the next one, and every
fill's toast is still shown.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import partial

import reflex as rx
from reflex.state import StateUpdate
from reflex_base.event import Event

from pakjeplekje.adapters import live_bus
from pakjeplekje.ui import live_clients
from pakjeplekje.ui.state.base import current_actor
from pakjeplekje.ui.state.dashboard import DashboardState
from pakjeplekje.ui.state.session import SessionState
from pakjeplekje.ui.state.slots import SlotsState

log = logging.getLogger(__name__)

# A tab that does not answer (closed, or busy with a long event) must not hold up the others.
CLIENT_TIMEOUT_S = 5.0


async def _still_watching(app: rx.App, token: str, practice_id: int) -> bool:
    """The tab's session (its websocket's cookie) still belongs to staff of this practice: a
    tab left on the login page after logging out gets no names of patients."""
    async with app.modify_state(rx.BaseStateToken(ident=token, cls=SessionState)) as root:
        actor = await current_actor(root)  # type: ignore[arg-type]  # the root of modify_state is the app's rx.State, typed BaseState
    return actor is not None and actor.practice_id == practice_id


async def refresh_here(
    app: rx.App, practice_id: int, messages: Sequence[str] = (), skip: str = ""
) -> int:
    """Refresh the slot views (Plekken, dashboard) of this process's staff clients of the
    practice, all at once; each message (a fill) also shows as a toast on whatever page they
    are on. Returns how many clients were refreshed."""
    tokens = [token for token in live_clients.watchers(practice_id) if token != skip]
    done = await asyncio.gather(
        *(_refresh_client(app, token, practice_id, messages) for token in tokens)
    )
    refreshed = sum(done)
    log.info("live update for %s client(s)", refreshed)
    return refreshed


async def _refresh_client(
    app: rx.App, token: str, practice_id: int, messages: Sequence[str]
) -> bool:
    try:
        async with asyncio.timeout(CLIENT_TIMEOUT_S):
            if not await _still_watching(app, token, practice_id):
                live_clients.forget(practice_id, token)  # logged out (or into another practice)
                return False
            # The toast first: it needs no state, so a tab whose state is busy (an event of its
            # own holds it) still hears of the fill at once.
            if messages and app.event_namespace is not None:
                toasts = [rx.toast.success(m, duration=10_000, close_button=True) for m in messages]
                update = StateUpdate(events=Event.from_event_type(toasts))
                await app.event_namespace.emit_update(update, token)
            for view in (SlotsState, DashboardState):  # the staff views that show slots
                async with app.modify_state(rx.BaseStateToken(ident=token, cls=view)) as root:
                    await (await root.get_state(view))._reload(practice_id)  # type: ignore[attr-defined]  # get_state returns a `view`, typed as its base
    except TimeoutError:
        log.warning("live update: a client did not answer in %s s", CLIENT_TIMEOUT_S)
        return False
    except Exception:  # a closed tab must not stop the others
        log.exception("live update failed for one client")
        live_clients.forget(practice_id, token)
        return False
    return True


@dataclass
class _Waiting:
    messages: list[str]
    skip: str  # "" once two changes with different tabs to skip were folded together


class Coalesced:
    """The bus's listener: one refresh per practice at a time, at most one more waiting."""

    def __init__(self, refresh: Callable[[int, Sequence[str], str], Awaitable[object]]) -> None:
        self._refresh = refresh
        self._locks: dict[int, asyncio.Lock] = {}
        self._waiting: dict[int, _Waiting] = {}

    async def __call__(self, practice_id: int, message: str = "", skip: str = "") -> None:
        waiting = self._waiting.get(practice_id)
        if waiting is not None:  # a refresh is already waiting: it will show this change too
            if message:
                waiting.messages.append(message)
            if waiting.skip != skip:
                waiting.skip = ""
            return
        waiting = self._waiting[practice_id] = _Waiting([message] if message else [], skip)
        lock = self._locks.setdefault(practice_id, asyncio.Lock())
        try:
            async with lock:
                del self._waiting[practice_id]  # from here on, changes wait for the next one
                await self._refresh(practice_id, waiting.messages, waiting.skip)
        finally:
            if not lock.locked() and practice_id not in self._waiting:
                self._locks.pop(practice_id, None)


@asynccontextmanager
async def relay(app: rx.App) -> AsyncIterator[None]:
    """Lifespan task (reflex passes `app`): this process serves staff browsers, so it listens."""
    async with live_bus.listening(Coalesced(partial(refresh_here, app))):
        yield
