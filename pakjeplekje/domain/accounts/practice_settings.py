"""Instellingen: treatments, practitioners (owner and staff), outreach rules and the practice's
address and phone (owner only)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from sqlmodel import Session, col, func, select

from pakjeplekje.domain import audit, phones
from pakjeplekje.domain.actor import Actor
from pakjeplekje.domain.errors import DomainError, NotFound, PermissionDenied
from pakjeplekje.models import Practice, Practitioner, Treatment

DEFAULT_TREATMENTS = (
    ("controle", 15),
    ("gebitsreiniging", 30),
    ("vulling", 30),
    ("wortelkanaalbehandeling", 60),
    ("kroon", 60),
    ("extractie", 30),
    ("overig", 30),
)
TREATMENT_NAME_MAX = 50
SENDER_RE = re.compile(r"^(?=.*[A-Za-z])[A-Za-z0-9]{1,11}$")  # alphanumeric sender ID rules
DURATION_MIN, DURATION_MAX = 5, 240
ADDRESS_MAX = 200


def create_default_treatments(db: Session, practice_id: int) -> None:
    db.add_all(
        Treatment(practice_id=practice_id, name=name, default_duration_minutes=minutes)
        for name, minutes in DEFAULT_TREATMENTS
    )


@dataclass(frozen=True)
class Outreach:
    wave_size: int
    wave_interval_minutes: int
    quiet_start: str  # "21:00", local time
    quiet_end: str
    min_notice_minutes: int
    max_offers_per_week: int
    sms_sender_name: str
    wave_mode: str  # WAVE_MODES


WAVE_MODES = {"adaptief": "Adaptief (aanbevolen)", "vast": "Vaste golven"}


@dataclass(frozen=True)
class PracticeDetails:
    """What a patient reads on the claim page, in the calendar file and the confirmation."""

    address: str
    phone: str  # as shown: `020 123 4567`, "" when not set


@dataclass(frozen=True)
class Item:
    id: int
    name: str
    active: bool
    default_duration_minutes: int = 0


@dataclass(frozen=True)
class SettingsView:
    treatments: list[Item]
    practitioners: list[Item]
    outreach: Outreach
    details: PracticeDetails


def _hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _minute(value: str, label: str) -> int:
    match = re.fullmatch(r"([01]?\d|2[0-3]):([0-5]\d)", (value or "").strip())
    if not match:
        raise DomainError(f"{label}: vul een tijd in als 21:00.", field=label)
    return int(match[1]) * 60 + int(match[2])


def _number(value: object, label: str, low: int, high: int) -> int:
    text = str(value).strip()
    if not text.isdecimal() or not low <= int(text) <= high:
        raise DomainError(f"{label}: kies een getal van {low} tot {high}.", field=label)
    return int(text)


def _practice(db: Session, actor: Actor) -> Practice:
    practice = db.get(Practice, actor.practice_id)
    assert practice is not None
    return practice


def view(db: Session, actor: Actor) -> SettingsView:
    p = _practice(db, actor)
    treatments = db.exec(
        select(Treatment)
        .where(Treatment.practice_id == actor.practice_id)
        .order_by(col(Treatment.active).desc(), Treatment.name)
    ).all()
    practitioners = db.exec(
        select(Practitioner)
        .where(Practitioner.practice_id == actor.practice_id)
        .order_by(col(Practitioner.active).desc(), Practitioner.name)
    ).all()
    return SettingsView(
        treatments=[Item(t.id, t.name, t.active, t.default_duration_minutes) for t in treatments],
        practitioners=[Item(x.id, x.name, x.active) for x in practitioners],
        outreach=Outreach(
            p.wave_size,
            p.wave_interval_minutes,
            _hhmm(p.quiet_start_minute),
            _hhmm(p.quiet_end_minute),
            p.min_notice_minutes,
            p.max_offers_per_week,
            p.sms_sender_name,
            p.wave_mode,
        ),
        details=PracticeDetails(p.address, shown_phone(p.phone)),
    )


def shown_phone(stored: str) -> str:
    """The practice's number the Dutch way (`020 123 4567`), "" when it has none."""
    return phones.display(stored) if stored else ""


def clean_address(raw: str) -> str:
    """One line of free text, at most 200 characters: a form may send newlines and runs of
    spaces, and the address goes into a calendar file and a page as a single line."""
    if any(not ch.isprintable() and not ch.isspace() for ch in raw or ""):
        raise DomainError("Adres: gebruik alleen gewone tekens.", field="address")
    address = " ".join((raw or "").split())
    if len(address) > ADDRESS_MAX:
        raise DomainError(f"Adres: maximaal {ADDRESS_MAX} tekens.", field="address")
    return address


