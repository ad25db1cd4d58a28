"""What a patient may change about their own waitlist entry through the preferences link:
when they can come, a pause of 1–4 weeks, and leaving the list.

The link (`waitlist.preference_links`) names one entry of one practice; every lookup here
filters on both ids, so a link can never reach another practice's row. Leaving is the same
opt-out as the claim page's "Afmelden" and the SMS reply STOP: one way off the list.
Rejoining is not offered here: an opt-out is the patient's objection, and a forwarded SMS must
not undo it; START by SMS or the practice does.
Every change leaves an audit event with ids and the kind of change, never the data itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from pakjeplekje.domain import audit
from pakjeplekje.domain.core_loop import claims
from pakjeplekje.domain.dutch_dates import DAYS, MONTHS
from pakjeplekje.domain.errors import DomainError
from pakjeplekje.domain.tokens import hash_token
from pakjeplekje.domain.waitlist import opting_out, patients, preference_links
from pakjeplekje.models import Offer, Patient, Practice

PAUSE_WEEKS = (1, 2, 3, 4)
# Statuses whose holder may still change things: on the list, awaiting review (a public
# sign-up), or booked through the list (still on it for a next time).
CHANGEABLE = ("waiting", "pending", "booked")

NO_AVAILABILITY = "Kies minstens één dagdeel waarop u kunt."
UNKNOWN_CELL = "Er ging iets mis met de dagdelen. Kies opnieuw wanneer u kunt."
BAD_WEEKS = "Kies hoeveel weken u wilt pauzeren: 1, 2, 3 of 4."
NOT_PAUSED = "Uw berichten staan niet op pauze."
CANNOT_CHANGE = "U staat niet meer op deze wachtlijst; hier valt niets meer aan te passen."


@dataclass(frozen=True)
class Entry:
    """The waitlist entry a genuine link reaches, and its practice."""

    patient: Patient
    practice: Practice


@dataclass(frozen=True)
class Gone:
    """A genuine link whose entry is no longer there (deleted, replaced, practice closed)."""


@dataclass(frozen=True)
class PreferencesView:
    """What the page shows: the minimum the practice holds, in the patient's words."""

    practice_name: str
    name: str
    treatments: tuple[str, ...]
    availability: int
    # on_list | pending | booked | opted_out | removed
    state: str
    paused_until: datetime | None  # UTC; None when not paused (or the pause is over)
    timezone: str

    @property
    def can_change(self) -> bool:
        return self.state in ("on_list", "pending", "booked")

    @property
    def chosen_cells(self) -> tuple[str, ...]:
        return tuple(key for key, bit in patients.CELLS.items() if self.availability & bit)

    @property
    def paused_until_text(self) -> str:
        """`maandag 21 december 2026`: the day offers start again, in the practice's zone."""
        return day_text(self.paused_until, self.timezone) if self.paused_until else ""


def day_text(moment: datetime, timezone: str) -> str:
    local = moment.astimezone(ZoneInfo(timezone))
    return f"{DAYS[local.weekday()]} {local.day} {MONTHS[local.month - 1]} {local.year}"


def find(db: Session, secret: str, token: str) -> Entry | Gone | None:
    """The entry behind a link; `Gone` for a genuine link without its entry; None for a link we
    never made (altered, forged, ids swapped) — the page answers that with a plain 404."""
    link = preference_links.verify(secret, token)
    if link is None:
        return None
    row = db.exec(
        select(Patient, Practice)
        .join(Practice, col(Practice.id) == Patient.practice_id)
        .where(col(Patient.id) == link.patient_id, col(Patient.practice_id) == link.practice_id)
    ).first()
    if row is None:
        return Gone()
    patient, practice = row
    if practice.status != "active" or not preference_links.matches_row(
        secret, link, patient.added_at, patient.phone
    ):
        return Gone()
    return Entry(patient, practice)


def token_for(secret: str, patient: Patient) -> str:
    return preference_links.sign(
        secret, patient.practice_id, patient.id, patient.added_at, patient.phone
    )


