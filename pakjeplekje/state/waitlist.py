"""Wachtlijst: one page of patients, the filters that chose it, and the add/edit dialog.

Holds only what the page shows (one page of rows, never the table); every event re-checks
the session and calls domain/patients.py, which scopes every query by practice.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar
from urllib.parse import urlencode

import reflex as rx
from sqlmodel import Session

from pakjeplekje import clock
from pakjeplekje.domain import patients, practice_settings
from pakjeplekje.domain.errors import DomainError
from pakjeplekje.domain.sessions import Actor
from pakjeplekje.state.base import (
    current_actor,
    full_page_redirect,
    in_transaction,
    login_redirect,
    record_id,
)

T = TypeVar("T")


def _dutch_count(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def _options(db: Session, actor: Actor) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    treatments, practitioners = practice_settings.choices(db, actor.practice_id)
    return (
        [
            {"id": str(t.id), "name": t.name, "duration": str(t.default_duration_minutes)}
            for t in treatments
        ],
        [{"id": str(p.id), "name": p.name} for p in practitioners],
    )


class WaitlistState(rx.State):
    # the grid: one page
    rows: list[dict[str, str]] = []
    total: int = 0
    waiting: int = 0
    page: int = 1
    pages: int = 1
    page_size: str = "25"
    # filters
    search: str = ""
    treatment: str = "alle"
    urgency: str = "alle"
    status: str = "waiting"
    day: str = "alle"
    sort: str = "added"
    descending: bool = False
    # choices for filters and the dialog
    treatments: list[dict[str, str]] = []
    practitioners: list[dict[str, str]] = []
    # the add/edit dialog
    dialog_open: bool = False
    editing_id: int = 0
    form: dict[str, str] = {}
    form_treatments: list[str] = []
    form_cells: list[str] = []
    history: str = ""
    errors: dict[str, str] = {}
    duplicate_id: int = 0
    # remove with undo
    removed_id: int = 0
    removed_name: str = ""
    error: str = ""

    @rx.var
    def waiting_label(self) -> str:
        if self.waiting == 1:
            return "1 patiënt wacht"
        return f"{_dutch_count(self.waiting)} patiënten wachten"

    @rx.var
    def filtered(self) -> bool:
        return (
            bool(self.search)
            or "alle" not in {self.treatment, self.urgency, self.day}
            or (self.status != "waiting")
        )

    def _query(self) -> patients.PatientQuery:
        return patients.PatientQuery(
            search=self.search,
            treatment_id=record_id(self.treatment),
            urgency=self.urgency if self.urgency in patients.URGENCIES else "",
            status=self.status if self.status in patients.STATUSES else "",
            day=int(self.day) if self.day.isdecimal() and int(self.day) < 6 else None,
            sort=self.sort if self.sort in patients.SORTS else "added",
            descending=self.descending,
            page=self.page,
            page_size=int(self.page_size) if self.page_size.isdecimal() else 25,
        )

    async def _with_actor(
        self, work: Callable[[Session, Actor], T]
    ) -> tuple[T | None, rx.event.EventSpec | None]:
        actor = await current_actor(self)
        if actor is None:
            self.rows = []
            return None, login_redirect("verlopen")
        return await in_transaction(lambda db: work(db, actor)), None

    async def _refresh(self) -> rx.event.EventSpec | None:
        query = self._query()

        def work(db: Session, actor: Actor) -> tuple[patients.PatientPage, int]:
            return patients.list_page(db, actor.practice_id, query), patients.count_waiting(
                db, actor.practice_id
            )

        result, redirect = await self._with_actor(work)
        if result is None:
            return redirect
        page, self.waiting = result
        self.total, self.page, self.pages = page.total, page.page, page.pages
        self.rows = [
            {
                "id": str(r.id),
                "name": r.name,
                "phone": r.phone,
                "treatments": r.treatments,
                "duration": str(r.duration_minutes),
                "urgency": r.urgency,
                "urgency_label": patients.URGENCIES[r.urgency],
                "status_label": patients.STATUSES[r.status],
                "status": r.status,
                "sms_problem": r.sms_problem,
                "added": r.added_on,
                "last_offer": r.last_offer_on or "—",
                "availability": r.availability,
            }
            for r in page.rows
        ]
        return None

    @rx.event
    async def load(self) -> rx.event.EventSpec | None:
        self.removed_id, self.error = 0, ""
        options, _ = await self._with_actor(_options)
        if options is None:
            return None  # the page guard redirects to the login page
        self.treatments, self.practitioners = options
        return await self._refresh()

    @rx.event
    async def set_filter(self, name: str, value: str) -> rx.event.EventSpec | None:
        if name not in {"treatment", "urgency", "status", "day", "sort", "page_size"}:
            return None
        setattr(self, name, str(value)[:20])
        self.page = 1
        return await self._refresh()

    @rx.event
    async def set_search(self, value: str) -> rx.event.EventSpec | None:
        self.search, self.page = str(value)[:100], 1
        return await self._refresh()

    @rx.event
    async def toggle_direction(self) -> rx.event.EventSpec | None:
        self.descending = not self.descending
        return await self._refresh()

    @rx.event
    async def go_to_page(self, page: int) -> rx.event.EventSpec | None:
        self.page = max(1, min(int(page), self.pages))
        return await self._refresh()

    @rx.event
    def export(self) -> rx.event.EventSpec:
        """Download the filtered list from the HTTP route (the websocket caps downloads at 1 MB)."""
        q = self._query()
        params = {
            "q": q.search,
            "urgency": q.urgency,
            "status": q.status or "alle",
            "treatment": q.treatment_id or "",
            "day": "" if q.day is None else q.day,
            "sort": q.sort,
            "desc": "1" if q.descending else "",
        }
        return full_page_redirect(f"/api/wachtlijst/export.csv?{urlencode(params)}")

    @rx.event
    async def reset_filters(self) -> rx.event.EventSpec | None:
        self.search, self.treatment, self.urgency, self.day = "", "alle", "alle", "alle"
        self.status, self.page = "waiting", 1
        return await self._refresh()

    # --- dialog ---------------------------------------------------------------------------

    def _open(self, patient_id: int, data: patients.PatientInput, history: str) -> None:
        self.editing_id, self.errors, self.duplicate_id, self.history = patient_id, {}, 0, history
        self.form = {
            "name": data.name,
            "phone": data.phone,
            "duration": str(data.duration_minutes),
            "practitioner": str(data.preferred_practitioner_id or ""),
            "urgency": data.urgency,
            "note": data.note,
            "consent": data.consent_method,
            "status": data.status,
        }
        self.form_treatments = [str(t) for t in data.treatment_ids]
        self.form_cells = list(data.availability)
        self.dialog_open = True

    @rx.event
    def open_new(self) -> None:
        self._open(0, patients.PatientInput(duration_minutes=30), "")

    @rx.event
    async def open_edit(self, patient_id: str) -> rx.event.EventSpec | None:
        pid = record_id(patient_id)
        if pid is None:
            return None
        try:
            detail, redirect = await self._with_actor(lambda db, a: patients.get(db, a, pid))
        except DomainError as exc:
            self.error = exc.message
            return None
        if detail is None:
            return redirect
        last_offer = patients.local_date(detail.last_offer_at) or "nooit"
        last_claim = patients.local_date(detail.last_claim_at) or "nooit"
        history = (
            f"Op de wachtlijst sinds {patients.local_date(detail.added_at)} · "
            f"{detail.offers_count} aanbieding(en), laatste {last_offer} · "
            f"laatste claim {last_claim}"
        )
        self._open(detail.id, detail.form, history)
        self.form["phone"] = detail.phone_display
        return None

    @rx.event
    def set_dialog_open(self, value: bool) -> None:
        self.dialog_open = bool(value)

    @rx.event
    async def save(self, form: dict) -> rx.event.EventSpec | list | None:
        data = patients.PatientInput(
            name=str(form.get("name", "")),
            phone=str(form.get("phone", "")),
            treatment_ids=[
                k.removeprefix("treatment-")
                for k, v in form.items()
                if str(k).startswith("treatment-") and v
            ],
            duration_minutes=str(form.get("duration", "")),
            availability=[
                k.removeprefix("cell-") for k, v in form.items() if str(k).startswith("cell-") and v
            ],
            preferred_practitioner_id=str(form.get("practitioner", "") or ""),
            urgency=str(form.get("urgency", "normaal") or "normaal"),
            note=str(form.get("note", "")),
            consent_method=str(form.get("consent", "")),
            status=str(form.get("status", "waiting") or "waiting"),
        )
        editing = self.editing_id
        now = clock.now()

        def work(db: Session, actor: Actor) -> str:
            if editing:
                return patients.update(db, actor, editing, data, now).name
            return patients.add(db, actor, data, now).name

        try:
            name, redirect = await self._with_actor(work)
        except patients.ValidationFailed as exc:
            self.errors, self.duplicate_id = exc.errors, 0
            return None
        except patients.DuplicatePhone as exc:
            self.errors, self.duplicate_id = {"phone": exc.message}, exc.existing_id
            return None
        except DomainError as exc:
            self.errors, self.duplicate_id = {"form": exc.message}, 0
            return None
        if name is None:
            return redirect
        self.dialog_open, self.errors = False, {}
        await self._refresh()
        verb = "bijgewerkt" if editing else "toegevoegd"
        return rx.toast.success(f"{name} is {verb}.")

    @rx.event
    async def open_duplicate(self) -> rx.event.EventSpec | None:
        return await self.open_edit(str(self.duplicate_id))

    # --- remove, undo, delete -------------------------------------------------------------

    async def _status(self, patient_id: str, status: str) -> str | None:
        pid = record_id(patient_id)
        if pid is None:
            self.error = patients.NOT_FOUND
            return None
        try:
            name, _ = await self._with_actor(
                lambda db, a: patients.set_status(db, a, pid, status, clock.now()).name
            )
        except DomainError as exc:
            self.error = exc.message
            return None
        return name

    @rx.event
    async def remove(self, patient_id: str) -> rx.event.EventSpec | None:
        name = await self._status(patient_id, "removed")
        if name is not None:
            self.removed_id, self.removed_name, self.error = int(patient_id), name, ""
        return await self._refresh()

    @rx.event
    async def undo_remove(self) -> rx.event.EventSpec | None:
        if self.removed_id:
            await self._status(str(self.removed_id), "waiting")
        self.removed_id = 0
        return await self._refresh()

    @rx.event
    async def delete(self, patient_id: str) -> rx.event.EventSpec | list | None:
        pid = record_id(patient_id)
        if pid is None:
            self.error = patients.NOT_FOUND
            return None
        try:
            _, redirect = await self._with_actor(
                lambda db, a: patients.delete_permanently(db, a, pid, clock.now())
            )
        except DomainError as exc:
            self.error = exc.message
            return None
        if redirect is not None:
            return redirect
        self.dialog_open, self.removed_id = False, 0
        await self._refresh()
        return rx.toast.success("Patiënt definitief verwijderd.")
