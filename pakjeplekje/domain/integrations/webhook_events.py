"""Outbound webhook events: recorded in the caller's transaction, delivered after commit.

An event becomes one `WebhookDelivery` row per endpoint of *that practice* subscribed to its
type, so a rolled-back claim sends nothing and no event can reach another practice's URL."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, delete, select

from pakjeplekje.models import (
    Offer,
    Patient,
    Practitioner,
    Slot,
    Treatment,
    WebhookDelivery,
    WebhookEndpoint,
)

SLOT_FILLED = "slot.filled"
OFFER_CLAIMED = "offer.claimed"
PATIENT_OPTED_OUT = "patient.opted_out"
PATIENT_JOINED = "patient.joined"
EVENT_TYPES = (SLOT_FILLED, OFFER_CLAIMED, PATIENT_OPTED_OUT, PATIENT_JOINED)


def subscribed(endpoint: WebhookEndpoint, event_type: str) -> bool:
    return endpoint.disabled_at is None and event_type in endpoint.events.split(",")


def record_event(
    db: Session, practice_id: int, event_type: str, data: dict[str, Any], now: datetime
) -> list[WebhookDelivery]:
    """Queue `event_type` for every subscribed endpoint of the practice; returns the rows
    (flushed, so their ids are known) for the caller to hand to the delivery job."""
    if event_type not in EVENT_TYPES:
        raise ValueError(f"unknown webhook event {event_type!r}")
    endpoints = db.exec(
        select(WebhookEndpoint)
        .where(WebhookEndpoint.practice_id == practice_id)
        .where(col(WebhookEndpoint.disabled_at).is_(None))
        .order_by(col(WebhookEndpoint.id))
    ).all()
    targets = [endpoint for endpoint in endpoints if subscribed(endpoint, event_type)]
    if not targets:
        return []
    event_id = f"evt_{uuid.uuid4().hex}"
    payload = json.dumps(
        {"id": event_id, "type": event_type, "created": _iso(now), "data": data},
        ensure_ascii=False,
        separators=(",", ":"),
    )
    rows = [
        WebhookDelivery(
            practice_id=practice_id,
            endpoint_id=endpoint.id,
            event_id=event_id,
            event_type=event_type,
            payload=payload,
            next_attempt_at=now,
            created_at=now,
        )
        for endpoint in targets
    ]
    db.add_all(rows)
    db.flush()
    return rows


# --- what each event says (data minimisation: ids, and what an agenda needs to book) ------


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _name_of(
    db: Session, model: type[Treatment] | type[Practitioner], practice_id: int, row_id: int | None
) -> str | None:
    """A treatment's or practitioner's name, looked up within the practice (None: none set)."""
    if row_id is None:
        return None
    return db.exec(
        select(model.name).where(col(model.id) == row_id, model.practice_id == practice_id)
    ).first()


def slot_claimed(db: Session, slot: Slot, offer: Offer, now: datetime) -> list[WebhookDelivery]:
    """A claim won (page, API or `JA`): `slot.filled` (with the patient, whom the practice's
    agenda must book) and `offer.claimed` (ids only). Called once, from `claims._claim`."""
    patient = db.exec(
        select(Patient).where(
            col(Patient.id) == offer.patient_id, Patient.practice_id == slot.practice_id
        )
    ).first()
    filled = {
        "slot": {
            "id": slot.id,
            "starts_at": _iso(slot.starts_at),
            "duration_minutes": slot.duration_minutes,
            "treatment": _name_of(db, Treatment, slot.practice_id, slot.treatment_id),
            "practitioner": _name_of(db, Practitioner, slot.practice_id, slot.practitioner_id),
            "claimed_via": slot.claimed_via,
            "claimed_at": _iso(now),
        },
        "patient": {
            "id": offer.patient_id,
            "name": patient.name if patient else None,
            "phone": patient.phone if patient else None,
        },
    }
    claimed = {
        "offer": {"id": offer.id, "wave": offer.wave},
        "slot": {"id": slot.id},
        "patient": {"id": offer.patient_id},
    }
    return record_event(db, slot.practice_id, SLOT_FILLED, filled, now) + record_event(
        db, slot.practice_id, OFFER_CLAIMED, claimed, now
    )


def patients_opted_out(
    db: Session, rows: Sequence[tuple[int, int]], via: str, now: datetime
) -> list[WebhookDelivery]:
    """`patient.opted_out` for each (practice id, patient id) that just opted out, each to its
    own practice's endpoints only. `via`: sms | claimpagina | provider | privacyverzoek |
    voorkeuren."""
    made: list[WebhookDelivery] = []
    for practice_id, patient_id in rows:
        data = {"patient": {"id": patient_id}, "via": via, "opted_out_at": _iso(now)}
        made += record_event(db, practice_id, PATIENT_OPTED_OUT, data, now)
    return made


JOINED_SOURCES = ("medewerker", "import", "aanmelding", "api")


def patients_joined(
    db: Session, practice_id: int, patients: Sequence[Patient], source: str, now: datetime
) -> list[WebhookDelivery]:
    """`patient.joined` for new waitlist entries. Emitted by whoever creates the entry: the
    staff form and the CSV import ("medewerker", "import"), the public sign-up ("aanmelding")
    and the API ("api"); never by the low-level `patients.insert_many`, which all of them use."""
    if source not in JOINED_SOURCES:
        raise ValueError(f"unknown source {source!r}")
    made: list[WebhookDelivery] = []
    for patient in patients:
        data = {"patient": {"id": patient.id, "status": patient.status}, "source": source}
        made += record_event(db, practice_id, PATIENT_JOINED, data, now)
    return made


# --- AVG: a delivery's body may name a patient (slot.filled) --------------------------------

PAYLOAD_DAYS = 30  # the log (and what "Opnieuw versturen" can resend) goes back this far


def forget_patients(db: Session, practice_id: int, patient_ids: Sequence[int]) -> int:
    """Deletes the practice's deliveries whose body names one of these patients (slot.filled
    carries name and number): an erased waitlist entry leaves no copy in the delivery log.
    Matched on the compact JSON `record_event` writes."""
    removed = 0
    for patient_id in patient_ids:
        pattern = f'%"patient":{{"id":{int(patient_id)},"name":%'
        removed += db.exec(
            delete(WebhookDelivery).where(
                col(WebhookDelivery.practice_id) == practice_id,
                col(WebhookDelivery.event_type) == SLOT_FILLED,
                col(WebhookDelivery.payload).like(pattern),
            )
        ).rowcount
    return removed


def purge_old(db: Session, now: datetime, days: int = PAYLOAD_DAYS) -> int:
    """The daily AVG job: deliveries older than `days` are deleted, bodies and all (retries
    end after about two days; the log shows the latest 50)."""
    return db.exec(
        delete(WebhookDelivery).where(col(WebhookDelivery.created_at) < now - timedelta(days=days))
    ).rowcount
