"""Abonnement (owner only) and the subscription banners every staff page shows.

Both only show what `domain.billing.entitlement` says; Stripe is called off the event loop
(`subscriptions` in a worker thread), and access changes only when the webhook arrives.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime

import reflex as rx
from sqlmodel import Session

from pakjeplekje import clock, texts
from pakjeplekje.config import Settings, get_settings
from pakjeplekje.domain import billing
from pakjeplekje.domain.actor import Actor
from pakjeplekje.domain.dutch_dates import AMSTERDAM, long_date
from pakjeplekje.services import billing as subscriptions
from pakjeplekje.ui.state.base import current_actor, full_page_redirect, in_transaction
from pakjeplekje.ui.state.guard import owner_event, staff_event

WAIT_FOR_WEBHOOK_S = 120
POLL_EVERY_S = 2


def _date(moment: datetime | None) -> str:
    return "" if moment is None else long_date(moment, AMSTERDAM)


@dataclass(frozen=True)
class Banner:
    """A subscription notice above every staff page; `kind` names it for tests and styling."""

    kind: str
    color: str
    text: str


@dataclass(frozen=True)
class PlanCard:
    """A plan the owner can choose: what it costs and what it includes."""

    key: str
    name: str
    price: str
    includes: list[str]
    button: str  # "Kies Basis"


def plan_cards(settings: Settings) -> list[PlanCard]:
    """The plans with a Stripe price in this installation, as the cards show them."""
    beyond = (
        "Daarboven: per extra SMS verrekend"
        if settings.stripe_price_sms_meter
        else "Daarboven stopt het versturen tot de volgende maand"
    )
    return [
        PlanCard(
            key=p.key,
            name=p.name,
            price=p.display_price,
            includes=[
                f"{texts.count(p.included_sms, 'SMS')} per maand inbegrepen",
                beyond,
                "Onbeperkt plekken vrijgeven, wachtlijst en live dashboard",
            ],
            button=f"Kies {p.name}",
        )
        for p in settings.plans
        if p.price_id
    ]


def banners_for(found: billing.Entitlement, is_owner: bool) -> list[Banner]:
    """The shell's banners: read-only / stopped for everyone, past-due and SMS for the owner.

    An unconfirmed e-mail address has its own callout (with "stuur opnieuw") on the dashboard
    and Plekken, not a banner pointing at the subscription."""
    shown: list[Banner] = []
    if found.read_only:
        shown.append(Banner("alleen-lezen", "red", found.reason))
    elif found.reason and found.reason not in (billing.SMS_USED_UP, billing.UNCONFIRMED):
        shown.append(Banner("versturen-gestopt", "red", found.reason))
    elif found.status == "past_due" and is_owner:
        shown.append(
            Banner(
                "betaling-mislukt",
                "amber",
                "De betaling van uw abonnement is mislukt. Alles werkt nog tot "
                f"{_date(found.grace_ends_at)}; werk uw betaalgegevens bij, anders "
                "stopt het versturen dan.",
            )
        )
    if found.reason == billing.SMS_USED_UP:
        shown.append(Banner("sms-op", "red", found.reason))
    elif found.sms_warning and not found.metered and is_owner and not found.read_only:
        shown.append(
            Banner(
                "sms-bijna-op",
                "amber",
                f"U heeft {found.sms_used} van de {found.sms_included} SMS'jes van deze "
                "periode gebruikt. Als ze op zijn, stopt het versturen.",
            )
        )
    return shown


class BannerState(rx.State):
    banners: list[Banner] = []

    @staff_event
    async def load_banner(self, actor: Actor) -> None:
        found = await in_transaction(
            lambda db: billing.entitlement(db, actor.practice_id, clock.now())
        )
        self.banners = banners_for(found, actor.is_owner)


class BillingState(rx.State):
    configured: bool = False
    status: str = ""
    status_line: str = ""  # plan, status and trial/renewal in one sentence
    deletion_text: str = ""
    sms_used: int = 0
    sms_included: int = 0
    sms_share: int = 0
    sms_text: str = ""
    can_checkout: bool = True
    processing: bool = False
    error: str = ""
    plans: list[PlanCard] = []

    def _show(self, found: billing.Entitlement, running: bool) -> None:
        settings = get_settings()
        self.configured = settings.stripe_configured
        self.plans = plan_cards(settings) if self.configured else []
        plan = settings.plan(found.plan)
        self.status = found.status
        self.status_line = billing.status_line(found, plan.name if plan else None)
        self.deletion_text = (
            f"Zonder abonnement worden de gegevens van de praktijk op "
            f"{_date(found.deletion_scheduled_at)} verwijderd. Kies vóór die datum een "
            "abonnement om dat te voorkomen."
            if found.deletion_scheduled_at
            else ""
        )
        self.sms_used, self.sms_included, self.sms_share = (
            found.sms_used,
            found.sms_included,
            found.sms_share,
        )
        self.sms_text = (
            f"{found.sms_used} van {texts.count(found.sms_included, 'SMS')} gebruikt deze periode"
            + (" (meer wordt per SMS verrekend)" if found.metered else "")
            if found.sms_included
            else f"{texts.count(found.sms_used, 'SMS')} verstuurd deze periode"
        )
        self.can_checkout = not running

    async def _refresh(self, actor: Actor) -> bool:
        """Reload from the database; True while a Stripe subscription is running."""

        def read(db: Session) -> tuple[billing.Entitlement, bool]:
            running = billing.runs_at_stripe(billing.subscription_of(db, actor.practice_id))
            return billing.entitlement(db, actor.practice_id, clock.now()), running

        found, running = await in_transaction(read)
        self._show(found, running)
        return running

    @owner_event(error="error")  # for staff the page guard shows "geen toegang" instead
    async def load(self, actor: Actor) -> rx.event.EventSpec | None:
        self.error = ""
        running = await self._refresh(actor)
        back_from_checkout = self.router.url.query_parameters.get("betaling") == "verwerken"
        self.processing = back_from_checkout and not running
        return BillingState.wait_for_webhook if self.processing else None

    @owner_event(background=True)
    async def wait_for_webhook(self, actor: Actor) -> None:
        """Back from Checkout: the page says "we verwerken uw betaling…" until the webhook
        has made the subscription real (the redirect itself grants nothing)."""
        for _ in range(WAIT_FOR_WEBHOOK_S // POLL_EVERY_S):
            await asyncio.sleep(POLL_EVERY_S)
            # each poll: a revoked session stops it
            actor = await current_actor(self)  # type: ignore[assignment]  # reuses the parameter; None (signed out) is handled next line
            if actor is None or not actor.is_owner:  # type: ignore[redundant-expr]  # the parameter is typed Actor, the reassigned value may be None
                return
            async with self:
                if not self.processing:
                    return
                if await self._refresh(actor):
                    self.processing = False
                    return

    async def _to_stripe(
        self, actor: Actor, start: str, plan: str = ""
    ) -> rx.event.EventSpec | None:
        # Stripe refused or is down: PaymentsError, shown by the guard
        if start == "checkout":
            url = await asyncio.to_thread(subscriptions.start_checkout, actor, plan)
        else:
            url = await asyncio.to_thread(subscriptions.open_portal, actor)
        self.error = ""
        return full_page_redirect(url)

    @owner_event(error="error")
    async def checkout(self, actor: Actor, plan: str) -> rx.event.EventSpec | None:
        """ "Kies Basis" / "Kies Pro": off to Stripe Checkout for that plan. The guard refuses
        a non-string; the service refuses a key that is not a configured plan."""
        return await self._to_stripe(actor, "checkout", plan)

    @owner_event(error="error")
    async def portal(self, actor: Actor) -> rx.event.EventSpec | None:
        return await self._to_stripe(actor, "portal")
