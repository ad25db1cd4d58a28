"""Instellingen → Mijn account: changing one's own password."""

from __future__ import annotations

import reflex as rx

from pakjeplekje import clock
from pakjeplekje.domain import auth
from pakjeplekje.domain.errors import DomainError
from pakjeplekje.state.base import current_actor, in_transaction, login_redirect


class AccountState(rx.State):
    error: str = ""

    @rx.event
    async def change_password(self, form: dict) -> rx.event.EventSpec | list | None:
        actor = await current_actor(self)
        if actor is None:
            return login_redirect("verlopen")
        current, new = str(form.get("current", "")), str(form.get("new", ""))
        if new != str(form.get("new_repeat", "")):
            self.error = "De twee nieuwe wachtwoorden zijn niet gelijk."
            return None
        try:
            await in_transaction(
                lambda db: auth.change_password(
                    db, actor, current=current, new=new, now=clock.now()
                )
            )
        except DomainError as exc:
            self.error = exc.message
            return None
        self.error = ""
        return [
            rx.toast.success("Wachtwoord gewijzigd. Andere apparaten zijn uitgelogd."),
            rx.set_value("current", ""),
            rx.set_value("new", ""),
            rx.set_value("new_repeat", ""),
        ]
