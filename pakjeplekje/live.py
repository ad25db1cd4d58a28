"""Live updates for staff browsers: when a slot changes (a claim from the page, the API or an
SMS reply), every open staff client of that practice refreshes through `app.modify_state`.

Single-process registry: practice id → client tokens of connected staff pages. With several
app workers (Redis), this must become a pub/sub relay (see the closing note of issue 4).
"""

from __future__ import annotations

import logging
from collections import defaultdict

log = logging.getLogger(__name__)

_clients: dict[int, set[str]] = defaultdict(set)


def subscribe(practice_id: int, client_token: str) -> None:
    for tokens in _clients.values():
        tokens.discard(client_token)  # a client watches one practice at a time
    _clients[practice_id].add(client_token)


def watchers(practice_id: int) -> list[str]:
    return list(_clients.get(practice_id, ()))


async def practice_changed(practice_id: int, message: str = "") -> None:
    """Refresh the slots view of every staff client of this practice (never another's)."""
    import reflex as rx
    from reflex_base.registry import RegistrationContext
    from reflex_base.utils.exceptions import ReflexRuntimeError

    from pakjeplekje.state.slots import SlotsState

    try:
        app = RegistrationContext.get().app
    except (LookupError, ReflexRuntimeError):  # routes without the reflex app (tests, tools)
        return
    log.info("live update for %s client(s)", len(watchers(practice_id)))
    for token in watchers(practice_id):
        try:
            async with app.modify_state(rx.BaseStateToken(ident=token, cls=SlotsState)) as root:
                slots = await root.get_state(SlotsState)
                await slots.reload(practice_id, message)
        except Exception:  # a closed tab must not stop the others
            log.exception("live update failed for one client")
            _clients[practice_id].discard(token)


def notify_from_thread(practice_id: int, message: str = "") -> None:
    """For sync HTTP routes (Starlette runs them on anyio worker threads)."""
    import anyio.from_thread

    try:
        anyio.from_thread.run(practice_changed, practice_id, message)
    except RuntimeError:  # not on an anyio worker thread (tests, CLI): nobody is watching
        log.warning("live update skipped: not on an anyio worker thread")
