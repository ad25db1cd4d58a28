"""Stripe round trips: Checkout, the customer portal, the webhook and SMS usage reports.

Each step is its own short transaction; Stripe is called outside any transaction. The rules
(what a status means, what is counted) live in `domain.billing`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from pakjeplekje import clock, routes
from pakjeplekje.adapters.payments import (
    BadSignature,
    CheckoutRequest,
    NotConfigured,
    PaymentsError,
    get_payments,
    verify_webhook,
)
from pakjeplekje.config import Settings, get_settings
from pakjeplekje.db import session_scope
from pakjeplekje.domain import audit, billing
from pakjeplekje.domain.actor import Actor
from pakjeplekje.domain.errors import DomainError, PermissionDenied
from pakjeplekje.models import StripeEvent, Subscription

log = logging.getLogger(__name__)

CHECKOUT_DONE = "checkout.session.completed"
SUBSCRIPTION_EVENTS = (
    "customer.subscription.created",
    "customer.subscription.updated",
    "customer.subscription.deleted",
    "customer.subscription.trial_will_end",
)
INVOICE_EVENTS = ("invoice.paid", "invoice.payment_failed")


def _plans(settings: Settings) -> list[billing.PlanRule]:
    return [billing.PlanRule(p.key, p.price_id, p.included_sms) for p in settings.plans]


# --- Owner actions -----------------------------------------------------------------------


def _customer(settings: Settings, actor: Actor, now: datetime) -> str:
    """The practice's Stripe customer: reused when it exists, created once otherwise."""
    with session_scope() as db:
        contact = billing.billing_contact(db, actor, now)
    if contact.customer_id:
        return contact.customer_id
    created = get_payments(settings).create_customer(
        contact.practice_id, contact.practice_name, contact.email
    )
    with session_scope() as db:
        return billing.remember_customer(db, actor, created, now)


def start_checkout(actor: Actor, plan_key: str, now: datetime | None = None) -> str:
    """The Stripe Checkout URL for `plan_key` (subscription mode). Access follows the webhook."""
    settings, now = get_settings(), now or clock.now()
    if not actor.is_owner:
        raise PermissionDenied
    if not settings.stripe_configured:
        raise NotConfigured
    plan = settings.plan(plan_key)
    if plan is None or not plan.price_id:
        raise DomainError("Kies een abonnement uit de lijst.")
    with session_scope() as db:
        running = billing.runs_at_stripe(billing.subscription_of(db, actor.practice_id))
    if running:
        raise DomainError(
            "U heeft al een abonnement. Wijzig het via 'Betaalgegevens en facturen beheren'."
        )
    customer = _customer(settings, actor, now)
    return get_payments(settings).create_checkout_session(
        CheckoutRequest(
            customer_id=customer,
            price_id=plan.price_id,
            practice_id=actor.practice_id,
            success_url=settings.url(f"{routes.SUBSCRIPTION}?betaling=verwerken"),
            cancel_url=settings.url(f"{routes.SUBSCRIPTION}?betaling=geannuleerd"),
            meter_price_id=settings.stripe_price_sms_meter,
        )
    )


def open_portal(actor: Actor, now: datetime | None = None) -> str:
    """The Stripe customer-portal URL: payment method, invoices, cancel, plan change."""
    settings, now = get_settings(), now or clock.now()
    if not actor.is_owner:
        raise PermissionDenied
    if not settings.stripe_configured:
        raise NotConfigured
    customer = _customer(settings, actor, now)
    return get_payments(settings).create_portal_session(customer, settings.url(routes.SUBSCRIPTION))


# --- Webhook -------------------------------------------------------------------------------


