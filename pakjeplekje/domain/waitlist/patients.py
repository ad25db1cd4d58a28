"""The waitlist: validating, storing and finding patients — always inside one practice.

Every function takes the acting staff member (or a practice id) and filters on its practice:
an id from another practice is simply "not found".
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import UnaryExpression, case, delete, func, or_
from sqlalchemy.orm import Mapped
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from pakjeplekje import clock
from pakjeplekje.domain import audit, dutch_dates, labels
from pakjeplekje.domain.actor import Actor
from pakjeplekje.domain.dutch_dates import AMSTERDAM
from pakjeplekje.domain.errors import DomainError, NotFound
from pakjeplekje.domain.integrations import webhook_events
from pakjeplekje.domain.phones import display, parse_mobile, search_digits
from pakjeplekje.domain.privacy import suppression
from pakjeplekje.models import Patient, PatientTreatment, Practitioner, Treatment

# The waitlist's days: Monday to Saturday (practices are closed on Sunday).
DAYS = dutch_dates.SHORT_DAYS[:6]
DAY_NAMES = dutch_dates.DAYS[:6]
PARTS = ("ochtend", "middag", "avond")  # 08–12, 12–17, 17–21
URGENCIES = {"normaal": "Normaal", "hoog": "Hoog"}
STATUSES = {code: word.capitalize() for code, word in labels.PATIENT_LABELS.items()}
CONSENT_METHODS = labels.CONSENT_LABELS
NAME_MAX, NOTE_MAX = 100, 500
DURATION_MIN, DURATION_MAX = 5, 240
PAGE_SIZES = (25, 50, 100)
SORTS = ("name", "added", "urgency", "last_offer")
NOT_FOUND = "Deze patiënt staat niet (meer) op de wachtlijst."


def cell(day: int, part: int) -> int:
    """The availability bit of one weekday (0 = maandag) and part of day (0 = ochtend)."""
    return 1 << (day * len(PARTS) + part)


def cell_key(day: int, part: int) -> str:
    return f"{DAYS[day]}-{PARTS[part]}"


CELLS = {cell_key(d, p): cell(d, p) for d in range(len(DAYS)) for p in range(len(PARTS))}
ALL_CELLS = sum(CELLS.values())


def day_mask(day: int) -> int:
    return sum(cell(day, p) for p in range(len(PARTS)))


class ValidationFailed(DomainError):
    """One message per field, so a form can show each next to its input."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(next(iter(errors.values())), field=next(iter(errors)))
        self.errors = errors


class DuplicatePhone(DomainError):
    def __init__(self, existing_id: int) -> None:
        super().__init__("Dit nummer staat al op de wachtlijst.", field="phone")
        self.existing_id = existing_id


@dataclass
class PatientInput:
    """What staff typed (or a CSV row held); everything is validated before anything is written."""

    name: str = ""
    phone: str = ""
    treatment_ids: Sequence[int | str] = ()
    duration_minutes: int | str = ""
    availability: Iterable[str] = ()  # cell keys such as "ma-ochtend"
    preferred_practitioner_id: int | str | None = None
    urgency: str = "normaal"
    note: str = ""
    consent_method: str = ""
    status: str = "waiting"
    consent_text_version: str = ""  # which consent text the patient agreed to (online sign-up)


@dataclass(frozen=True)
class CleanPatient:
    name: str
    phone: str
    treatment_ids: tuple[int, ...]
    duration_minutes: int
    availability: int
    preferred_practitioner_id: int | None
    urgency: str
    note: str
    consent_method: str
    status: str
    consent_text_version: str = ""


def _int(value: object) -> int | None:
    text = str(value).strip()
    return int(text) if text.isdecimal() and len(text) < 10 else None


def _has_control_chars(text: str, allowed: str = "") -> bool:
    """NUL and friends: PostgreSQL refuses NUL, and none of them belong in a name."""
    return any(unicodedata.category(ch) == "Cc" and ch not in allowed for ch in text)


@dataclass(frozen=True)
class Choices:
    """The treatment and practitioner ids an entry may use: load once, validate many rows."""

    treatment_ids: frozenset[int]
    practitioner_ids: frozenset[int]


def active_choices(db: Session, practice_id: int) -> Choices:
    treatments = db.exec(
        select(Treatment.id).where(
            Treatment.practice_id == practice_id, col(Treatment.active).is_(True)
        )
    ).all()
    practitioners = db.exec(
        select(Practitioner.id).where(
            Practitioner.practice_id == practice_id, col(Practitioner.active).is_(True)
        )
    ).all()
    return Choices(frozenset(treatments), frozenset(practitioners))


