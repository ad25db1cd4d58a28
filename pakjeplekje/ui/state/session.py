"""Who is logged in, as the shell shows it. Guards every staff page on load."""

from __future__ import annotations

import reflex as rx

from pakjeplekje.domain.actor import Actor
from pakjeplekje.ui import live_clients
from pakjeplekje.ui.state.base import current_actor, login_redirect, session_token
from pakjeplekje.ui.state.guard import public_event


class SessionState(rx.State):
    user_name: str = ""
    practice_name: str = ""
    role: str = ""
    ready: bool = False
    access_denied: bool = False

    @rx.var
    def is_owner(self) -> bool:
        return self.role == "owner"

    def _show(self, actor: Actor) -> None:
        self.user_name, self.practice_name, self.role = actor.name, actor.practice_name, actor.role
        self.ready = True

    def _clear(self) -> None:
        self.user_name = self.practice_name = self.role = ""
        self.ready = False

    async def _guard(self, owner_only: bool) -> rx.event.EventSpec | None:
        """The page guard: public, because it is what sends a stranger to the login page."""
        actor = await current_actor(self)
        if actor is None:
            self._clear()
            return login_redirect("verlopen" if session_token(self) else "inloggen")
        self._show(actor)
        self.access_denied = owner_only and not actor.is_owner
        live_clients.subscribe(actor.practice_id, self.router.session.client_token)
        return None

    @public_event
    async def require_login(self) -> rx.event.EventSpec | None:
        return await self._guard(owner_only=False)

    @public_event
    async def require_owner(self) -> rx.event.EventSpec | None:
        return await self._guard(owner_only=True)
