"""Overdracht (AVG art. 20) and Inzage (art. 15) for a practice: everything we hold about it.

One definition of "a practice's rows" serves the Inzage counts, the ZIP export and the purge
(`practice_deletion`): every table with a `practice_id` column, the practice row itself, and
the child tables reached through the practice's staff accounts or patients. A table that fits
none of these must be listed in GLOBAL_TABLES (with the reason it is not practice data), or
`scope()` raises — so a new table can never be silently left out of an export or a purge.

The ZIP holds `pakjeplekje-export.json` (format `pakjeplekje-export`, `schema_version` below,
validated by `schema.json` which the ZIP also carries) and one `csv/<table>.csv` per table.
Secrets never leave: every column ending in `_hash` (passwords, session, link and claim
tokens) is dropped. Rows are streamed in batches from one snapshot; the ZIP is produced chunk
by chunk (data descriptors, ZIP64), so memory stays flat however large the practice is.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from importlib import resources
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, SQLModel, select

import pakjeplekje.models  # noqa: F401  (registers every table in the metadata)
from pakjeplekje.domain import audit
from pakjeplekje.domain.accounts import links
from pakjeplekje.domain.actor import Actor
from pakjeplekje.domain.errors import PermissionDenied
from pakjeplekje.models import Patient, User

FORMAT = "pakjeplekje-export"
SCHEMA_VERSION = 1
SCHEMA_FILE = f"export_schema_v{SCHEMA_VERSION}.json"
BATCH = 2000

# Tables that hold no practice's data, and why.
GLOBAL_TABLES = {
    "loginthrottle": "failed-login counters, keyed by an HMAC; belong to no practice",
    "verificationcode": "codes for /privacy/verzoek, keyed by an HMAC; belong to no practice",
    "suppression": "hashed numbers that objected; the person's, not a practice's",
    "usageday": "anonymous daily totals over several consenting practices; no practice id",
}
# Dutch names for the Inzage table; any table not listed shows its own name.
LABELS = {
    "practice": "Praktijk",
    "app_user": "Medewerkersaccounts",
    "authsession": "Inlogsessies",
    "onetimetoken": "Uitnodigings- en herstellinks",
    "treatment": "Behandelingen",
    "practitioner": "Behandelaars",
    "patient": "Wachtlijst (patiënten)",
    "patienttreatment": "Gewenste behandelingen per patiënt",
    "slot": "Vrijgekomen plekken",
    "offer": "Aanbiedingen",
    "message": "SMS-berichten",
    "auditevent": "Audit-log",
    "privacyrequest": "Privacyverzoeken",
    "subscription": "Abonnement",
    "stripeevent": "Verwerkte Stripe-gebeurtenissen",
    "codesms": "SMS-codes voor privacyverzoeken (alleen tellers)",
    "apikey": "API-sleutels (zonder de sleutels zelf)",
    "idempotentreply": "Bewaarde API-antwoorden (Idempotency-Key, 24 uur)",
    "webhookendpoint": "Webhook-abonnementen",
    "webhookdelivery": "Webhook-afleveringen",
}


def is_secret(column: str) -> bool:
    """Hashes of passwords and tokens: never exported, never shown."""
    return column.endswith("_hash") or column in {"token", "secret"}


def practice_tables() -> list[sa.Table]:
    """Every table that holds practice data, parents before children."""
    return [t for t in SQLModel.metadata.sorted_tables if t.name not in GLOBAL_TABLES]


def scope(table: sa.Table, practice_id: int) -> sa.ColumnElement[bool]:
    """The WHERE clause that selects exactly this practice's rows of `table`."""
    columns = table.c
    if table.name == "practice":
        return columns.id == practice_id
    if "practice_id" in columns:
        return columns.practice_id == practice_id
    if "user_id" in columns:
        staff = select(User.id).where(User.practice_id == practice_id)
        return columns.user_id.in_(staff)
    if "patient_id" in columns:
        waitlist = select(Patient.id).where(Patient.practice_id == practice_id)
        return columns.patient_id.in_(waitlist)
    raise RuntimeError(f"table {table.name} has no practice scope; add it to GLOBAL_TABLES")


