"""Abonnement (owner only): plan, status, trial or renewal, SMS usage, Checkout and portal."""

from __future__ import annotations

import reflex as rx

from pakjeplekje import routes
from pakjeplekje.ui.components.forms import error_callout
from pakjeplekje.ui.components.layout import staff_page
from pakjeplekje.ui.state.billing import BillingState, PlanCard


def _usage() -> rx.Component:
    return rx.vstack(
        rx.heading("SMS-verbruik", size="3", as_="h3"),
        rx.text(BillingState.sms_text, id="sms-verbruik"),
        rx.cond(
            BillingState.sms_included > 0,
            rx.progress(
                value=BillingState.sms_share,
                max=100,
                width="100%",
                color_scheme=rx.cond(BillingState.sms_share >= 80, "amber", "teal"),
                aria_label="SMS-verbruik",
            ),
        ),
        spacing="2",
        width="100%",
    )


def _plan_card(plan: rx.vars.ObjectVar[PlanCard]) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading(plan.name, size="4", as_="h3"),
            rx.text(plan.price, size="5", weight="bold"),
            rx.el.ul(
                rx.foreach(plan.includes, lambda line: rx.el.li(line)),
                style={"padding_left": "1.2em", "margin": "0"},
            ),
            rx.button(
                plan.button,
                size="3",
                on_click=BillingState.checkout(plan.key),
                width="100%",
            ),
            spacing="3",
            height="100%",
            justify="between",
        ),
        data_plan=plan.key,
        class_name="abonnement-kaart",
        flex="1 1 240px",
        min_width="0",
    )


def _stripe_actions() -> rx.Component:
    return rx.vstack(
        rx.cond(
            BillingState.can_checkout,
            rx.vstack(
                rx.heading("Kies een abonnement", size="4", as_="h2"),
                rx.flex(
                    rx.foreach(BillingState.plans, _plan_card),
                    gap="4",
                    wrap="wrap",
                    width="100%",
                    id="abonnementen",
                ),
                spacing="3",
                width="100%",
            ),
        ),
        rx.button(
            "Betaalgegevens en facturen beheren",
            size="3",
            variant="soft",
            on_click=BillingState.portal,
        ),
        rx.text(
            "Betalen gaat via Stripe; wij zien en bewaren geen kaartgegevens.",
            size="1",
            color_scheme="gray",
        ),
        spacing="3",
        align="start",
        width="100%",
    )


def _not_configured() -> rx.Component:
    return rx.callout(
        "Betalingen zijn in deze installatie niet ingesteld, dus u kunt hier (nog) geen "
        "abonnement afsluiten. Uw praktijk gebruikt de proefperiode. Vragen hierover? Neem "
        "contact op met de beheerder van deze installatie.",
        icon="info",
        color_scheme="gray",
        id="betalen-niet-ingesteld",
    )


@staff_page(routes.SUBSCRIPTION, "Abonnement", owner_only=True, on_load=[BillingState.load])
def subscription() -> rx.Component:
    return rx.vstack(
        rx.cond(
            BillingState.processing,
            rx.callout(
                "We verwerken uw betaling… Deze pagina werkt zichzelf bij zodra Stripe de "
                "betaling heeft bevestigd.",
                icon="loader",
                color_scheme="blue",
                role="status",
                id="betaling-verwerken",
            ),
        ),
        error_callout(BillingState.error),  # type: ignore[arg-type]  # state var: a Var on the class, typed as its value (not declared rx.Field)
        rx.card(
            rx.vstack(
                rx.heading("Uw abonnement", size="4", as_="h2"),
                rx.text(BillingState.status_line, id="abonnement-status", size="3"),
                rx.cond(
                    BillingState.deletion_text != "",
                    rx.callout(
                        BillingState.deletion_text,
                        icon="trash-2",
                        color_scheme="red",
                        id="verwijderdatum",
                    ),
                ),
                rx.divider(),
                _usage(),
                spacing="3",
                width="100%",
            ),
            max_width="720px",
            width="100%",
        ),
        rx.card(
            rx.cond(BillingState.configured, _stripe_actions(), _not_configured()),
            max_width="720px",
            width="100%",
        ),
        spacing="4",
        width="100%",
    )
