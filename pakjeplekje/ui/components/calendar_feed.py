"""Instellingen → "Agenda-koppeling (iCal)" (owner only): the secret feed URL for the
practice's agenda program, shown once when made."""

from __future__ import annotations

import reflex as rx

from pakjeplekje.ui.components.forms import error_callout
from pakjeplekje.ui.state.calendar_feed import CalendarFeedState
from pakjeplekje.ui.state.session import SessionState


def _new_link() -> rx.Component:
    return rx.callout(
        rx.vstack(
            rx.text(
                "Kopieer de link nu en abonneer uw agenda erop: hij wordt maar één keer "
                "getoond. Houd hem geheim; wie de link heeft, ziet de gevulde plekken.",
                size="2",
            ),
            rx.hstack(
                rx.input(
                    id="agenda-link",
                    value=CalendarFeedState.url,
                    read_only=True,
                    aria_label="Link van de agenda-koppeling",
                    width="100%",
                ),
                rx.button(
                    "Kopiëren",
                    on_click=[
                        rx.set_clipboard(CalendarFeedState.url),
                        rx.toast.success("Link gekopieerd."),
                    ],
                    variant="soft",
                    size="2",
                ),
                width="100%",
                align="center",
            ),
            spacing="2",
            width="100%",
        ),
        icon="key_round",
        color_scheme="amber",
        role="status",
        width="100%",
    )


def calendar_feed_card() -> rx.Component:
    return rx.cond(
        SessionState.is_owner,
        rx.card(
            rx.vstack(
                rx.heading("Agenda-koppeling (iCal)", size="4", as_="h2"),
                rx.text(
                    "Zet de plekken die via PakJePlekje gevuld zijn vanzelf in uw agenda "
                    "(Outlook, Google Agenda, Apple Agenda of uw praktijksoftware): abonneer "
                    "de agenda op een geheime link. Per afspraak staan daarin de tijd, de "
                    "behandeling, de behandelaar en de naam van de patiënt, nooit het "
                    "telefoonnummer.",
                    size="2",
                ),
                rx.cond(CalendarFeedState.url != "", _new_link()),
                rx.cond(
                    CalendarFeedState.active,
                    rx.text(
                        "Er is een actieve link. Een nieuwe link maakt de oude ongeldig; "
                        "intrekken zet de koppeling uit.",
                        size="2",
                        color_scheme="gray",
                        id="agenda-status",
                    ),
                    rx.text(
                        "Er is nog geen link.", size="2", color_scheme="gray", id="agenda-status"
                    ),
                ),
                error_callout(CalendarFeedState.error),  # type: ignore[arg-type]  # state var: a Var on the class, typed as its value (not declared rx.Field)
                rx.cond(
                    CalendarFeedState.active,
                    rx.hstack(
                        rx.button("Nieuwe link maken", on_click=CalendarFeedState.create, size="2"),
                        rx.button(
                            "Intrekken",
                            on_click=CalendarFeedState.revoke,
                            color_scheme="red",
                            variant="soft",
                            size="2",
                        ),
                        wrap="wrap",
                    ),
                    rx.button("Link maken", on_click=CalendarFeedState.create, size="2"),
                ),
                spacing="3",
                width="100%",
            ),
            id="agenda-koppeling",
            width="100%",
        ),
    )