def update_details(db: Session, actor: Actor, *, address: str, phone: str, now: datetime) -> None:
    """Owner only, like the SMS rules: patients act on these (they go there, they call)."""
    if not actor.is_owner:
        raise PermissionDenied("Alleen de eigenaar mag de praktijkgegevens wijzigen.")
    cleaned_address = clean_address(address)
    stored_phone = phones.parse_practice_phone(phone)
    practice = _practice(db, actor)
    practice.address, practice.phone = cleaned_address, stored_phone
    db.add(practice)
    audit.by_actor(db, actor, "settings.details_changed", "practice", practice.id, now)


def choices(db: Session, practice_id: int) -> tuple[list[Item], list[Item]]:
    """The active treatments and practitioners a waitlist entry can choose from."""
    treatments = db.exec(
        select(Treatment)
        .where(Treatment.practice_id == practice_id, col(Treatment.active).is_(True))
        .order_by(Treatment.name)
    ).all()
    practitioners = db.exec(
        select(Practitioner)
        .where(Practitioner.practice_id == practice_id, col(Practitioner.active).is_(True))
        .order_by(Practitioner.name)
    ).all()
    return (
        [Item(t.id, t.name, True, t.default_duration_minutes) for t in treatments],
        [Item(p.id, p.name, True) for p in practitioners],
    )


def _clean_item_name(raw: str, limit: int) -> str:
    name = " ".join((raw or "").split())
    if not name:
        raise DomainError("Vul een naam in.", field="name")
    if len(name) > limit:
        raise DomainError(f"De naam mag maximaal {limit} tekens zijn.", field="name")
    return name


def _name_taken(
    db: Session,
    model: type[Treatment] | type[Practitioner],
    practice_id: int,
    name: str,
    except_id: int | None = None,
) -> bool:
    stmt = select(model.id).where(
        model.practice_id == practice_id, func.lower(model.name) == name.lower()
    )
    if except_id is not None:
        stmt = stmt.where(model.id != except_id)
    return db.exec(stmt).first() is not None


def add_treatment(
    db: Session, actor: Actor, *, name: str, duration: object, now: datetime
) -> Treatment:
    name = _clean_item_name(name, TREATMENT_NAME_MAX).lower()
    minutes = _number(duration, "Duur", DURATION_MIN, DURATION_MAX)
    if _name_taken(db, Treatment, actor.practice_id, name):
        raise DomainError("Deze behandeling bestaat al.", field="name")
    treatment = Treatment(
        practice_id=actor.practice_id, name=name, default_duration_minutes=minutes
    )
    db.add(treatment)
    db.flush()
    audit.by_actor(db, actor, "settings.treatment_added", "treatment", treatment.id, now)
    return treatment


_Item = TypeVar("_Item", Treatment, Practitioner)


def _own(db: Session, model: type[_Item], actor: Actor, item_id: int) -> _Item:
    item = db.exec(
        select(model).where(model.id == item_id, model.practice_id == actor.practice_id)
    ).first()
    if item is None:
        raise NotFound("Niet gevonden.")
    return item


def update_treatment(
    db: Session, actor: Actor, *, treatment_id: int, duration: object, active: bool, now: datetime
) -> None:
    """Treatments are switched off rather than deleted: waitlist entries still refer to them."""
    treatment = _own(db, Treatment, actor, treatment_id)
    assert isinstance(treatment, Treatment)
    treatment.default_duration_minutes = _number(duration, "Duur", DURATION_MIN, DURATION_MAX)
    treatment.active = bool(active)
    db.add(treatment)
    audit.by_actor(db, actor, "settings.treatment_changed", "treatment", treatment.id, now)


def add_practitioner(db: Session, actor: Actor, *, name: str, now: datetime) -> Practitioner:
    name = _clean_item_name(name, 100)
    if _name_taken(db, Practitioner, actor.practice_id, name):
        raise DomainError("Deze behandelaar staat er al.", field="name")
    practitioner = Practitioner(practice_id=actor.practice_id, name=name)
    db.add(practitioner)
    db.flush()
    audit.by_actor(db, actor, "settings.practitioner_added", "practitioner", practitioner.id, now)
    return practitioner


def set_practitioner_active(
    db: Session, actor: Actor, *, practitioner_id: int, active: bool, now: datetime
) -> None:
    practitioner = _own(db, Practitioner, actor, practitioner_id)
    practitioner.active = bool(active)
    db.add(practitioner)
    audit.by_actor(db, actor, "settings.practitioner_changed", "practitioner", practitioner.id, now)


