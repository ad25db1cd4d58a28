"""Abonnement (owner only): plan, status, trial or renewal, SMS usage, Checkout and portal."""

from __future__ import annotations

import reflex as rx

from pakjeplekje import routes
from pakjeplekje.ui.components.forms import error_callout, labelled
from pakjeplekje.ui.components.layout import staff_page
from pakjeplekje.ui.state.billing import BillingState as S


def _fact(label: str, value: rx.Var | str, test_id: str) -> rx.Component:
    return rx.hstack(
        rx.text(label, weight="bold", min_width="10em"),
        rx.text(value, id=test_id),
        align="center",
    )


def _usage() -> rx.Component:
    return rx.vstack(
        rx.heading("SMS-verbruik", size="3", as_="h3"),
        rx.text(S.sms_text, id="sms-verbruik"),
        rx.cond(
            S.sms_included > 0,
            rx.progress(
                value=S.sms_share,
                max=100,
                width="100%",
                color_scheme=rx.cond(S.sms_share >= 80, "amber", "teal"),
                aria_label="SMS-verbruik",
            ),
        ),
        spacing="2",
        width="100%",
    )


def _stripe_actions() -> rx.Component:
    plan_select = rx.el.select(
        rx.foreach(S.plans, lambda p: rx.el.option(p["label"], value=p["key"])),
        id="plan",
        value=S.chosen_plan,
        on_change=S.set_plan,
        class_name="pjp-native-select",
    )
    return rx.vstack(
        rx.cond(
            S.can_checkout,
            rx.vstack(
                labelled("Abonnement", plan_select, "plan"),
                rx.button("Abonnement kiezen", size="3", on_click=S.checkout),
                spacing="3",
                width="100%",
            ),
        ),
        rx.button(
            "Betaalgegevens en facturen beheren",
            size="3",
            variant="soft",
            on_click=S.portal,
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
        rx.vstack(
            rx.text(
                "Betalingen zijn in deze installatie niet ingesteld (geen Stripe-sleutels). "
                "De praktijk blijft in de proefperiode; een beheerder kan de status zetten met:"
            ),
            rx.code("python -m pakjeplekje billing set-status <praktijk> <status>"),
            rx.text("Beschikbare abonnementen:", weight="bold"),
            rx.foreach(S.plans, lambda p: rx.text("• ", p["label"])),
            spacing="2",
        ),
        icon="info",
        color_scheme="gray",
        id="betalen-niet-ingesteld",
    )


@staff_page(routes.SUBSCRIPTION, "Abonnement", owner_only=True, on_load=[S.load])
def subscription() -> rx.Component:
    return rx.vstack(
        rx.cond(
            S.processing,
            rx.callout(
                "We verwerken je betaling… Deze pagina werkt zichzelf bij zodra Stripe de "
                "betaling heeft bevestigd.",
                icon="loader",
                color_scheme="blue",
                role="status",
                id="betaling-verwerken",
            ),
        ),
        error_callout(S.error),  # type: ignore[arg-type]  # state var: a Var on the class, typed as its value (not declared rx.Field)
        rx.card(
            rx.vstack(
                rx.heading("Uw abonnement", size="4", as_="h2"),
                _fact("Abonnement", S.plan_label, "abonnement-plan"),
                _fact("Status", S.status_label, "abonnement-status"),
                rx.cond(S.period_text != "", rx.text(S.period_text, id="abonnement-periode")),
                rx.cond(
                    S.deletion_text != "",
                    rx.callout(
                        S.deletion_text,
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
            rx.cond(S.configured, _stripe_actions(), _not_configured()),
            max_width="720px",
            width="100%",
        ),
        spacing="4",
        width="100%",
    )
