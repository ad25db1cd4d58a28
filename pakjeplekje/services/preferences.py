"""The preferences link's use cases (`/voorkeuren/<token>`): read the entry, change when the
patient can come, pause, end the pause, leave the list. One unit of work each; a change
refreshes the practice's staff pages once it is committed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from pakjeplekje import clock
from pakjeplekje.config import get_settings
from pakjeplekje.db import read_scope
from pakjeplekje.domain.core_loop import preferences
from pakjeplekje.domain.errors import DomainError
from pakjeplekje.services import unit_of_work

Change = Callable[[unit_of_work.UnitOfWork, preferences.Entry], object]


@dataclass(frozen=True)
class Outcome:
    """What the page shows after a request: the entry now (None: a link we never made; `gone`:
    a genuine link without its entry) and the Dutch error of a refused change."""

    view: preferences.PreferencesView | None
    gone: bool = False
    error: str = ""


def _secret() -> str:
    return get_settings().secret_key


def show(token: str) -> Outcome:
    with read_scope() as db:
        found = preferences.find(db, _secret(), token)
        if not isinstance(found, preferences.Entry):
            return Outcome(None, gone=isinstance(found, preferences.Gone))
        return Outcome(preferences.view(db, found, clock.now()))


def _apply(token: str, change: Change, work: unit_of_work.UnitOfWork) -> Outcome | None:
    """None once the change is made; otherwise the outcome of a link that reaches no entry."""
    found = preferences.find(work.db, _secret(), token)
    if not isinstance(found, preferences.Entry):
        return Outcome(None, gone=isinstance(found, preferences.Gone))
    change(work, found)
    work.practice_changed(found.practice.id)
    return None


def _change(token: str, change: Change) -> Outcome:
    """Run `change` in its own transaction; a refused change rolls back and says why. The page
    then shows the entry as it now stands."""
    try:
        refused = unit_of_work.run(partial(_apply, token, change))
    except DomainError as exc:
        current = show(token)
        return Outcome(current.view, current.gone, exc.message)
    return refused if refused is not None else show(token)


def set_availability(token: str, cells: list[str]) -> Outcome:
    return _change(
        token, lambda work, entry: preferences.set_availability(work.db, entry, cells, clock.now())
    )


def pause(token: str, weeks: str) -> Outcome:
    return _change(token, lambda work, entry: preferences.pause(work.db, entry, weeks, clock.now()))


def end_pause(token: str) -> Outcome:
    return _change(token, lambda work, entry: preferences.end_pause(work.db, entry, clock.now()))


def leave(token: str) -> Outcome:
    return _change(token, lambda work, entry: preferences.leave(work.db, entry, clock.now()))


def link_for_offer(raw_offer_token: str) -> str | None:
    """The preferences token for the patient behind a claim link (shown on every offer page)."""
    with read_scope() as db:
        return preferences.token_for_offer(db, _secret(), raw_offer_token)