def exported_columns(table: sa.Table) -> list[sa.Column[Any]]:
    return [c for c in table.columns if not is_secret(c.name)]


@dataclass(frozen=True)
class TableCount:
    table: str
    label: str
    rows: int


def inventory(db: Session, practice_id: int) -> list[TableCount]:
    """Inzage: how many rows of each kind we hold for the practice."""
    counts = []
    for table in practice_tables():
        total = db.exec(
            select(sa.func.count()).select_from(table).where(scope(table, practice_id))
        ).one()
        counts.append(TableCount(table.name, LABELS.get(table.name, table.name), int(total)))
    return counts


def _json_type(column: sa.Column[Any]) -> dict[str, Any]:
    kind = column.type
    if isinstance(kind, sa.Boolean):
        spec: dict[str, Any] = {"type": "boolean"}
    elif isinstance(kind, sa.Integer):
        spec = {"type": "integer"}
    elif isinstance(kind, sa.DateTime) or "DateTime" in type(kind).__name__:
        spec = {"type": "string", "format": "date-time"}
    else:
        spec = {"type": "string"}
        length = getattr(kind, "length", None)
        if length:
            spec["maxLength"] = length
    if column.nullable:
        spec["type"] = [spec["type"], "null"]
    return spec


def build_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of `pakjeplekje-export.json`, from the table metadata."""
    tables: dict[str, Any] = {}
    for table in practice_tables():
        cols = exported_columns(table)
        tables[table.name] = {
            "description": LABELS.get(table.name, table.name),
            "type": "array",
            "items": {
                "type": "object",
                "properties": {c.name: _json_type(c) for c in cols},
                "required": [c.name for c in cols],
                "additionalProperties": False,
            },
        }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://pakjeplekje.nl/schemas/export-v{SCHEMA_VERSION}.json",
        "title": f"PakJePlekje gegevensexport, versie {SCHEMA_VERSION}",
        "description": (
            "Alle gegevens van één praktijk. Tijden in UTC (ISO 8601); telefoonnummers in "
            "E.164. Wachtwoord-, sessie-, link- en claimtokens zitten er nooit in."
        ),
        "type": "object",
        "required": ["format", "schema_version", "exported_at", "practice_id", "tables"],
        "additionalProperties": False,
        "properties": {
            "format": {"const": FORMAT},
            "schema_version": {"const": SCHEMA_VERSION},
            "exported_at": {"type": "string", "format": "date-time"},
            "practice_id": {"type": "integer"},
            "tables": {
                "type": "object",
                "properties": tables,
                "required": list(tables),
                "additionalProperties": False,
            },
        },
    }


def published_schema() -> str:
    """The committed schema file (a test keeps it equal to `build_schema()`)."""
    return resources.files("pakjeplekje.data").joinpath(SCHEMA_FILE).read_text("utf-8")


# --- streaming the ZIP ---------------------------------------------------------------------


class _Sink:
    """A write-only, unseekable file for ZipFile: it collects bytes until we hand them out."""

    def __init__(self) -> None:
        self._data = bytearray()

    def write(self, data: bytes) -> int:
        self._data += data
        return len(data)

    def flush(self) -> None:
        return None

    def close(self) -> None:  # ZipFile never closes a file it was handed; typeshed asks for it
        return None

    def take(self) -> bytes:
        chunk = bytes(self._data)
        self._data.clear()
        return chunk


def _json_value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


_FORMULA = ("=", "@", "\t", "\r")


def _csv_cell(value: Any) -> str:
    """As text; a cell Excel would run as a formula gets a leading apostrophe. `+31…` numbers
    and negative numbers are left alone (they are data, not formulas)."""
    text = _text(value)
    risky = text.startswith(_FORMULA) or (
        text[:1] in "+-" and not text[1:].replace(" ", "").isdigit()
    )
    return "'" + text if text and risky else text


def _rows(db: Session, table: sa.Table, practice_id: int) -> Iterator[sa.Row[Any]]:
    cols = exported_columns(table)
    pk = list(table.primary_key.columns)
    stmt = sa.select(*cols).where(scope(table, practice_id)).order_by(*pk)
    # Per statement: Connection.execution_options() would change the connection for good.
    streamed = stmt.execution_options(stream_results=True, yield_per=BATCH)
    result = db.connection().execute(streamed)
    yield from result


def _readme(practice_id: int, now: datetime) -> str:
    return (
        "PakJePlekje - gegevensexport (AVG art. 20, recht op overdraagbaarheid)\n\n"
        f"Praktijk-id: {practice_id}\nGemaakt op: {now.isoformat()} (UTC)\n\n"
        "pakjeplekje-export.json  alle gegevens in één bestand; het formaat staat in "
        f"schema.json (JSON Schema, versie {SCHEMA_VERSION}).\n"
        "csv/<tabel>.csv          dezelfde gegevens, één bestand per tabel (UTF-8, ';').\n\n"
        "Tijden zijn in UTC. Wachtwoorden en toegangstokens worden nooit geëxporteerd.\n"
    )


def export_zip(db: Session, practice_id: int, now: datetime) -> Iterator[bytes]:
    """The ZIP as byte chunks, all tables read in the caller's transaction (the route opens a
    REPEATABLE READ one on PostgreSQL, so every table comes from one snapshot)."""
    db.flush()  # rows are read through the connection, which does not autoflush
    tables = practice_tables()
    sink = _Sink()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=5) as zf:
        zf.writestr("LEESMIJ.txt", _readme(practice_id, now))
        zf.writestr("schema.json", published_schema())
        yield sink.take()
        with zf.open("pakjeplekje-export.json", "w", force_zip64=True) as out:
            head = {
                "format": FORMAT,
                "schema_version": SCHEMA_VERSION,
                "exported_at": now.isoformat(),
                "practice_id": practice_id,
            }
            out.write(json.dumps(head, ensure_ascii=False)[:-1].encode() + b', "tables": {')
            for index, table in enumerate(tables):
                names = [c.name for c in exported_columns(table)]
                out.write((", " if index else "").encode() + json.dumps(table.name).encode())
                out.write(b": [")
                parts: list[str] = []
                first = True
                for row in _rows(db, table, practice_id):
                    record = {n: _json_value(v) for n, v in zip(names, row, strict=True)}
                    parts.append(("" if first else ",\n") + json.dumps(record, ensure_ascii=False))
                    first = False
                    if len(parts) >= BATCH:
                        out.write("".join(parts).encode())
                        parts.clear()
                        yield sink.take()
                out.write("".join(parts).encode() + b"]")
            out.write(b"}}")
        yield sink.take()
        for table in tables:
            names = [c.name for c in exported_columns(table)]
            with zf.open(f"csv/{table.name}.csv", "w", force_zip64=True) as out:
                buffer = io.StringIO()
                writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
                buffer.write("\ufeff")
                writer.writerow(names)
                for count, row in enumerate(_rows(db, table, practice_id), start=1):
                    writer.writerow([_csv_cell(v) for v in row])
                    if count % BATCH == 0:
                        out.write(buffer.getvalue().encode())
                        buffer.seek(0)
                        buffer.truncate()
                        yield sink.take()
                out.write(buffer.getvalue().encode())
            yield sink.take()
    yield sink.take()


# --- who may export ------------------------------------------------------------------------

EXPORT_LINK = "export"


def start_export(db: Session, actor: Actor, now: datetime) -> str:
    """Owner only: a one-use download token, valid for two minutes (the route spends it)."""
    if not actor.is_owner:
        raise PermissionDenied()
    user = db.get(User, actor.user_id)
    assert user is not None
    return links.issue(db, user, EXPORT_LINK, timedelta(minutes=2), now)


def redeem_export(db: Session, raw: str, actor: Actor | None, now: datetime) -> int:
    """Spend a download token; the logged-in owner who asked for it must be the one using it.

    Returns the practice id to export. Raises DomainError otherwise."""
    if actor is None or not actor.is_owner:
        raise PermissionDenied("Log in als eigenaar om de export te downloaden.")
    user = links.use(db, raw, EXPORT_LINK, now)
    if user.id != actor.user_id:
        raise PermissionDenied("Deze downloadlink is van iemand anders.")
    audit.by_actor(db, actor, "privacy.exported", "practice", actor.practice_id, now)
    return actor.practice_id
