"""/privacy, the practice's privacy centre: Inzage, Overdracht, the Verzoeken inbox and
(owner only) Verwijdering of the practice account."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import reflex as rx
from sqlmodel import Session

from pakjeplekje import clock
from pakjeplekje.config import get_settings
from pakjeplekje.domain.actor import Actor
from pakjeplekje.domain.errors import DomainError
from pakjeplekje.domain.privacy import export as privacy_export
from pakjeplekje.domain.privacy import inbox as privacy_inbox
from pakjeplekje.domain.privacy import practice_deletion, retention
from pakjeplekje.domain.privacy import requests as privacy_requests
from pakjeplekje.domain.waitlist.patients import local_date
from pakjeplekje.services import billing as subscriptions
from pakjeplekje.ui.state.base import (
    full_page_redirect,
    in_transaction,
    link,
    record_id,
    send_after_commit,
)
from pakjeplekje.ui.state.guard import RecordId, staff_event
from pakjeplekje.web.privacy import EXPORT_PATH

FLAGGED_SHOWN = 20
SUBJECTS = {"patient": "Patiënt", "staff": "Medewerker"}
VERIFIED = {"sms": "SMS-code", "email": "e-mailcode"}


def _inbox_rows(db: Session, actor: Actor) -> list[dict[str, str]]:
    return [
        {
            "id": str(r.id),
            "kind": privacy_requests.KINDS.get(r.kind, r.kind),
            "subject": SUBJECTS.get(r.subject, r.subject),
            "verified": VERIFIED.get(r.verified_by, r.verified_by),
            "message": r.message,
            "status": r.status,
            "status_label": privacy_requests.STATUSES.get(r.status, r.status),
            "received": local_date(r.received_at),
            "due": local_date(r.due_at),
            "resolution": r.resolution,
            "overdue": "1" if r.overdue else "",
        }
        for r in privacy_inbox.inbox(db, actor.practice_id, clock.now())
    ]


class PrivacyState(rx.State):
    counts: list[dict[str, str]] = []
    requests: list[dict[str, str]] = []
    error: str = ""
    deletion_error: str = ""
    review_count: int = 0
    flagged: list[dict[str, str]] = []  # the first entries to review, never the whole list

    async def _refresh(self, actor: Actor) -> None:
        def work(db: Session) -> tuple[list, list, int, list]:
            counts = privacy_export.inventory(db, actor.practice_id)
            count = retention.flagged_count(db, actor.practice_id)
            first = retention.flagged(db, actor.practice_id, FLAGGED_SHOWN) if count else []
            return counts, _inbox_rows(db, actor), count, first

        counts, requests, self.review_count, first = await in_transaction(work)
        self.flagged = [
            {
                "id": str(f.id),
                "name": f.name,
                "updated": local_date(f.updated_at),
                "removal": local_date(f.removal_after),
            }
            for f in first
        ]
        self.counts = [{"table": r.table, "label": r.label, "rows": str(r.rows)} for r in counts]
        self.requests = requests

    @staff_event
    async def load(self, actor: Actor) -> None:
        self.error = self.deletion_error = ""
        await self._refresh(actor)

    @staff_event
    async def download(self, actor: Actor) -> rx.event.EventSpec | None:
        """A two-minute, single-use token, then a real navigation to the streaming route."""
        try:
            token = await in_transaction(
                lambda db: privacy_export.start_export(db, actor, clock.now())
            )
        except DomainError as exc:
            self.error = exc.message
            return None
        self.error = ""
        return full_page_redirect(f"{EXPORT_PATH}?token={token}")

    @staff_event
    async def resolve(self, actor: Actor, form: dict) -> rx.event.EventSpec | list | None:
        request_id = record_id(form.get("request_id", ""))
        status, note = str(form.get("status", "")), str(form.get("resolution", ""))
        if request_id is None:
            self.error = "Dit verzoek bestaat niet (meer)."
            return None
        try:
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
        except DomainError as exc:
            self.error = exc.message
            return None
        self.error = ""
        await self._refresh(actor)
        return rx.toast.success("Verzoek bijgewerkt.")

    @staff_event
    async def delete_practice(self, actor: Actor, form: dict) -> rx.event.EventSpec | list | None:
        """Owner only: re-enter the password and type the practice name; logs everyone out."""
        now, settings = clock.now(), get_settings()
        try:
            requested = await in_transaction(
                lambda db: practice_deletion.request_deletion(
                    db,
                    actor,
                    password=str(form.get("password", "")),
                    typed_name=str(form.get("practice_name", "")),
                    immediately=bool(form.get("immediately")),
                    link=link,
                    now=now,
                    grace=timedelta(days=settings.practice_deletion_days),
                    secret=settings.secret_key,
                )
            )
        except DomainError as exc:
            self.deletion_error = exc.message
            return None
        await send_after_commit(requested.emails)
        await asyncio.to_thread(subscriptions.cancel_stripe, requested.stripe_subscriptions)
        return full_page_redirect("/inloggen?melding=verwijderd")

    @staff_event
    async def keep_flagged(self, actor: Actor) -> rx.event.EventSpec | None:
        kept = await in_transaction(lambda db: retention.keep_flagged(db, actor, clock.now()))
        await self._refresh(actor)
        return rx.toast.success(f"{kept} inschrijving(en) behouden.")

    @staff_event
    async def keep_one(self, actor: Actor, patient_id: RecordId) -> rx.event.EventSpec | None:
        pid = record_id(patient_id)
        try:
            if pid is None:
                raise DomainError("Deze inschrijving staat niet (meer) ter controle.")
            await in_transaction(lambda db: retention.keep_one(db, actor, pid, clock.now()))
        except DomainError as exc:
            self.error = exc.message
            return None
        self.error = ""
        await self._refresh(actor)
        return rx.toast.success("Inschrijving behouden.")
