"""Until the practice's e-mail address is confirmed: what to do, and "stuur opnieuw"."""

from __future__ import annotations

import reflex as rx

from pakjeplekje.ui.state.email_confirmation import EmailConfirmationState as E


def email_confirmation_callout() -> rx.Component:
    return rx.cond(
        E.pending,
        rx.callout(
            rx.vstack(
                rx.cond(
                    E.owner,
                    rx.text(
                        "Bevestig eerst uw e-mailadres: wij stuurden een link naar ",
                        rx.el.b(E.email),
                        ". Pas als u daarop klikt, kunt u plekken vrijgeven en gaan er "
                        "SMS'jes uit.",
                    ),
                    rx.text(
                        "De eigenaar van de praktijk moet eerst het e-mailadres bevestigen "
                        "(via de link in de e-mail van PakJePlekje). Tot dan kunnen er geen "
                        "plekken worden vrijgegeven."
                    ),
                ),
                rx.cond(
                    E.owner,
                    rx.hstack(
                        rx.button("Stuur opnieuw", on_click=E.resend, variant="soft", size="2"),
                        rx.text(E.notice, size="2", role="status"),
                        align="center",
                        wrap="wrap",
                    ),
                ),
                rx.cond(E.error != "", rx.text(E.error, size="2", color_scheme="red")),
                spacing="2",
            ),
            icon="mail",
            color_scheme="amber",
            role="alert",
            id="email-bevestigen",
            width="100%",
        ),
    )
