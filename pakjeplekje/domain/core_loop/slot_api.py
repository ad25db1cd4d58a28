"""Slots as the integration API (/api/v1) reads and writes them.

Opening and closing go through the staff form's own rules (`slots.shape_from_form`,
`slots.open_slot`, `slots.close_slot`): an integration can do nothing a staff member could
not. This module only translates: an ISO 8601 instant into the form's local day and time,
the form's field names into the API's, rows into JSON-ready dicts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from pakjeplekje.domain.actor import Actor
from pakjeplekje.domain.core_loop import slots
from pakjeplekje.domain.errors import DomainError, NotFound
from pakjeplekje.domain.waitlist.entry_api import parse_instant
from pakjeplekje.domain.waitlist.patients import ValidationFailed as InvalidInput
from pakjeplekje.models import Practice, Practitioner, Slot, Treatment

STATUSES = ("open", "claimed", "closed", "expired")
CLOSE_REASONS = tuple(slots.CLOSE_REASONS)
NOT_FOUND = "Deze plek bestaat niet (meer)."
# the staff form's fields → the API's
FIELDS = {
    "day": "starts_at",
    "start": "starts_at",
    "duration": "duration_minutes",
    "behandeling": "treatment_id",
    "behandelaar": "practitioner_id",
}


@dataclass(frozen=True)
class NewSlot:
    starts_at: str
    duration_minutes: int
    treatment_id: int
    practitioner_id: int | None = None


def form_from_api(db: Session, actor: Actor, new: NewSlot) -> slots.SlotForm:
    """The staff form's values for this request: the day and time on the practice's clock."""
    practice = db.get(Practice, actor.practice_id)
    assert practice is not None
    moment = parse_instant(new.starts_at, "starts_at")
    local = moment.astimezone(ZoneInfo(practice.timezone))
    if local.second or local.microsecond:
        raise InvalidInput({"starts_at": "Een plek begint op een hele minuut."})
    return slots.SlotForm(
        day=local.date().isoformat(),
        start=f"{local:%H:%M}",
        duration=str(new.duration_minutes),
        treatment_id=str(new.treatment_id),
        practitioner_id="" if new.practitioner_id is None else str(new.practitioner_id),
    )


def _as_api_error(exc: DomainError) -> DomainError:
    if exc.field in FIELDS:
        return InvalidInput({FIELDS[exc.field]: exc.message})
    return exc  # a rule of the practice (subscription, e-mail not confirmed): no field


def open_slot(
    db: Session,
    actor: Actor,
    new: NewSlot,
    now: datetime,
    countries: frozenset[str] | None,
) -> tuple[Slot, list[int]]:
    """Exactly the staff path (`slots.open_slot`): the same validation, billing, waves."""
    form = form_from_api(db, actor, new)
    try:
        return slots.open_slot(db, actor, form, now, countries)
    except DomainError as exc:
        raise _as_api_error(exc) from exc


def own_slot(db: Session, practice_id: int, slot_id: int) -> Slot:
    slot = db.exec(select(Slot).where(Slot.id == slot_id, Slot.practice_id == practice_id)).first()
    if slot is None:
        raise NotFound(NOT_FOUND)
    return slot


def close_slot(db: Session, actor: Actor, slot_id: int, reason: str, now: datetime) -> Slot:
    own_slot(db, actor.practice_id, slot_id)  # another practice's id: not found, not "closed"
    if reason not in slots.CLOSE_REASONS:
        raise InvalidInput({"reason": "Kies zelf_ingevuld of gaat_niet_door."})
    return slots.close_slot(db, actor, slot_id=slot_id, reason=reason, now=now)


def _iso(moment: datetime | None, zone: ZoneInfo) -> str | None:
    return None if moment is None else moment.astimezone(zone).isoformat()


def slot_view(db: Session, slot: Slot) -> dict[str, Any]:
    """The JSON of one slot: times in the practice's time zone, with their offset."""
    practice = db.get(Practice, slot.practice_id)
    assert practice is not None
    zone = ZoneInfo(practice.timezone)
    return {
        "id": slot.id,
        "status": slot.status,
        "starts_at": _iso(slot.starts_at, zone),
        "duration_minutes": slot.duration_minutes,
        "treatment_id": slot.treatment_id,
        "practitioner_id": slot.practitioner_id,
        "created_at": _iso(slot.created_at, zone),
        "claimed_at": _iso(slot.claimed_at, zone),
        "claimed_via": slot.claimed_via,
        "claimed_by_waitlist_entry_id": slot.claimed_patient_id,
        "closed_reason": slot.closed_reason,
    }


def slot_page(
    db: Session, practice_id: int, *, status: str | None, after: int, limit: int
) -> tuple[list[Slot], int | None]:
    """One page in id order (new slots land at the end), and the cursor of the next one."""
    stmt = select(Slot).where(Slot.practice_id == practice_id, Slot.id > after)
    if status is not None:
        stmt = stmt.where(Slot.status == status)
    rows = list(db.exec(stmt.order_by(col(Slot.id)).limit(limit + 1)).all())
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (rows[-1].id if more else None)


def catalogue(db: Session, practice_id: int) -> dict[str, list[dict[str, Any]]]:
    """The practice's active treatments and practitioners: the ids a request may use."""
    treatments = db.exec(
        select(Treatment)
        .where(Treatment.practice_id == practice_id, col(Treatment.active).is_(True))
        .order_by(col(Treatment.id))
    ).all()
    practitioners = db.exec(
        select(Practitioner)
        .where(Practitioner.practice_id == practice_id, col(Practitioner.active).is_(True))
        .order_by(col(Practitioner.id))
    ).all()
    return {
        "treatments": [
            {"id": t.id, "name": t.name, "duration_minutes": t.default_duration_minutes}
            for t in treatments
        ],
        "practitioners": [{"id": p.id, "name": p.name} for p in practitioners],
    }
