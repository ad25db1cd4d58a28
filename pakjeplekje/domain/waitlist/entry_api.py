"""Waitlist entries as the integration API (/api/v1) reads and writes them.

Every write goes through the staff form's rules (`patients.validate`, the duplicate and
suppression checks in `patients.add`/`patients.update`): an integration can do nothing a staff
member could not. On top, an entry created through the API must carry the patient's consent
(how, when, which text version): the practice's software is where the patient agreed.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from pakjeplekje.domain.actor import Actor
from pakjeplekje.domain.dutch_dates import AMSTERDAM
from pakjeplekje.domain.errors import NotFound
from pakjeplekje.domain.waitlist import patients
from pakjeplekje.domain.waitlist.patients import PatientInput, ValidationFailed
from pakjeplekje.models import Patient, PatientTreatment

STATUSES = ("waiting", "booked", "removed")
URGENCIES = tuple(patients.URGENCIES)
CONSENT_METHODS = tuple(patients.CONSENT_METHODS)
AVAILABILITY = tuple(patients.CELLS)
TEXT_VERSION_MAX = 20
EARLIEST_YEAR, LATEST_YEAR = 2000, 2999
OUT_OF_RANGE = f"Geef een tijdstip tussen de jaren {EARLIEST_YEAR} en {LATEST_YEAR}."
CLOCK_SKEW = timedelta(minutes=5)  # a consent "now" from a clock slightly ahead of ours
# patients.validate's fields → the API's
FIELDS = {
    "name": "name",
    "phone": "phone",
    "treatments": "treatment_ids",
    "duration": "duration_minutes",
    "availability": "availability",
    "practitioner": "preferred_practitioner_id",
    "urgency": "urgency",
    "note": "note",
    "consent": "consent.method",
    "status": "status",
}


def parse_instant(raw: str, field: str) -> datetime:
    """An ISO 8601 instant with its offset (`2026-11-25T10:30:00+01:00` or `…Z`)."""
    try:
        moment = datetime.fromisoformat(raw.strip())
    except ValueError as exc:
        raise ValidationFailed(
            {field: "Geef een tijdstip in ISO 8601, bijvoorbeeld 2026-11-25T10:30:00+01:00."}
        ) from exc
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValidationFailed({field: "Geef het tijdstip met tijdzone, bijvoorbeeld +01:00 of Z."})
    try:
        utc = moment.astimezone(UTC)  # year 1 at +14:00 lies before the calendar begins
    except OverflowError as exc:
        raise ValidationFailed({field: OUT_OF_RANGE}) from exc
    if not EARLIEST_YEAR <= utc.year <= LATEST_YEAR:
        raise ValidationFailed({field: OUT_OF_RANGE})
    return moment


@dataclass(frozen=True)
class Consent:
    method: str
    at: datetime
    text_version: str


def consent_from_api(raw: dict[str, Any], now: datetime) -> Consent:
    """How, when and under which text the patient agreed to receive offers by SMS."""
    errors: dict[str, str] = {}
    method = raw.get("method", "")
    if method not in patients.CONSENT_METHODS:
        errors["consent.method"] = "Kies hoe de patiënt toestemming gaf: balie, formulier of zelf."
    at: datetime | None = None
    try:
        at = parse_instant(str(raw.get("at", "")), "consent.at")
    except ValidationFailed as exc:
        errors.update(exc.errors)
    if at is not None and at > now + CLOCK_SKEW:
        errors["consent.at"] = "De toestemming kan niet in de toekomst zijn gegeven."
    version = " ".join(str(raw.get("text_version", "")).split())
    if not version:
        errors["consent.text_version"] = (
            "Geef aan met welke versie van de tekst de patiënt instemde."
        )
    elif len(version) > TEXT_VERSION_MAX:
        errors["consent.text_version"] = f"De versie mag hoogstens {TEXT_VERSION_MAX} tekens zijn."
    elif any(unicodedata.category(ch) == "Cc" for ch in version):
        errors["consent.text_version"] = "De versie bevat ongeldige tekens."
    if errors:
        raise ValidationFailed(errors)
    assert at is not None
    return Consent(method, at, version)


def _api_errors(exc: ValidationFailed) -> ValidationFailed:
    return ValidationFailed({FIELDS.get(k, k): v for k, v in exc.errors.items()})


def _input(body: dict[str, Any], base: PatientInput) -> PatientInput:
    """The staff form's input: `base` (the entry as it is, or empty) with `body` over it."""
    return PatientInput(
        name=body.get("name", base.name),
        phone=body.get("phone", base.phone),
        treatment_ids=body.get("treatment_ids", base.treatment_ids),
        duration_minutes=body.get("duration_minutes", base.duration_minutes),
        availability=body.get("availability", base.availability),
        preferred_practitioner_id=body.get(
            "preferred_practitioner_id", base.preferred_practitioner_id
        ),
        urgency=body.get("urgency", base.urgency),
        note=body.get("note", base.note),
        consent_method=base.consent_method,
        status=body.get("status", base.status),
    )