def update_outreach(
    db: Session,
    actor: Actor,
    *,
    wave_size: object,
    wave_interval: object,
    quiet_start: str,
    quiet_end: str,
    min_notice: object,
    max_offers: object,
    sender_name: str,
    now: datetime,
    wave_mode: str | None = None,
) -> None:
    """Owner only: these rules decide who gets texted, and when. `wave_mode` None: unchanged."""
    if not actor.is_owner:
        raise PermissionDenied("Alleen de eigenaar mag de SMS-regels wijzigen.")
    sender = (sender_name or "").strip()
    if not SENDER_RE.match(sender):
        raise DomainError(
            "Afzendernaam: 1 tot 11 letters of cijfers, met minstens één letter (geen spaties).",
            field="sender",
        )
    values = {
        "wave_size": _number(wave_size, "Golfgrootte", 1, 50),
        "wave_interval_minutes": _number(wave_interval, "Tijd tussen golven", 1, 240),
        "quiet_start_minute": _minute(quiet_start, "Stilte vanaf"),
        "quiet_end_minute": _minute(quiet_end, "Stilte tot"),
        "min_notice_minutes": _number(min_notice, "Minimale aanlooptijd", 0, 24 * 60),
        "max_offers_per_week": _number(max_offers, "Maximaal aantal aanbiedingen", 1, 50),
    }
    if wave_mode is not None and wave_mode not in WAVE_MODES:
        raise DomainError("Kies hoe de golven gaan: adaptief of vast.", field="wave_mode")
    practice = _practice(db, actor)
    for name, value in values.items():
        setattr(practice, name, value)
    practice.sms_sender_name = sender
    practice.wave_mode = wave_mode or practice.wave_mode
    practice.settings_checked_at = practice.settings_checked_at or now  # see onboarding.py
    db.add(practice)
    audit.by_actor(db, actor, "settings.outreach_changed", "practice", practice.id, now)


# --- value of a treatment minute (€ recovered on /resultaten) ---------------------------

MINUTE_VALUE_LABEL = "Waarde per behandelminuut"
MINUTE_VALUE_MIN, MINUTE_VALUE_MAX = 1, 5000  # cents: € 0,01 – € 50,00
_EUROS_RE = re.compile(r"(?:€ ?)?([0-9]{1,3})(?:[,.]([0-9]{1,2}))?")  # ASCII digits only


def euro_text(cents: int) -> str:
    """Cents as the field shows them: 367 → "3,67"."""
    return f"{cents // 100},{cents % 100:02d}"


def parse_euros(value: object) -> int:
    """A Dutch amount ("3,67", "€ 3,67", "3.5", "4") as cents, within the allowed range."""
    text = str(value).strip()
    match = _EUROS_RE.fullmatch(text) if len(text) <= 12 else None
    cents = None
    if match:
        cents = int(match[1]) * 100 + int((match[2] or "0").ljust(2, "0"))
    if cents is None or not MINUTE_VALUE_MIN <= cents <= MINUTE_VALUE_MAX:
        raise DomainError(
            f"{MINUTE_VALUE_LABEL}: vul een bedrag in van 0,01 tot 50,00 euro, bijvoorbeeld 3,67.",
            field="minute_value",
        )
    return cents


def minute_value(db: Session, actor: Actor) -> int:
    """The practice's value of one treatment minute, in cents."""
    return _practice(db, actor).minute_value_cents


def update_minute_value(db: Session, actor: Actor, *, value: object, now: datetime) -> int:
    """Owner only, like the SMS rules: the figure the practice reports its results in."""
    if not actor.is_owner:
        raise PermissionDenied("Alleen de eigenaar mag de waarde per behandelminuut wijzigen.")
    cents = parse_euros(value)
    practice = _practice(db, actor)
    practice.minute_value_cents = cents
    db.add(practice)
    audit.by_actor(
        db, actor, "settings.minute_value_changed", "practice", practice.id, now, str(cents)
    )
    return cents


SIGNUP_MODES = {
    "beoordelen": "Eerst beoordelen: een medewerker accepteert of weigert elke aanmelding",
    "automatisch": "Automatisch: een bevestigde aanmelding staat direct op de wachtlijst",
}


@dataclass(frozen=True)
class SignupSetting:
    slug: str
    mode: str


def signup_setting(db: Session, actor: Actor) -> SignupSetting:
    """Online aanmelden: the practice's public link (its slug) and how sign-ups are taken on."""
    practice = _practice(db, actor)
    return SignupSetting(practice.slug, practice.signup_mode)


def update_signup_mode(db: Session, actor: Actor, *, mode: str, now: datetime) -> str:
    """Owner only, like the SMS rules: automatic acceptance lets strangers' sign-ups be texted
    without anyone at the practice looking at them first."""
    if not actor.is_owner:
        raise PermissionDenied("Alleen de eigenaar mag het online aanmelden instellen.")
    if mode not in SIGNUP_MODES:
        raise DomainError("Kies beoordelen of automatisch.", field="signup_mode")
    practice = _practice(db, actor)
    if practice.signup_mode != mode:
        practice.signup_mode = mode
        db.add(practice)
        audit.by_actor(
            db, actor, "settings.signup_mode_changed", "practice", practice.id, now, mode
        )
    return mode
