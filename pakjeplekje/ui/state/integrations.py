"""Koppelingen (owner only): the practice's API keys for /api/v1.

The state holds only what the page shows: the key rows (no hash) and, right after "Sleutel
maken", the raw key once. That raw key lives in this tab's state until the owner closes the
box or leaves the page (`forget_key` on unmount), and is never written anywhere else.
"""

from __future__ import annotations

from dataclasses import dataclass

import reflex as rx

from pakjeplekje import routes
from pakjeplekje.domain.actor import Actor
from pakjeplekje.services import api_keys as key_service
from pakjeplekje.ui.state.base import link, record_id
from pakjeplekje.ui.state.guard import RecordId, owner_event, staff_event

UNKNOWN_KEY = "Deze sleutel bestaat niet (meer)."


@dataclass(frozen=True)
class KeyRow:
    """One key in the list; `id` as text (the page sends it back as it got it)."""

    id: str
    name: str
    prefix: str
    scope_label: str
    created: str
    last_used: str
    active: bool
    status_label: str
    revoked: str


def _row(key: key_service.KeyView) -> KeyRow:
    return KeyRow(
        id=str(key.id),
        name=key.name,
        prefix=key.prefix,
        scope_label=key.scope_label,
        created=key.created,
        last_used=key.last_used,
        active=key.active,
        status_label=key.status_label,
        revoked=key.revoked,
    )


class IntegrationsState(rx.State):
    keys: list[KeyRow] = []
    new_key: str = ""  # the raw key, shown once
    new_key_name: str = ""
    error: str = ""
    api_base: str = ""

    def _show(self, keys: list[key_service.KeyView]) -> None:
        self.error = ""
        self.keys = [_row(key) for key in keys]

    def _forget(self) -> None:
        self.new_key = self.new_key_name = ""

    @owner_event(error="error")
    async def load(self, actor: Actor) -> None:
        self.keys = []
        self._forget()
        self.api_base = link(routes.API_V1)
        self._show(await rx.run_in_thread(lambda: key_service.list_keys(actor)))

    @owner_event(error="error")
    async def create(self, actor: Actor, form: dict) -> list | None:
        self._forget()
        name, scope = str(form.get("name", "")), str(form.get("scope", ""))
        made = await rx.run_in_thread(lambda: key_service.create_key(actor, name, scope))
        self._show(made.keys)
        self.new_key, self.new_key_name = made.raw, made.name
        return [rx.set_value("sleutel-naam", "")]

    @owner_event(error="error")
    async def revoke(self, actor: Actor, key_id: RecordId) -> list | None:
        number = record_id(key_id)
        if number is None:
            self.error = UNKNOWN_KEY
            return None
        self._show(await rx.run_in_thread(lambda: key_service.revoke_key(actor, number)))
        return [rx.toast.success("Sleutel ingetrokken: hij werkt vanaf nu niet meer.")]

    @staff_event
    async def forget_key(self, actor: Actor) -> None:
        """Closing the box or leaving the page drops the raw key from this tab's state."""
        self._forget()