def _choices_for_edit(db: Session, practice_id: int, current: Patient) -> Choices:
    """An edit may keep treatments and a practitioner the practice has since switched off."""
    active = active_choices(db, practice_id)
    kept = db.exec(
        select(PatientTreatment.treatment_id).where(PatientTreatment.patient_id == current.id)
    ).all()
    practitioners = set(active.practitioner_ids)
    if current.preferred_practitioner_id is not None:
        practitioners.add(current.preferred_practitioner_id)
    return Choices(active.treatment_ids | set(kept), frozenset(practitioners))


def validate(
    db: Session,
    practice_id: int,
    data: PatientInput,
    *,
    current: Patient | None = None,
    choices: Choices | None = None,
) -> CleanPatient:
    """All rules of a waitlist entry; raises ValidationFailed listing every broken one.

    With `current` (an edit), the treatments and practitioner the entry already has stay
    allowed even when the practice has since switched them off. Pass `choices` when
    validating many rows (the CSV import) to load them once."""
    if choices is None:
        choices = (
            _choices_for_edit(db, practice_id, current)
            if current is not None
            else active_choices(db, practice_id)
        )
    errors: dict[str, str] = {}
    name = " ".join((data.name or "").split())
    if not name:
        errors["name"] = "Vul de naam in."
    elif len(name) > NAME_MAX:
        errors["name"] = f"De naam mag maximaal {NAME_MAX} tekens zijn."
    elif _has_control_chars(name):
        errors["name"] = "De naam bevat ongeldige tekens."
    phone = ""
    try:
        phone = parse_mobile(data.phone)
    except DomainError as exc:
        errors["phone"] = exc.message

    given = [_int(i) for i in data.treatment_ids]
    treatment_ids = tuple(sorted({i for i in given if i is not None}))
    if not treatment_ids:
        errors["treatments"] = "Kies minstens één behandeling."
    elif None in given or any(i not in choices.treatment_ids for i in treatment_ids):
        errors["treatments"] = "Kies behandelingen uit de lijst van de praktijk."

    duration = _int(data.duration_minutes)
    if duration is None or not DURATION_MIN <= duration <= DURATION_MAX:
        errors["duration"] = f"Duur in minuten, van {DURATION_MIN} tot {DURATION_MAX}."

    availability = 0
    for key in data.availability:
        if key not in CELLS:
            errors["availability"] = "Onbekend dagdeel."
            break
        availability |= CELLS[key]
    if not availability and "availability" not in errors:
        errors["availability"] = "Kies minstens één dagdeel waarop de patiënt kan."

    practitioner_id = None
    if data.preferred_practitioner_id not in (None, "", 0, "0"):
        practitioner_id = _int(data.preferred_practitioner_id)
        known = practitioner_id in choices.practitioner_ids
        if not known:
            errors["practitioner"] = "Kies een behandelaar uit de lijst van de praktijk."

    if data.urgency not in URGENCIES:
        errors["urgency"] = "Urgentie is normaal of hoog."
    note = (data.note or "").strip()
    if len(note) > NOTE_MAX:
        errors["note"] = f"De notitie mag maximaal {NOTE_MAX} tekens zijn."
    elif _has_control_chars(note, allowed="\n\t"):
        errors["note"] = "De notitie bevat ongeldige tekens."
    if data.consent_method not in CONSENT_METHODS:
        errors["consent"] = "Leg vast hoe de patiënt toestemming gaf voor SMS'jes."
    if data.status not in STATUSES:
        errors["status"] = "Onbekende status."
    if errors:
        raise ValidationFailed(errors)
    return CleanPatient(
        name,
        phone,
        treatment_ids,
        duration,  # type: ignore[arg-type]  # not None: a missing duration raised above
        availability,
        practitioner_id,
        data.urgency,
        note,
        data.consent_method,
        data.status,
        data.consent_text_version[:20],
    )


def existing_with_phone(db: Session, practice_id: int, phone: str) -> int | None:
    return db.exec(
        select(Patient.id).where(Patient.practice_id == practice_id, Patient.phone == phone)
    ).first()


