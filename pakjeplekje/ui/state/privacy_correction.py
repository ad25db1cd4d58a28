"""/privacy: Correctie (practice name, own name and e-mail) and Bezwaar (preferences)."""

from __future__ import annotations

from collections.abc import Callable

import reflex as rx
from sqlmodel import Session

from pakjeplekje import clock
from pakjeplekje.domain.actor import Actor
from pakjeplekje.domain.privacy import correction, objections
from pakjeplekje.services.unit_of_work import UnitOfWork
from pakjeplekje.ui.state.base import in_transaction, in_unit_of_work, link
from pakjeplekje.ui.state.guard import staff_event
from pakjeplekje.ui.state.session import SessionState


class CorrectionState(rx.State):
    """Correctie: the practice's name (owner) and one's own name and e-mail address."""

    practice_name: str = ""
    sender_name: str = ""
    name: str = ""
    email: str = ""
    pending_email: str = ""
    practice_error: str = ""
    name_error: str = ""
    email_error: str = ""

    async def _refresh(self, actor: Actor) -> None:
        shown = await in_transaction(lambda db: correction.details(db, actor))
        self.practice_name, self.sender_name = shown.practice_name, shown.sender_name
        self.name, self.email, self.pending_email = shown.name, shown.email, shown.pending_email
        session = await self.get_state(SessionState)  # the shell shows both names too
        session.practice_name, session.user_name = shown.practice_name, shown.name

    @staff_event
    async def load(self, actor: Actor) -> None:
        self.practice_error = self.name_error = self.email_error = ""
        await self._refresh(actor)

    async def _save(
        self, actor: Actor, change: Callable[[Session, Actor], object], error: str, done: str
    ) -> rx.event.EventSpec | None:
        """Run one correction; a refusal (the guard puts it in the form's own `error` var)
        leaves the form as it was."""
        await in_transaction(lambda db: change(db, actor))
        setattr(self, error, "")
        await self._refresh(actor)
        return rx.toast.success(done)

    @staff_event(error="practice_error")
    async def save_practice(self, actor: Actor, form: dict) -> rx.event.EventSpec | None:
        name = str(form.get("practice_name", ""))
        return await self._save(
            actor,
            lambda db, actor: correction.rename_practice(db, actor, name=name, now=clock.now()),
            "practice_error",
            "Praktijkgegevens opgeslagen.",
        )

    @staff_event(error="name_error")
    async def save_name(self, actor: Actor, form: dict) -> rx.event.EventSpec | None:
        name = str(form.get("name", ""))
        return await self._save(
            actor,
            lambda db, actor: correction.rename_self(db, actor, name=name, now=clock.now()),
            "name_error",
            "Uw naam is opgeslagen.",
        )

    @staff_event(error="email_error")
    async def change_email(self, actor: Actor, form: dict) -> rx.event.EventSpec | list | None:
        new_email, password = str(form.get("new_email", "")), str(form.get("email_password", ""))

        def request(uow: UnitOfWork) -> None:
            for mail in correction.request_email_change(
                uow.db, actor, new_email=new_email, password=password, link=link, now=clock.now()
            ):
                uow.send_mail(mail)

        await in_unit_of_work(request)
        self.email_error = ""
        await self._refresh(actor)
        return [
            rx.set_value("new_email", ""),
            rx.set_value("email_password", ""),
            rx.toast.success("Bevestigingslink verstuurd naar het nieuwe adres."),
        ]

    @staff_event
    async def cancel_email(self, actor: Actor) -> rx.event.EventSpec | None:
        await in_transaction(lambda db: correction.cancel_email_change(db, actor, clock.now()))
        await self._refresh(actor)
        return rx.toast.success("E-mailwijziging ingetrokken.")


class ObjectionState(rx.State):
    """Bezwaar: the practice's two preferences (owner sets them; everyone sees them)."""

    product_emails: bool = True
    usage_statistics: bool = True
    version: int = 0  # remounts the checkboxes when the stored values arrive
    error: str = ""

    @staff_event
    async def load(self, actor: Actor) -> None:
        self.error = ""
        prefs = await in_transaction(lambda db: objections.preferences(db, actor))
        self.product_emails, self.usage_statistics = prefs.product_emails, prefs.usage_statistics
        self.version += 1

    @staff_event(error="error")
    async def save(self, actor: Actor, form: dict) -> rx.event.EventSpec | None:
        product, usage = bool(form.get("product_emails")), bool(form.get("usage_statistics"))
        prefs = await in_transaction(
            lambda db: objections.set_preferences(
                db, actor, product_emails=product, usage_statistics=usage, now=clock.now()
            )
        )
        self.error = ""
        self.product_emails, self.usage_statistics = prefs.product_emails, prefs.usage_statistics
        self.version += 1
        return rx.toast.success("Uw keuzes zijn opgeslagen.")
