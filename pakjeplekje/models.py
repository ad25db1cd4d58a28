"""SQLModel tables. Every table with practice data carries `practice_id`; queries scope on it."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

from pakjeplekje import clock


class UTCDateTime(TypeDecorator[datetime]):
    """Stores UTC, always hands back an aware datetime (SQLite forgets the zone)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime; use an aware UTC datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Practice(SQLModel, table=True):
    id: int = Field(default=None, primary_key=True)  # None until the first flush; read after it
    name: str = Field(max_length=100)
    slug: str = Field(max_length=60, unique=True)
    timezone: str = Field(default="Europe/Amsterdam", max_length=50)
    sms_sender_name: str = Field(max_length=11)
    status: str = Field(default="active", max_length=20)
    deletion_scheduled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=clock.now, sa_type=UTCDateTime)
    # Outreach rules (used by the waves of the core loop); times are local minutes since 00:00.
    wave_size: int = Field(default=5)
    wave_interval_minutes: int = Field(default=10)
    quiet_start_minute: int = Field(default=21 * 60)
    quiet_end_minute: int = Field(default=8 * 60)
    min_notice_minutes: int = Field(default=60)
    max_offers_per_week: int = Field(default=3)
    # AVG: waitlist review after this many months untouched; objections (Bezwaar).
    retention_review_months: int = Field(default=12)
    product_emails: bool = Field(default=True)
    usage_statistics: bool = Field(default=True)
    # The owner clicked the link mailed at sign-up; until then no slot opens and no SMS leaves
    # (a throwaway sign-up gets no trial texts). Migration 0009 confirmed existing practices.
    email_confirmed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The owner saved the SMS rules (sender name) once: a step of the dashboard's first-steps
    # checklist (domain/accounts/onboarding.py). Migration 0010 set it for practices that had
    # already opened a slot.
    settings_checked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # What patients read about the practice (offer page, .ics LOCATION, confirmation SMS).
    address: str = Field(default="", max_length=200)
    phone: str = Field(default="", max_length=20)
    # What a treatment minute is worth (€ recovered on /resultaten); NZa 2025 ≈ €3.67.
    minute_value_cents: int = Field(default=367)
    # "adaptief": wave size and spacing follow the time left and the patients' history
    # (domain/core_loop/adaptive.py); "vast": wave_size every wave_interval_minutes.
    wave_mode: str = Field(default="adaptief", max_length=10)
    # Sign-ups through /wachtlijst/<slug>: "automatisch" (straight onto the waitlist) or
    # "beoordelen" (status "pending" until staff accept them).
    signup_mode: str = Field(default="beoordelen", max_length=12)
    # The secret iCal feed of filled slots: only the hash of its URL token; None = no feed.
    calendar_token_hash: str | None = Field(default=None, max_length=64)


class User(SQLModel, table=True):
    __tablename__ = "app_user"

    id: int = Field(default=None, primary_key=True)  # None until the first flush; read after it
    practice_id: int = Field(foreign_key="practice.id", index=True, ondelete="CASCADE")
    email: str = Field(max_length=254, unique=True)
    name: str = Field(max_length=100)
    role: str = Field(default="staff", max_length=10)
    status: str = Field(default="active", max_length=10)
    password_hash: str | None = Field(default=None, max_length=100, repr=False)
    created_at: datetime = Field(default_factory=clock.now, sa_type=UTCDateTime)
    last_login_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # A new address waiting for its confirmation link (Correctie).
    pending_email: str | None = Field(default=None, max_length=254)