@dataclass(frozen=True)
class StripeChange:
    """What one event says, read defensively from the signed payload."""

    event_id: str
    type: str
    created: datetime
    customer_id: str | None
    subscription_id: str | None
    practice_ref: int | None  # Checkout's client_reference_id
    subscription: dict[str, Any] | None  # the subscription object, when the event carries one


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _id_of(value: Any) -> str | None:
    """An expandable field: an id, or the object with its id."""
    return _str(value.get("id")) if isinstance(value, dict) else _str(value)


def parse(event: dict[str, Any]) -> StripeChange | None:
    """None for an event type this app does not act on. Raises on a payload without the
    fields a handled type must have (the caller answers 200 and ignores it)."""
    kind = str(event["type"])
    if kind not in (CHECKOUT_DONE, *SUBSCRIPTION_EVENTS, *INVOICE_EVENTS):
        return None
    obj = event["data"]["object"]
    if not isinstance(obj, dict):
        raise TypeError("event object")
    created = datetime.fromtimestamp(int(event["created"]), UTC)
    event_id = _str(event["id"])
    if event_id is None:
        raise ValueError("event id")
    customer = _id_of(obj.get("customer"))
    if kind == CHECKOUT_DONE:
        ref = str(obj.get("client_reference_id") or "")
        return StripeChange(
            event_id,
            kind,
            created,
            customer,
            _id_of(obj.get("subscription")),
            int(ref) if ref.isdecimal() and len(ref) < 19 else None,
            None,
        )
    if kind in SUBSCRIPTION_EVENTS:
        return StripeChange(event_id, kind, created, customer, _id_of(obj), None, obj)
    details = (obj.get("parent") or {}).get("subscription_details") or {}
    sub_id = _id_of(details.get("subscription")) or _id_of(obj.get("subscription"))
    return StripeChange(event_id, kind, created, customer, sub_id, None, None)


@dataclass(frozen=True)
class WebhookResult:
    status: int
    outcome: str  # applied | duplicate | ignored | unknown_customer | bad_signature | unavailable


class _Duplicate(Exception):
    pass


def _locate(change: StripeChange) -> tuple[int, str | None] | None:
    """The practice an event is about, and its subscription id; None for an unknown customer.

    Checkout names the practice (client_reference_id) and must agree with the customer this
    app made for it; every other event is found by its customer id alone."""
    with session_scope() as db:
        if change.type == CHECKOUT_DONE:
            sub = (
                billing.subscription_of(db, change.practice_ref)
                if change.practice_ref is not None
                else None
            )
            if sub is None or (
                sub.stripe_customer_id is not None and sub.stripe_customer_id != change.customer_id
            ):
                return None
        else:
            sub = billing.by_customer(db, change.customer_id)
            if sub is None:
                return None
        return sub.practice_id, change.subscription_id or sub.stripe_subscription_id


def handle_webhook(
    payload: bytes, signature: str | None, now: datetime | None = None
) -> WebhookResult:
    settings, now = get_settings(), now or clock.now()
    try:
        event = verify_webhook(payload, signature, settings.stripe_webhook_secret, now)
    except BadSignature:
        return WebhookResult(400, "bad_signature")
    try:
        change = parse(event)
    except (KeyError, TypeError, ValueError, AttributeError, OverflowError):
        log.warning("stripe event of an unexpected shape ignored")
        return WebhookResult(200, "ignored")
    if change is None:
        return WebhookResult(200, "ignored")
    with session_scope() as db:
        if db.get(StripeEvent, change.event_id) is not None:
            return WebhookResult(200, "duplicate")
    located = _locate(change)
    if located is None:
        log.warning("stripe event %s (%s) for an unknown customer", change.event_id, change.type)
        return WebhookResult(200, "unknown_customer")
    practice_id, subscription_id = located
    fresh: dict[str, Any] | None = None
    if subscription_id and settings.stripe_secret_key:
        try:  # the newest state, whatever the order the events arrive in
            fresh = get_payments(settings).subscription(subscription_id)
        except PaymentsError:
            return WebhookResult(503, "unavailable")  # Stripe retries the delivery later
    try:
        with session_scope() as db:
            db.add(
                StripeEvent(
                    id=change.event_id, type=change.type, practice_id=practice_id, received_at=now
                )
            )
            try:
                db.flush()  # the first write: a concurrent duplicate waits here, then fails
            except IntegrityError as exc:
                raise _Duplicate from exc
            sub = db.exec(
                select(Subscription)
                .where(Subscription.practice_id == practice_id)
                .with_for_update()
            ).one()
            _apply(db, sub, change, fresh, settings, now)
            audit.record(
                db,
                "billing.stripe_event",
                practice_id=practice_id,
                target_type="subscription",
                target_id=sub.id,
                detail=change.type,
                now=now,
            )
    except _Duplicate:
        return WebhookResult(200, "duplicate")
    return WebhookResult(200, "applied")


