"""Medewerkers (owner only): the team list, invites, roles, blocking access."""

from __future__ import annotations

from collections.abc import Callable

import reflex as rx
from sqlmodel import Session

from pakjeplekje import clock
from pakjeplekje.domain.accounts import team
from pakjeplekje.domain.actor import Actor
from pakjeplekje.domain.emails import Email
from pakjeplekje.domain.errors import DomainError
from pakjeplekje.ui.state.base import (
    in_transaction,
    link,
    record_id,
    send_after_commit,
)
from pakjeplekje.ui.state.guard import RecordId, staff_event

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

    async def _run(self, actor: Actor, action: Action) -> bool:
        """Run the domain action, refresh the list; False when it was refused."""

        def work(db: Session) -> list[team.TeamMember]:
            action(db, actor)
            return team.list_team(db, actor)

        try:
            members = await in_transaction(work)
        except DomainError as exc:
            self.error = exc.message
            return False
        self.error = ""
        self.members = [_row(member, actor) for member in members]
        return True

    async def _on_member(
        self, actor: Actor, user_id: RecordId, action: Callable[[Session, Actor, int], object]
    ) -> None:
        member = record_id(user_id)
        if member is None:
            self.error = UNKNOWN_MEMBER
            return
        await self._run(actor, lambda db, actor: action(db, actor, member))

    @staff_event
    async def load(self, actor: Actor) -> None:
        self.members = []
        await self._run(actor, lambda db, actor: None)

    @staff_event
    async def invite(self, actor: Actor, form: dict) -> list | None:
        outbox: list[Email] = []
        email, name = str(form.get("email", "")), str(form.get("name", ""))
        invited = await self._run(
            actor,
            lambda db, actor: team.invite_staff(
                db,
                actor,
                email=email,
                name=name,
                send_mail=outbox.append,
                link=link,
                now=clock.now(),
            ),
        )
        if not invited:
            return None
        await send_after_commit(outbox)
        return [
            rx.toast.success(f"Uitnodiging verstuurd naar {email.strip().lower()}."),
            rx.set_value("invite_email", ""),
            rx.set_value("invite_name", ""),
        ]

    @staff_event
    async def set_role(self, actor: Actor, user_id: RecordId, role: str) -> None:
        await self._on_member(
            actor,
            user_id,
            lambda db, actor, member: team.change_role(
                db, actor, user_id=member, role=str(role), now=clock.now()
            ),
        )

    @staff_event
    async def deactivate(self, actor: Actor, user_id: RecordId) -> None:
        await self._on_member(
            actor,
            user_id,
            lambda db, actor, member: team.deactivate(db, actor, user_id=member, now=clock.now()),
        )

    @staff_event
    async def reactivate(self, actor: Actor, user_id: RecordId) -> None:
        await self._on_member(
            actor,
            user_id,
            lambda db, actor, member: team.reactivate(db, actor, user_id=member, now=clock.now()),
        )