class AuthSession(SQLModel, table=True):
    id: int = Field(default=None, primary_key=True)  # None until the first flush; read after it
    user_id: int = Field(foreign_key="app_user.id", index=True, ondelete="CASCADE")
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=clock.now, sa_type=UTCDateTime)
    last_seen_at: datetime = Field(default_factory=clock.now, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class OneTimeToken(SQLModel, table=True):
    """Invite, password-reset and login-grant links: single use, short-lived, stored hashed."""

    id: int = Field(default=None, primary_key=True)  # None until the first flush; read after it
    user_id: int = Field(foreign_key="app_user.id", index=True, ondelete="CASCADE")
    purpose: str = Field(max_length=20)
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=clock.now, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class LoginThrottle(SQLModel, table=True):
    """Failed-attempt counters per account and per client, keyed by an HMAC (no raw e-mail/IP)."""

    key: str = Field(primary_key=True, max_length=80)
    failures: int = Field(default=0)
    window_started_at: datetime = Field(sa_type=UTCDateTime)
    locked_until: datetime | None = Field(default=None, sa_type=UTCDateTime)


class AuditEvent(SQLModel, table=True):
    """Who did what to which record — ids and action names only, never the personal data."""

    id: int = Field(default=None, primary_key=True)  # None until the first flush; read after it
    practice_id: int | None = Field(
        default=None, foreign_key="practice.id", index=True, ondelete="CASCADE"
    )
    actor_user_id: int | None = Field(default=None, index=True)
    action: str = Field(max_length=50)
    target_type: str | None = Field(default=None, max_length=30)
    target_id: int | None = Field(default=None)
    detail: str | None = Field(default=None, max_length=200)
    created_at: datetime = Field(default_factory=clock.now, sa_type=UTCDateTime, index=True)


class Treatment(SQLModel, table=True):
    """A treatment the practice offers, with the duration a slot for it usually takes."""

    __table_args__ = (sa.UniqueConstraint("practice_id", "name"),)

    id: int = Field(default=None, primary_key=True)  # None until the first flush; read after it
    practice_id: int = Field(foreign_key="practice.id", index=True, ondelete="CASCADE")
    name: str = Field(max_length=50)
    default_duration_minutes: int = Field(default=30)
    active: bool = Field(default=True)


class Practitioner(SQLModel, table=True):
    __table_args__ = (sa.UniqueConstraint("practice_id", "name"),)

    id: int = Field(default=None, primary_key=True)  # None until the first flush; read after it
    practice_id: int = Field(foreign_key="practice.id", index=True, ondelete="CASCADE")
    name: str = Field(max_length=100)
    active: bool = Field(default=True)


class Patient(SQLModel, table=True):
    """A waitlist entry. `availability` is a bitmask: bit (day * 3 + part), Monday = day 0,
    part 0/1/2 = ochtend/middag/avond."""

    __table_args__ = (
        sa.UniqueConstraint("practice_id", "phone"),
        sa.Index("ix_patient_practice_status_added", "practice_id", "status", "added_at"),
        sa.Index("ix_patient_practice_name", "practice_id", "name"),
        sa.Index("ix_patient_phone", "phone"),  # AVG requests find a number at every practice
    )

    id: int = Field(default=None, primary_key=True)  # None until the first flush; read after it
    practice_id: int = Field(foreign_key="practice.id", ondelete="CASCADE")
    name: str = Field(max_length=100)
    phone: str = Field(max_length=16)
    duration_minutes: int
    availability: int
    preferred_practitioner_id: int | None = Field(
        default=None, foreign_key="practitioner.id", ondelete="SET NULL"
    )
    urgency: str = Field(default="normaal", max_length=10)
    note: str = Field(default="", max_length=500)
    consent_method: str = Field(max_length=30)
    consent_at: datetime = Field(sa_type=UTCDateTime)
    status: str = Field(default="waiting", max_length=10)
    added_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)
    opted_out_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Set when the provider refused the number (21211 invalid, 21614 not a mobile): matching
    # skips the entry until staff correct the number, which clears it.
    phone_invalid_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    offers_count: int = Field(default=0)
    last_offer_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_claim_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Retention: when the practice was asked to review this untouched entry.
    review_requested_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Which consent text the patient agreed to (public sign-up, API); "" for staff entries.
    consent_text_version: str = Field(default="", max_length=20)
    # The patient paused offers (preferences link): matching skips the entry until then.
    paused_until: datetime | None = Field(default=None, sa_type=UTCDateTime)


