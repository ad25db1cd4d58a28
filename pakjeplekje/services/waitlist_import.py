"""Importing a waitlist CSV in two steps: the upload is checked and kept privately (never in
the page's state, never in a public folder) until staff confirm the preview; then its valid
rows are added in one transaction and the file is gone."""

from __future__ import annotations

from pakjeplekje import clock
from pakjeplekje.adapters import private_uploads
from pakjeplekje.config import get_settings
from pakjeplekje.domain.actor import Actor
from pakjeplekje.domain.waitlist import patient_csv
from pakjeplekje.services import unit_of_work


def preview(
    actor: Actor, data: bytes
) -> tuple[str, patient_csv.ImportPreview, list[patient_csv.SampleRow]]:
    """The preview staff confirm, its first rows to import, and the key of the kept file.
    Raises DomainError (Dutch) when the file itself is refused."""

    def check(
        work: unit_of_work.UnitOfWork,
    ) -> tuple[patient_csv.ImportPreview, list[patient_csv.SampleRow]]:
        parsed = patient_csv.parse(
            work.db, actor.practice_id, data, secret=get_settings().secret_key
        )
        return parsed, patient_csv.sample(work.db, parsed)

    checked, first_rows = unit_of_work.run(check)
    return private_uploads.save(actor.practice_id, data), checked, first_rows


def confirm(actor: Actor, key: str) -> int | None:
    """Adds the file's valid rows; None when the kept file is gone (expired or discarded)."""
    data = private_uploads.load(actor.practice_id, key) if key else None
    if data is None:
        return None
    added = unit_of_work.run(
        lambda work: patient_csv.import_rows(
            work.db,
            actor,
            patient_csv.parse(work.db, actor.practice_id, data, secret=get_settings().secret_key),
            clock.now(),
        )
    )
    private_uploads.discard(actor.practice_id, key)
    return added


def discard(actor: Actor, key: str) -> None:
    if key:
        private_uploads.discard(actor.practice_id, key)
