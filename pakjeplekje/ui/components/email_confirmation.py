"""Until the practice's e-mail address is confirmed: what to do, and "stuur opnieuw"."""

from __future__ import annotations

import reflex as rx

from pakjeplekje.ui.state.email_confirmation import EmailConfirmationState


def email_confirmation_callout() -> rx.Component:
    return rx.cond(
        EmailConfirmationState.pending,
        rx.callout(
            rx.vstack(
                rx.cond(
                    EmailConfirmationState.owner,
                    rx.text(
                        "Bevestig eerst uw e-mailadres: wij stuurden een link naar ",
                        rx.el.b(EmailConfirmationState.email),
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
                    EmailConfirmationState.owner,
                    rx.hstack(
                        rx.button(
                            "Stuur opnieuw",
                            on_click=EmailConfirmationState.resend,
                            variant="soft",
                            size="2",
                        ),
                        rx.text(EmailConfirmationState.notice, size="2", role="status"),
                        align="center",
                        wrap="wrap",
                    ),
                ),
                rx.cond(
                    EmailConfirmationState.error != "",
                    rx.text(EmailConfirmationState.error, size="2", color_scheme="red"),
                ),
                spacing="2",
            ),
            icon="mail",
            color_scheme="amber",
            role="alert",
            id="email-bevestigen",
            width="100%",
        ),
    )