class PatientTreatment(SQLModel, table=True):
    patient_id: int = Field(foreign_key="patient.id", primary_key=True, ondelete="CASCADE")
    treatment_id: int = Field(
        foreign_key="treatment.id", primary_key=True, index=True, ondelete="CASCADE"
    )


class Slot(SQLModel, table=True):
    """A freed appointment the practice offers to its waitlist."""

    __table_args__ = (
        sa.Index("ix_slot_practice_status_start", "practice_id", "status", "starts_at"),
    )

    id: int = Field(default=None, primary_key=True)  # None until the first flush; read after it
    practice_id: int = Field(foreign_key="practice.id", ondelete="CASCADE")
    starts_at: datetime = Field(sa_type=UTCDateTime)
    duration_minutes: int
    treatment_id: int | None = Field(default=None, foreign_key="treatment.id", ondelete="SET NULL")
    practitioner_id: int | None = Field(
        default=None, foreign_key="practitioner.id", ondelete="SET NULL"
    )
    status: str = Field(default="open", max_length=10)  # a SlotStatus (domain/offers.py)
    created_by_user_id: int | None = Field(default=None)
    created_at: datetime = Field(sa_type=UTCDateTime)
    claimed_patient_id: int | None = Field(
        default=None, foreign_key="patient.id", ondelete="SET NULL"
    )
    claimed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    claimed_via: str | None = Field(default=None, max_length=10)  # page | api | sms
    closed_reason: str | None = Field(default=None, max_length=30)


