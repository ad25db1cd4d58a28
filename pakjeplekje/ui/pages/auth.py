"""Public account pages: sign up, log in, forgotten password, reset, accept an invite."""

from __future__ import annotations

import reflex as rx

from pakjeplekje import routes
from pakjeplekje.domain.accounts.passwords import MIN_LENGTH
from pakjeplekje.ui.components.forms import (
    card_page,
    error_callout,
    field,
    notice_callout,
    submit_button,
)
from pakjeplekje.ui.state.auth import (
    AcceptInviteState,
    ForgotPasswordState,
    LoginState,
    ResetPasswordState,
    SignupState,
)

PASSWORD_HINT = f"Minstens {MIN_LENGTH} tekens. Een zin van een paar woorden werkt goed."


@rx.page(route=routes.SIGNUP, title="Account aanmaken · PakJePlekje")
def signup() -> rx.Component:
    return card_page(
        "Account aanmaken",
        rx.text("Start met 14 dagen gratis proberen. U heeft geen creditcard nodig."),
        rx.form(
            rx.vstack(
                field(
                    "Naam van de praktijk",
                    "practice_name",
                    autocomplete="organization",
                    required=True,
                    max_length=100,
                ),
                field("Uw naam", "name", autocomplete="name", required=True, max_length=100),
                field("E-mailadres", "email", type_="email", autocomplete="email", required=True),
                field(
                    "Wachtwoord",
                    "password",
                    type_="password",
                    autocomplete="new-password",
                    required=True,
                    hint=PASSWORD_HINT,
                ),
                error_callout(SignupState.error),  # type: ignore[arg-type]  # state var: a Var on the class, typed as its value (not declared rx.Field)
                submit_button("Account aanmaken"),
                spacing="4",
            ),
            on_submit=SignupState.submit,
        ),
        rx.text("Al een account? ", rx.link("Inloggen", href=routes.LOGIN)),
        rx.text("Lees ons ", rx.link("privacybeleid", href=routes.PRIVACY_POLICY), ".", size="2"),
    )


@rx.page(route=routes.LOGIN, title="Inloggen · PakJePlekje", on_load=LoginState.load)
def login() -> rx.Component:
    return card_page(
        "Inloggen",
        notice_callout(LoginState.notice),  # type: ignore[arg-type]  # state var: a Var on the class, typed as its value (not declared rx.Field)
        rx.form(
            rx.vstack(
                field(
                    "E-mailadres", "email", type_="email", autocomplete="username", required=True
                ),
                field(
                    "Wachtwoord",
                    "password",
                    type_="password",
                    autocomplete="current-password",
                    required=True,
                ),
                error_callout(LoginState.error),  # type: ignore[arg-type]  # state var: a Var on the class, typed as its value (not declared rx.Field)
                submit_button("Inloggen"),
                spacing="4",
            ),
            on_submit=LoginState.submit,
        ),
        rx.hstack(
            rx.link("Wachtwoord vergeten?", href=routes.FORGOT_PASSWORD),
            rx.spacer(),
            rx.link("Account aanmaken", href=routes.SIGNUP),
            width="100%",
        ),
    )


@rx.page(
    route=routes.FORGOT_PASSWORD,
    title="Wachtwoord vergeten · PakJePlekje",
    on_load=ForgotPasswordState.load,
)
def forgot_password() -> rx.Component:
    return card_page(
        "Wachtwoord vergeten",
        rx.cond(
            ForgotPasswordState.sent,
            rx.callout(
                "Als dit e-mailadres bij ons bekend is, ontvangt u binnen enkele minuten een "
                "e-mail met een link. De link is 1 uur geldig.",
                icon="mail",
                color_scheme="green",
                role="status",
            ),
            rx.form(
                rx.vstack(
                    rx.text(
                        "Vul uw e-mailadres in. U krijgt een link om een nieuw wachtwoord "
                        "te kiezen."
                    ),
                    field(
                        "E-mailadres", "email", type_="email", autocomplete="email", required=True
                    ),
                    error_callout(ForgotPasswordState.error),  # type: ignore[arg-type]  # state var: a Var on the class, typed as its value (not declared rx.Field)
                    submit_button("Stuur mij een link"),
                    spacing="4",
                ),
                on_submit=ForgotPasswordState.submit,
            ),
        ),
        rx.link("Terug naar inloggen", href=routes.LOGIN),
    )


def _new_password_form(
    state: type[ResetPasswordState] | type[AcceptInviteState], intro: rx.Component, button: str
) -> rx.Component:
    return rx.cond(
        state.checked,
        rx.cond(
            state.link_error != "",
            rx.vstack(
                error_callout(state.link_error),  # type: ignore[arg-type]  # state var: a Var on the class, typed as its value (not declared rx.Field)
                rx.link("Nieuwe link aanvragen", href=routes.FORGOT_PASSWORD),
            ),
            rx.form(
                rx.vstack(
                    intro,
                    field(
                        "Nieuw wachtwoord",
                        "password",
                        type_="password",
                        autocomplete="new-password",
                        required=True,
                        hint=PASSWORD_HINT,
                    ),
                    field(
                        "Herhaal het wachtwoord",
                        "password_repeat",
                        type_="password",
                        autocomplete="new-password",
                        required=True,
                    ),
                    error_callout(state.error),  # type: ignore[arg-type]  # state var: a Var on the class, typed as its value (not declared rx.Field)
                    submit_button(button),
                    spacing="4",
                ),
                on_submit=state.submit,
            ),
        ),
        rx.center(rx.spinner(size="3")),
    )


@rx.page(
    route=routes.RESET_PASSWORD,
    title="Nieuw wachtwoord · PakJePlekje",
    on_load=ResetPasswordState.load,
)
def reset_password() -> rx.Component:
    return card_page(
        "Nieuw wachtwoord kiezen",
        _new_password_form(
            ResetPasswordState,
            rx.text(
                "Voor ",
                rx.text.strong(ResetPasswordState.email),
                ". Daarna wordt u op alle andere apparaten uitgelogd.",
            ),
            "Wachtwoord opslaan",
        ),
    )


@rx.page(
    route=routes.ACCEPT_INVITE, title="Uitnodiging · PakJePlekje", on_load=AcceptInviteState.load
)
def accept_invite() -> rx.Component:
    return card_page(
        "Welkom bij PakJePlekje",
        _new_password_form(
            AcceptInviteState,
            rx.text("Kies een wachtwoord voor ", rx.text.strong(AcceptInviteState.email), "."),
            "Wachtwoord instellen en inloggen",
        ),
    )
