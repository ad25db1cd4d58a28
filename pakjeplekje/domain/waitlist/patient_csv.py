"""CSV import and export of the waitlist, in the shape Dutch Excel reads and writes.

Import is two steps: `parse` validates a whole file into an `ImportPreview` (nothing is
written), `import_rows` stores the preview's valid rows in the caller's one transaction.
Export streams the filtered list in batches, with the same columns as the import template.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

import phonenumbers
from sqlmodel import Session, col, select

from pakjeplekje.domain import audit, phones
from pakjeplekje.domain.actor import Actor
from pakjeplekje.domain.dutch_dates import AMSTERDAM
from pakjeplekje.domain.errors import DomainError
from pakjeplekje.domain.integrations import webhook_events
from pakjeplekje.domain.privacy import suppression
from pakjeplekje.domain.waitlist import patients
from pakjeplekje.domain.waitlist.patients import (
    CELLS,
    CONSENT_METHODS,
    DAY_NAMES,
    DAYS,
    PARTS,
    STATUSES,
    URGENCIES,
    CleanPatient,
    PatientInput,
    PatientQuery,
    ValidationFailed,
)
from pakjeplekje.models import Patient, Practitioner, Treatment

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000
EXPORT_BATCH = 1000
_IN_CHUNK = 500  # phones per `IN (...)` when looking for duplicates

# (field, Dutch header written by export and template, accepted spellings after _norm)
COLUMNS: tuple[tuple[str, str, frozenset[str]], ...] = (
    ("name", "Naam", frozenset({"naam", "name", "patient", "patiënt", "volledigenaam"})),
    (
        "phone",
        "Telefoon",
        frozenset(
            {
                "telefoon",
                "telefoonnummer",
                "tel",
                "mobiel",
                "mobielnummer",
                "mobielenummer",
                "phone",
                "phonenumber",
                "mobile",
                "mobilephone",
            }
        ),
    ),
    (
        "treatments",
        "Behandelingen",
        frozenset({"behandelingen", "behandeling", "treatments", "treatment"}),
    ),
    (
        "duration",
        "Duur (minuten)",
        frozenset({"duur", "duurinminuten", "minuten", "duration", "minutes"}),
    ),
    (
        "availability",
        "Beschikbaarheid",
        frozenset({"beschikbaarheid", "beschikbaar", "dagdelen", "availability"}),
    ),
    (
        "practitioner",
        "Behandelaar",
        frozenset({"behandelaar", "voorkeursbehandelaar", "practitioner", "preferredpractitioner"}),
    ),
    ("urgency", "Urgentie", frozenset({"urgentie", "urgency", "prioriteit", "priority"})),
    (
        "note",
        "Notitie",
        frozenset({"notitie", "notities", "opmerking", "opmerkingen", "note", "notes"}),
    ),
    ("consent", "Toestemming", frozenset({"toestemming", "consent"})),
    ("status", "Status", frozenset({"status"})),
)
HEADERS = tuple(header for _, header, _ in COLUMNS)
# The consent record's when and which text: written by the export (AVG: the evidence goes
# along), known but not read by the import (an imported entry's consent is the practice's).
EXPORT_ONLY = ("Toestemming op", "Toestemmingstekst")
EXPORT_HEADERS = HEADERS + EXPORT_ONLY
_EXPORT_ONLY_KEYS = frozenset({"toestemmingop", "toestemmingstekst"})
FIELD_LABELS = {field: header for field, header, _ in COLUMNS}
REQUIRED = ("name", "phone", "treatments", "availability", "consent")

# What the import page shows under "Kolommen" (template download next to it).
COLUMN_HELP: tuple[tuple[str, str], ...] = (
    ("Naam", "Verplicht, maximaal 100 tekens."),
    ("Telefoon", "Verplicht: een mobiel nummer, bijvoorbeeld 06-12345678 of +32 470 12 34 56."),
    ("Behandelingen", "Verplicht: namen uit uw lijst, gescheiden door | of een komma."),
    ("Duur (minuten)", "Van 5 tot 240; leeg = de langste standaardduur van de behandelingen."),
    ("Beschikbaarheid", "Verplicht: dagdelen als ma-ochtend|di-middag|za-avond."),
    ("Behandelaar", "Optioneel: een naam uit uw lijst van behandelaars."),
    ("Urgentie", "normaal of hoog; leeg = normaal."),
    ("Notitie", "Optioneel, maximaal 500 tekens. Geen medische gegevens."),
    ("Toestemming", "Verplicht: balie, formulier of zelf (hoe de patiënt toestemming gaf)."),
    ("Status", "Optioneel: wacht, geboekt of verwijderd; leeg = wacht."),
)
EXAMPLE_ROW = (
    "Sanne de Vries",
    "06 12345678",
    "controle|vulling",
    "30",
    "ma-ochtend|wo-middag|vr-avond",
    "",
    "normaal",
    "Belt liever na 10 uur",
    "balie",
    "wacht",
)

TOO_BIG = "Het bestand is groter dan 5 MB. Splits het in kleinere bestanden."
TOO_MANY = "Het bestand heeft meer dan 20.000 rijen. Splits het in kleinere bestanden."
EMPTY = "Het bestand is leeg."
NO_HEADER = "Rij 1 moet de kolomnamen bevatten. Download het sjabloon als voorbeeld."
NO_ROWS = "Het bestand bevat alleen kolomnamen en nog geen patiënten."
NOT_TEXT = (
    "Dit is geen CSV-bestand. Sla het in Excel op als 'CSV (gescheiden door lijstscheidingsteken)'."
)
STALE = (
    "De behandelingen of behandelaars zijn gewijzigd sinds het uploaden. "
    "Upload het bestand opnieuw."
)
ALREADY_LISTED = "Dit nummer staat al op de wachtlijst."

_URGENCY_VALUES = {"normaal": "normaal", "normal": "normaal", "hoog": "hoog", "high": "hoog"}
_URGENCY_VALUES |= {label.lower(): key for key, label in URGENCIES.items()}
_CONSENT_VALUES = {key: key for key in CONSENT_METHODS}
_CONSENT_VALUES |= {label.lower(): key for key, label in CONSENT_METHODS.items()}
_CONSENT_VALUES |= {"mondeling": "balie", "counter": "balie", "form": "formulier", "self": "zelf"}
_STATUS_VALUES = {key: key for key in STATUSES}
_STATUS_VALUES |= {label.lower(): key for key, label in STATUSES.items()}
_STATUS_VALUES |= {"wachtend": "waiting", "wachtlijst": "waiting"}
_STATUS_OUT = {key: label.lower() for key, label in STATUSES.items()}

_DAY_WORDS = {d: i for i, d in enumerate(DAYS)} | {d: i for i, d in enumerate(DAY_NAMES)}
_DAY_WORDS |= {d: i for i, d in enumerate(("mon", "tue", "wed", "thu", "fri", "sat"))}
_DAY_WORDS |= {
    d: i for i, d in enumerate(("monday", "tuesday", "wednesday", "thursday", "friday", "saturday"))
}
_PART_WORDS: dict[str, tuple[int, ...]] = {p: (i,) for i, p in enumerate(PARTS)}
_PART_WORDS |= {"morning": (0,), "afternoon": (1,), "evening": (2,)}
_PART_WORDS |= dict.fromkeys(("heledag", "hele-dag", "dag", "allday", "all-day"), (0, 1, 2))
_TOKEN = re.compile(r"^([a-z]+)-+([a-z][a-z\-]*)$")  # after whitespace and _ became -
_DURATION = re.compile(r"^(\d{1,4})(?:[.,]0+)?\s*(?:min|minuten|minutes|m)?\.?$")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class RowError:
    """One broken field of one row; `row` as the spreadsheet numbers it (header = 1)."""

    row: int
    field: str  # a PatientInput field key: name, phone, treatments, …
    message: str

    @property
    def column(self) -> str:
        return FIELD_LABELS.get(self.field, self.field)


@dataclass(frozen=True)
class DuplicateRow:
    row: int
    message: str  # "staat al op de wachtlijst" or "zelfde nummer als rij N"


@dataclass(frozen=True)
class ImportPreview:
    """What the file would add. Holds no raw file, only validated rows and short messages."""

    practice_id: int
    valid: tuple[CleanPatient, ...]
    errors: tuple[RowError, ...]
    duplicates: tuple[DuplicateRow, ...]
    total_rows: int
    ignored_columns: tuple[str, ...] = ()

    @property
    def error_rows(self) -> int:
        return len({e.row for e in self.errors})


# --- reading a file -------------------------------------------------------------------------


def _decode(data: bytes) -> str:
    if data.startswith(b"PK\x03\x04") or data.startswith(b"\xd0\xcf\x11\xe0"):
        raise DomainError(NOT_TEXT)  # .xlsx / .xls uploaded as is
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise DomainError(NOT_TEXT) from exc
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            # Excel's "CSV (gescheiden door lijstscheidingsteken)" on Dutch Windows.
            text = data.decode("cp1252", errors="replace").removeprefix("ï»¿")
    if "\x00" in text:
        raise DomainError(NOT_TEXT)
    return text


def _separator(text: str) -> str:
    header = text.split("\n", 1)[0]
    counts = {sep: header.count(sep) for sep in (";", ",", "\t")}
    best = max(counts, key=lambda sep: counts[sep])
    return best if counts[best] else ";"


def _norm_header(text: str) -> str:
    text = re.sub(r"\(.*?\)", "", text.strip().lower())
    return re.sub(r"[\s_\-./:]+", "", text)


def _words(text: str) -> str:
    return " ".join(text.split()).lower()


def _cell(text: str) -> str:
    """Undo the export's guard against spreadsheet formulas (`'=…` → `=…`), trim, and make
    line breaks inside a cell plain `\n` (some tools write `\r\n`)."""
    if len(text) > 1 and text[0] == "'" and text[1] in _FORMULA_START:
        text = text[1:]
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


def _columns(header: Sequence[str]) -> tuple[dict[str, int], tuple[str, ...]]:
    found: dict[str, int] = {}
    ignored: list[str] = []
    for index, raw in enumerate(header):
        key = _norm_header(_cell(raw))
        field = next((f for f, _, names in COLUMNS if key in names), None)
        if field is None:
            if raw.strip() and key not in _EXPORT_ONLY_KEYS:
                ignored.append(raw.strip()[:50])
            continue
        if field in found:
            raise DomainError(f"De kolom '{FIELD_LABELS[field]}' staat twee keer in het bestand.")
        found[field] = index
    missing = [FIELD_LABELS[f] for f in REQUIRED if f not in found]
    if missing:
        raise DomainError(
            "Deze kolommen ontbreken: "
            + ", ".join(missing)
            + ". Download het sjabloon voor de juiste kolomnamen."
        )
    return found, tuple(ignored)


def _records(text: str) -> list[tuple[int, list[str]]]:
    """(spreadsheet row number, cells) per non-empty data row; refuses files over the limit."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_separator(text))
    rows: list[tuple[int, list[str]]] = []
    try:
        for number, record in enumerate(reader, start=1):
            if any(cell.strip() for cell in record) or number == 1:
                rows.append((number, record))
                if len(rows) > MAX_ROWS + 1:
                    raise DomainError(TOO_MANY)
    except csv.Error as exc:
        raise DomainError(
            f"Regel {reader.line_num} van het bestand is geen geldige CSV-regel."
        ) from exc
    return rows


# --- one row --------------------------------------------------------------------------------


def _availability(cell: str) -> tuple[list[str], str | None]:
    keys: list[str] = []
    for token in filter(None, (t.strip().lower() for t in re.split(r"[|,;/+]", cell))):
        match = _TOKEN.match(re.sub(r"[\s_]+", "-", token))
        day = _DAY_WORDS.get(match[1]) if match else None
        parts = _PART_WORDS.get(match[2]) if match else None
        if day is None or parts is None:
            return (
                [],
                f"Onbekend dagdeel '{token[:30]}'. Schrijf bijvoorbeeld ma-ochtend|di-middag.",
            )
        keys.extend(patients.cell_key(day, part) for part in parts)
    return keys, None


@dataclass(frozen=True)
class _Lookups:
    treatments: dict[str, tuple[int, int]]  # lower-case name → (id, default duration)
    practitioners: dict[str, int]  # lower-case name → id


def _lookups(db: Session, practice_id: int) -> _Lookups:
    treatments = db.exec(
        select(Treatment).where(
            Treatment.practice_id == practice_id, col(Treatment.active).is_(True)
        )
    ).all()
    practitioners = db.exec(
        select(Practitioner).where(
            Practitioner.practice_id == practice_id, col(Practitioner.active).is_(True)
        )
    ).all()
    return _Lookups(
        {_words(t.name): (t.id, t.default_duration_minutes) for t in treatments},
        {_words(p.name): p.id for p in practitioners},
    )


def _row_input(cells: dict[str, str], lookups: _Lookups) -> tuple[PatientInput, dict[str, str]]:
    """The row as form input (names mapped to ids) and errors only the CSV can have."""
    errors: dict[str, str] = {}

    raw = cells.get("treatments", "")
    names = [_words(n) for n in re.split(r"\|" if "|" in raw else ",", raw)]
    treatment_ids: list[int] = []
    durations: list[int] = []
    unknown = []
    for name in filter(None, names):
        if name not in lookups.treatments:
            unknown.append(name)
            continue
        treatment_id, default_duration = lookups.treatments[name]
        if treatment_id not in treatment_ids:
            treatment_ids.append(treatment_id)
            durations.append(default_duration)
    if unknown:
        errors["treatments"] = f"Onbekende behandeling: {', '.join(unknown)[:80]}."

    duration: int | str = cells.get("duration", "")
    if match := _DURATION.match(duration.lower()):  # type: ignore[union-attr]  # a str here: mypy keeps the declared union on the first assignment
        duration = int(match[1])
    elif not duration and durations:
        duration = max(durations)

    availability, availability_error = _availability(cells.get("availability", ""))
    if availability_error:
        errors["availability"] = availability_error

    practitioner_id = None
    if practitioner := _words(cells.get("practitioner", "")):
        practitioner_id = lookups.practitioners.get(practitioner)
        if practitioner_id is None:
            errors["practitioner"] = f"Onbekende behandelaar: {practitioner[:50]}."

    urgency = _words(cells.get("urgency", "")) or "normaal"
    consent = _words(cells.get("consent", ""))
    status = _words(cells.get("status", "")) or "waiting"
    data = PatientInput(
        name=cells.get("name", ""),
        phone=cells.get("phone", ""),
        treatment_ids=treatment_ids,
        duration_minutes=duration,
        availability=availability,
        preferred_practitioner_id=practitioner_id,
        urgency=_URGENCY_VALUES.get(urgency, urgency),
        note=cells.get("note", ""),
        consent_method=_CONSENT_VALUES.get(consent, consent),
        status=_STATUS_VALUES.get(status, status),
    )
    return data, errors


def _existing_phones(db: Session, practice_id: int, phones: Iterable[str]) -> set[str]:
    wanted = sorted(set(phones))
    found: set[str] = set()
    for start in range(0, len(wanted), _IN_CHUNK):
        found.update(
            db.exec(
                select(Patient.phone).where(
                    Patient.practice_id == practice_id,
                    col(Patient.phone).in_(wanted[start : start + _IN_CHUNK]),
                )
            ).all()
        )
    return found


_FIELD_ORDER = {field: i for i, (field, _, _) in enumerate(COLUMNS)}


def parse(db: Session, practice_id: int, data: bytes, *, secret: str) -> ImportPreview:
    """Validate a whole upload. Raises DomainError for a file that cannot be read at all.
    `secret` keys the AVG suppression list (SECRET_KEY)."""
    if len(data) > MAX_BYTES:
        raise DomainError(TOO_BIG)
    records = _records(_decode(data))
    if not records:
        raise DomainError(EMPTY)
    if not any(cell.strip() for cell in records[0][1]):
        raise DomainError(NO_HEADER if len(records) > 1 else EMPTY)
    columns, ignored = _columns(records[0][1])
    if len(records) == 1:
        raise DomainError(NO_ROWS)
    lookups = _lookups(db, practice_id)
    choices = patients.active_choices(db, practice_id)

    valid: list[tuple[int, CleanPatient]] = []
    errors: list[RowError] = []
    for number, record in records[1:]:
        cells = {
            field: _cell(record[index]) if index < len(record) else ""
            for field, index in columns.items()
        }
        data_in, row_errors = _row_input(cells, lookups)
        try:
            clean = patients.validate(db, practice_id, data_in, choices=choices)
        except ValidationFailed as exc:
            row_errors = exc.errors | row_errors  # "unknown treatment" beats "choose one"
        if row_errors:
            errors.extend(
                RowError(number, field, message)
                for field, message in sorted(
                    row_errors.items(), key=lambda item: _FIELD_ORDER.get(item[0], 99)
                )
            )
        else:
            valid.append((number, clean))

    listed = _existing_phones(db, practice_id, (c.phone for _, c in valid))
    blocked = suppression.suppressed_phones(db, [c.phone for _, c in valid], secret)
    first_row: dict[str, int] = {}
    kept: list[CleanPatient] = []
    duplicates: list[DuplicateRow] = []
    for number, clean in valid:
        if clean.phone in blocked:
            duplicates.append(DuplicateRow(number, suppression.SUPPRESSED))
        elif clean.phone in listed:
            duplicates.append(DuplicateRow(number, ALREADY_LISTED))
        elif clean.phone in first_row:
            duplicates.append(
                DuplicateRow(number, f"Hetzelfde nummer als rij {first_row[clean.phone]}.")
            )
        else:
            first_row[clean.phone] = number
            kept.append(clean)
    return ImportPreview(
        practice_id=practice_id,
        valid=tuple(kept),
        errors=tuple(errors),
        duplicates=tuple(duplicates),
        total_rows=len(records) - 1,
        ignored_columns=ignored,
    )


SAMPLE_ROWS = 5


@dataclass(frozen=True)
class SampleRow:
    """A row the import will add, as staff check it before confirming."""

    name: str
    phone: str  # as staff read it: 06-12345678
    treatments: str  # "controle, vulling"


def sample(db: Session, preview: ImportPreview, limit: int = SAMPLE_ROWS) -> list[SampleRow]:
    """The first rows the import will add, so staff see the columns landed where they should."""
    rows = preview.valid[:limit]
    wanted = sorted({t for row in rows for t in row.treatment_ids})
    names = dict(
        db.exec(
            select(Treatment.id, Treatment.name).where(
                Treatment.practice_id == preview.practice_id, col(Treatment.id).in_(wanted)
            )
        ).all()
    )
    return [
        SampleRow(
            name=row.name,
            phone=phones.display(row.phone),
            treatments=", ".join(sorted(names[t] for t in row.treatment_ids if t in names)),
        )
        for row in rows
    ]


def import_rows(db: Session, actor: Actor, preview: ImportPreview, now: datetime) -> int:
    """Insert the preview's valid rows in the caller's transaction; returns how many were added.

    Numbers added to the waitlist since the preview are skipped, never doubled."""
    if preview.practice_id != actor.practice_id:
        raise DomainError(STALE)
    active_treatments = set(
        db.exec(
            select(Treatment.id).where(
                Treatment.practice_id == actor.practice_id, col(Treatment.active).is_(True)
            )
        ).all()
    )
    active_practitioners = set(
        db.exec(
            select(Practitioner.id).where(
                Practitioner.practice_id == actor.practice_id,
                col(Practitioner.active).is_(True),
            )
        ).all()
    )
    for clean in preview.valid:
        if not set(clean.treatment_ids) <= active_treatments or (
            clean.preferred_practitioner_id is not None
            and clean.preferred_practitioner_id not in active_practitioners
        ):
            raise DomainError(STALE)
    taken = _existing_phones(db, actor.practice_id, (c.phone for c in preview.valid))
    fresh: list[CleanPatient] = []
    for clean in preview.valid:
        if clean.phone not in taken:
            taken.add(clean.phone)
            fresh.append(clean)
    joined = patients.insert_many(db, actor.practice_id, fresh, now)
    webhook_events.patients_joined(db, actor.practice_id, joined, "import", now)
    added = len(fresh)
    audit.record(
        db,
        "patient.imported",
        practice_id=actor.practice_id,
        actor_user_id=actor.user_id,
        detail=str(added),
        now=now,
    )
    return added


# --- writing --------------------------------------------------------------------------------


def _safe(value: str) -> str:
    """A cell Excel would run as a formula (`=`, `+`, `-`, `@`) is written as text."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def _lines(rows: Iterable[Sequence[str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerows([_safe(str(v)) for v in row] for row in rows)
    return buffer.getvalue()


def _phone_out(e164: str) -> str:
    """`06 12345678`, or `0032 470 12 34 56` abroad: text in Excel, accepted by the import."""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    if number.country_code == 31:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    international = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    return "00" + international.removeprefix("+")


def template_csv() -> str:
    """The header and one example row (`;`-separated, without BOM)."""
    return _lines([HEADERS, EXAMPLE_ROW])


def _consent_moment(moment: datetime | None) -> str:
    """Amsterdam time, as staff read it (`2026-12-07 10:03`)."""
    return moment.astimezone(AMSTERDAM).strftime("%Y-%m-%d %H:%M") if moment else ""


def _batches(items: Iterable[Patient], size: int) -> Iterator[list[Patient]]:
    batch: list[Patient] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def export_csv(
    db: Session, practice_id: int, query: PatientQuery, batch: int = EXPORT_BATCH
) -> Iterator[str]:
    """The filtered waitlist as UTF-8 text chunks: BOM and header first, then one per batch."""
    yield "\ufeff" + _lines([EXPORT_HEADERS])
    practitioners = dict(
        db.exec(
            select(Practitioner.id, Practitioner.name).where(
                Practitioner.practice_id == practice_id
            )
        ).all()
    )
    for chunk in _batches(patients.all_matching(db, practice_id, query, batch), batch):
        names = patients.treatment_names(db, [p.id for p in chunk])
        yield _lines(
            (
                p.name,
                _phone_out(p.phone),
                "|".join(names[p.id]),
                str(p.duration_minutes),
                "|".join(key for key, bit in CELLS.items() if p.availability & bit),
                practitioners.get(p.preferred_practitioner_id or 0, ""),  # 0: no preference
                p.urgency,
                p.note,
                p.consent_method,
                _STATUS_OUT.get(p.status, p.status),
                _consent_moment(p.consent_at),
                p.consent_text_version,
            )
            for p in chunk
        )


def record_export(db: Session, actor: Actor, now: datetime) -> None:
    """Who took the patient list out of the app (no filters: a search can be a name)."""
    audit.record(
        db,
        "patient.exported",
        practice_id=actor.practice_id,
        actor_user_id=actor.user_id,
        now=now,
    )