class Offer(SQLModel, table=True):
    """One slot offered to one patient; the claim link carries a token whose hash is stored."""

    __table_args__ = (
        sa.UniqueConstraint("slot_id", "patient_id"),
        sa.Index("ix_offer_patient_created", "patient_id", "created_at"),
    )

    id: int = Field(default=None, primary_key=True)  # None until the first flush; read after it
    practice_id: int = Field(foreign_key="practice.id", index=True, ondelete="CASCADE")
    slot_id: int = Field(foreign_key="slot.id", index=True, ondelete="CASCADE")
    patient_id: int = Field(foreign_key="patient.id", ondelete="CASCADE")
    token_hash: str = Field(max_length=64, unique=True)
    wave: int = Field(default=1)
    # an OfferStatus (domain/offers.py): queued | sending | sent | delivered | failed |
    # clicked | claimed | lost | expired | skipped
    status: str = Field(default="queued", max_length=10)
    created_at: datetime = Field(sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    clicked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    claimed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Retryable provider failures (429, 5xx, network): how often sending failed, and the
    # earliest moment the tick may try again (exponential backoff).
    attempts: int = Field(default=0)
    retry_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The patient said no (NEE by SMS, "Nee, dank u" on the claim page): the next one goes.
    declined_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    reason: str = Field(default="", max_length=200)  # why this patient was chosen (staff see it)


class Message(SQLModel, table=True):
    """Every SMS in and out, with the provider's id and delivery outcome."""

    id: int = Field(default=None, primary_key=True)  # None until the first flush; read after it
    practice_id: int = Field(foreign_key="practice.id", index=True, ondelete="CASCADE")
    offer_id: int | None = Field(default=None, foreign_key="offer.id", ondelete="SET NULL")
    patient_id: int | None = Field(default=None, foreign_key="patient.id", ondelete="SET NULL")
    direction: str = Field(max_length=3)  # out | in
    phone: str = Field(max_length=16)
    body: str = Field(max_length=1600)
    provider_id: str | None = Field(default=None, max_length=64, unique=True)
    status: str = Field(default="queued", max_length=12)
    error_code: int | None = Field(default=None)
    created_at: datetime = Field(sa_type=UTCDateTime, index=True)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class Subscription(SQLModel, table=True):
    """A practice's subscription: the local trial, then the Stripe subscription the webhook
    keeps true. One row per practice; `status` uses Stripe's words (`trialing` also for the
    local trial, which has no Stripe subscription)."""

    id: int = Field(default=None, primary_key=True)  # None until the first flush; read after it
    practice_id: int = Field(foreign_key="practice.id", unique=True, ondelete="CASCADE")
    plan: str | None = Field(default=None, max_length=10)  # basis | pro
    status: str = Field(default="trialing", max_length=20)
    trial_ends_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    current_period_start: datetime | None = Field(default=None, sa_type=UTCDateTime)
    current_period_end: datetime | None = Field(default=None, sa_type=UTCDateTime)
    cancel_at_period_end: bool = Field(default=False)
    past_due_since: datetime | None = Field(default=None, sa_type=UTCDateTime)
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    sms_included: int = Field(default=200)  # per billing period, from the plan's configuration
    metered: bool = Field(default=False)  # the Stripe subscription carries the SMS meter price
    stripe_customer_id: str | None = Field(default=None, max_length=100, unique=True)
    stripe_subscription_id: str | None = Field(default=None, max_length=100, unique=True)
    # Created-time of the newest Stripe event applied without re-fetching: an older one is
    # never applied over it.
    stripe_event_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # SMS beyond the included amount already reported to the Stripe meter in this period.
    overage_reported: int = Field(default=0)
    overage_period_start: datetime | None = Field(default=None, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=clock.now, sa_type=UTCDateTime)


class StripeEvent(SQLModel, table=True):
    """Every Stripe event id applied: the primary key makes a second delivery a no-op."""

    id: str = Field(primary_key=True, max_length=100)
    type: str = Field(max_length=60)
    practice_id: int | None = Field(
        default=None, foreign_key="practice.id", index=True, ondelete="SET NULL"
    )
    received_at: datetime = Field(sa_type=UTCDateTime)


# --- AVG / privacy centre (migration 0006) -----------------------------------------


class PrivacyRequest(SQLModel, table=True):
    """A data-subject request (AVG art. 15–21) in one practice's inbox, due one month after
    receipt (art. 12(3)). Holds ids and what was done; the person is named only by record id."""

    __table_args__ = (sa.Index("ix_privacy_request_practice_status", "practice_id", "status"),)

    id: int = Field(default=None, primary_key=True)  # None until the first flush; read after it
    practice_id: int = Field(foreign_key="practice.id", ondelete="CASCADE")
    kind: str = Field(max_length=12)  # inzage | correctie | verwijdering | overdracht | bezwaar
    subject: str = Field(max_length=10)  # patient | staff
    verified_by: str = Field(max_length=10)  # sms | email
    patient_id: int | None = Field(default=None, foreign_key="patient.id", ondelete="SET NULL")
    user_id: int | None = Field(default=None, foreign_key="app_user.id", ondelete="SET NULL")
    message: str = Field(default="", max_length=2000)
    status: str = Field(default="open", max_length=10)  # open | done | rejected
    received_at: datetime = Field(sa_type=UTCDateTime)
    due_at: datetime = Field(sa_type=UTCDateTime)
    resolved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    resolution: str = Field(default="", max_length=500)
    handled_by_user_id: int | None = Field(default=None)


class VerificationCode(SQLModel, table=True):
    """A 6-digit code sent to a phone or e-mail address for /privacy/verzoek. The subject is
    stored only as an HMAC; the code only as a hash; `ref_hash` names the form it belongs to."""

    id: int = Field(default=None, primary_key=True)  # None until the first flush; read after it
    subject_key: str = Field(max_length=80, index=True)
    channel: str = Field(max_length=10)  # sms | email
    kind: str = Field(max_length=12)
    ref_hash: str = Field(max_length=64, unique=True)
    code_hash: str = Field(max_length=64)
    created_at: datetime = Field(sa_type=UTCDateTime, index=True)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    attempts: int = Field(default=0)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class CodeSms(SQLModel, table=True):
    """A /privacy/verzoek code text that left, counted for the hourly caps: one row per
    practice whose waitlist holds the number (the per-practice cap), the code row names the
    text (the global cap counts those). No number, no code."""

    __table_args__ = (sa.Index("ix_codesms_practice_sent", "practice_id", "sent_at"),)

    id: int = Field(default=None, primary_key=True)  # None until the first flush; read after it
    verification_code_id: int = Field(
        foreign_key="verificationcode.id", index=True, ondelete="CASCADE"
    )
    practice_id: int = Field(foreign_key="practice.id", ondelete="CASCADE")
    sent_at: datetime = Field(sa_type=UTCDateTime, index=True)


class Suppression(SQLModel, table=True):
    """A phone number that asked to be erased or objected: only its HMAC, so nobody re-adds it
    to a waitlist by accident (manual add and CSV import check it)."""

    key: str = Field(primary_key=True, max_length=80)
    reason: str = Field(max_length=12)  # verwijdering | bezwaar
    created_at: datetime = Field(sa_type=UTCDateTime)


class UsageDay(SQLModel, table=True):
    """Anonymous usage statistics (Bezwaar: only practices with `usage_statistics` on count):
    one row of totals per local day, no practice id, written only when at least
    `usage_stats.MIN_PRACTICES` practices take part, so no row describes one practice."""

    day: date = Field(primary_key=True)
    practices: int
    slots_opened: int
    slots_filled: int
    sms_sent: int
    created_at: datetime = Field(sa_type=UTCDateTime)


class ApiKey(SQLModel, table=True):
    """A practice's key for /api/v1: shown once, stored as a hash; `scope` read | write."""

    id: int = Field(default=None, primary_key=True)  # None until the first flush; read after it
    practice_id: int = Field(foreign_key="practice.id", index=True, ondelete="CASCADE")
    name: str = Field(max_length=60)
    scope: str = Field(max_length=5)
    prefix: str = Field(max_length=16)  # the key's first characters, so staff recognise it
    key_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(sa_type=UTCDateTime)
    created_by_user_id: int | None = Field(default=None)
    last_used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class IdempotentReply(SQLModel, table=True):
    """The stored answer to a POST with an Idempotency-Key, replayed on a retry."""

    __table_args__ = (sa.UniqueConstraint("api_key_id", "key"),)

    id: int = Field(default=None, primary_key=True)  # None until the first flush; read after it
    practice_id: int = Field(foreign_key="practice.id", index=True, ondelete="CASCADE")
    api_key_id: int = Field(foreign_key="apikey.id", ondelete="CASCADE")
    key: str = Field(max_length=255)
    request_hash: str = Field(max_length=64)
    status_code: int
    body: str = Field(sa_type=sa.Text)
    created_at: datetime = Field(sa_type=UTCDateTime, index=True)


class WebhookEndpoint(SQLModel, table=True):
    """A practice's subscription: its URL, the events it wants (comma-separated) and the
    secret we sign with (kept, as the practice's software must verify with it)."""

    id: int = Field(default=None, primary_key=True)  # None until the first flush; read after it
    practice_id: int = Field(foreign_key="practice.id", index=True, ondelete="CASCADE")
    url: str = Field(max_length=500)
    secret: str = Field(max_length=80)
    events: str = Field(max_length=200)
    created_at: datetime = Field(sa_type=UTCDateTime)
    disabled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class WebhookDelivery(SQLModel, table=True):
    """One event for one endpoint: the delivery log (status pending | delivered | failed)."""

    __table_args__ = (
        sa.Index("ix_webhookdelivery_practice_created", "practice_id", "created_at"),
        sa.Index("ix_webhookdelivery_status_next", "status", "next_attempt_at"),
    )

    id: int = Field(default=None, primary_key=True)  # None until the first flush; read after it
    practice_id: int = Field(foreign_key="practice.id", ondelete="CASCADE")
    endpoint_id: int = Field(foreign_key="webhookendpoint.id", ondelete="CASCADE")
    event_id: str = Field(max_length=40)
    event_type: str = Field(max_length=30)
    payload: str = Field(sa_type=sa.Text)
    status: str = Field(default="pending", max_length=10)
    attempts: int = Field(default=0)
    next_attempt_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_attempt_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_status_code: int | None = Field(default=None)
    last_error: str = Field(default="", max_length=200)
    created_at: datetime = Field(sa_type=UTCDateTime)
    delivered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
