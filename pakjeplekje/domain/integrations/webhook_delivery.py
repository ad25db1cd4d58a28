"""Delivering webhook events: who is due, one attempt at a time, the retry schedule, and the
signature (as Stripe signs: `t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`).

The HTTP call itself is an adapter's; this module decides, on a session, what to send and
what an answer means. An attempt is taken with a conditional update (a lease), so the
after-commit job and the periodic sweep never post the same delivery at the same time."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, select, update

from pakjeplekje.models import WebhookDelivery, WebhookEndpoint

SIGNATURE_HEADER = "PakJePlekje-Signature"
EVENT_ID_HEADER = "PakJePlekje-Event-Id"
# After attempt n fails, the next one waits RETRY_DELAYS[n - 1]; after MAX_ATTEMPTS: failed.
RETRY_DELAYS = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=6),
    timedelta(hours=12),
    timedelta(hours=24),
)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1  # 8 attempts over about 45 hours
LEASE = timedelta(minutes=2)  # an attempt in flight (timeout 5 s); a dead worker's comes back
SWEEP_BATCH = 50

PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The `PakJePlekje-Signature` header value for `body` sent at `timestamp` (unix s)."""
    signed = f"{timestamp}.".encode() + body
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


@dataclass(frozen=True)
class Attempt:
    """One POST to make: the endpoint's URL and secret and the stored JSON body."""

    delivery_id: int
    practice_id: int
    event_id: str
    url: str
    secret: str
    body: bytes

    def headers(self, timestamp: int) -> dict[str, str]:
        return {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: signature(self.secret, timestamp, self.body),
            EVENT_ID_HEADER: self.event_id,
            "User-Agent": "PakJePlekje-Webhooks/1",
        }


def due(db: Session, now: datetime, limit: int = SWEEP_BATCH) -> list[int]:
    """Pending deliveries whose (next) attempt is due: retries, and first attempts whose job
    never ran. Oldest first."""
    return list(
        db.exec(
            select(WebhookDelivery.id)
            .where(
                WebhookDelivery.status == PENDING,
                col(WebhookDelivery.next_attempt_at) <= now,
            )
            .order_by(col(WebhookDelivery.next_attempt_at), col(WebhookDelivery.id))
            .limit(limit)
        ).all()
    )


def take(db: Session, delivery_id: int, now: datetime) -> Attempt | None:
    """Take the delivery for one attempt, if it is still pending and due and its endpoint is
    still enabled; pushes its next attempt LEASE ahead so nobody else takes it meanwhile.
    None: not due, already delivered/failed, taken by another worker, or endpoint disabled."""
    found = db.exec(
        select(WebhookDelivery, WebhookEndpoint)
        .join(WebhookEndpoint, col(WebhookEndpoint.id) == WebhookDelivery.endpoint_id)
        .where(
            col(WebhookDelivery.id) == delivery_id,
            # the endpoint of the delivery's own practice, always
            col(WebhookEndpoint.practice_id) == WebhookDelivery.practice_id,
        )
    ).first()
    if found is None:
        return None
    delivery, endpoint = found
    if endpoint.disabled_at is not None:
        return None
    taken = db.exec(
        update(WebhookDelivery)
        .where(
            col(WebhookDelivery.id) == delivery_id,
            col(WebhookDelivery.status) == PENDING,
            col(WebhookDelivery.next_attempt_at) <= now,
        )
        .values(next_attempt_at=now + LEASE)
        .execution_options(synchronize_session=False)
    ).rowcount
    if taken != 1:
        return None
    return Attempt(
        delivery_id=delivery_id,
        practice_id=delivery.practice_id,
        event_id=delivery.event_id,
        url=endpoint.url,
        secret=endpoint.secret,
        body=delivery.payload.encode("utf-8"),
    )


def record(
    db: Session, delivery_id: int, status_code: int | None, error: str, now: datetime
) -> str:
    """The outcome of one attempt: a 2xx acknowledges; anything else (another status, a
    timeout, a refused address) waits for the next attempt, or fails after MAX_ATTEMPTS.
    Returns the new status."""
    delivery = db.get(WebhookDelivery, delivery_id)
    if delivery is None:  # the practice was deleted meanwhile
        return FAILED
    delivery.attempts += 1
    delivery.last_attempt_at = now
    delivery.last_status_code = status_code
    if status_code is not None and 200 <= status_code < 300:
        delivery.status, delivery.delivered_at = DELIVERED, now
        delivery.next_attempt_at, delivery.last_error = None, ""
    else:
        delivery.last_error = (error or f"HTTP {status_code}")[:200]
        if delivery.attempts >= MAX_ATTEMPTS:
            delivery.status, delivery.next_attempt_at = FAILED, None
        else:
            delivery.status = PENDING
            delivery.next_attempt_at = now + RETRY_DELAYS[delivery.attempts - 1]
    db.add(delivery)
    return delivery.status
