"""Medewerkers (owner only): the team list, invites, roles, blocking access."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import reflex as rx
from sqlmodel import Session

from pakjeplekje import clock
from pakjeplekje.domain.accounts import team
from pakjeplekje.domain.actor import Actor
from pakjeplekje.services.unit_of_work import UnitOfWork
from pakjeplekje.ui.state.base import (
    in_unit_of_work,
    link,
    record_id,
)
from pakjeplekje.ui.state.guard import RecordId, owner_event

ROLE_LABELS = {"owner": "Eigenaar", "staff": "Medewerker"}
STATUS_LABELS = {"active": "Actief", "invited": "Uitgenodigd", "disabled": "Geblokkeerd"}
UNKNOWN_MEMBER = "Deze medewerker bestaat niet (meer)."

Action = Callable[[UnitOfWork, Actor], object]


@dataclass(frozen=True)
class MemberRow:
    """A colleague in the team list; `is_self`: the owner's own row (no actions)."""

    id: str
    name: str
    email: str
    role: str
    role_label: str
    status: str
    status_label: str
    is_self: bool


def _row(member: team.TeamMember, actor: Actor) -> MemberRow:
    return MemberRow(
        id=str(member.id),
        name=member.name,
        email=member.email,
        role=member.role,
        role_label=ROLE_LABELS[member.role],
        status=member.status,
        status_label=STATUS_LABELS.get(member.status, member.status),
        is_self=member.id == actor.user_id,
    )


class TeamState(rx.State):
    members: list[MemberRow] = []
    error: str = ""

    async def _run(self, actor: Actor, action: Action) -> None:
        """Run the domain action, refresh the list (a refusal raises: the guard shows it)."""

        def work(uow: UnitOfWork) -> list[team.TeamMember]:
            action(uow, actor)
            return team.list_team(uow.db, actor)

        members = await in_unit_of_work(work)
        self.error = ""
        self.members = [_row(member, actor) for member in members]

    async def _on_member(
        self, actor: Actor, user_id: RecordId, action: Callable[[Session, Actor, int], object]
    ) -> None:
        member = record_id(user_id)
        if member is None:
            self.error = UNKNOWN_MEMBER
            return
        await self._run(actor, lambda uow, actor: action(uow.db, actor, member))

    @owner_event(error="error")
    async def load(self, actor: Actor) -> None:
        self.members = []
        await self._run(actor, lambda uow, actor: None)

    @owner_event(error="error")
    async def invite(self, actor: Actor, form: dict) -> list | None:
        email, name = str(form.get("email", "")), str(form.get("name", ""))
        await self._run(
            actor,
            lambda uow, actor: team.invite_staff(
                uow.db,
                actor,
                email=email,
                name=name,
                send_mail=uow.send_mail,
                link=link,
                now=clock.now(),
            ),
        )
        return [
            rx.toast.success(f"Uitnodiging verstuurd naar {email.strip().lower()}."),
            rx.set_value("invite_email", ""),
            rx.set_value("invite_name", ""),
        ]

    @owner_event(error="error")
    async def set_role(self, actor: Actor, user_id: RecordId, role: str) -> None:
        await self._on_member(
            actor,
            user_id,
            lambda db, actor, member: team.change_role(
                db, actor, user_id=member, role=str(role), now=clock.now()
            ),
        )

    @owner_event(error="error")
    async def deactivate(self, actor: Actor, user_id: RecordId) -> None:
        await self._on_member(
            actor,
            user_id,
            lambda db, actor, member: team.deactivate(db, actor, user_id=member, now=clock.now()),
        )

    @owner_event(error="error")
    async def reactivate(self, actor: Actor, user_id: RecordId) -> None:
        await self._on_member(
            actor,
            user_id,
            lambda db, actor, member: team.reactivate(db, actor, user_id=member, now=clock.now()),
        )
