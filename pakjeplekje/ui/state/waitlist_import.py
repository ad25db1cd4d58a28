"""CSV import: upload → preview with per-row errors → import all valid rows, or cancel."""

from __future__ import annotations

import reflex as rx

from pakjeplekje import clock
from pakjeplekje.adapters import private_uploads
from pakjeplekje.domain.actor import Actor
from pakjeplekje.domain.errors import DomainError
from pakjeplekje.domain.waitlist import patient_csv
from pakjeplekje.ui.state.base import in_transaction
from pakjeplekje.ui.state.guard import staff_event
from pakjeplekje.ui.state.waitlist import WaitlistState

SHOWN_PROBLEMS = 100


class ImportState(rx.State):
    dialog_open: bool = False
    error: str = ""
    file_name: str = ""
    ready: int = 0
    error_rows: int = 0
    duplicates: int = 0
    problems: list[dict[str, str]] = []
    _key: str = ""

    @rx.var
    def has_preview(self) -> bool:
        return self.file_name != ""

    def _forget(self, practice_id: int | None = None) -> None:
        if self._key and practice_id is not None:
            private_uploads.discard(practice_id, self._key)
        self._key, self.file_name, self.error, self.problems = "", "", "", []
        self.ready = self.error_rows = self.duplicates = 0

    @staff_event
    def set_dialog_open(self, actor: Actor, value: bool) -> None:
        if not value:
            self._forget(actor.practice_id)
        self.dialog_open = value

    @staff_event
    def cancel(self, actor: Actor) -> None:
        self._forget(actor.practice_id)

    @staff_event
    async def upload(self, actor: Actor, files: list[rx.UploadFile]) -> None:
        self._forget(actor.practice_id)
        if not files:
            return
        data = await files[0].read(patient_csv.MAX_BYTES + 1)
        try:
            preview = await in_transaction(
                lambda db: patient_csv.parse(db, actor.practice_id, data)
            )
        except DomainError as exc:
            self.error = exc.message
            return
        self._key = private_uploads.save(actor.practice_id, data)
        self.file_name = (files[0].filename or "bestand.csv")[:100]
        self.ready, self.error_rows = len(preview.valid), preview.error_rows
        self.duplicates = len(preview.duplicates)
        problems = [
            {"row": str(e.row), "column": e.column, "message": e.message} for e in preview.errors
        ] + [
            {"row": str(d.row), "column": "Telefoon", "message": d.message}
            for d in preview.duplicates
        ]
        self.problems = sorted(problems, key=lambda p: int(p["row"]))[:SHOWN_PROBLEMS]

    @staff_event
    async def confirm(self, actor: Actor) -> list | None:
        data = private_uploads.load(actor.practice_id, self._key) if self._key else None
        if data is None:
            self._forget(actor.practice_id)
            self.error = "Het bestand is niet meer beschikbaar. Upload het opnieuw."
            return None
        try:
            added = await in_transaction(
                lambda db: patient_csv.import_rows(
                    db, actor, patient_csv.parse(db, actor.practice_id, data), clock.now()
                )
            )
        except DomainError as exc:
            self.error = exc.message
            return None
        self._forget(actor.practice_id)
        self.dialog_open = False
        word = "patiënt" if added == 1 else "patiënten"
        return [rx.toast.success(f"{added} {word} geïmporteerd."), WaitlistState.load]
