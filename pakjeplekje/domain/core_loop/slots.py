"""Freed slots: the staff side of the core loop — validate, preview, open, close, list."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select, update

from pakjeplekje import texts
from pakjeplekje.domain import audit, billing, labels, phones
from pakjeplekje.domain.actor import Actor
from pakjeplekje.domain.core_loop import dispatch, matching, outreach
from pakjeplekje.domain.core_loop.quiet_hours import first_wave_held_until
from pakjeplekje.domain.core_loop.wave_strategies import Strategy
from pakjeplekje.domain.errors import DomainError, NotFound
from pakjeplekje.domain.offers import CLAIMABLE, OfferStatus, SlotStatus, add_offers
from pakjeplekje.models import Offer, Patient, Practice, Practitioner, Slot, Treatment

DURATION_MIN, DURATION_MAX = 5, 240
MAX_AHEAD = timedelta(days=60)
EARLIEST, LATEST = time(7, 0), time(22, 0)
CLOSE_REASONS = {"zelf_ingevuld": "Zelf ingevuld", "gaat_niet_door": "Gaat niet door"}


@dataclass(frozen=True)
class SlotForm:
    day: str = ""  # YYYY-MM-DD, local
    start: str = ""  # HH:MM, local
    duration: str = ""
    treatment_id: str = ""
    practitioner_id: str = ""


def _practice(db: Session, actor: Actor) -> Practice:
    practice = db.get(Practice, actor.practice_id)
    assert practice is not None
    return practice


def _own_id(
    db: Session, model: type[Treatment] | type[Practitioner], actor: Actor, raw: str, label: str
) -> int | None:
    """An active treatment or practitioner of the actor's own practice, by its id."""
    if not raw:
        return None
    ident = int(raw) if raw.isdecimal() and len(raw) < 10 else None
    found = (
        ident is not None
        and db.exec(
            select(model.id).where(
                model.id == ident,
                model.practice_id == actor.practice_id,
                col(model.active).is_(True),
            )
        ).first()
    )
    if not found:
        raise DomainError(f"Kies een {label} uit de lijst van de praktijk.", field=label)
    return ident


def shape_from_form(db: Session, actor: Actor, form: SlotForm, now: datetime) -> matching.SlotShape:
    """Every rule for a new slot; a DomainError in Dutch names the first one broken."""
    billing.require_can_open_slots(db, actor.practice_id, now)  # read-only / sending stopped
    practice = _practice(db, actor)
    zone = ZoneInfo(practice.timezone)
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", form.day.strip()):
        raise DomainError("Kies een datum.", field="day")
    match = re.fullmatch(r"([01]?\d|2[0-3]):([0-5]\d)", form.start.strip())
    if not match:
        raise DomainError("Vul een begintijd in als 10:30.", field="start")
    try:
        day = date.fromisoformat(form.day.strip())
    except ValueError as exc:
        raise DomainError("Deze datum bestaat niet.", field="day") from exc
    local_start = datetime.combine(day, time(int(match[1]), int(match[2])), tzinfo=zone)
    duration = int(form.duration) if form.duration.strip().isdecimal() else 0
    if not DURATION_MIN <= duration <= DURATION_MAX:
        raise DomainError(
            f"De duur is {DURATION_MIN} tot {DURATION_MAX} minuten.", field="duration"
        )
    local_end = local_start + timedelta(minutes=duration)
    if local_start.time() < EARLIEST or local_end.time() > LATEST or local_end.date() != day:
        raise DomainError("Een plek ligt tussen 07:00 en 22:00.", field="start")
    starts_at = local_start.astimezone(ZoneInfo("UTC"))
    if starts_at <= now:
        raise DomainError("Deze tijd is al voorbij.", field="start")
    if starts_at - now < timedelta(minutes=practice.min_notice_minutes):
        raise DomainError(
            f"Te kort dag: een plek moet minstens {practice.min_notice_minutes} "
            "minuten van tevoren worden vrijgegeven.",
            field="start",
        )
    # 60 days on the practice's calendar: a DST change in between neither adds nor takes an hour
    wall_now = now.astimezone(zone).replace(tzinfo=None)
    if local_start.replace(tzinfo=None) - wall_now > MAX_AHEAD:
        raise DomainError("Een plek kan hooguit 60 dagen vooruit worden vrijgegeven.", field="day")
    treatment_id = _own_id(db, Treatment, actor, form.treatment_id, "behandeling")
    if treatment_id is None:
        raise DomainError("Kies een behandeling.", field="behandeling")
    practitioner_id = _own_id(db, Practitioner, actor, form.practitioner_id, "behandelaar")
    return matching.SlotShape(actor.practice_id, starts_at, duration, treatment_id, practitioner_id)


@dataclass(frozen=True)
class Preview:
    shape: matching.SlotShape
    matches: list[matching.Match]
    total: int
    wave_plan: str


