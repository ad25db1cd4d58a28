"""Medewerkers (owner only): the team list, invites, roles, blocking access."""

from __future__ import annotations

import reflex as rx
from sqlmodel import Session

from pakjeplekje.domain import auth
from pakjeplekje.domain.emails import Email
from pakjeplekje.domain.errors import DomainError
from pakjeplekje.domain.sessions import Actor
from pakjeplekje.models import utcnow
from pakjeplekje.state.base import (
    current_actor,
    in_transaction,
    link,
    login_redirect,
    send_after_commit,
)

ROLE_LABELS = {"owner": "Eigenaar", "staff": "Medewerker"}
STATUS_LABELS = {"active": "Actief", "invited": "Uitgenodigd", "disabled": "Geblokkeerd"}


class TeamState(rx.State):
    members: list[dict[str, str]] = []
    error: str = ""

    async def _run(self, action) -> rx.event.EventSpec | None:  # type: ignore[no-untyped-def]
        """Re-check the session, run the domain action, refresh the list."""
        actor = await current_actor(self)
        if actor is None:
            return login_redirect("verlopen")

        def work(db: Session) -> list[auth.TeamMember]:
            action(db, actor)
            return auth.list_team(db, actor)

        try:
            team = await in_transaction(work)
        except DomainError as exc:
            self.error = exc.message
            return None
        self.error = ""
        self.members = [
            {
                "id": str(m.id),
                "name": m.name,
                "email": m.email,
                "role": m.role,
                "role_label": ROLE_LABELS[m.role],
                "status": m.status,
                "status_label": STATUS_LABELS.get(m.status, m.status),
                "is_self": "1" if m.id == actor.user_id else "",
            }
            for m in team
        ]
        return None

    @rx.event
    async def load(self) -> rx.event.EventSpec | None:
        self.members = []
        return await self._run(lambda db, actor: None)

    @rx.event
    async def invite(self, form: dict) -> rx.event.EventSpec | list | None:
        outbox: list[Email] = []
        email, name = str(form.get("email", "")), str(form.get("name", ""))

        def action(db: Session, actor: Actor) -> None:
            auth.invite_staff(
                db, actor, email=email, name=name, send_mail=outbox.append, link=link, now=utcnow()
            )

        redirect = await self._run(action)
        if redirect is not None or self.error:
            return redirect
        await send_after_commit(outbox)
        return [
            rx.toast.success(f"Uitnodiging verstuurd naar {email.strip().lower()}."),
            rx.set_value("invite_email", ""),
            rx.set_value("invite_name", ""),
        ]

    @rx.event
    async def set_role(self, user_id: str, role: str) -> rx.event.EventSpec | None:
        if not user_id.isdigit():
            self.error = "Onbekende medewerker."
            return None
        return await self._run(
            lambda db, actor: auth.change_role(
                db, actor, user_id=int(user_id), role=role, now=utcnow()
            )
        )

    @rx.event
    async def deactivate(self, user_id: str) -> rx.event.EventSpec | None:
        if not user_id.isdigit():
            self.error = "Onbekende medewerker."
            return None
        return await self._run(
            lambda db, actor: auth.deactivate(db, actor, user_id=int(user_id), now=utcnow())
        )
