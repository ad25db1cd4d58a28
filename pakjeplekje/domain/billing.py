"""Subscriptions: what a practice may do, given its plan, its status and its SMS usage.

The rules (every time is passed in as `now`):

- A new practice starts a 14-day trial without a card (`start_trial`, called at sign-up). The
  trial is local: no Stripe subscription exists until the owner chooses a plan in Checkout.
- Access follows the webhook, never the Checkout redirect. `trialing` (within the trial) and
  `active`: everything works. `past_due`: everything works for 7 days after the first failed
  payment (banner for the owner), then sending stops. `canceled`, `incomplete_expired`, or a
  trial that ended without a plan: read-only — the waitlist stays visible and exportable, no
  slot can be opened, no SMS leaves. `unpaid` (Stripe gave up retrying) stops sending like a
  past-due beyond its grace. `incomplete` (first payment still pending) keeps what the trial
  gave while the trial lasts.
- SMS: every outgoing Message that did not fail counts in the current billing period (the
  trial counts as one period). At 80% of the included amount the owner is warned; when it is
  used up sending stops, unless the Stripe subscription carries the metered SMS price
  (`STRIPE_PRICE_SMS_METER`): then the overage is reported to Stripe's meter and sending goes
  on.
- A subscription that ends (or a trial that runs out) schedules the practice's data for
  deletion 30 days after the end (`Practice.deletion_scheduled_at`, as the privacy policy
  promises). Subscribing again before that date clears it — only a date this module set.
- Out-of-order webhooks: the state is always derived from the newest subscription object
  (re-fetched from Stripe by the caller); without an API key, an event older than the last
  one applied is ignored.

A practice without a Subscription row (only made by hand: test fixtures, benches — sign-up and
migration 0005 give every real practice one) is treated as active without limits.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from pakjeplekje.domain import audit
from pakjeplekje.domain.actor import Actor
from pakjeplekje.domain.dutch_dates import AMSTERDAM, add_months, long_date
from pakjeplekje.domain.errors import DomainError, PermissionDenied
from pakjeplekje.models import Message, Practice, Subscription, User

# Why a practice whose e-mail is not confirmed yet cannot open slots (accounts/email_confirmation).
UNCONFIRMED = (
    "Bevestig eerst het e-mailadres van de praktijk: klik op de link in de e-mail die wij bij "
    "het aanmelden stuurden. Pas daarna kunt u plekken vrijgeven en gaan er SMS'jes uit. Geen "
    "e-mail gekregen? Op het dashboard kunt u hem opnieuw laten sturen."
)

TRIAL_DAYS = 14
TRIAL_SMS = 200
PAST_DUE_GRACE = timedelta(days=7)
DELETION_AFTER = timedelta(days=30)
SMS_WARNING_SHARE = 0.8

LABELS = {
    "trialing": "proefperiode",
    "active": "actief",
    "past_due": "betaling mislukt",
    "unpaid": "betaling mislukt",
    "canceled": "opgezegd",
    "expired": "verlopen",
    "incomplete": "betaling wordt verwerkt",
    "incomplete_expired": "verlopen",
    "paused": "gepauzeerd",
}
ENDED = ("canceled", "incomplete_expired", "expired")
RUNNING = ("trialing", "active", "past_due", "unpaid", "incomplete", "paused")
SETTABLE = ("trialing", "active", "past_due", "canceled", "expired")

READ_ONLY_REASON = (
    "Uw abonnement is niet actief: de wachtlijst blijft zichtbaar en exporteerbaar, maar er "
    "kunnen geen plekken worden vrijgegeven en er gaan geen SMS'jes uit. Kies een abonnement "
    "om weer te versturen."
)
PAST_DUE_STOPPED = (
    "De betaling van uw abonnement is mislukt en na 7 dagen nog niet gelukt: versturen is "
    "gestopt. Werk uw betaalgegevens bij om weer te versturen."
)
PRACTICE_DELETED = "Deze praktijk is verwijderd."
SMS_USED_UP = (
    "De SMS'jes van uw abonnement zijn op voor deze periode: versturen is gestopt tot de "
    "volgende periode. Kies een groter abonnement om nu verder te gaan."
)


@dataclass(frozen=True)
class PlanRule:
    """What the domain needs of a configured plan (config.Plan fits)."""

    key: str
    price_id: str | None
    included_sms: int


@dataclass(frozen=True)
class Entitlement:
    status: str  # effective: trialing | active | past_due | unpaid | canceled | expired | …
    label: str  # Dutch
    plan: str | None
    can_open_slots: bool
    can_send_sms: bool
    read_only: bool
    reason: str  # Dutch, why sending is refused; empty when it is not
    sms_used: int
    sms_included: int  # 0 = no limit
    metered: bool
    period_start: datetime | None
    period_end: datetime | None
    trial_ends_at: datetime | None
    grace_ends_at: datetime | None  # past_due: when sending stops
    cancel_at_period_end: bool
    deletion_scheduled_at: datetime | None
    managed: bool  # False: no Subscription row (fixtures), no limits

    @property
    def sms_warning(self) -> bool:
        """80% or more of the included SMS used (the owner is warned)."""
        return self.sms_included > 0 and self.sms_used >= SMS_WARNING_SHARE * self.sms_included

    @property
    def sms_share(self) -> int:
        """Percentage used, for the bar (capped at 100)."""
        if self.sms_included <= 0:
            return 0
        return min(100, round(100 * self.sms_used / self.sms_included))

    trial_days_left: int | None = None


def _days(n: int) -> str:
    return "1 dag" if n == 1 else f"{n} dagen"


def status_line(found: Entitlement, plan_name: str | None) -> str:
    """The owner's subscription in one sentence, each fact once: "Proefperiode: nog 12 dagen,
    tot en met 8 december 2026." or "Basis, actief. Volgende verlenging: 24 december 2026."
    Without a plan the status is the whole story (a trial is not also "Abonnement:
    Proefperiode")."""

    def day(moment: datetime | None) -> str:
        return "" if moment is None else long_date(moment, AMSTERDAM)

    if found.status == "trialing" and not plan_name:
        if found.trial_days_left is None or found.trial_ends_at is None:
            return "Proefperiode."
        return (
            f"Proefperiode: nog {_days(found.trial_days_left)}, tot en met "
            f"{day(found.trial_ends_at)}."
        )
    if found.status == "expired" and not plan_name:
        ended = day(found.trial_ends_at)
        return (
            f"De proefperiode is afgelopen op {ended}."
            if ended
            else "De proefperiode is afgelopen."
        )
    head = (
        f"{plan_name}, {found.label}."
        if plan_name
        else f"{found.label[:1].upper()}{found.label[1:]}."
    )
    if found.cancel_at_period_end and found.period_end and found.status not in ENDED:
        return f"{head} Opgezegd: loopt af op {day(found.period_end)}."
    if found.status in ("active", "past_due") and found.period_end:
        return f"{head} Volgende verlenging: {day(found.period_end)}."
    return head


def subscription_of(db: Session, practice_id: int) -> Subscription | None:
    return db.exec(select(Subscription).where(Subscription.practice_id == practice_id)).first()


def start_trial(db: Session, practice_id: int, now: datetime) -> Subscription:
    """The 14-day trial a new practice starts with (no card, no Stripe)."""
    sub = Subscription(
        practice_id=practice_id,
        status="trialing",
        trial_ends_at=now + timedelta(days=TRIAL_DAYS),
        sms_included=TRIAL_SMS,
        updated_at=now,
    )
    db.add(sub)
    db.flush()
    return sub


def effective_status(sub: Subscription, now: datetime) -> str:
    """The status the rules act on: a local trial past its end is `expired`."""
    if (
        sub.status == "trialing"
        and sub.stripe_subscription_id is None
        and sub.trial_ends_at is not None
        and now >= sub.trial_ends_at
    ):
        return "expired"
    return sub.status


def runs_at_stripe(sub: Subscription | None) -> bool:
    """A Stripe subscription bills this practice now (a new Checkout would bill it twice)."""
    return sub is not None and sub.stripe_subscription_id is not None and sub.status not in ENDED


def usage_period(sub: Subscription, now: datetime) -> tuple[datetime, datetime]:
    """The period whose SMS count against the included amount."""
    start, end = sub.current_period_start, sub.current_period_end
    if sub.stripe_subscription_id is None and sub.trial_ends_at is not None and start is None:
        return sub.trial_ends_at - timedelta(days=TRIAL_DAYS), sub.trial_ends_at
    if start is None or end is None or end <= start:  # the calendar month, as staff read it
        local = now.astimezone(AMSTERDAM)
        first = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        return first.astimezone(UTC), add_months(first, 1)
    length = end - start
    while now >= end:  # the renewal's webhook is late: count in the period that runs now
        start, end = end, end + length
    return start, end


def sms_used(db: Session, practice_id: int, start: datetime, end: datetime) -> int:
    return db.exec(
        select(func.count())
        .select_from(Message)
        .where(
            Message.practice_id == practice_id,
            Message.direction == "out",
            Message.status != "failed",
            col(Message.created_at) >= start,
            col(Message.created_at) < end,
        )
    ).one()


def entitlement(db: Session, practice_id: int, now: datetime) -> Entitlement:
    """Everything the app asks about whether a practice may act, in one place: the
    subscription, whether the practice still exists (a deleted one does nothing), and whether
    its owner confirmed the e-mail address (before that, nothing is sent)."""
    practice = db.get(Practice, practice_id)
    found = _by_subscription(db, practice_id, practice, now)
    if practice is not None and practice.status == "active":
        if practice.email_confirmed_at is None and not found.reason:  # see email_confirmation
            return replace(found, can_open_slots=False, can_send_sms=False, reason=UNCONFIRMED)
        return found
    return replace(
        found, can_open_slots=False, can_send_sms=False, read_only=True, reason=PRACTICE_DELETED
    )


def _by_subscription(
    db: Session, practice_id: int, practice: Practice | None, now: datetime
) -> Entitlement:
    deletion = practice.deletion_scheduled_at if practice else None
    sub = subscription_of(db, practice_id)
    if sub is None:
        return Entitlement(
            "active", LABELS["active"], None, True, True, False, "", 0, 0, False,
            None, None, None, None, False, deletion, False,
        )  # fmt: skip
    status = effective_status(sub, now)
    start, end = usage_period(sub, now)
    used = sms_used(db, practice_id, start, end)
    grace_end = (sub.past_due_since or now) + PAST_DUE_GRACE if status == "past_due" else None
    in_trial = sub.trial_ends_at is not None and now < sub.trial_ends_at
    read_only = status in ENDED or (status in ("incomplete", "paused") and not in_trial)
    stopped = status == "unpaid" or (grace_end is not None and now >= grace_end)
    reason = READ_ONLY_REASON if read_only else (PAST_DUE_STOPPED if stopped else "")
    metered = sub.metered and status in ("active", "past_due")
    if not reason and not metered and sub.sms_included > 0 and used >= sub.sms_included:
        reason = SMS_USED_UP
    return Entitlement(
        status=status,
        label=LABELS.get(status, status),
        plan=sub.plan,
        can_open_slots=not reason,
        can_send_sms=not reason,
        read_only=read_only,
        reason=reason,
        sms_used=used,
        sms_included=sub.sms_included,
        metered=metered,
        period_start=start,
        period_end=end,
        trial_ends_at=sub.trial_ends_at if status in ("trialing", "expired") else None,
        grace_ends_at=grace_end,
        cancel_at_period_end=sub.cancel_at_period_end,
        deletion_scheduled_at=deletion,
        managed=True,
        trial_days_left=(
            None
            if sub.trial_ends_at is None or status != "trialing"
            else max(0, -(-int((sub.trial_ends_at - now).total_seconds()) // 86400))
        ),
    )


def on_trial(db: Session, practice_id: int) -> bool:
    """The free trial without a card (no Stripe subscription yet): its texts go only to
    SMS_ALLOWED_COUNTRIES, so a throwaway sign-up cannot pump them abroad."""
    sub = subscription_of(db, practice_id)
    return sub is not None and sub.stripe_subscription_id is None


def can_send_sms(db: Session, practice_id: int, now: datetime) -> bool:
    """May an SMS of this practice leave now? (dispatch asks before every offer text)"""
    return entitlement(db, practice_id, now).can_send_sms


def takes_claims(db: Session, practice_id: int, now: datetime) -> bool:
    """May a patient claim a slot of this practice now, by link or by `JA`? Not when the
    practice is read-only (subscription ended, trial over, practice deleted). Sending having
    stopped (past due beyond the grace, bundle used up) does not stop a claim: the offer is
    already out, and filling the slot is what the practice pays for."""
    return not entitlement(db, practice_id, now).read_only


def require_can_open_slots(db: Session, practice_id: int, now: datetime) -> None:
    """Opening a slot (and previewing one) is refused with the Dutch reason."""
    found = entitlement(db, practice_id, now)
    if not found.can_open_slots:
        raise DomainError(found.reason)


# --- Stripe's word on the subscription ---------------------------------------------------


def _when(value: Any) -> datetime | None:
    return datetime.fromtimestamp(int(value), UTC) if isinstance(value, int | float) else None


def _period(obj: dict[str, Any]) -> tuple[datetime | None, datetime | None]:
    """Since API version 2025-03 the period lives on the subscription items."""
    items = ((obj.get("items") or {}).get("data")) or []
    first = items[0] if items and isinstance(items[0], dict) else {}
    start = first.get("current_period_start", obj.get("current_period_start"))
    end = first.get("current_period_end", obj.get("current_period_end"))
    return _when(start), _when(end)


def _price_ids(obj: dict[str, Any]) -> set[str]:
    items = ((obj.get("items") or {}).get("data")) or []
    return {
        str((item.get("price") or {}).get("id"))
        for item in items
        if isinstance(item, dict) and isinstance(item.get("price"), dict)
    }


def subscriptions_to_cancel(db: Session, practice_id: int | None = None) -> list[str]:
    """Stripe subscriptions that still bill a practice that asked to be deleted (all such
    practices, or one): cancelled right after the request, retried by the billing tick."""
    query = (
        select(Subscription.stripe_subscription_id)
        .join(Practice, col(Practice.id) == Subscription.practice_id)
        .where(
            Practice.status == "deleted",
            col(Subscription.stripe_subscription_id).is_not(None),
            col(Subscription.status).not_in(ENDED),
        )
    )
    if practice_id is not None:
        query = query.where(Subscription.practice_id == practice_id)
    return [sub_id for sub_id in db.exec(query).all() if sub_id]


def subscription_cancelled(db: Session, subscription_id: str, now: datetime) -> None:
    """Stripe confirmed the cancel: stop retrying. The deletion date stays the one the owner's
    request set (an ended_at is already there when Stripe's `deleted` event arrives)."""
    sub = db.exec(
        select(Subscription).where(Subscription.stripe_subscription_id == subscription_id)
    ).first()
    if sub is not None:
        sub.status, sub.ended_at, sub.updated_at = "canceled", now, now
        db.add(sub)


def schedule_deletion(practice: Practice, ended_at: datetime) -> None:
    practice.deletion_scheduled_at = ended_at + DELETION_AFTER


def _undo_deletion(practice: Practice, sub: Subscription) -> None:
    """Subscribed again in time: clear the date — only if billing set it (not an AVG request)."""
    if (
        practice.deletion_scheduled_at is not None
        and sub.ended_at is not None
        and practice.deletion_scheduled_at == sub.ended_at + DELETION_AFTER
    ):
        practice.deletion_scheduled_at = None


def apply_subscription(
    db: Session,
    sub: Subscription,
    obj: dict[str, Any],
    plans: list[PlanRule],
    meter_price_id: str | None,
    now: datetime,
) -> None:
    """Make the local row say what Stripe's subscription object says."""
    practice = db.get(Practice, sub.practice_id)
    assert practice is not None
    status = str(obj.get("status") or sub.status)
    prices = _price_ids(obj)
    plan = next((p for p in plans if p.price_id and p.price_id in prices), None)
    sub.stripe_subscription_id = str(obj.get("id") or sub.stripe_subscription_id or "") or None
    sub.status = status
    if plan is not None:
        sub.plan, sub.sms_included = plan.key, plan.included_sms
    sub.current_period_start, sub.current_period_end = _period(obj)
    sub.cancel_at_period_end = bool(obj.get("cancel_at_period_end"))
    sub.metered = bool(meter_price_id and meter_price_id in prices)
    if status in ("past_due", "unpaid"):
        sub.past_due_since = sub.past_due_since or now
    else:
        sub.past_due_since = None
    if status in ENDED:
        if sub.ended_at is None:
            sub.ended_at = _when(obj.get("ended_at")) or now
            schedule_deletion(practice, sub.ended_at)
    else:
        _undo_deletion(practice, sub)
        sub.ended_at = None
    sub.updated_at = now
    db.add(sub)
    db.add(practice)


def mark_payment_failed(db: Session, sub: Subscription, now: datetime) -> None:
    """`invoice.payment_failed` without the subscription at hand (no API key to re-fetch)."""
    if sub.status in ("active", "trialing"):
        sub.status, sub.past_due_since = "past_due", sub.past_due_since or now
        sub.updated_at = now
        db.add(sub)


def mark_paid(db: Session, sub: Subscription, now: datetime) -> None:
    if sub.status in ("past_due", "unpaid"):
        sub.status, sub.past_due_since, sub.updated_at = "active", None, now
        db.add(sub)


def by_customer(db: Session, customer_id: str | None) -> Subscription | None:
    if not customer_id:
        return None
    return db.exec(
        select(Subscription).where(Subscription.stripe_customer_id == customer_id)
    ).first()


# --- The owner's side: checkout and portal ----------------------------------------------


@dataclass(frozen=True)
class BillingContact:
    practice_id: int
    practice_name: str
    email: str
    customer_id: str | None


def billing_contact(db: Session, actor: Actor, now: datetime) -> BillingContact:
    """Who Stripe bills: owners only (staff cannot start Checkout or open the portal)."""
    if not actor.is_owner:
        raise PermissionDenied
    sub = subscription_of(db, actor.practice_id) or start_trial(db, actor.practice_id, now)
    owner = db.get(User, actor.user_id)
    assert owner is not None
    return BillingContact(
        actor.practice_id, actor.practice_name, owner.email, sub.stripe_customer_id
    )


def remember_customer(db: Session, actor: Actor, created: str, now: datetime) -> str:
    """Store the Stripe customer made for this practice; a concurrent one made first wins."""
    if not actor.is_owner:
        raise PermissionDenied
    sub = subscription_of(db, actor.practice_id)
    assert sub is not None
    if sub.stripe_customer_id is None:
        sub.stripe_customer_id, sub.updated_at = created, now
        db.add(sub)
        audit.by_actor(db, actor, "billing.customer_created", "subscription", sub.id, now)
    return sub.stripe_customer_id


def set_status(db: Session, practice_id: int, status: str, now: datetime) -> Subscription:
    """Demo and test tool (`python -m pakjeplekje billing set-status`): no Stripe involved."""
    if status not in SETTABLE:
        raise DomainError(f"Onbekende status; kies uit: {', '.join(SETTABLE)}.")
    practice = db.get(Practice, practice_id)
    if practice is None:
        raise DomainError("Deze praktijk bestaat niet.")
    sub = subscription_of(db, practice_id) or start_trial(db, practice_id, now)
    if status in ("trialing", "active", "past_due"):
        _undo_deletion(practice, sub)
        sub.ended_at = None
    if status == "trialing":
        sub.status, sub.plan, sub.sms_included = "trialing", None, TRIAL_SMS
        sub.stripe_subscription_id = sub.current_period_start = sub.current_period_end = None
        if sub.trial_ends_at is None or sub.trial_ends_at <= now:
            sub.trial_ends_at = now + timedelta(days=TRIAL_DAYS)
        sub.past_due_since = None
    elif status in ("active", "past_due"):
        sub.status, sub.plan = status, sub.plan or "basis"
        if sub.current_period_end is None or sub.current_period_end <= now:
            sub.current_period_start, sub.current_period_end = now, now + timedelta(days=30)
        sub.past_due_since = now if status == "past_due" else None
    else:
        if status == "expired" and (sub.trial_ends_at is None or sub.trial_ends_at > now):
            sub.trial_ends_at = now
        sub.status, sub.past_due_since = status, None
        if sub.ended_at is None:
            sub.ended_at = now
            schedule_deletion(practice, now)
    sub.updated_at = now
    db.add(sub)
    db.add(practice)
    audit.record(
        db,
        "billing.status_set",
        practice_id=practice_id,
        target_type="subscription",
        target_id=sub.id,
        detail=status,
        now=now,
    )
    db.flush()
    return sub


def expire_trials(db: Session, now: datetime) -> int:
    """Trials that ran out without a plan: marked `expired`, deletion 30 days after the end."""
    ended = db.exec(
        select(Subscription).where(
            Subscription.status == "trialing",
            col(Subscription.stripe_subscription_id).is_(None),
            col(Subscription.trial_ends_at) <= now,
        )
    ).all()
    for sub in ended:
        practice = db.get(Practice, sub.practice_id)
        assert practice is not None and sub.trial_ends_at is not None
        sub.status, sub.ended_at, sub.updated_at = "expired", sub.trial_ends_at, now
        if practice.deletion_scheduled_at is None:
            schedule_deletion(practice, sub.trial_ends_at)
        db.add_all([sub, practice])
    return len(ended)


@dataclass(frozen=True)
class Overage:
    practice_id: int
    customer_id: str
    period_start: datetime
    total: int  # SMS beyond the included amount in this period
    delta: int  # not yet reported


def overage_to_report(db: Session, now: datetime) -> list[Overage]:
    """Metered practices whose SMS beyond the included amount were not all reported yet."""
    rows = db.exec(
        select(Subscription).where(
            col(Subscription.metered).is_(True), col(Subscription.stripe_customer_id).isnot(None)
        )
    ).all()
    found = []
    for sub in rows:
        start, end = usage_period(sub, now)
        total = max(0, sms_used(db, sub.practice_id, start, end) - sub.sms_included)
        reported = sub.overage_reported if sub.overage_period_start == start else 0
        if total > reported:
            found.append(
                Overage(sub.practice_id, sub.stripe_customer_id, start, total, total - reported)  # type: ignore[arg-type]  # the query keeps rows with a customer id only
            )
    return found


def overage_reported(db: Session, item: Overage, now: datetime) -> None:
    sub = subscription_of(db, item.practice_id)
    assert sub is not None
    sub.overage_reported, sub.overage_period_start = item.total, item.period_start
    sub.updated_at = now
    db.add(sub)