def _set_treatments(db: Session, patient_id: int, treatment_ids: Iterable[int]) -> None:
    db.exec(delete(PatientTreatment).where(col(PatientTreatment.patient_id) == patient_id))
    db.add_all(PatientTreatment(patient_id=patient_id, treatment_id=t) for t in treatment_ids)


def _new_patient(practice_id: int, clean: CleanPatient, now: datetime) -> Patient:
    return Patient(
        practice_id=practice_id,
        name=clean.name,
        phone=clean.phone,
        duration_minutes=clean.duration_minutes,
        availability=clean.availability,
        preferred_practitioner_id=clean.preferred_practitioner_id,
        urgency=clean.urgency,
        note=clean.note,
        consent_method=clean.consent_method,
        consent_at=now,
        consent_text_version=clean.consent_text_version,
        status=clean.status,
        added_at=now,
        updated_at=now,
    )


def insert_many(
    db: Session, practice_id: int, cleans: Sequence[CleanPatient], now: datetime
) -> list[Patient]:
    """Store validated entries with two flushes in all (the CSV import checks duplicates).

    Emits no `patient.joined`: each way in says where the entry came from (`add`: the staff
    form, the CSV import, the public sign-up, the API) with `webhook_events.patients_joined`."""
    new = [_new_patient(practice_id, clean, now) for clean in cleans]
    db.add_all(new)
    db.flush()
    db.add_all(
        PatientTreatment(patient_id=patient.id, treatment_id=treatment_id)
        for patient, clean in zip(new, cleans, strict=True)
        for treatment_id in clean.treatment_ids
    )
    db.flush()
    return new


def insert(db: Session, practice_id: int, clean: CleanPatient, now: datetime) -> Patient:
    return insert_many(db, practice_id, [clean], now)[0]


def add(
    db: Session,
    actor: Actor,
    data: PatientInput,
    now: datetime,
    *,
    secret: str,
    source: str = "medewerker",
) -> Patient:
    """`secret` keys the AVG suppression list (SECRET_KEY). `source`: what `patient.joined`
    says about where the entry came from ("medewerker": the staff form; "api" when the
    integration API adds through here)."""
    clean = validate(db, actor.practice_id, data)
    if (existing := existing_with_phone(db, actor.practice_id, clean.phone)) is not None:
        raise DuplicatePhone(existing)
    if suppression.suppressed_phones(db, [clean.phone], secret):  # AVG suppression list
        raise ValidationFailed({"phone": suppression.SUPPRESSED})
    patient = insert(db, actor.practice_id, clean, now)
    audit.by_actor(db, actor, "patient.added", "patient", patient.id, now)
    webhook_events.patients_joined(db, actor.practice_id, [patient], source, now)
    return patient


def _own(db: Session, actor: Actor, patient_id: int) -> Patient:
    patient = db.exec(
        select(Patient).where(Patient.id == patient_id, Patient.practice_id == actor.practice_id)
    ).first()
    if patient is None:
        raise NotFound(NOT_FOUND)
    return patient


def update(
    db: Session, actor: Actor, patient_id: int, data: PatientInput, now: datetime
) -> Patient:
    patient = _own(db, actor, patient_id)
    clean = validate(db, actor.practice_id, data, current=patient)
    existing = existing_with_phone(db, actor.practice_id, clean.phone)
    if existing is not None and existing != patient.id:
        raise DuplicatePhone(existing)
    if clean.phone != patient.phone:  # a corrected number gets another chance
        patient.phone_invalid_at = None
    patient.name, patient.phone, patient.note = clean.name, clean.phone, clean.note
    patient.duration_minutes, patient.availability = clean.duration_minutes, clean.availability
    patient.preferred_practitioner_id = clean.preferred_practitioner_id
    patient.urgency, patient.status = clean.urgency, clean.status
    if clean.consent_method != patient.consent_method:
        patient.consent_method, patient.consent_at = clean.consent_method, now
    patient.updated_at = now
    db.add(patient)
    _set_treatments(db, patient.id, clean.treatment_ids)
    audit.by_actor(db, actor, "patient.updated", "patient", patient.id, now)
    return patient


def set_status(db: Session, actor: Actor, patient_id: int, status: str, now: datetime) -> Patient:
    """Remove from the waitlist (status `removed`) and its undo (back to `waiting`)."""
    if status not in STATUSES:
        raise DomainError("Onbekende status.")
    patient = _own(db, actor, patient_id)
    patient.status, patient.updated_at = status, now
    db.add(patient)
    audit.by_actor(db, actor, f"patient.status_{status}", "patient", patient.id, now)
    return patient


