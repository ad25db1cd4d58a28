"""The live refresher: when the bus (adapters/live_bus.py) says a practice's slots changed,
every open staff page of that practice that this process serves (and no other) re-reads its
slot views, and a fill shows a toast. It registers itself with the bus at start-up (`relay`,
a lifespan task), so jobs and routes publish without knowing any state class.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
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


async def refresh_here(app: rx.App, practice_id: int, message: str = "", skip: str = "") -> int:
    """Refresh the slot views (Plekken, dashboard) of this process's staff clients of the
    practice, all at once; a non-empty `message` (a fill) also shows as a toast on whatever page
    they are on. Returns how many clients were refreshed."""
    tokens = [token for token in live_clients.watchers(practice_id) if token != skip]
    done = await asyncio.gather(
        *(_refresh_client(app, token, practice_id, message) for token in tokens)
    )
    refreshed = sum(done)
    log.info("live update for %s client(s)", refreshed)
    return refreshed


async def _refresh_client(app: rx.App, token: str, practice_id: int, message: str) -> bool:
    try:
        async with asyncio.timeout(CLIENT_TIMEOUT_S):
            if not await _still_watching(app, token, practice_id):
                live_clients.forget(practice_id, token)  # logged out (or into another practice)
                return False
            for view in (SlotsState, DashboardState):  # the staff views that show slots
                async with app.modify_state(rx.BaseStateToken(ident=token, cls=view)) as root:
                    await (await root.get_state(view))._reload(practice_id)  # type: ignore[attr-defined]  # get_state returns a `view`, typed as its base
            if message and app.event_namespace is not None:
                toast = rx.toast.success(message, duration=10_000, close_button=True)
                update = StateUpdate(events=Event.from_event_type([toast]))
                await app.event_namespace.emit_update(update, token)
    except TimeoutError:
        log.warning("live update: a client did not answer in %s s", CLIENT_TIMEOUT_S)
        return False
    except Exception:  # a closed tab must not stop the others
        log.exception("live update failed for one client")
        live_clients.forget(practice_id, token)
        return False
    return True


@asynccontextmanager
async def relay(app: rx.App) -> AsyncIterator[None]:
    """Lifespan task (reflex passes `app`): this process serves staff browsers, so it listens."""
    async with live_bus.listening(partial(refresh_here, app)):
        yield
