"""CSV import: upload → preview with per-row errors → import all valid rows, or cancel."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import reflex as rx

from pakjeplekje import texts
from pakjeplekje.domain.actor import Actor
from pakjeplekje.domain.waitlist import patient_csv
from pakjeplekje.services import waitlist_import
from pakjeplekje.ui.state.guard import staff_event
from pakjeplekje.ui.state.waitlist import WaitlistState

SHOWN_PROBLEMS = 100


@dataclass(frozen=True)
class Problem:
    """Why one CSV row will be skipped."""

    row: int
    column: str
    message: str


@dataclass(frozen=True)
class ImportRow:
    """One of the first rows the import will add."""

    name: str
    phone: str
    treatments: str


class ImportState(rx.State):
    dialog_open: bool = False
    error: str = ""
    file_name: str = ""
    ready: int = 0
    error_rows: int = 0
    duplicates: int = 0
    problems: list[Problem] = []
    first_rows: list[ImportRow] = []
    summary: str = ""  # "3 rijen klaar om te importeren, 1 met fouten, 0 dubbel."
    import_label: str = ""  # "Importeer 3 patiënten"
    more_rows: str = ""  # "… en nog 12 rijen."
    _key: str = ""

    @rx.var
    def has_preview(self) -> bool:
        return self.file_name != ""

    def _forget(self, actor: Actor | None = None) -> None:
        if actor is not None:
            waitlist_import.discard(actor, self._key)
        self._key, self.file_name, self.error, self.problems = "", "", "", []
        self.ready = self.error_rows = self.duplicates = 0
        self.first_rows, self.summary, self.import_label, self.more_rows = [], "", "", ""

    @staff_event
    def set_dialog_open(self, actor: Actor, value: bool) -> None:
        if not value:
            self._forget(actor)
        self.dialog_open = value

    @staff_event
    def cancel(self, actor: Actor) -> None:
        self._forget(actor)

    @staff_event(error="error")
    async def upload(self, actor: Actor, files: list[rx.UploadFile]) -> None:
        self._forget(actor)
        if not files:
            return
        data = await files[0].read(patient_csv.MAX_BYTES + 1)
        self._key, preview, first = await asyncio.to_thread(waitlist_import.preview, actor, data)
        self.file_name = (files[0].filename or "bestand.csv")[:100]
        self.ready, self.error_rows = len(preview.valid), preview.error_rows
        self.duplicates = len(preview.duplicates)
        self.summary = (
            f"{texts.count(self.ready, 'rij')} klaar om te importeren, "
            f"{self.error_rows} met fouten, {self.duplicates} dubbel."
        )
        self.import_label = f"Importeer {texts.count(self.ready, 'patiënt')}"
        self.first_rows = [ImportRow(r.name, r.phone, r.treatments) for r in first]
        rest = self.ready - len(first)
        self.more_rows = f"… en nog {texts.count(rest, 'rij')}." if rest > 0 else ""
        problems = [Problem(e.row, e.column, e.message) for e in preview.errors] + [
            Problem(d.row, "Telefoon", d.message) for d in preview.duplicates
        ]
        self.problems = sorted(problems, key=lambda p: p.row)[:SHOWN_PROBLEMS]

    @staff_event(error="error")
    async def confirm(self, actor: Actor) -> list | None:
        added = await asyncio.to_thread(waitlist_import.confirm, actor, self._key)
        if added is None:
            self._forget(actor)
            self.error = "Het bestand is niet meer beschikbaar. Upload het opnieuw."
            return None
        self._key = ""
        self._forget(actor)
        self.dialog_open = False
        return [
            rx.toast.success(f"{texts.count(added, 'patiënt')} geïmporteerd."),
            WaitlistState.load,
        ]
