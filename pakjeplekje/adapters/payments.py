"""Stripe behind a small interface: the real `stripe` SDK's `StripeClient`, nothing hand-made.

The API version is pinned here, in one place: the shapes `domain.billing` reads (the billing
period on the subscription item, the invoice's `parent.subscription_details`) belong to it.
`STRIPE_API_BASE` points the SDK at another host (the tests' fake Stripe); a webhook is
verified with `STRIPE_WEBHOOK_SECRET` by the SDK itself (v1 HMAC; the age against the app's clock).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import stripe

from pakjeplekje.config import Settings, get_settings
from pakjeplekje.domain.errors import DomainError

log = logging.getLogger(__name__)

STRIPE_API_VERSION = "2026-10-28.endive"
NETWORK_RETRIES = 2


class PaymentsError(DomainError):
    """Stripe could not be reached or refused; `message` is Dutch and safe to show, so the
    pages show it like any refusal of the rules."""

    def __init__(self, message: str = "Stripe is nu niet bereikbaar. Probeer het zo opnieuw."):
        super().__init__(message)


class NotConfigured(PaymentsError):
    def __init__(self) -> None:
        super().__init__("Betalingen zijn in deze installatie niet ingesteld.")


class BadSignature(Exception):
    """A webhook whose `Stripe-Signature` does not verify (or no secret is set)."""


@dataclass(frozen=True)
class CheckoutRequest:
    customer_id: str
    price_id: str
    practice_id: int
    success_url: str
    cancel_url: str
    meter_price_id: str | None = None


def _plain(obj: Any) -> dict[str, Any]:
    """A StripeObject as plain dicts and lists (what the domain reads)."""
    return obj.to_dict() if hasattr(obj, "to_dict") else dict(obj)


class Payments:
    """The few Stripe calls the app makes. Every call may raise PaymentsError."""

    def __init__(self, settings: Settings) -> None:
        if not settings.stripe_secret_key:
            raise NotConfigured
        addresses: dict[str, str] = {}
        if settings.stripe_api_base:
            base = settings.stripe_api_base.rstrip("/")
            addresses = {"api": base, "meter_events": base}
        self.client = stripe.StripeClient(
            settings.stripe_secret_key,
            stripe_version=STRIPE_API_VERSION,
            base_addresses=addresses,  # type: ignore[arg-type]  # a TypedDict whose import path differs across the stripe majors we allow
            max_network_retries=NETWORK_RETRIES,
        )

    def _call(self, what: str, call: Any) -> dict[str, Any]:
        try:
            return _plain(call())
        except stripe.StripeError as exc:
            # The error's own text may quote request data: log its kind and code only.
            log.warning("stripe %s failed: %s %s", what, type(exc).__name__, exc.code or "")
            raise PaymentsError from exc

    def create_customer(self, practice_id: int, name: str, email: str) -> str:
        customer = self._call(
            "customer",
            lambda: self.client.v1.customers.create(
                params={
                    "name": name,
                    "email": email,
                    "preferred_locales": ["nl"],
                    "metadata": {"practice_id": str(practice_id)},
                },
                options={"idempotency_key": f"pjp-customer-{practice_id}"},
            ),
        )
        return str(customer["id"])

    def create_checkout_session(self, request: CheckoutRequest) -> str:
        """A Checkout session in subscription mode; returns the URL to send the owner to."""
        items: list[dict[str, Any]] = [{"price": request.price_id, "quantity": 1}]
        if request.meter_price_id:  # metered SMS overage: no quantity, usage comes from a meter
            items.append({"price": request.meter_price_id})
        session = self._call(
            "checkout",
            lambda: self.client.v1.checkout.sessions.create(
                params={  # type: ignore[arg-type]  # SessionCreateParams lives at a different import path in each stripe major we allow
                    "mode": "subscription",
                    "customer": request.customer_id,
                    "client_reference_id": str(request.practice_id),
                    "line_items": items,
                    "success_url": request.success_url,
                    "cancel_url": request.cancel_url,
                    "locale": "nl",
                    "subscription_data": {"metadata": {"practice_id": str(request.practice_id)}},
                }
            ),
        )
        return str(session["url"])

    def create_portal_session(self, customer_id: str, return_url: str) -> str:
        session = self._call(
            "portal",
            lambda: self.client.v1.billing_portal.sessions.create(
                params={"customer": customer_id, "return_url": return_url}
            ),
        )
        return str(session["url"])

    def subscription(self, subscription_id: str) -> dict[str, Any]:
        """The subscription as Stripe has it now: the newest state, whatever event announced it."""
        return self._call(
            "subscription", lambda: self.client.v1.subscriptions.retrieve(subscription_id)
        )

    def cancel_subscription(self, subscription_id: str) -> None:
        """Stop billing at once (the practice asked to be deleted)."""
        self._call("cancel", lambda: self.client.v1.subscriptions.cancel(subscription_id))

    def report_usage(self, event_name: str, customer_id: str, value: int, identifier: str) -> None:
        """SMS beyond the included amount, to Stripe's billing meter. `identifier` makes a
        repeated report of the same usage count once."""
        self._call(
            "meter event",
            lambda: self.client.v1.billing.meter_events.create(
                params={
                    "event_name": event_name,
                    "identifier": identifier,
                    "payload": {"stripe_customer_id": customer_id, "value": str(value)},
                }
            ),
        )


def get_payments(settings: Settings | None = None) -> Payments:
    """Raises NotConfigured without STRIPE_SECRET_KEY."""
    return Payments(settings or get_settings())


def verify_webhook(
    payload: bytes, signature: str | None, secret: str | None, now: datetime
) -> dict[str, Any]:
    """The event as plain data, after the SDK checked the signature. Its age (at most Stripe's
    default 5 minutes) is judged against `now`, the app's one clock: the SDK would read the
    wall clock, which an app started at CLOCK_START for a test does not run on."""
    if not secret or not signature:
        raise BadSignature
    try:
        stripe.WebhookSignature.verify_header(payload, signature, secret, tolerance=None)
        signed_at = int(next(p[2:] for p in signature.split(",") if p.startswith("t=")))
        event = json.loads(payload)  # what the SDK's construct_event parses, as plain data
    except (stripe.SignatureVerificationError, ValueError) as exc:
        raise BadSignature from exc
    if signed_at < now.timestamp() - stripe.Webhook.DEFAULT_TOLERANCE:
        raise BadSignature
    return _plain(event)
