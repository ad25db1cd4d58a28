"""The owner's webhook settings: endpoints (URL, events, signing secret), the delivery log and
"Opnieuw versturen". Every read and write is scoped to the actor's own practice; a record of
another practice is "not found", never revealed."""

from __future__ import annotations

import ipaddress
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from sqlmodel import Session, col, delete, func, select

from pakjeplekje.domain import audit
from pakjeplekje.domain.actor import Actor
from pakjeplekje.domain.errors import DomainError, NotFound, PermissionDenied
from pakjeplekje.domain.integrations.webhook_delivery import PENDING
from pakjeplekje.domain.integrations.webhook_events import EVENT_TYPES
from pakjeplekje.models import WebhookDelivery, WebhookEndpoint

MAX_ENDPOINTS = 5
URL_MAX = 500
LOG_SIZE = 50
SECRET_PREFIX = "whsec_"  # noqa: S105  # a prefix, not a secret
UNKNOWN_ENDPOINT = "Dit endpoint bestaat niet (meer)."
UNKNOWN_DELIVERY = "Deze aflevering bestaat niet (meer)."


def _require_owner(actor: Actor) -> None:
    if not actor.is_owner:
        raise PermissionDenied()


def new_secret() -> str:
    """`whsec_` and 256 random bits: what the practice's software verifies signatures with."""
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def is_private_address(host: str) -> bool:
    """An IP literal that points inside (loopback, private, link-local, reserved …): no
    webhook may make our servers call into their own network (SSRF)."""
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return not address.is_global


def check_url(raw: str, *, allow_insecure: bool) -> str:
    """The endpoint URL, cleaned; DomainError (Dutch) when refused. `https` only; plain `http`
    and addresses inside a private network only when `allow_insecure` (APP_ENV=dev, tests).
    Host names are checked again where they are resolved, at every attempt (the adapter)."""
    url = (raw or "").strip()
    if not url:
        raise DomainError("Vul de URL van het endpoint in.", field="url")
    if len(url) > URL_MAX:
        raise DomainError(f"De URL is te lang (hoogstens {URL_MAX} tekens).", field="url")
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in url):
        raise DomainError("De URL mag geen spaties of stuurtekens bevatten.", field="url")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise DomainError("Dit is geen geldige URL.", field="url") from None
    allowed = ("https", "http") if allow_insecure else ("https",)
    if parts.scheme.lower() not in allowed:
        raise DomainError("De URL moet met https:// beginnen.", field="url")
    if not parts.hostname:
        raise DomainError("Dit is geen geldige URL: de servernaam ontbreekt.", field="url")
    if parts.username is not None or parts.password is not None:
        raise DomainError(
            "Zet geen gebruikersnaam of wachtwoord in de URL; controleer de handtekening.",
            field="url",
        )
    if port == 0:
        raise DomainError("Dit is geen geldige URL.", field="url")
    if not allow_insecure and (
        is_private_address(parts.hostname) or parts.hostname.lower() == "localhost"
    ):
        raise DomainError("Een adres binnen een privénetwerk is niet toegestaan.", field="url")
    return url


def _clean_events(events: Iterable[str]) -> list[str]:
    chosen = [event for event in EVENT_TYPES if event in set(events)]
    if not chosen:
        raise DomainError("Kies minstens één gebeurtenis.", field="events")
    return chosen


@dataclass(frozen=True)
class EndpointRow:
    id: int
    url: str
    events: list[str]
    secret: str
    enabled: bool
    created_at: datetime


@dataclass(frozen=True)
class DeliveryRow:
    id: int
    endpoint_url: str
    event_id: str
    event_type: str
    created_at: datetime
    status: str
    attempts: int
    last_status_code: int | None
    last_error: str
    next_attempt_at: datetime | None


def create(
    db: Session,
    actor: Actor,
    *,
    url: str,
    events: Iterable[str],
    allow_insecure: bool,
    now: datetime,
) -> WebhookEndpoint:
    _require_owner(actor)
    clean = check_url(url, allow_insecure=allow_insecure)
    chosen = _clean_events(events)
    count = db.exec(
        select(func.count())
        .select_from(WebhookEndpoint)
        .where(WebhookEndpoint.practice_id == actor.practice_id)
    ).one()
    if count >= MAX_ENDPOINTS:
        raise DomainError(f"U kunt hoogstens {MAX_ENDPOINTS} endpoints instellen.")
    endpoint = WebhookEndpoint(
        practice_id=actor.practice_id,
        url=clean,
        secret=new_secret(),
        events=",".join(chosen),
        created_at=now,
    )
    db.add(endpoint)
    db.flush()
    audit.by_actor(db, actor, "webhook.created", "webhook_endpoint", endpoint.id, now)
    return endpoint