def delete_permanently(db: Session, actor: Actor, patient_id: int, now: datetime) -> None:
    """Gone for good; the audit trail keeps only that it happened, never who it was."""
    patient = _own(db, actor, patient_id)
    db.delete(patient)
    db.flush()
    webhook_events.forget_patients(db, actor.practice_id, [patient_id])
    audit.by_actor(db, actor, "patient.deleted", "patient", patient_id, now)


@dataclass(frozen=True)
class PatientDetail:
    """Everything the edit dialog shows, including the read-only offer history."""

    id: int
    form: PatientInput
    phone_display: str
    added_at: datetime
    offers_count: int
    last_offer_at: datetime | None
    last_claim_at: datetime | None
    consent_at: datetime | None = None
    consent_text_version: str = ""


def local_moment(moment: datetime | None) -> str:
    return moment.astimezone(AMSTERDAM).strftime("%d-%m-%Y %H:%M") if moment else ""


def consent_summary(detail: PatientDetail) -> str:
    """The consent record as staff read it: how, when, and which text (online sign-ups)."""
    how = labels.label(CONSENT_METHODS, detail.form.consent_method)
    text = f"Toestemming: {how}, {local_moment(detail.consent_at)}"
    if detail.consent_text_version:
        text += f" (tekstversie {detail.consent_text_version})"
    return text


def get(db: Session, actor: Actor, patient_id: int) -> PatientDetail:
    patient = _own(db, actor, patient_id)
    # viewing a record is an audit event (ids only); `now` is not a parameter here
    audit.by_actor(db, actor, "patient.viewed", "patient", patient.id, clock.now())
    treatment_ids = db.exec(
        select(PatientTreatment.treatment_id).where(PatientTreatment.patient_id == patient.id)
    ).all()
    keys = [key for key, bit in CELLS.items() if patient.availability & bit]
    form = PatientInput(
        name=patient.name,
        phone=patient.phone,
        treatment_ids=list(treatment_ids),
        duration_minutes=patient.duration_minutes,
        availability=keys,
        preferred_practitioner_id=patient.preferred_practitioner_id,
        urgency=patient.urgency,
        note=patient.note,
        consent_method=patient.consent_method,
        status=patient.status,
    )
    return PatientDetail(
        patient.id,
        form,
        display(patient.phone),
        patient.added_at,
        patient.offers_count,
        patient.last_offer_at,
        patient.last_claim_at,
        patient.consent_at,
        patient.consent_text_version,
    )


@dataclass(frozen=True)
class PatientQuery:
    search: str = ""
    treatment_id: int | None = None
    urgency: str = ""
    status: str = "waiting"
    day: int | None = None  # 0 = maandag
    sort: str = "added"
    descending: bool = False
    page: int = 1
    page_size: int = 25


@dataclass(frozen=True)
class PatientRow:
    id: int
    name: str
    phone: str
    treatments: str
    duration_minutes: int
    urgency: str
    status: str
    added_on: str
    last_offer_on: str
    offers_count: int
    availability: str
    sms_problem: str = ""  # why no SMS reaches this entry, for the grid


@dataclass(frozen=True)
class PatientPage:
    rows: list[PatientRow] = field(default_factory=list)
    total: int = 0
    page: int = 1
    pages: int = 1


def _filtered(practice_id: int, query: PatientQuery) -> SelectOfScalar[Patient]:
    stmt = select(Patient).where(Patient.practice_id == practice_id)
    if query.status in STATUSES:
        stmt = stmt.where(Patient.status == query.status)
    if query.urgency in URGENCIES:
        stmt = stmt.where(Patient.urgency == query.urgency)
    if query.day is not None and 0 <= query.day < len(DAYS):
        stmt = stmt.where(col(Patient.availability).op("&")(day_mask(query.day)) != 0)
    if query.treatment_id is not None:
        stmt = stmt.where(
            col(Patient.id).in_(
                select(PatientTreatment.patient_id).where(
                    PatientTreatment.treatment_id == query.treatment_id
                )
            )
        )
    text = query.search.strip()[:100]
    if text:
        conditions = [col(Patient.name).icontains(text, autoescape=True)]
        conditions += [
            col(Patient.phone).contains(digits, autoescape=True) for digits in search_digits(text)
        ]
        stmt = stmt.where(or_(*conditions))
    return stmt


