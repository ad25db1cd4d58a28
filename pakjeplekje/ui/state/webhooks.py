"""Webhooks (owner only): endpoints, their signing secrets, the delivery log and resending.

The secrets never sit in the page's state until the owner asks for one ("Toon"), and each
handler re-reads everything through the actor's own practice: an id of another practice is
"not found"."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime

import reflex as rx

from pakjeplekje.domain.actor import Actor
from pakjeplekje.domain.dutch_dates import AMSTERDAM
from pakjeplekje.domain.errors import NotFound
from pakjeplekje.domain.integrations import webhook_endpoints
from pakjeplekje.domain.integrations.webhook_events import EVENT_TYPES
from pakjeplekje.services import webhooks
from pakjeplekje.ui.state.base import record_id
from pakjeplekje.ui.state.guard import RecordId, owner_event

EVENT_LABELS = {
    "slot.filled": "Plek gevuld (slot.filled)",
    "offer.claimed": "Aanbod aangenomen (offer.claimed)",
    "patient.opted_out": "Patiënt afgemeld (patient.opted_out)",
    "patient.joined": "Patiënt op de wachtlijst (patient.joined)",
}
STATUS_LABELS = {"pending": "wacht", "delivered": "afgeleverd", "failed": "mislukt"}
MASKED = "whsec_" + "•" * 12


def event_field(event_type: str) -> str:
    """The form field of an event's checkbox (no dots in a field name)."""
    return "event-" + event_type.replace(".", "_")


@dataclass(frozen=True)
class EndpointView:
    id: str
    url: str
    events: str
    enabled: bool
    secret: str  # MASKED until revealed


@dataclass(frozen=True)
class DeliveryView:
    id: str
    event_type: str
    event_id: str
    url: str
    time: str  # Amsterdam
    status: str
    status_label: str
    attempts: int
    last_status: str  # "200", "500", "—"
    detail: str  # the last error, or when the next attempt is due


def _local(moment: datetime) -> str:
    return moment.astimezone(AMSTERDAM).strftime("%d-%m-%Y %H:%M:%S")


def _delivery(row: webhook_endpoints.DeliveryRow) -> DeliveryView:
    detail = row.last_error if row.status != "delivered" else ""
    if row.status == "pending" and row.next_attempt_at is not None and row.attempts:
        detail = f"{detail}; volgende poging {_local(row.next_attempt_at)}".lstrip("; ")
    return DeliveryView(
        id=str(row.id),
        event_type=row.event_type,
        event_id=row.event_id,
        url=row.endpoint_url,
        time=_local(row.created_at),
        status=row.status,
        status_label=STATUS_LABELS.get(row.status, row.status),
        attempts=row.attempts,
        last_status=str(row.last_status_code) if row.last_status_code is not None else "—",
        detail=detail,
    )


class WebhooksState(rx.State):
    endpoints: list[EndpointView] = []
    deliveries: list[DeliveryView] = []
    revealed: list[str] = []  # endpoint ids whose secret the owner asked to see
    error: str = ""

    async def _refresh(self, actor: Actor) -> None:
        rows, log = await asyncio.to_thread(webhooks.overview, actor)
        secrets = {str(row.id): row.secret for row in rows}
        self.revealed = [i for i in self.revealed if i in secrets]
        self.endpoints = [
            EndpointView(
                id=str(row.id),
                url=row.url,
                events=", ".join(row.events),
                enabled=row.enabled,
                secret=secrets[str(row.id)] if str(row.id) in self.revealed else MASKED,
            )
            for row in rows
        ]
        self.deliveries = [_delivery(row) for row in log]

    def _own_id(self, value: RecordId, message: str) -> int:
        found = record_id(value)
        if found is None:
            raise NotFound(message)
        return found

    @owner_event(error="error")
    async def load(self, actor: Actor) -> None:
        self.endpoints, self.deliveries, self.revealed, self.error = [], [], [], ""
        await self._refresh(actor)

    @owner_event(error="error")
    async def refresh(self, actor: Actor) -> None:
        await self._refresh(actor)

    @owner_event(error="error")
    async def add(self, actor: Actor, form: dict) -> list | None:
        url = str(form.get("url", ""))
        events = [event for event in EVENT_TYPES if form.get(event_field(event))]
        endpoint_id = await asyncio.to_thread(webhooks.create_endpoint, actor, url, events)
        self.error = ""
        self.revealed = [*self.revealed, str(endpoint_id)]  # a new secret is shown once, now
        await self._refresh(actor)
        return [rx.toast.success("Endpoint toegevoegd."), rx.set_value("webhook_url", "")]

    @owner_event(error="error")
    async def reveal(self, actor: Actor, endpoint_id: RecordId) -> None:
        wanted = str(self._own_id(endpoint_id, webhook_endpoints.UNKNOWN_ENDPOINT))
        if wanted in self.revealed:
            self.revealed = [i for i in self.revealed if i != wanted]
        else:
            self.revealed = [*self.revealed, wanted]
        await self._refresh(actor)
        if wanted not in {row.id for row in self.endpoints}:
            raise NotFound(webhook_endpoints.UNKNOWN_ENDPOINT)

    @owner_event(error="error")
    async def copy_secret(self, actor: Actor, endpoint_id: RecordId) -> list:
        wanted = self._own_id(endpoint_id, webhook_endpoints.UNKNOWN_ENDPOINT)
        rows, _ = await asyncio.to_thread(webhooks.overview, actor)
        secret = next((row.secret for row in rows if row.id == wanted), None)
        if secret is None:
            raise NotFound(webhook_endpoints.UNKNOWN_ENDPOINT)
        return [rx.set_clipboard(secret), rx.toast.success("Geheim gekopieerd.")]

    @owner_event(error="error")
    async def set_enabled(self, actor: Actor, endpoint_id: RecordId, enabled: bool) -> None:
        wanted = self._own_id(endpoint_id, webhook_endpoints.UNKNOWN_ENDPOINT)
        await asyncio.to_thread(webhooks.set_enabled, actor, wanted, enabled)
        self.error = ""
        await self._refresh(actor)

    @owner_event(error="error")
    async def remove(self, actor: Actor, endpoint_id: RecordId) -> None:
        wanted = self._own_id(endpoint_id, webhook_endpoints.UNKNOWN_ENDPOINT)
        await asyncio.to_thread(webhooks.remove_endpoint, actor, wanted)
        self.error = ""
        await self._refresh(actor)

    @owner_event(error="error")
    async def resend(self, actor: Actor, delivery_id: RecordId) -> None:
        """A new attempt now (the owner waits at most the 5 s timeout for the answer)."""
        wanted = self._own_id(delivery_id, webhook_endpoints.UNKNOWN_DELIVERY)
        await asyncio.to_thread(webhooks.resend, actor, wanted)
        self.error = ""
        await self._refresh(actor)