def preview(db: Session, actor: Actor, form: SlotForm, now: datetime, shown: int = 20) -> Preview:
    shape = shape_from_form(db, actor, form, now)
    practice = _practice(db, actor)
    held = first_wave_held_until(practice, shape.starts_at, now)
    first = "nu" if held is None else f"om {_hhmm(practice, held)} (na de stille uren)"
    if practice.wave_mode == "vast":
        plan = (
            f"{practice.wave_size} {first}, daarna elke {practice.wave_interval_minutes} "
            f"minuten {practice.wave_size} meer"
        )
    else:
        opening = outreach.opening_plan(db, practice, shape, held or now, now)
        plan = (
            f"adaptief: {opening.size} {first}, daarna wacht PakJePlekje op hun antwoord "
            f"(ongeveer {texts.count(opening.gap, 'minuut')}) en stuurt meer als de tijd "
            "dringt; een nee geeft de plek meteen aan de volgende"
        )
    return Preview(
        shape, matching.ranked(db, shape, now, shown), matching.count(db, shape, now), plan
    )


def _hhmm(practice: Practice, moment: datetime) -> str:
    return f"{moment.astimezone(ZoneInfo(practice.timezone)):%H:%M}"


def add_wave(
    db: Session,
    slot: Slot,
    wave: int,
    now: datetime,
    countries: frozenset[str] | None = None,
    strategy: Strategy | None = None,
) -> list[int]:
    """Queue the patients the strategy (default: the practice's) picks for this wave; tokens
    are issued when each SMS goes out.

    Returns the ids to text. In the free trial a number outside `countries`
    (SMS_ALLOWED_COUNTRIES, passed in by the caller; None: no such rule) gets its offer all
    the same, marked `skipped`: staff see who was passed over and why, instead of a patient
    silently left out."""
    practice = db.get(Practice, slot.practice_id)
    assert practice is not None and slot.id is not None
    if not billing.can_send_sms(db, slot.practice_id, now):  # no wave without a subscription
        return []
    strategy = strategy or outreach.strategy_for(practice)
    picks = outreach.pick(db, strategy, outreach.outreach(db, strategy, practice, slot, now))
    chosen = [p.patient_id for p in picks]
    abroad = _outside(db, chosen, slot.practice_id, countries)
    reasons = {p.patient_id: p.reason for p in picks}
    offers = add_offers(db, slot, chosen, wave=wave, now=now, skipped=abroad, reasons=reasons)
    return [o.id for o, _ in offers if o.status == OfferStatus.QUEUED]


def _outside(
    db: Session, patient_ids: list[int], practice_id: int, countries: frozenset[str] | None
) -> set[int]:
    """The patients a trial practice may not text (number outside the allowed countries)."""
    if countries is None or not patient_ids or not billing.on_trial(db, practice_id):
        return set()
    numbers = db.exec(
        select(Patient.id, Patient.phone).where(
            col(Patient.id).in_(patient_ids), Patient.practice_id == practice_id
        )
    ).all()
    return {pid for pid, phone in numbers if not phones.in_countries(phone, countries)}


def open_slot(
    db: Session,
    actor: Actor,
    form: SlotForm,
    now: datetime,
    countries: frozenset[str] | None = None,
) -> tuple[Slot, list[int]]:
    """Open the slot and queue wave 1; returns the offer ids to text now. Inside quiet hours
    there are none: wave 1 waits for their end, and the wave tick sends it then."""
    shape = shape_from_form(db, actor, form, now)
    slot = Slot(
        practice_id=actor.practice_id,
        starts_at=shape.starts_at,
        duration_minutes=shape.duration_minutes,
        treatment_id=shape.treatment_id,
        practitioner_id=shape.practitioner_id,
        created_by_user_id=actor.user_id if actor.api_key_id is None else None,
        created_at=now,
    )
    db.add(slot)
    db.flush()
    held = first_wave_held_until(_practice(db, actor), slot.starts_at, now)
    offer_ids = add_wave(db, slot, 1, now, countries) if held is None else []
    audit.by_actor(db, actor, "slot.opened", "slot", slot.id, now, detail=str(len(offer_ids)))
    return slot, offer_ids


def opened_notice(db: Session, slot: Slot, texted: int, now: datetime) -> str:
    """What staff read after opening `slot`: how many texts go out now, or when they will."""
    practice = db.get(Practice, slot.practice_id)
    assert practice is not None
    held = first_wave_held_until(practice, slot.starts_at, now)
    if held is not None:
        at = _hhmm(practice, held)
        return f"Plek vrijgegeven. Het zijn stille uren: de SMS'jes gaan om {at} uit."
    verb = "gaat" if texted == 1 else "gaan"
    return f"Plek vrijgegeven: {texts.count(texted, 'SMS')} {verb} nu uit."


def _own_slot(db: Session, actor: Actor, slot_id: int) -> Slot:
    slot = db.exec(
        select(Slot).where(Slot.id == slot_id, Slot.practice_id == actor.practice_id)
    ).first()
    if slot is None:
        raise NotFound("Deze plek bestaat niet (meer).")
    return slot


