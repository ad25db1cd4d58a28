"""Instellingen → Mijn account: changing one's own password."""

from __future__ import annotations

import reflex as rx

from pakjeplekje import clock
from pakjeplekje.domain.accounts import auth
from pakjeplekje.domain.actor import Actor
from pakjeplekje.domain.errors import DomainError
from pakjeplekje.ui.state.base import in_transaction
from pakjeplekje.ui.state.guard import staff_event


class AccountState(rx.State):
    error: str = ""

    @staff_event
    async def change_password(self, actor: Actor, form: dict) -> rx.event.EventSpec | list | None:
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
