"""Instellingen → "Agenda-koppeling (iCal)": the owner makes, replaces or revokes the secret
feed URL of the slots filled through PakJePlekje."""

from __future__ import annotations

import reflex as rx

from pakjeplekje import clock, routes
from pakjeplekje.config import get_settings
from pakjeplekje.domain.actor import Actor
from pakjeplekje.domain.integrations import calendar_feed
from pakjeplekje.ui.state.base import in_transaction
from pakjeplekje.ui.state.guard import owner_event, staff_event


class CalendarFeedState(rx.State):
    active: bool = False  # the practice has a live feed link
    url: str = ""  # a link just made: shown this once, gone on the next visit
    error: str = ""

    @staff_event(error="error")
    async def load(self, actor: Actor) -> None:
        """Staff see nothing of the card; for them there is nothing to load."""
        self.url, self.error = "", ""
        self.active = actor.is_owner and await in_transaction(
            lambda db: calendar_feed.has_feed(db, actor)
        )

    @owner_event(error="error")
    async def create(self, actor: Actor) -> rx.event.EventSpec:
        replaced = self.active
        raw = await in_transaction(lambda db: calendar_feed.create_link(db, actor, clock.now()))
        self.url = get_settings().url(routes.calendar_feed(raw))
        self.active, self.error = True, ""
        return rx.toast.success(
            "Nieuwe link gemaakt; de oude werkt niet meer." if replaced else "Link gemaakt."
        )

    @owner_event(error="error")
    async def revoke(self, actor: Actor) -> rx.event.EventSpec:
        await in_transaction(lambda db: calendar_feed.revoke_link(db, actor, clock.now()))
        self.url, self.active, self.error = "", False, ""
        return rx.toast.success("Link ingetrokken: agenda's zien de plekken niet meer.")
