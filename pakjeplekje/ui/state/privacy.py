"""/privacy, the practice's privacy centre: Inzage, Overdracht, the Verzoeken inbox and
(owner only) Verwijdering of the practice account."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from functools import partial

import reflex as rx
from sqlmodel import Session

from pakjeplekje import clock, routes, texts
from pakjeplekje.domain.actor import Actor
from pakjeplekje.domain.errors import DomainError
from pakjeplekje.domain.privacy import export as privacy_export
from pakjeplekje.domain.privacy import inbox as privacy_inbox
from pakjeplekje.domain.privacy import requests as privacy_requests
from pakjeplekje.domain.privacy import retention
from pakjeplekje.domain.waitlist.patients import local_date
from pakjeplekje.services import practice_deletion as deletion_service
from pakjeplekje.ui.state.base import (
    full_page_redirect,
    in_transaction,
    record_id,
)
from pakjeplekje.ui.state.guard import RecordId, owner_event, staff_event

FLAGGED_SHOWN = 20
SUBJECTS = {"patient": "Patiënt", "staff": "Medewerker"}


@dataclass(frozen=True)
class DataCount:
    """Inzage: how many rows of one kind the practice has with us."""

    table: str
    label: str
    rows: str


@dataclass(frozen=True)
class RequestRow:
    """A privacy request in the Verzoeken inbox."""

    id: str
    kind: str
    subject: str
    requester: str  # the name on the waitlist entry or account
    contact: str  # 06-12345678 or the e-mail address: what staff check before acting
    message: str
    status_label: str
    received: str
    due: str
    resolution: str
    overdue: bool


@dataclass(frozen=True)
class FlaggedRow:
    """A waitlist entry up for removal under the retention rule, until someone keeps it."""

    id: str
    name: str
    updated: str
    removal: str


def _inbox_rows(db: Session, actor: Actor) -> list[RequestRow]:
    return [
        RequestRow(
            id=str(r.id),
            kind=privacy_requests.KINDS.get(r.kind, r.kind),
            subject=SUBJECTS.get(r.subject, r.subject),
            requester=r.requester_name,
            contact=r.requester_contact,
            message=r.message,
            status_label=privacy_requests.STATUSES.get(r.status, r.status),
            received=local_date(r.received_at),
            due=local_date(r.due_at),
            resolution=r.resolution,
            overdue=r.overdue,
        )
        for r in privacy_inbox.inbox(db, actor.practice_id, clock.now())
    ]


def _review_text(n: int) -> str:
    """The retention notice, counted: "1 inschrijving … is", "3 inschrijvingen … zijn"."""
    if n == 1:
        return (
            "1 inschrijving op de wachtlijst is lang niet gewijzigd. Een maand na de melding "
            "wordt die automatisch verwijderd, tenzij u die behoudt."
        )
    return (
        f"{texts.count(n, 'inschrijving')} op de wachtlijst zijn lang niet gewijzigd. Een "
        "maand na de melding worden ze automatisch verwijderd, tenzij u ze behoudt."
    )


class PrivacyState(rx.State):
    counts: list[DataCount] = []
    requests: list[RequestRow] = []
    error: str = ""
    deletion_error: str = ""
    review_count: int = 0
    review_text: str = ""
    flagged: list[FlaggedRow] = []  # the first entries to review, never the whole list

    async def _refresh(self, actor: Actor) -> None:
        def work(db: Session) -> tuple[list, list, int, list]:
            counts = privacy_export.inventory(db, actor.practice_id)
            count = retention.flagged_count(db, actor.practice_id)
            first = retention.flagged(db, actor.practice_id, FLAGGED_SHOWN) if count else []
            return counts, _inbox_rows(db, actor), count, first

        counts, requests, self.review_count, first = await in_transaction(work)
        self.review_text = _review_text(self.review_count)
        self.flagged = [
            FlaggedRow(
                id=str(f.id),
                name=f.name,
                updated=local_date(f.updated_at),
                removal=local_date(f.removal_after),
            )
            for f in first
        ]
        self.counts = [DataCount(table=r.table, label=r.label, rows=str(r.rows)) for r in counts]
        self.requests = requests

    @staff_event
    async def load(self, actor: Actor) -> None:
        self.error = self.deletion_error = ""
        await self._refresh(actor)

    @owner_event(error="error")
    async def download(self, actor: Actor) -> rx.event.EventSpec | None:
        """A two-minute, single-use token, then a real navigation to the streaming route."""
        token = await in_transaction(lambda db: privacy_export.start_export(db, actor, clock.now()))
        self.error = ""
        return full_page_redirect(f"{routes.PRIVACY_EXPORT}?token={token}")

    @staff_event(error="error")
    async def resolve(self, actor: Actor, form: dict) -> rx.event.EventSpec | list | None:
        request_id = record_id(form.get("request_id", ""))
        status, note = str(form.get("status", "")), str(form.get("resolution", ""))
        if request_id is None:
            self.error = "Dit verzoek bestaat niet (meer)."
            return None
        await in_transaction(
            lambda db: privacy_inbox.resolve(
                db,
                actor,
                request_id=request_id,
                status=status,
                resolution=note,
                now=clock.now(),
            )
        )
        self.error = ""
        await self._refresh(actor)
        return rx.toast.success("Verzoek bijgewerkt.")

    @owner_event(error="deletion_error")
    async def delete_practice(self, actor: Actor, form: dict) -> rx.event.EventSpec | list | None:
        """Re-enter the password and type the practice name; logs everyone out."""
        await asyncio.to_thread(
            partial(
                deletion_service.request,
                actor,
                password=str(form.get("password", "")),
                typed_name=str(form.get("practice_name", "")),
                immediately=bool(form.get("immediately")),
            )
        )
        return full_page_redirect(routes.login("verwijderd"))

    @staff_event
    async def keep_flagged(self, actor: Actor) -> rx.event.EventSpec | None:
        kept = await in_transaction(lambda db: retention.keep_flagged(db, actor, clock.now()))
        await self._refresh(actor)
        return rx.toast.success(f"{texts.count(kept, 'inschrijving')} behouden.")

    @staff_event(error="error")
    async def keep_one(self, actor: Actor, patient_id: RecordId) -> rx.event.EventSpec | None:
        pid = record_id(patient_id)
        if pid is None:
            raise DomainError("Deze inschrijving staat niet (meer) ter controle.")
        await in_transaction(lambda db: retention.keep_one(db, actor, pid, clock.now()))
        self.error = ""
        await self._refresh(actor)
        return rx.toast.success("Inschrijving behouden.")