def close_slot(db: Session, actor: Actor, *, slot_id: int, reason: str, now: datetime) -> Slot:
    """Staff filled it themselves or it is off: waves stop, later clickers see it is gone."""
    if reason not in CLOSE_REASONS:
        raise DomainError("Kies waarom de plek sluit.")
    slot = _own_slot(db, actor, slot_id)
    if slot.status != SlotStatus.OPEN:
        raise DomainError("Deze plek is al gevuld of gesloten.")
    slot.status, slot.closed_reason = SlotStatus.CLOSED, reason
    db.add(slot)
    db.exec(
        update(Offer)
        .where(
            col(Offer.slot_id) == slot.id,
            col(Offer.status).in_(CLAIMABLE),
        )
        .values(status=OfferStatus.EXPIRED)
    )
    audit.by_actor(db, actor, "slot.closed", "slot", slot.id, now, detail=reason)
    return slot


OFFER_LABELS = labels.OFFER_LABELS  # the Dutch words live in domain/labels.py
OFFER_LINE_LABELS = labels.OFFER_LINE_LABELS  # OfferRow.status: a status, or UNSURE_SMS
SLOT_LABELS = labels.SLOT_LABELS


@dataclass(frozen=True)
class OfferRow:
    name: str
    status: str
    wave: int
    reason: str = ""  # why the wave chose this patient


@dataclass(frozen=True)
class SlotRow:
    id: int
    starts_local: datetime
    duration_minutes: int
    treatment: str
    status: str
    winner: str
    seconds_to_fill: float | None  # formatted once, by texts.duration, like the median
    offers: list[OfferRow]


def list_recent(
    db: Session, practice_id: int, now: datetime, limit: int = 20, days: int = 14
) -> list[SlotRow]:
    """Open and recent slots of one practice, newest first, with each offer's status."""
    practice = db.get(Practice, practice_id)
    assert practice is not None
    zone = ZoneInfo(practice.timezone)
    slots = db.exec(
        select(Slot)
        .where(Slot.practice_id == practice_id, Slot.starts_at > now - timedelta(days=days))
        .order_by(col(Slot.created_at).desc())
        .limit(limit)
    ).all()
    ids = [s.id for s in slots]
    offers = db.exec(
        select(Offer, Patient.name)
        .join(Patient, col(Patient.id) == Offer.patient_id)
        .where(col(Offer.slot_id).in_(ids), Offer.practice_id == practice_id)
        .order_by(col(Offer.wave), col(Offer.id))
    ).all()
    by_slot: dict[int, list[OfferRow]] = {i: [] for i in ids}
    winners: dict[int, str] = {}
    for offer, name in offers:
        unsure = dispatch.outcome_unknown(offer.status, offer.created_at, now)
        status = labels.UNSURE_SMS if unsure else offer.status
        by_slot[offer.slot_id].append(OfferRow(name, status, offer.wave, offer.reason))
        if offer.status == OfferStatus.CLAIMED:
            winners[offer.slot_id] = name
    treatments = dict(
        db.exec(
            select(Treatment.id, Treatment.name).where(Treatment.practice_id == practice_id)
        ).all()
    )
    return [
        SlotRow(
            id=s.id,
            starts_local=s.starts_at.astimezone(zone),
            duration_minutes=s.duration_minutes,
            treatment=treatments.get(s.treatment_id or 0, ""),  # 0: no treatment given
            status=s.status,
            winner=winners.get(s.id, ""),
            seconds_to_fill=(
                (s.claimed_at - s.created_at).total_seconds() if s.claimed_at else None
            ),
            offers=by_slot[s.id],
        )
        for s in slots
    ]


def reopen_slot(db: Session, actor: Actor, *, slot_id: int, now: datetime) -> Slot:
    """The claimer cancelled or did not come: back on the waitlist, the slot open again for
    the others (who were not offered it yet) while there is time."""
    slot = _own_slot(db, actor, slot_id)
    if slot.status != SlotStatus.CLAIMED:
        raise DomainError("Alleen een gevulde plek kan opnieuw worden vrijgegeven.")
    practice = _practice(db, actor)
    if slot.starts_at - now < timedelta(minutes=practice.min_notice_minutes):
        raise DomainError("Te kort dag om de plek opnieuw aan te bieden.")
    db.exec(
        update(Patient)
        .where(
            col(Patient.id) == slot.claimed_patient_id,
            col(Patient.practice_id) == actor.practice_id,
        )
        .values(status="waiting")
    )
    db.exec(
        update(Offer)
        .where(col(Offer.slot_id) == slot.id, col(Offer.status) == OfferStatus.CLAIMED)
        .values(status=OfferStatus.LOST)
    )
    db.exec(
        update(Slot)
        .where(col(Slot.id) == slot.id)
        .values(status=SlotStatus.OPEN, claimed_patient_id=None, claimed_at=None, claimed_via=None)
    )
    db.refresh(slot)
    audit.by_actor(db, actor, "slot.reopened", "slot", slot.id, now)
    return slot
