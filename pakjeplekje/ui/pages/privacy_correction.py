"""/privacy sections Correctie (practice and own details) and Bezwaar (preferences)."""

from __future__ import annotations

import reflex as rx

from pakjeplekje import routes
from pakjeplekje.ui.components.forms import error_callout, field, submit_button
from pakjeplekje.ui.components.layout import section
from pakjeplekje.ui.state.privacy_correction import CorrectionState, ObjectionState
from pakjeplekje.ui.state.session import SessionState


def _form(on_submit, *children: rx.Component) -> rx.Component:
    return rx.form(
        rx.vstack(*children, spacing="3", width="100%", max_width="420px"),
        on_submit=on_submit,
    )


def correctie() -> rx.Component:
    c = CorrectionState
    practice_form = _form(
        c.save_practice,
        field(
            "Naam van de praktijk",
            "practice_name",
            id="correctie_praktijknaam",
            default_value=c.practice_name,
            key=c.practice_name,
            max_length=100,
        ),
        rx.text(
            "SMS-afzendernaam: ",
            rx.text.strong(c.sender_name, id="afzendernaam"),
            " (wijzigen bij ",
            rx.link("Instellingen → SMS-regels", href=routes.SETTINGS),
            ").",
            size="2",
        ),
        error_callout(c.practice_error),  # type: ignore[arg-type]  # state var: a Var on the class, typed as its value (not declared rx.Field)
        submit_button("Praktijkgegevens opslaan", width="auto", size="2"),
    )
    name_form = _form(
        c.save_name,
        field(
            "Uw naam",
            "name",
            id="correctie_naam",
            default_value=c.name,
            key=c.name,
            autocomplete="name",
            max_length=100,
        ),
        error_callout(c.name_error),  # type: ignore[arg-type]  # state var: a Var on the class, typed as its value (not declared rx.Field)
        submit_button("Naam opslaan", width="auto", size="2"),
    )
    email_form = _form(
        c.change_email,
        rx.text("Uw e-mailadres (inlognaam): ", rx.text.strong(c.email, id="huidig-email")),
        rx.cond(
            c.pending_email != "",
            rx.callout(
                rx.hstack(
                    rx.text(
                        "Wacht op bevestiging: ",
                        rx.text.strong(c.pending_email),
                        ". Tot dan blijft uw huidige adres gelden.",
                    ),
                    rx.button(
                        "Intrekken",
                        size="1",
                        variant="soft",
                        type="button",
                        on_click=c.cancel_email,
                    ),
                    align="center",
                    wrap="wrap",
                ),
                icon="mail",
                color_scheme="blue",
                id="email-wacht",
            ),
        ),
        field("Nieuw e-mailadres", "new_email", type_="email", autocomplete="email"),
        field(
            "Uw wachtwoord",
            "email_password",
            type_="password",
            autocomplete="current-password",
            hint="Ter controle dat u het echt bent.",
        ),
        error_callout(c.email_error),  # type: ignore[arg-type]  # state var: a Var on the class, typed as its value (not declared rx.Field)
        submit_button("Bevestigingslink sturen", width="auto", size="2"),
    )
    return section(
        "Correctie",
        rx.text(
            "Pas onjuiste gegevens zelf aan. Een nieuw e-mailadres bevestigt u via een link "
            "die wij naar dat adres sturen; uw oude adres krijgt een melding."
        ),
        rx.cond(
            SessionState.is_owner,
            rx.vstack(rx.heading("Praktijk", size="3", as_="h3"), practice_form, width="100%"),
        ),
        rx.heading("Uw gegevens", size="3", as_="h3"),
        name_form,
        email_form,
        id="sectie-correctie",
    )


def _choice(name: str, checked: rx.Var[bool], title: str, explanation: str) -> rx.Component:
    return rx.el.label(
        rx.hstack(
            rx.el.input(
                type="checkbox",
                name=name,
                id=f"bezwaar-{name}",
                default_checked=checked,
                key=f"{name}-" + ObjectionState.version.to_string(),  # type: ignore[attr-defined]  # state var: a Var on the class, typed as its value (not declared rx.Field)
                disabled=~SessionState.is_owner,
            ),
            rx.vstack(
                rx.text(title, weight="bold"),
                rx.text(explanation, size="2"),
                spacing="0",
            ),
            align="start",
        ),
        html_for=f"bezwaar-{name}",
    )


def bezwaar() -> rx.Component:
    return section(
        "Bezwaar",
        rx.text(
            "Naast wat nodig is voor de dienst (SMS'jes, inloggen, betalen) doen wij twee "
            "dingen die u mag weigeren. Haal het vinkje weg en sla op."
        ),
        rx.form(
            rx.vstack(
                _choice(
                    "product_emails",
                    ObjectionState.product_emails,  # type: ignore[arg-type]  # state var: a Var on the class, typed as its value (not declared rx.Field)
                    "Productmails",
                    "Eén keer per maand een overzicht voor de eigenaar: hoeveel plekken zijn "
                    "vrijgegeven en gevuld, en hoeveel SMS'jes er zijn verstuurd. "
                    "Servicemails (uitnodigingen, wachtwoordlinks) krijgt u altijd.",
                ),
                _choice(
                    "usage_statistics",
                    ObjectionState.usage_statistics,  # type: ignore[arg-type]  # state var: a Var on the class, typed as its value (not declared rx.Field)
                    "Anonieme gebruiksstatistieken",
                    "Uw praktijk telt mee in dagtotalen over alle deelnemende praktijken "
                    "(plekken, vullingen, SMS'jes), zonder praktijknaam of persoonsgegevens, "
                    "en alleen als er minstens 3 praktijken meetellen.",
                ),
                error_callout(ObjectionState.error),  # type: ignore[arg-type]  # state var: a Var on the class, typed as its value (not declared rx.Field)
                rx.cond(
                    SessionState.is_owner,
                    submit_button("Keuzes opslaan", width="auto", size="2"),
                    rx.text("Alleen de eigenaar kan dit wijzigen.", size="2"),
                ),
                spacing="3",
                width="100%",
            ),
            on_submit=ObjectionState.save,
        ),
        id="sectie-bezwaar",
    )
