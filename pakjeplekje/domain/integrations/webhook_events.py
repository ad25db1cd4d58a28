"""Outbound webhook events: recorded in the caller's transaction, delivered after commit.

An event becomes one `WebhookDelivery` row per endpoint of *that practice* subscribed to its
type, so a rolled-back claim sends nothing and no event can reach another practice's URL."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from pakjeplekje.models import WebhookDelivery, WebhookEndpoint

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
        {"id": event_id, "type": event_type, "created": now.isoformat(), "data": data},
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
