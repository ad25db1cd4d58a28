"""The public front door."""

from __future__ import annotations

import reflex as rx

from pakjeplekje import routes
from pakjeplekje.ui.components.layout import footer

POINTS = [
    ("calendar-x", "Afspraak geannuleerd?", "Geef de plek met één klik vrij in het dashboard."),
    (
        "message-square",
        "Wachtlijst krijgt een SMS",
        "De best passende patiënten, in golven.",
    ),
    ("circle-check", "Wie het eerst klikt…", "…heeft de plek. U ziet het live in het dashboard."),
]


@rx.page(route=routes.HOME, title="PakJePlekje · Geannuleerde afspraken snel weer gevuld")
def landing() -> rx.Component:
    return rx.container(
        rx.vstack(
            rx.heading("PakJePlekje", size="8", color_scheme="teal", as_="h1"),
            rx.text(
                "Vul geannuleerde afspraken in minuten, niet in uren. Patiënten op uw wachtlijst "
                "krijgen een SMS en claimen de vrijgekomen plek zelf.",
                size="5",
            ),
            rx.hstack(
                rx.link(rx.button("Account aanmaken", size="4"), href=routes.SIGNUP),
                rx.link(rx.button("Inloggen", size="4", variant="outline"), href=routes.LOGIN),
                spacing="4",
            ),
            rx.grid(
                *[
                    rx.card(
                        rx.vstack(
                            rx.icon(icon, color="var(--teal-9)"),
                            rx.heading(title, size="4", as_="h2"),
                            rx.text(text),
                        )
                    )
                    for icon, title, text in POINTS
                ],
                columns=rx.breakpoints(initial="1", sm="3"),
                spacing="4",
                width="100%",
            ),
            rx.text(
                "AVG-proof: de praktijk blijft eigenaar van de patiëntgegevens.",
                color_scheme="gray",
            ),
            footer(),
            spacing="6",
            padding_y="4em",
        ),
        size="3",
    )