def _own_endpoint(db: Session, actor: Actor, endpoint_id: int) -> WebhookEndpoint:
    _require_owner(actor)
    endpoint = db.exec(
        select(WebhookEndpoint).where(
            WebhookEndpoint.id == endpoint_id, WebhookEndpoint.practice_id == actor.practice_id
        )
    ).first()
    if endpoint is None:
        raise NotFound(UNKNOWN_ENDPOINT)
    return endpoint


def set_enabled(
    db: Session, actor: Actor, endpoint_id: int, enabled: bool, now: datetime
) -> WebhookEndpoint:
    """A disabled endpoint gets nothing new and its pending deliveries wait (not lost)."""
    endpoint = _own_endpoint(db, actor, endpoint_id)
    endpoint.disabled_at = None if enabled else (endpoint.disabled_at or now)
    db.add(endpoint)
    action = "webhook.enabled" if enabled else "webhook.disabled"
    audit.by_actor(db, actor, action, "webhook_endpoint", endpoint.id, now)
    return endpoint


def remove(db: Session, actor: Actor, endpoint_id: int, now: datetime) -> None:
    """The endpoint and its delivery log are gone (the payloads hold patient data)."""
    endpoint = _own_endpoint(db, actor, endpoint_id)
    db.exec(
        delete(WebhookDelivery).where(
            col(WebhookDelivery.endpoint_id) == endpoint.id,
            col(WebhookDelivery.practice_id) == actor.practice_id,
        )
    )
    db.delete(endpoint)
    audit.by_actor(db, actor, "webhook.deleted", "webhook_endpoint", endpoint_id, now)


def endpoints(db: Session, actor: Actor) -> list[EndpointRow]:
    _require_owner(actor)
    rows = db.exec(
        select(WebhookEndpoint)
        .where(WebhookEndpoint.practice_id == actor.practice_id)
        .order_by(col(WebhookEndpoint.id))
    ).all()
    return [
        EndpointRow(
            id=row.id,
            url=row.url,
            events=row.events.split(","),
            secret=row.secret,
            enabled=row.disabled_at is None,
            created_at=row.created_at,
        )
        for row in rows
    ]


def deliveries(db: Session, actor: Actor, limit: int = LOG_SIZE) -> list[DeliveryRow]:
    """The practice's latest deliveries, newest first (the payload is not shown)."""
    _require_owner(actor)
    rows = db.exec(
        select(WebhookDelivery, WebhookEndpoint.url)
        .join(WebhookEndpoint, col(WebhookEndpoint.id) == WebhookDelivery.endpoint_id)
        .where(
            WebhookDelivery.practice_id == actor.practice_id,
            WebhookEndpoint.practice_id == actor.practice_id,
        )
        .order_by(col(WebhookDelivery.created_at).desc(), col(WebhookDelivery.id).desc())
        .limit(limit)
    ).all()
    return [
        DeliveryRow(
            id=delivery.id,
            endpoint_url=url,
            event_id=delivery.event_id,
            event_type=delivery.event_type,
            created_at=delivery.created_at,
            status=delivery.status,
            attempts=delivery.attempts,
            last_status_code=delivery.last_status_code,
            last_error=delivery.last_error,
            next_attempt_at=delivery.next_attempt_at,
        )
        for delivery, url in rows
    ]


def resend(db: Session, actor: Actor, delivery_id: int, now: datetime) -> int:
    """ "Opnieuw versturen": the same event (same id, same body) gets a new attempt now, whatever
    its status; returns the delivery id for the job. Refused for a disabled endpoint."""
    _require_owner(actor)
    found = db.exec(
        select(WebhookDelivery, WebhookEndpoint)
        .join(WebhookEndpoint, col(WebhookEndpoint.id) == WebhookDelivery.endpoint_id)
        .where(
            WebhookDelivery.id == delivery_id,
            WebhookDelivery.practice_id == actor.practice_id,
            WebhookEndpoint.practice_id == actor.practice_id,
        )
    ).first()
    if found is None:
        raise NotFound(UNKNOWN_DELIVERY)
    delivery, endpoint = found
    if endpoint.disabled_at is not None:
        raise DomainError("Dit endpoint staat uit: zet het eerst weer aan.")
    delivery.status, delivery.next_attempt_at = PENDING, now
    db.add(delivery)
    audit.by_actor(db, actor, "webhook.resent", "webhook_delivery", delivery.id, now)
    return delivery_id