def _apply(
    db: Any,
    sub: Subscription,
    change: StripeChange,
    fresh: dict[str, Any] | None,
    settings: Settings,
    now: datetime,
) -> None:
    if change.type == CHECKOUT_DONE and sub.stripe_customer_id is None and change.customer_id:
        sub.stripe_customer_id = change.customer_id
    obj = fresh
    if obj is None and change.subscription is not None:
        # No API key to re-fetch: an event older than the last applied one changes nothing.
        if sub.stripe_event_at is not None and change.created < sub.stripe_event_at:
            return
        obj = change.subscription
        sub.stripe_event_at = change.created
    if obj is None:
        if change.type == "invoice.payment_failed":
            billing.mark_payment_failed(db, sub, now)
        elif change.type == "invoice.paid":
            billing.mark_paid(db, sub, now)
        return
    incoming = _str(obj.get("id"))
    if (
        sub.stripe_subscription_id is not None
        and incoming != sub.stripe_subscription_id
        and sub.status not in billing.ENDED
        and str(obj.get("status")) in billing.ENDED
    ):
        return  # an older subscription ending does not end the one that runs now
    billing.apply_subscription(db, sub, obj, _plans(settings), settings.stripe_price_sms_meter, now)


# --- Background: trials that end, metered SMS ---------------------------------------------


def cancel_stripe(subscription_ids: list[str]) -> int:
    """Cancel subscriptions of deleted practices at Stripe; returns how many Stripe confirmed.
    A failure is logged (ids only) and left to the billing tick."""
    if not subscription_ids or not get_settings().stripe_secret_key:
        return 0
    payments, cancelled = get_payments(), 0
    for subscription_id in subscription_ids:
        try:
            payments.cancel_subscription(subscription_id)
        except PaymentsError:
            log.warning("stripe cancel of %s failed; the billing tick retries", subscription_id)
            continue
        with session_scope() as db:
            billing.subscription_cancelled(db, subscription_id, clock.now())
        cancelled += 1
    return cancelled


def billing_tick(now: datetime | None = None) -> int:
    """Mark ended trials (deletion date), retry Stripe cancels of deleted practices, then
    report metered SMS overage to Stripe."""
    settings, now = get_settings(), now or clock.now()
    with session_scope() as db:
        billing.expire_trials(db, now)
        to_cancel = billing.subscriptions_to_cancel(db)
    cancel_stripe(to_cancel)
    if not (settings.stripe_secret_key and settings.stripe_price_sms_meter):
        return 0
    with session_scope() as db:
        due = billing.overage_to_report(db, now)
    reported = 0
    payments = get_payments(settings)
    for item in due:
        identifier = f"pjp-{item.practice_id}-{item.period_start:%Y%m%d}-{item.total}"
        try:
            payments.report_usage(
                settings.stripe_sms_meter_event, item.customer_id, item.delta, identifier
            )
        except PaymentsError:
            continue  # the next tick tries again; the identifier keeps it counted once
        with session_scope() as db:
            billing.overage_reported(db, item, now)
        reported += item.delta
    return reported
