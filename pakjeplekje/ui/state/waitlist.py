"""Wachtlijst: one page of patients, the filters that chose it, and the add/edit dialog.

Holds only what the page shows (one page of rows, never the table); every event re-checks
the session and calls domain/patients.py, which scopes every query by practice.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

import reflex as rx
from sqlmodel import Session

from pakjeplekje import clock, routes
from pakjeplekje.config import get_settings
from pakjeplekje.domain.accounts import practice_settings
from pakjeplekje.domain.actor import Actor
from pakjeplekje.domain.errors import DomainError
from pakjeplekje.domain.waitlist import patients, signup
from pakjeplekje.texts import count
from pakjeplekje.ui.state.base import full_page_redirect, in_transaction, record_id
from pakjeplekje.ui.state.guard import PageNumber, RecordId, page_number, refuse, staff_event
from pakjeplekje.ui.state.rows import Choice, choices


def _dutch_count(n: int) -> str:
    return f"{n:,}".replace(",", ".")


@dataclass(frozen=True)
class PatientRow:
    """One patient in the grid, every field as the page shows it."""

    id: str
    name: str
    phone: str
    treatments: str
    duration: str
    urgency: str
    urgency_label: str
    status: str
    status_label: str
    sms_problem: str
    added: str
    last_offer: str
    availability: str


def _options(db: Session, actor: Actor) -> tuple[list[Choice], list[Choice]]:
    treatments, practitioners = practice_settings.choices(db, actor.practice_id)
    return choices(treatments), choices(practitioners)


class WaitlistState(rx.State):
    # the grid: one page
    rows: list[PatientRow] = []
    total: int = 0
    waiting: int = 0
    pending: int = 0  # online sign-ups awaiting review (shown above the grid)
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
    treatments: list[Choice] = []
    practitioners: list[Choice] = []
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
    def pending_label(self) -> str:
        if self.pending == 1:
            return "1 online aanmelding wacht op uw beoordeling."
        return f"{_dutch_count(self.pending)} online aanmeldingen wachten op uw beoordeling."

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

    async def _refresh(self, actor: Actor) -> None:
        query = self._query()

        def work(db: Session) -> tuple[patients.PatientPage, int, int]:
            return (
                patients.list_page(db, actor.practice_id, query),
                patients.count_waiting(db, actor.practice_id),
                patients.count_waiting(db, actor.practice_id, status=signup.PENDING),
            )

        page, self.waiting, self.pending = await in_transaction(work)
        self.total, self.page, self.pages = page.total, page.page, page.pages
        self.rows = [
            PatientRow(
                id=str(r.id),
                name=r.name,
                phone=r.phone,
                treatments=r.treatments,
                duration=str(r.duration_minutes),
                urgency=r.urgency,
                urgency_label=patients.URGENCIES[r.urgency],
                status=r.status,
                status_label=patients.STATUSES[r.status],
                sms_problem=r.sms_problem,
                added=r.added_on,
                last_offer=r.last_offer_on or "—",
                availability=r.availability,
            )
            for r in page.rows
        ]

    @staff_event
    async def load(self, actor: Actor) -> None:
        self.removed_id, self.error = 0, ""
        self.treatments, self.practitioners = await in_transaction(lambda db: _options(db, actor))
        await self._refresh(actor)

    @staff_event
    async def set_filter(self, actor: Actor, name: str, value: str) -> None:
        if name not in {"treatment", "urgency", "status", "day", "sort", "page_size"}:
            return
        setattr(self, name, value[:20])
        self.page = 1
        await self._refresh(actor)

    @staff_event
    async def set_search(self, actor: Actor, value: str) -> None:
        self.search, self.page = value[:100], 1
        await self._refresh(actor)

    @staff_event
    async def toggle_direction(self, actor: Actor) -> None:
        self.descending = not self.descending
        await self._refresh(actor)

    @staff_event
    async def go_to_page(self, actor: Actor, page: PageNumber) -> rx.event.EventSpec | None:
        chosen = page_number(page, self.pages)
        if chosen is None:
            return refuse()
        self.page = chosen
        await self._refresh(actor)
        return None

    @staff_event
    def export(self, actor: Actor) -> rx.event.EventSpec:
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
        return full_page_redirect(f"{routes.WAITLIST_EXPORT}?{urlencode(params)}")

    @staff_event
    async def reset_filters(self, actor: Actor) -> None:
        self.search, self.treatment, self.urgency, self.day = "", "alle", "alle", "alle"
        self.status, self.page = "waiting", 1
        await self._refresh(actor)

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

    @staff_event
    def open_new(self, actor: Actor) -> None:
        self._open(0, patients.PatientInput(duration_minutes=30), "")

    @staff_event(error="error")
    async def open_edit(self, actor: Actor, patient_id: RecordId) -> None:
        await self._open_existing(actor, patient_id)

    async def _open_existing(self, actor: Actor, patient_id: RecordId) -> None:
        """Open the dialog on a stored patient (not found: the guard shows it in `error`)."""
        pid = record_id(patient_id)
        if pid is None:
            return
        detail = await in_transaction(lambda db: patients.get(db, actor, pid))
        last_offer = patients.local_date(detail.last_offer_at) or "nooit"
        last_claim = patients.local_date(detail.last_claim_at) or "nooit"
        history = (
            f"Op de wachtlijst sinds {patients.local_date(detail.added_at)} · "
            f"{count(detail.offers_count, 'aanbieding')}, laatste {last_offer} · "
            f"laatste claim {last_claim}"
        )
        consent = patients.consent_summary(detail)
        self._open(detail.id, detail.form, f"{history} · {consent}")
        self.form["phone"] = detail.phone_display

    @staff_event
    def set_dialog_open(self, actor: Actor, value: bool) -> None:
        self.dialog_open = value

    @staff_event
    async def save(self, actor: Actor, form: dict) -> rx.event.EventSpec | None:
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
        now, secret = clock.now(), get_settings().secret_key  # secret: the suppression list's key

        def work(db: Session) -> str:
            if editing:
                return patients.update(db, actor, editing, data, now).name
            return patients.add(db, actor, data, now, secret=secret).name

        try:
            name = await in_transaction(work)
        except patients.ValidationFailed as exc:
            self.errors, self.duplicate_id = exc.errors, 0
            return None
        except patients.DuplicatePhone as exc:
            self.errors, self.duplicate_id = {"phone": exc.message}, exc.existing_id
            return None
        except DomainError as exc:
            self.errors, self.duplicate_id = {"form": exc.message}, 0
            return None
        self.dialog_open, self.errors = False, {}
        await self._refresh(actor)
        verb = "bijgewerkt" if editing else "toegevoegd"
        return rx.toast.success(f"{name} is {verb}.")

    @staff_event(error="error")
    async def open_duplicate(self, actor: Actor) -> None:
        await self._open_existing(actor, self.duplicate_id)

    # --- remove, undo, delete -------------------------------------------------------------

    async def _status(self, actor: Actor, pid: int | None, status: str) -> str | None:
        if pid is None:
            self.error = patients.NOT_FOUND
            return None
        try:
            return await in_transaction(
                lambda db: patients.set_status(db, actor, pid, status, clock.now()).name
            )
        except DomainError as exc:
            self.error = exc.message
            return None

    @staff_event
    async def remove(self, actor: Actor, patient_id: RecordId) -> None:
        pid = record_id(patient_id)
        name = await self._status(actor, pid, "removed")
        if pid is not None and name is not None:
            self.removed_id, self.removed_name, self.error = pid, name, ""
        await self._refresh(actor)

    @staff_event
    async def undo_remove(self, actor: Actor) -> None:
        if self.removed_id:
            await self._status(actor, self.removed_id, "waiting")
        self.removed_id = 0
        await self._refresh(actor)

    @staff_event(error="error")
    async def delete(self, actor: Actor, patient_id: RecordId) -> rx.event.EventSpec | None:
        pid = record_id(patient_id)
        if pid is None:
            self.error = patients.NOT_FOUND
            return None
        await in_transaction(lambda db: patients.delete_permanently(db, actor, pid, clock.now()))
        self.dialog_open, self.removed_id = False, 0
        await self._refresh(actor)
        return rx.toast.success("Patiënt definitief verwijderd.")

    # --- online sign-ups: accept or refuse ------------------------------------------------

    @staff_event
    async def show_pending(self, actor: Actor) -> None:
        self.status, self.page = signup.PENDING, 1
        await self._refresh(actor)

    @staff_event
    async def accept_signup(self, actor: Actor, patient_id: RecordId) -> rx.event.EventSpec | None:
        pid = record_id(patient_id)
        if pid is None:
            self.error = patients.NOT_FOUND
            return None
        try:
            name = await in_transaction(lambda db: signup.accept(db, actor, pid, clock.now()).name)
        except DomainError as exc:
            self.error = exc.message
            return None
        self.error = ""
        await self._refresh(actor)
        return rx.toast.success(f"{name} staat nu op de wachtlijst.")

    @staff_event
    async def refuse_signup(self, actor: Actor, patient_id: RecordId) -> rx.event.EventSpec | None:
        pid = record_id(patient_id)
        if pid is None:
            self.error = patients.NOT_FOUND
            return None
        try:
            await in_transaction(lambda db: signup.refuse(db, actor, pid, clock.now()))
        except DomainError as exc:
            self.error = exc.message
            return None
        self.error = ""
        await self._refresh(actor)
        return rx.toast.success("Aanmelding geweigerd; de gegevens zijn gewist.")
