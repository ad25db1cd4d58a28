"""/privacy, the practice's privacy centre: Inzage, Overdracht, the Verzoeken inbox and
(owner only) Verwijdering of the practice account."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import reflex as rx
from sqlmodel import Session

from pakjeplekje import subscriptions
from pakjeplekje.api_privacy import EXPORT_PATH
from pakjeplekje.config import get_settings
from pakjeplekje.domain import (
    audit_log,
    correction,
    objections,
    practice_deletion,
    privacy_export,
    privacy_requests,
    retention,
)
from pakjeplekje.domain.errors import DomainError
from pakjeplekje.domain.patients import local_date
from pakjeplekje.domain.sessions import Actor
from pakjeplekje.models import Practice, User, utcnow
from pakjeplekje.state.base import (
    current_actor,
    full_page_redirect,
    in_transaction,
    link,
    login_redirect,
    record_id,
    send_after_commit,
)
from pakjeplekje.state.session import SessionState

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
        for r in privacy_requests.inbox(db, actor.practice_id, utcnow())
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

    @rx.event
    async def load(self) -> None:
        actor = await current_actor(self)
        if actor is None:
            self.counts, self.requests = [], []
            return
        self.error = self.deletion_error = ""
        await self._refresh(actor)

    @rx.event
    async def download(self) -> rx.event.EventSpec | None:
        """A two-minute, single-use token, then a real navigation to the streaming route."""
        actor = await current_actor(self)
        if actor is None:
            return login_redirect("verlopen")
        try:
            token = await in_transaction(
                lambda db: privacy_export.start_export(db, actor, utcnow())
            )
        except DomainError as exc:
            self.error = exc.message
            return None
        self.error = ""
        return full_page_redirect(f"{EXPORT_PATH}?token={token}")

    @rx.event
    async def resolve(self, form: dict) -> rx.event.EventSpec | list | None:
        actor = await current_actor(self)
        if actor is None:
            return login_redirect("verlopen")
        request_id = record_id(form.get("request_id", ""))
        status, note = str(form.get("status", "")), str(form.get("resolution", ""))
        if request_id is None:
            self.error = "Dit verzoek bestaat niet (meer)."
            return None
        try:
            await in_transaction(
                lambda db: privacy_requests.resolve(
                    db, actor, request_id=request_id, status=status, resolution=note, now=utcnow()
                )
            )
        except DomainError as exc:
            self.error = exc.message
            return None
        self.error = ""
        await self._refresh(actor)
        return rx.toast.success("Verzoek bijgewerkt.")

    @rx.event
    async def delete_practice(self, form: dict) -> rx.event.EventSpec | list | None:
        """Owner only: re-enter the password and type the practice name; logs everyone out."""
        actor = await current_actor(self)
        if actor is None:
            return login_redirect("verlopen")
        now, settings = utcnow(), get_settings()
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

    @rx.event
    async def keep_flagged(self) -> rx.event.EventSpec | None:
        actor = await current_actor(self)
        if actor is None:
            return login_redirect("verlopen")
        kept = await in_transaction(lambda db: retention.keep_flagged(db, actor, utcnow()))
        await self._refresh(actor)
        return rx.toast.success(f"{kept} inschrijving(en) behouden.")

    @rx.event
    async def keep_one(self, patient_id: str) -> rx.event.EventSpec | None:
        actor = await current_actor(self)
        if actor is None:
            return login_redirect("verlopen")
        pid = record_id(patient_id)
        try:
            if pid is None:
                raise DomainError("Deze inschrijving staat niet (meer) ter controle.")
            await in_transaction(lambda db: retention.keep_one(db, actor, pid, utcnow()))
        except DomainError as exc:
            self.error = exc.message
            return None
        self.error = ""
        await self._refresh(actor)
        return rx.toast.success("Inschrijving behouden.")


class AuditLogState(rx.State):
    """Owner only: one page of the audit log and the filters that chose it."""

    rows: list[dict[str, str]] = []
    total: int = 0
    page: int = 1
    pages: int = 1
    date_from: str = ""
    date_to: str = ""
    kind: str = ""
    user: str = ""
    staff: list[dict[str, str]] = []
    error: str = ""

    async def _refresh(self) -> rx.event.EventSpec | None:
        actor = await current_actor(self)
        if actor is None:
            self.rows = []
            return login_redirect("verlopen")
        if not actor.is_owner:
            self.rows, self.staff = [], []
            return None
        user_id = record_id(self.user) if self.user else None
        query = audit_log.AuditQuery(
            date_from=self.date_from,
            date_to=self.date_to,
            kind=self.kind if self.kind in audit_log.KINDS else "",
            user_id=user_id,
            page=self.page,
        )
        if self.user and user_id is None:
            self.error, self.rows, self.total = "Deze medewerker bestaat niet (meer).", [], 0
            return None

        def work(db: Session) -> tuple[audit_log.AuditPage, list[tuple[int, str]]]:
            return audit_log.page(db, actor, query), audit_log.staff_choices(db, actor)

        try:
            result, staff = await in_transaction(work)
        except DomainError as exc:
            self.error, self.rows, self.total = exc.message, [], 0
            return None
        self.error = ""
        self.staff = [{"id": str(uid), "name": name} for uid, name in staff]
        self.total, self.page, self.pages = result.total, result.page, result.pages
        self.rows = [
            {
                "id": str(r.id),
                "when": r.when,
                "who": r.who,
                "what": r.what,
                "record": r.record,
                "detail": r.detail,
            }
            for r in result.rows
        ]
        return None

    @rx.event
    async def load(self) -> rx.event.EventSpec | None:
        self.page, self.error = 1, ""
        return await self._refresh()

    @rx.event
    async def apply(self, form: dict) -> rx.event.EventSpec | None:
        self.date_from = str(form.get("date_from", ""))[:10]
        self.date_to = str(form.get("date_to", ""))[:10]
        self.kind = str(form.get("kind", ""))[:20]
        self.user = str(form.get("user", ""))[:20]
        self.page = 1
        return await self._refresh()

    @rx.event
    async def go_to_page(self, page: int) -> rx.event.EventSpec | None:
        self.page = max(1, min(int(page), self.pages))
        return await self._refresh()


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
        def work(db: Session) -> tuple[Practice, User]:
            practice = db.get(Practice, actor.practice_id)
            user = db.get(User, actor.user_id)
            assert practice is not None and user is not None
            return practice, user

        practice, user = await in_transaction(work)
        self.practice_name, self.sender_name = practice.name, practice.sms_sender_name
        self.name, self.email = user.name, user.email
        self.pending_email = user.pending_email or ""
        session = await self.get_state(SessionState)
        session.practice_name, session.user_name = practice.name, user.name

    @rx.event
    async def load(self) -> None:
        self.practice_error = self.name_error = self.email_error = ""
        actor = await current_actor(self)
        if actor is not None:
            await self._refresh(actor)

    @rx.event
    async def save_practice(self, form: dict) -> rx.event.EventSpec | None:
        actor = await current_actor(self)
        if actor is None:
            return login_redirect("verlopen")
        name = str(form.get("practice_name", ""))
        try:
            await in_transaction(
                lambda db: correction.rename_practice(db, actor, name=name, now=utcnow())
            )
        except DomainError as exc:
            self.practice_error = exc.message
            return None
        self.practice_error = ""
        await self._refresh(actor)
        return rx.toast.success("Praktijkgegevens opgeslagen.")

    @rx.event
    async def save_name(self, form: dict) -> rx.event.EventSpec | None:
        actor = await current_actor(self)
        if actor is None:
            return login_redirect("verlopen")
        name = str(form.get("name", ""))
        try:
            await in_transaction(
                lambda db: correction.rename_self(db, actor, name=name, now=utcnow())
            )
        except DomainError as exc:
            self.name_error = exc.message
            return None
        self.name_error = ""
        await self._refresh(actor)
        return rx.toast.success("Uw naam is opgeslagen.")

    @rx.event
    async def change_email(self, form: dict) -> rx.event.EventSpec | list | None:
        actor = await current_actor(self)
        if actor is None:
            return login_redirect("verlopen")
        new_email, password = str(form.get("new_email", "")), str(form.get("email_password", ""))
        try:
            outbox = await in_transaction(
                lambda db: correction.request_email_change(
                    db, actor, new_email=new_email, password=password, link=link, now=utcnow()
                )
            )
        except DomainError as exc:
            self.email_error = exc.message
            return None
        await send_after_commit(outbox)
        self.email_error = ""
        await self._refresh(actor)
        return [
            rx.set_value("new_email", ""),
            rx.set_value("email_password", ""),
            rx.toast.success("Bevestigingslink verstuurd naar het nieuwe adres."),
        ]

    @rx.event
    async def cancel_email(self) -> rx.event.EventSpec | None:
        actor = await current_actor(self)
        if actor is None:
            return login_redirect("verlopen")
        await in_transaction(lambda db: correction.cancel_email_change(db, actor, utcnow()))
        await self._refresh(actor)
        return rx.toast.success("E-mailwijziging ingetrokken.")


class ObjectionState(rx.State):
    """Bezwaar: the practice's two preferences (owner sets them; everyone sees them)."""

    product_emails: bool = True
    usage_statistics: bool = True
    version: int = 0  # remounts the checkboxes when the stored values arrive
    error: str = ""

    @rx.event
    async def load(self) -> None:
        self.error = ""
        actor = await current_actor(self)
        if actor is None:
            return
        prefs = await in_transaction(lambda db: objections.preferences(db, actor))
        self.product_emails, self.usage_statistics = prefs.product_emails, prefs.usage_statistics
        self.version += 1

    @rx.event
    async def save(self, form: dict) -> rx.event.EventSpec | None:
        actor = await current_actor(self)
        if actor is None:
            return login_redirect("verlopen")
        product, usage = bool(form.get("product_emails")), bool(form.get("usage_statistics"))
        try:
            prefs = await in_transaction(
                lambda db: objections.set_preferences(
                    db, actor, product_emails=product, usage_statistics=usage, now=utcnow()
                )
            )
        except DomainError as exc:
            self.error = exc.message
            return None
        self.error = ""
        self.product_emails, self.usage_statistics = prefs.product_emails, prefs.usage_statistics
        self.version += 1
        return rx.toast.success("Uw keuzes zijn opgeslagen.")