def own_entry(db: Session, practice_id: int, entry_id: int) -> Patient:
    patient = db.exec(
        select(Patient).where(Patient.id == entry_id, Patient.practice_id == practice_id)
    ).first()
    if patient is None:
        raise NotFound(patients.NOT_FOUND)
    return patient


def _set_consent(patient: Patient, consent: Consent) -> None:
    patient.consent_method = consent.method
    patient.consent_at = consent.at
    patient.consent_text_version = consent.text_version


def create(
    db: Session, actor: Actor, body: dict[str, Any], now: datetime, *, secret: str
) -> Patient:
    """A new waiting entry, with the patient's consent on record (`secret`: SECRET_KEY, for
    the AVG suppression list)."""
    consent: Consent | None = None
    errors: dict[str, str] = {}
    try:
        consent = consent_from_api(body.get("consent") or {}, now)
    except ValidationFailed as exc:
        errors.update(exc.errors)
    data = _input(body, PatientInput(consent_method=consent.method if consent else "zelf"))
    try:
        patients.validate(db, actor.practice_id, data)
    except ValidationFailed as exc:
        errors = {**_api_errors(exc).errors, **errors}
    if errors:
        raise ValidationFailed(errors)
    assert consent is not None
    try:  # `add` announces it (patient.joined, source "api")
        patient = patients.add(db, actor, data, now, secret=secret, source="api")
    except ValidationFailed as exc:  # the AVG suppression list
        raise _api_errors(exc) from exc
    _set_consent(patient, consent)
    db.add(patient)
    db.flush()
    return patient


def _current(db: Session, patient: Patient) -> PatientInput:
    treatment_ids = db.exec(
        select(PatientTreatment.treatment_id).where(PatientTreatment.patient_id == patient.id)
    ).all()
    return PatientInput(
        name=patient.name,
        phone=patient.phone,
        treatment_ids=list(treatment_ids),
        duration_minutes=patient.duration_minutes,
        availability=[k for k, bit in patients.CELLS.items() if patient.availability & bit],
        preferred_practitioner_id=patient.preferred_practitioner_id,
        urgency=patient.urgency,
        note=patient.note,
        consent_method=patient.consent_method,
        status=patient.status,
    )


def update(
    db: Session, actor: Actor, entry_id: int, body: dict[str, Any], now: datetime
) -> Patient:
    """Change the fields `body` names; the others keep their value. A new `consent` replaces
    the record of how, when and under which text the patient agreed."""
    patient = own_entry(db, actor.practice_id, entry_id)
    consent = consent_from_api(body["consent"], now) if "consent" in body else None
    data = _input(body, _current(db, patient))
    try:
        patient = patients.update(db, actor, entry_id, data, now)
    except ValidationFailed as exc:
        raise _api_errors(exc) from exc
    if consent is not None:
        _set_consent(patient, consent)
        db.add(patient)  # audited with the change itself (`patient.updated`)
    db.flush()
    return patient


def delete(db: Session, actor: Actor, entry_id: int, now: datetime) -> None:
    """Gone for good, as staff's "Definitief verwijderen"."""
    own_entry(db, actor.practice_id, entry_id)
    patients.delete_permanently(db, actor, entry_id, now)


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(AMSTERDAM).isoformat()


def entry_views(db: Session, rows: list[Patient]) -> list[dict[str, Any]]:
    """The JSON of entries: phone in E.164, times in Amsterdam with their offset."""
    ids = [p.id for p in rows]
    treatments: dict[int, list[int]] = {i: [] for i in ids}
    if ids:
        for pid, tid in db.exec(
            select(PatientTreatment.patient_id, PatientTreatment.treatment_id)
            .where(col(PatientTreatment.patient_id).in_(ids))
            .order_by(col(PatientTreatment.treatment_id))
        ).all():
            treatments[pid].append(tid)
    return [
        {
            "id": p.id,
            "name": p.name,
            "phone": p.phone,
            "treatment_ids": treatments[p.id],
            "duration_minutes": p.duration_minutes,
            "availability": [k for k, bit in patients.CELLS.items() if p.availability & bit],
            "preferred_practitioner_id": p.preferred_practitioner_id,
            "urgency": p.urgency,
            "note": p.note,
            "status": p.status,
            "consent": {
                "method": p.consent_method,
                "at": _iso(p.consent_at),
                "text_version": p.consent_text_version,
            },
            "sms_blocked_reason": patients.sms_problem(p) or None,
            "paused_until": _iso(p.paused_until),
            "added_at": _iso(p.added_at),
            "updated_at": _iso(p.updated_at),
        }
        for p in rows
    ]


def entry_page(
    db: Session, practice_id: int, *, status: str | None, after: int, limit: int
) -> tuple[list[Patient], int | None]:
    """One page in id order (new entries land at the end), and the cursor of the next one."""
    stmt = select(Patient).where(Patient.practice_id == practice_id, Patient.id > after)
    if status is not None:
        stmt = stmt.where(Patient.status == status)
    rows = list(db.exec(stmt.order_by(col(Patient.id)).limit(limit + 1)).all())
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (rows[-1].id if more else None)