def token_for_offer(db: Session, secret: str, raw_offer_token: str) -> str | None:
    """The preferences link of the patient a claim link was sent to (every offer's page shows
    it); None for an unknown claim token."""
    if not raw_offer_token or len(raw_offer_token) > claims.TOKEN_MAX:
        return None
    patient = db.exec(
        select(Patient)
        .join(Offer, col(Offer.patient_id) == Patient.id)
        .where(
            col(Offer.token_hash) == hash_token(raw_offer_token),
            col(Offer.practice_id) == Patient.practice_id,
        )
    ).first()
    return None if patient is None else token_for(secret, patient)


def _state(patient: Patient) -> str:
    if patient.opted_out_at is not None:
        return "opted_out"
    if patient.status == "waiting":
        return "on_list"
    return patient.status if patient.status in CHANGEABLE else "removed"


def view(db: Session, entry: Entry, now: datetime) -> PreferencesView:
    patient = entry.patient
    paused = patient.paused_until if patient.paused_until and patient.paused_until > now else None
    return PreferencesView(
        practice_name=entry.practice.name,
        name=patient.name,
        treatments=tuple(patients.treatment_names(db, [patient.id])[patient.id]),
        availability=patient.availability,
        state=_state(patient),
        paused_until=paused,
        timezone=entry.practice.timezone,
    )


def _changeable(entry: Entry) -> Patient:
    if _state(entry.patient) not in ("on_list", "pending", "booked"):
        raise DomainError(CANNOT_CHANGE)
    return entry.patient


def _record(db: Session, entry: Entry, action: str, detail: str, now: datetime) -> None:
    audit.record(
        db,
        action,
        practice_id=entry.practice.id,
        target_type="patient",
        target_id=entry.patient.id,
        detail=detail,
        now=now,
    )


def set_availability(db: Session, entry: Entry, cells: Iterable[str], now: datetime) -> int:
    """The weekday × part-of-day cells the patient can come; at least one. Returns the mask."""
    patient = _changeable(entry)
    mask = 0
    for key in cells:
        if key not in patients.CELLS:
            raise DomainError(UNKNOWN_CELL)
        mask |= patients.CELLS[key]
    if not mask:
        raise DomainError(NO_AVAILABILITY)
    patient.availability, patient.updated_at = mask, now
    db.add(patient)
    _record(db, entry, "patient.availability_changed", "voorkeurenpagina", now)
    return mask


def parse_weeks(raw: str) -> int:
    value = raw.strip()
    if not value.isdigit() or len(value) > 2 or int(value) not in PAUSE_WEEKS:
        raise DomainError(BAD_WEEKS)
    return int(value)


def pause_end(now: datetime, weeks: int, timezone: str) -> datetime:
    """Midnight (practice time) starting the day `weeks` weeks from today: "gepauzeerd tot
    maandag 21 december" means no texts before that day, and texts again from its start."""
    zone = ZoneInfo(timezone)
    day = now.astimezone(zone).date() + timedelta(weeks=weeks)
    return datetime.combine(day, time(0, 0), tzinfo=zone).astimezone(UTC)


def pause(db: Session, entry: Entry, weeks_raw: str, now: datetime) -> datetime:
    """No offers for 1–4 weeks (a new pause replaces a running one). Returns `paused_until`."""
    patient = _changeable(entry)
    weeks = parse_weeks(weeks_raw)
    patient.paused_until = pause_end(now, weeks, entry.practice.timezone)
    patient.updated_at = now
    db.add(patient)
    _record(db, entry, "patient.paused", f"{weeks} weken", now)
    return patient.paused_until


def end_pause(db: Session, entry: Entry, now: datetime) -> None:
    patient = _changeable(entry)
    if patient.paused_until is None or patient.paused_until <= now:
        raise DomainError(NOT_PAUSED)
    patient.paused_until, patient.updated_at = None, now
    db.add(patient)
    _record(db, entry, "patient.pause_ended", "voorkeurenpagina", now)


def leave(db: Session, entry: Entry, now: datetime) -> None:
    """ "Van de wachtlijst af": the same opt-out as the claim page's "Afmelden" and STOP."""
    patient = _changeable(entry)
    opting_out.opt_out_patient(db, entry.practice.id, patient.id, via="voorkeuren", now=now)
    _record(db, entry, "patient.opted_out", "voorkeurenpagina", now)
