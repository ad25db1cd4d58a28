"""/privacy, owners: the practice's audit log, one filtered page at a time."""

from __future__ import annotations

from dataclasses import dataclass

import reflex as rx
from sqlmodel import Session

from pakjeplekje.domain.actor import Actor
from pakjeplekje.domain.privacy import audit_log
from pakjeplekje.texts import count
from pakjeplekje.ui.state.base import in_transaction, record_id
from pakjeplekje.ui.state.guard import PageNumber, owner_event, page_number, refuse
from pakjeplekje.ui.state.rows import Choice


@dataclass(frozen=True)
class AuditRow:
    """One audit event: ids of records only, never their contents."""

    when: str
    who: str
    what: str
    record: str
    detail: str


class AuditLogState(rx.State):
    """Owner only: one page of the audit log and the filters that chose it."""

    rows: list[AuditRow] = []
    total: int = 0

    @rx.var
    def total_label(self) -> str:
        return count(self.total, "gebeurtenis")

    page: int = 1
    pages: int = 1
    date_from: str = ""
    date_to: str = ""
    kind: str = ""
    user: str = ""
    staff: list[Choice] = []
    error: str = ""

    async def _refresh(self, actor: Actor) -> None:
        """Reload the page of rows; a refusal (the guard shows it) leaves an empty page."""
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
            return

        def work(db: Session) -> tuple[audit_log.AuditPage, list[tuple[int, str]]]:
            return audit_log.page(db, actor, query), audit_log.staff_choices(db, actor)

        self.rows, self.total = [], 0
        result, staff = await in_transaction(work)
        self.error = ""
        self.staff = [Choice(id=str(uid), name=name) for uid, name in staff]
        self.total, self.page, self.pages = result.total, result.page, result.pages
        self.rows = [
            AuditRow(when=r.when, who=r.who, what=r.what, record=r.record, detail=r.detail)
            for r in result.rows
        ]

    @owner_event(error="error")
    async def load(self, actor: Actor) -> None:
        self.page, self.error = 1, ""
        await self._refresh(actor)

    @owner_event(error="error")
    async def apply(self, actor: Actor, form: dict) -> None:
        self.date_from = str(form.get("date_from", ""))[:10]
        self.date_to = str(form.get("date_to", ""))[:10]
        self.kind = str(form.get("kind", ""))[:20]
        self.user = str(form.get("user", ""))[:20]
        self.page = 1
        await self._refresh(actor)

    @owner_event(error="error")
    async def go_to_page(self, actor: Actor, page: PageNumber) -> rx.event.EventSpec | None:
        chosen = page_number(page, self.pages)
        if chosen is None:
            return refuse()
        self.page = chosen
        await self._refresh(actor)
        return None
