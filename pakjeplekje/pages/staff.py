"""The staff pages. Later issues fill them in; until then they say what is coming."""

from __future__ import annotations

import reflex as rx

from pakjeplekje import routes
from pakjeplekje.components.forms import error_callout, field, submit_button
from pakjeplekje.components.layout import coming_soon, staff_page
from pakjeplekje.state.account import AccountState
from pakjeplekje.state.session import SessionState


@staff_page(routes.DASHBOARD, "Dashboard")
def dashboard() -> rx.Component:
    return rx.vstack(
        rx.heading("Welkom, ", SessionState.user_name, size="5"),
        coming_soon(
            "Hier ziet u straks live welke vrijgegeven plekken open staan, wie een SMS "
            "kreeg en wie de plek claimde."
        ),
        spacing="4",
    )


@staff_page(routes.WAITLIST, "Wachtlijst")
def waitlist() -> rx.Component:
    return coming_soon("De wachtlijst met patiënten, import en export van CSV-bestanden.")


@staff_page(routes.SLOTS, "Plekken")
def slots() -> rx.Component:
    return coming_soon("Vrijgekomen afspraken vrijgeven en de SMS-golven volgen.")


@staff_page(routes.SUBSCRIPTION, "Abonnement", owner_only=True)
def subscription() -> rx.Component:
    return coming_soon("Uw abonnement, facturen en SMS-verbruik.")


@staff_page(routes.PRIVACY, "Privacy")
def privacy() -> rx.Component:
    return coming_soon(
        "Inzage, export en verwijdering van gegevens (AVG) en privacyverzoeken van patiënten."
    )


@staff_page(routes.SETTINGS, "Instellingen")
def settings() -> rx.Component:
    return rx.vstack(
        rx.cond(
            SessionState.is_owner,
            rx.card(
                rx.hstack(
                    rx.vstack(
                        rx.heading("Medewerkers", size="4"),
                        rx.text("Collega's uitnodigen, rollen en toegang beheren."),
                    ),
                    rx.spacer(),
                    rx.link(rx.button("Medewerkers beheren"), href=routes.TEAM),
                    align="center",
                ),
                width="100%",
            ),
        ),
        rx.card(
            rx.form(
                rx.vstack(
                    rx.heading("Wachtwoord wijzigen", size="4"),
                    field(
                        "Huidig wachtwoord",
                        "current",
                        type_="password",
                        autocomplete="current-password",
                        required=True,
                    ),
                    field(
                        "Nieuw wachtwoord",
                        "new",
                        type_="password",
                        autocomplete="new-password",
                        required=True,
                    ),
                    field(
                        "Herhaal nieuw wachtwoord",
                        "new_repeat",
                        type_="password",
                        autocomplete="new-password",
                        required=True,
                    ),
                    error_callout(AccountState.error),
                    submit_button("Wachtwoord wijzigen", size="2", width="auto"),
                    spacing="3",
                ),
                on_submit=AccountState.change_password,
            ),
            width="100%",
        ),
        coming_soon("Behandelingen, behandelaars en de regels voor het versturen van SMS'jes."),
        spacing="4",
        max_width="720px",
    )
