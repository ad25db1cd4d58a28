"""Medewerkers (owner only): the team list, invites, roles, blocking access."""

from __future__ import annotations

from collections.abc import Callable

import reflex as rx
from sqlmodel import Session

from pakjeplekje import clock
from pakjeplekje.domain import team
from pakjeplekje.domain.emails import Email
from pakjeplekje.domain.errors import DomainError
from pakjeplekje.domain.sessions import Actor
from pakjeplekje.state.base import (
    current_actor,
    in_transaction,
    link,
    login_redirect,
    record_id,
    send_after_commit,
)

ROLE_LABELS = {"owner": "Eigenaar", "staff": "Medewerker"}
STATUS_LABELS = {"active": "Actief", "invited": "Uitgenodigd", "disabled": "Geblokkeerd"}
UNKNOWN_MEMBER = "Deze medewerker bestaat niet (meer)."

Action = Callable[[Session, Actor], object]


def _row(member: team.TeamMember, actor: Actor) -> dict[str, str]:
    return {
        "id": str(member.id),
        "name": member.name,
        "email": member.email,
        "role": member.role,
        "role_label": ROLE_LABELS[member.role],
        "status": member.status,
        "status_label": STATUS_LABELS.get(member.status, member.status),
        "is_self": "1" if member.id == actor.user_id else "",
    }


class TeamState(rx.State):
    members: list[dict[str, str]] = []
    error: str = ""

    async def _run(self, action: Action) -> rx.event.EventSpec | None:
        """Re-check the session, run the domain action, refresh the list."""
        actor = await current_actor(self)
        if actor is None:
            self.members = []
            return login_redirect("verlopen")

        def work(db: Session) -> list[team.TeamMember]:
            action(db, actor)
            return team.list_team(db, actor)

        try:
            members = await in_transaction(work)
        except DomainError as exc:
            self.error = exc.message
            return None
        self.error = ""
        self.members = [_row(member, actor) for member in members]
        return None

    async def _on_member(
        self, user_id: str, action: Callable[[Session, Actor, int], object]
    ) -> rx.event.EventSpec | None:
        member = record_id(user_id)
        if member is None:
            self.error = UNKNOWN_MEMBER
            return None
        return await self._run(lambda db, actor: action(db, actor, member))

    @rx.event
    async def load(self) -> None:
        """Page loader: without a session it stays quiet, the page guard redirects."""
        self.members = []
        await self._run(lambda db, actor: None)

    @rx.event
    async def invite(self, form: dict) -> rx.event.EventSpec | list | None:
        outbox: list[Email] = []
        email, name = str(form.get("email", "")), str(form.get("name", ""))
        redirect = await self._run(
            lambda db, actor: team.invite_staff(
                db,
                actor,
                email=email,
                name=name,
                send_mail=outbox.append,
                link=link,
                now=clock.now(),
            )
        )
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
        return await self._on_member(
            user_id,
            lambda db, actor, member: team.change_role(
                db, actor, user_id=member, role=str(role), now=clock.now()
            ),
        )

    @rx.event
    async def deactivate(self, user_id: str) -> rx.event.EventSpec | None:
        return await self._on_member(
            user_id,
            lambda db, actor, member: team.deactivate(db, actor, user_id=member, now=clock.now()),
        )

    @rx.event
    async def reactivate(self, user_id: str) -> rx.event.EventSpec | None:
        return await self._on_member(
            user_id,
            lambda db, actor, member: team.reactivate(db, actor, user_id=member, now=clock.now()),
        )
