"""The "bevestig uw e-mailadres" callout on the dashboard and Plekken, with "stuur opnieuw"."""

from __future__ import annotations

import asyncio
import logging

import reflex as rx

from pakjeplekje.domain.accounts import email_confirmation
from pakjeplekje.domain.actor import Actor
from pakjeplekje.domain.errors import DomainError
from pakjeplekje.services import email_confirmation as confirmation_service
from pakjeplekje.ui.state.base import in_transaction
from pakjeplekje.ui.state.guard import staff_event

log = logging.getLogger(__name__)


class EmailConfirmationState(rx.State):
    pending: bool = False  # the practice's address is not confirmed yet
    owner: bool = False
    email: str = ""  # the owner's own address (where the link goes)
    notice: str = ""
    error: str = ""

    @staff_event
    async def load(self, actor: Actor) -> None:
        self.notice = self.error = ""
        confirmed = await in_transaction(
            lambda db: email_confirmation.is_confirmed(db, actor.practice_id)
        )
        self.pending, self.owner, self.email = not confirmed, actor.is_owner, actor.email

    @staff_event
    async def resend(self, actor: Actor) -> None:
        try:
            sent = await asyncio.to_thread(confirmation_service.resend, actor)
        except DomainError as exc:
            self.notice, self.error = "", exc.message
            self.pending = exc.message != email_confirmation.ALREADY
            return
        if not sent:  # SMTP down: say so, the owner can try again
            self.notice, self.error = "", "Versturen lukte niet. Probeer het straks opnieuw."
            return
        self.error = ""
        self.notice = f"Verstuurd: kijk in de inbox van {actor.email} en klik op de link."