def _order(
    query: PatientQuery,
) -> tuple[UnaryExpression[Any], UnaryExpression[int] | Mapped[int]]:
    key = {
        "name": func.lower(Patient.name),
        "added": col(Patient.added_at),
        "urgency": case((col(Patient.urgency) == "hoog", 0), else_=1),
        "last_offer": col(Patient.last_offer_at),
    }.get(query.sort, col(Patient.added_at))
    # never-offered patients (NULL) last in both directions, on SQLite and PostgreSQL alike
    if query.descending:
        return key.desc().nulls_last(), col(Patient.id).desc()
    return key.asc().nulls_last(), col(Patient.id)


def local_date(moment: datetime | None) -> str:
    return moment.astimezone(AMSTERDAM).strftime("%d-%m-%Y") if moment else ""


def availability_summary(bits: int) -> str:
    """`ma ochtend, middag · wo avond` — short enough for a grid cell."""
    parts = []
    for d, day in enumerate(DAYS):
        chosen = [PARTS[p] for p in range(len(PARTS)) if bits & cell(d, p)]
        if len(chosen) == len(PARTS):
            parts.append(f"{day} hele dag")
        elif chosen:
            parts.append(f"{day} {', '.join(chosen)}")
    return " · ".join(parts)


def treatment_names(db: Session, patient_ids: Sequence[int]) -> dict[int, list[str]]:
    names: dict[int, list[str]] = {pid: [] for pid in patient_ids}
    if patient_ids:
        rows = db.exec(
            select(PatientTreatment.patient_id, Treatment.name)
            .join(Treatment, col(Treatment.id) == PatientTreatment.treatment_id)
            .where(col(PatientTreatment.patient_id).in_(patient_ids))
            .order_by(Treatment.name)
        ).all()
        for pid, name in rows:
            names[pid].append(name)
    return names


def sms_problem(patient: Patient) -> str:
    """Why matching skips this entry although it may be `waiting` (shown in the grid)."""
    if patient.phone_invalid_at is not None:
        return "Nummer ongeldig"
    if patient.opted_out_at is not None:
        return "Afgemeld voor SMS"
    if patient.paused_until is not None and patient.paused_until > clock.now():
        return f"Gepauzeerd tot {local_date(patient.paused_until)}"  # the preferences link
    return ""


def list_page(db: Session, practice_id: int, query: PatientQuery) -> PatientPage:
    """One page of the grid: a COUNT and a LIMIT/OFFSET query, both on the practice's index."""
    page_size = query.page_size if query.page_size in PAGE_SIZES else PAGE_SIZES[0]
    base = _filtered(practice_id, query)
    total = db.exec(select(func.count()).select_from(base.subquery())).one()
    pages = max(1, -(-total // page_size))
    page = min(max(1, query.page), pages)
    patients = db.exec(
        base.order_by(*_order(query)).offset((page - 1) * page_size).limit(page_size)
    ).all()
    names = treatment_names(db, [p.id for p in patients])
    rows = [
        PatientRow(
            id=p.id,
            name=p.name,
            phone=display(p.phone),
            treatments=", ".join(names[p.id]),
            duration_minutes=p.duration_minutes,
            urgency=p.urgency,
            status=p.status,
            added_on=local_date(p.added_at),
            last_offer_on=local_date(p.last_offer_at),
            offers_count=p.offers_count,
            availability=availability_summary(p.availability),
            sms_problem=sms_problem(p),
        )
        for p in patients
    ]
    return PatientPage(rows=rows, total=total, page=page, pages=pages)


def all_matching(
    db: Session, practice_id: int, query: PatientQuery, batch: int = 1000
) -> Iterator[Patient]:
    """Every patient the filters select, streamed `batch` rows at a time from one query.

    One SELECT (a server-side cursor on PostgreSQL) sees one consistent snapshot: unlike
    OFFSET paging, a row changing mid-export is never skipped or repeated, and late batches
    cost no more than early ones. Memory holds one batch, never the whole table."""
    stmt = _filtered(practice_id, query).order_by(*_order(query))
    yield from db.exec(stmt.execution_options(yield_per=batch))


def count_waiting(db: Session, practice_id: int, *, status: str = "waiting") -> int:
    return db.exec(
        select(func.count())
        .select_from(Patient)
        .where(Patient.practice_id == practice_id, Patient.status == status)
    ).one()
