"""Public sign-up for a practice's waitlist (/wachtlijst/<slug>): the patient fills in the form,
proves the mobile number with an SMS code (double opt-in), and only then is anything about them
stored — with a consent record: how (`online`), when (the moment the code was confirmed) and
which consent text (CONSENT_TEXT_VERSION).

Between the two steps the form data travels in a signed, time-limited hidden field (HMAC with
the server secret), never in the database: an unconfirmed sign-up leaves only the code row
(hashes) and the rate-limit counters behind.

What the form reveals (enumeration):
- a number on the AVG suppression list is refused before any code is sent, with a kind message
  (the brief's choice: texting someone who asked never to be contacted is worse). That says
  "this number once made an erasure/objection request", nothing more, and every attempt counts
  against the per-client limit of the code forms;
- whether a number is already on the practice's list is never said at the form step (a dental
  waitlist is sensitive): it gets a code like any other number, and only the owner of the
  number, after the code, reads "staat al op de wachtlijst". Their existing entry is left as is.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from pakjeplekje.domain import audit, phones
from pakjeplekje.domain.actor import Actor
from pakjeplekje.domain.errors import DomainError, NotFound
from pakjeplekje.domain.integrations import webhook_events
from pakjeplekje.domain.privacy import request_codes, suppression
from pakjeplekje.domain.waitlist import patients
from pakjeplekje.domain.waitlist.patients import CleanPatient, PatientInput, ValidationFailed
from pakjeplekje.models import Patient, Practice, Treatment

CODE_KIND = "aanmelding"  # VerificationCode.kind of a sign-up code
CONSENT_METHOD = "online"
PENDING = "pending"
DEFAULT_DURATION = 30  # minutes, when the chosen treatments say nothing

# The consent texts, by version: a new wording is a new version, and old versions stay here so
# the version stored with an entry always names the exact words that patient agreed to.
CONSENT_TEXTS = {
    "2026-12": (
        "Ik geef {practice} toestemming om mij per SMS te laten weten wanneer er een afspraak "
        "vrijkomt die bij mij past. Daarvoor bewaren de praktijk en PakJePlekje (als verwerker "
        "van de praktijk) mijn naam, mobiele nummer, gewenste behandelingen en wanneer ik kan, "
        "zolang ik op de wachtlijst sta. Ik kan mij altijd afmelden door STOP te antwoorden op "
        "een SMS of door de praktijk te vragen mij van de lijst te halen."
    ),
}
CONSENT_TEXT_VERSION = "2026-12"

NO_CONSENT = "Vink aan dat u toestemming geeft voor de SMS'jes van de praktijk."
NO_AVAILABILITY = "Kies minstens één dagdeel waarop u kunt."
SUPPRESSED = (
    "Dit nummer heeft eerder gevraagd om niet meer benaderd te worden. Daarom kunnen wij het "
    "niet op de wachtlijst zetten en sturen wij geen code. Wilt u toch op de wachtlijst? Neem "
    "dan contact op met de praktijk."
)
INVALID_FORM = (
    "Deze aanmelding is verlopen of niet geldig. Vul het formulier opnieuw in; u krijgt dan "
    "een nieuwe code."
)
CHANGED = (
    "De keuzes van de praktijk zijn intussen gewijzigd. Vul het formulier opnieuw in; u krijgt "
    "dan een nieuwe code."
)
ALREADY_LISTED = (
    "Dit nummer staat al op de wachtlijst van deze praktijk. Wilt u iets wijzigen, neem dan "
    "contact op met de praktijk."
)
NOT_PENDING = "Deze aanmelding is al beoordeeld."


def consent_text(practice_name: str, version: str = CONSENT_TEXT_VERSION) -> str:
    return CONSENT_TEXTS[version].format(practice=practice_name)


def code_sms(code: str) -> str:
    """GSM-7, one segment, no practice or treatment (data minimisation)."""
    return (
        f"PakJePlekje: uw code om u aan te melden voor de wachtlijst is {code}. 10 minuten "
        "geldig. Niet gevraagd? Negeer dit bericht."
    )


def open_practice(db: Session, slug: str) -> Practice | None:
    """The practice behind a public link; None for an unknown, deleted or inactive one."""
    if not slug or len(slug) > 60:
        return None
    return db.exec(
        select(Practice).where(Practice.slug == slug, Practice.status == "active")
    ).first()


def status_for(practice: Practice) -> str:
    return "waiting" if practice.signup_mode == "automatisch" else PENDING


def treatments(db: Session, practice_id: int) -> list[tuple[int, str]]:
    """The practice's active treatments, for the form's checkboxes."""
    return [
        (t.id, t.name)
        for t in db.exec(
            select(Treatment)
            .where(Treatment.practice_id == practice_id, col(Treatment.active).is_(True))
            .order_by(Treatment.name)
        ).all()
    ]


@dataclass(frozen=True)
class SignupForm:
    """What the patient ticked and typed, as it came in."""

    name: str = ""
    phone: str = ""
    treatment_ids: Sequence[str] = ()
    availability: Sequence[str] = ()  # cell keys such as "ma-ochtend"
    consent: bool = False


def _duration(db: Session, practice_id: int, given: Sequence[int | str]) -> int:
    """The time the patient needs: the longest default of the chosen treatments (a patient
    cannot know; staff can adjust it)."""
    ids = [int(i) for i in given if str(i).isdecimal() and len(str(i)) < 10]
    if not ids:
        return DEFAULT_DURATION
    longest = db.exec(
        select(Treatment.default_duration_minutes).where(
            Treatment.practice_id == practice_id, col(Treatment.id).in_(ids)
        )
    ).all()
    return max(longest, default=DEFAULT_DURATION)


def _input(db: Session, practice: Practice, form: SignupForm) -> PatientInput:
    return PatientInput(
        name=form.name,
        phone=form.phone,
        treatment_ids=list(form.treatment_ids),
        duration_minutes=min(
            max(_duration(db, practice.id, form.treatment_ids), patients.DURATION_MIN),
            patients.DURATION_MAX,
        ),
        availability=list(form.availability),
        consent_method=CONSENT_METHOD,
        consent_text_version=CONSENT_TEXT_VERSION,
        status=status_for(practice),
    )


def check(
    db: Session, practice: Practice, form: SignupForm, countries: frozenset[str]
) -> CleanPatient:
    """The waitlist's own rules (patients.validate), plus what a self sign-up needs: the
    consent tick and a number codes may be texted to. Raises ValidationFailed per field."""
    errors: dict[str, str] = {}
    clean = None
    try:
        clean = patients.validate(db, practice.id, _input(db, practice, form))
    except ValidationFailed as exc:
        errors = dict(exc.errors)
    if errors.get("availability") and not form.availability:
        errors["availability"] = NO_AVAILABILITY
    abroad = "phone" not in errors and not phones.in_countries(
        phones.parse_mobile(form.phone), countries
    )
    if abroad:  # said with the other mistakes, not after they are fixed
        names = phones.country_names(countries)
        errors["phone"] = f"Codes per SMS gaan alleen naar mobiele nummers uit {names}."
    if not form.consent:
        errors["consent"] = NO_CONSENT
    if errors or clean is None:
        raise ValidationFailed(errors)
    return clean


@dataclass(frozen=True)
class Started:
    clean: CleanPatient
    code: request_codes.CodeRequest
    carried: str  # the signed hidden field for the code step


def start(
    db: Session,
    practice: Practice,
    form: SignupForm,
    *,
    client: str,
    secret: str,
    countries: frozenset[str],
    now: datetime,
) -> Started:
    """Step 1: check the form, count the request, refuse a suppressed number, make a code.
    Nothing about the patient is written."""
    clean = check(db, practice, form, countries)
    request_codes.count_client(db, client=client, secret=secret, now=now)
    if suppression.suppressed_phones(db, [clean.phone], secret):
        raise DomainError(SUPPRESSED, field="phone")
    code = request_codes.issue_code(
        db, kind=CODE_KIND, channel="sms", value=clean.phone, secret=secret, now=now
    )
    return Started(clean, code, carry(secret, practice.id, clean, code.ref, now))


# --- the signed hidden field ----------------------------------------------------------------


def _mac(secret: str, body: str) -> str:
    return hmac.new(secret.encode(), f"aanmelding:{body}".encode(), hashlib.sha256).hexdigest()


def carry(secret: str, practice_id: int, clean: CleanPatient, ref: str, now: datetime) -> str:
    """The form data for the code step: bound to this practice, this code (`ref`) and a time,
    signed so that the browser can hold it but not change it."""
    data = {
        "p": practice_id,
        "r": ref,
        "t": int(now.timestamp()),
        "n": clean.name,
        "ph": clean.phone,
        "tr": list(clean.treatment_ids),
        "d": clean.duration_minutes,
        "a": clean.availability,
    }
    body = base64.urlsafe_b64encode(
        json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
    ).decode()
    return f"{body}.{_mac(secret, body)}"


@dataclass(frozen=True)
class Carried:
    ref: str
    name: str
    phone: str
    treatment_ids: tuple[int, ...]
    duration_minutes: int
    availability: int


def uncarry(secret: str, carried: str, practice_id: int, now: datetime) -> Carried:
    """The form data back, or DomainError(INVALID_FORM) when it was changed, belongs to another
    practice, or is older than a code lives."""
    body, _, mac = (carried or "").partition(".")
    if not body or len(carried) > 4000 or not hmac.compare_digest(mac, _mac(secret, body)):
        raise DomainError(INVALID_FORM)
    try:
        data = json.loads(base64.urlsafe_b64decode(body.encode()))
        result = Carried(
            ref=str(data["r"]),
            name=str(data["n"]),
            phone=str(data["ph"]),
            treatment_ids=tuple(int(t) for t in data["tr"]),
            duration_minutes=int(data["d"]),
            availability=int(data["a"]),
        )
        issued, owner = int(data["t"]), int(data["p"])
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise DomainError(INVALID_FORM) from None
    age = now.timestamp() - issued
    if owner != practice_id or not 0 <= age <= request_codes.CODE_VALIDITY.total_seconds() + 60:
        raise DomainError(INVALID_FORM)
    return result


# --- step 2: the code ------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """`error`: the code did not verify (the attempt is counted: commit). `existing`: the number
    was already on the list (nothing changed). Else the new entry and its status."""

    error: str = ""
    patient_id: int | None = None
    status: str = ""
    existing: bool = False


def _keys(bits: int) -> list[str]:
    return [key for key, bit in patients.CELLS.items() if bits & bit]


def confirm(
    db: Session, practice: Practice, *, carried: str, code: str, secret: str, now: datetime
) -> Outcome:
    """Step 2: the code proves the number; then the entry is created with its consent record
    (`online`, now, CONSENT_TEXT_VERSION), an audit event and a `patient.joined` webhook event.
    Raises DomainError (nothing written) for a tampered or stale form."""
    data = uncarry(secret, carried, practice.id, now)
    verified = request_codes.verify(
        db, ref=data.ref, raw=data.phone, code=code, secret=secret, now=now, kinds=(CODE_KIND,)
    )
    if not verified.ok:
        return Outcome(error=verified.error)
    if suppression.suppressed_phones(db, [verified.value], secret):
        raise DomainError(SUPPRESSED)
    if patients.existing_with_phone(db, practice.id, verified.value) is not None:
        audit.record(db, "patient.signup_existing", practice_id=practice.id, now=now)
        return Outcome(existing=True)
    status = status_for(practice)
    try:
        clean = patients.validate(
            db,
            practice.id,
            PatientInput(
                name=data.name,
                phone=verified.value,
                treatment_ids=list(data.treatment_ids),
                duration_minutes=data.duration_minutes,
                availability=_keys(data.availability),
                consent_method=CONSENT_METHOD,
                consent_text_version=CONSENT_TEXT_VERSION,
                status=status,
            ),
        )
    except ValidationFailed:
        raise DomainError(CHANGED) from None
    try:
        with db.begin_nested():  # two confirmations of the same number at once: one entry
            patient = patients.insert(db, practice.id, clean, now)
    except IntegrityError:
        return Outcome(existing=True)
    audit.record(
        db,
        "patient.signed_up",
        practice_id=practice.id,
        target_type="patient",
        target_id=patient.id,
        detail=status,
        now=now,
    )
    webhook_events.patients_joined(db, practice.id, [patient], "aanmelding", now)
    return Outcome(patient_id=patient.id, status=status)


# --- staff review -----------------------------------------------------------------------------


def _pending(db: Session, actor: Actor, patient_id: int) -> Patient:
    patient = db.exec(
        select(Patient).where(Patient.id == patient_id, Patient.practice_id == actor.practice_id)
    ).first()
    if patient is None:
        raise NotFound(patients.NOT_FOUND)
    if patient.status != PENDING:
        raise DomainError(NOT_PENDING)
    return patient


def accept(db: Session, actor: Actor, patient_id: int, now: datetime) -> Patient:
    """A reviewed sign-up joins the list: from now on matching may text it."""
    patient = _pending(db, actor, patient_id)
    patient.status, patient.updated_at = "waiting", now
    db.add(patient)
    audit.by_actor(db, actor, "patient.signup_accepted", "patient", patient.id, now)
    return patient


def refuse(db: Session, actor: Actor, patient_id: int, now: datetime) -> None:
    """A refused sign-up is deleted, not kept as `removed`: the practice has no ground to keep
    the data of someone it will not take on (AVG art. 5(1)(c), 17). The audit keeps only that
    it happened."""
    patient = _pending(db, actor, patient_id)
    db.delete(patient)
    db.flush()
    audit.by_actor(db, actor, "patient.signup_refused", "patient", patient_id, now)
