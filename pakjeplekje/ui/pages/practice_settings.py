"""Instellingen: account, team link, practice details, treatments, practitioners and SMS rules."""

from __future__ import annotations

import reflex as rx

from pakjeplekje import routes
from pakjeplekje.domain.accounts.practice_settings import SIGNUP_MODES, WAVE_MODES
from pakjeplekje.ui.components.calendar_feed import calendar_feed_card
from pakjeplekje.ui.components.forms import error_callout, field, form_row, labelled, submit_button
from pakjeplekje.ui.components.layout import staff_page
from pakjeplekje.ui.state.calendar_feed import CalendarFeedState
from pakjeplekje.ui.state.practice_settings import (
    AccountState,
    MinuteValueState,
    PracticeSettingsState,
    PractitionerSetting,
    SignupSettingsState,
    TreatmentSetting,
)
from pakjeplekje.ui.state.session import SessionState


def _treatment_row(t: rx.vars.ObjectVar[TreatmentSetting]) -> rx.Component:
    """One treatment. The duration field is uncontrolled (`default_value`, saved on blur), so
    React must know which treatment a row is: `rx.foreach` keys rows by position, and a
    treatment added above would leave every field below showing (and, on blur, saving) the
    value of the row that used to be there. The row is keyed by the treatment's id, the field
    also by its saved value, so it shows what was stored after every save."""
    duration_id = f"duur-{t.id}"
    return rx.table.row(
        rx.table.cell(t.name, data_label="Naam"),
        rx.table.cell(
            rx.input(
                key=f"{t.id}:{t.duration}",
                id=duration_id,
                default_value=t.duration,
                type="number",
                min=5,
                max=240,
                width="90px",
                aria_label=f"Duur {t.name}",
                on_blur=lambda v: PracticeSettingsState.save_treatment(t.id, v, t.active),
            ),
            data_label="Duur (min)",
        ),
        rx.table.cell(
            rx.switch(
                checked=t.active,
                aria_label=f"Actief {t.name}",
                on_change=lambda v: PracticeSettingsState.save_treatment(t.id, t.duration, v),
            ),
            data_label="Actief",
        ),
        data_treatment=t.name,
        key=t.id,
    )


def treatments_card() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading("Behandelingen", size="4", as_="h2"),
            rx.text(
                "Welke behandelingen patiënten op de wachtlijst kunnen wachten, met de "
                "gebruikelijke duur. Uitgezette behandelingen blijven bij bestaande "
                "patiënten staan.",
                size="2",
            ),
            rx.table.root(
                rx.table.header(
                    rx.table.row(
                        rx.table.column_header_cell("Naam"),
                        rx.table.column_header_cell("Duur (min)"),
                        rx.table.column_header_cell("Actief"),
                    )
                ),
                rx.table.body(rx.foreach(PracticeSettingsState.treatments, _treatment_row)),
                size="1",
                width="100%",
                class_name="pjp-cards",
            ),
            rx.form(
                form_row(
                    field("Nieuwe behandeling", "name", id="nieuwe-behandeling", max_length=50),
                    field(
                        "Duur (min)",
                        "duration",
                        id="nieuwe-duur",
                        type_="number",
                        default_value="30",
                    ),
                    submit_button("Toevoegen", size="3", width="auto"),
                    columns=3,
                    inline=True,
                ),
                width="100%",
                on_submit=PracticeSettingsState.add_treatment,
                reset_on_submit=True,
            ),
            spacing="3",
        ),
        width="100%",
    )


def _practitioner_row(p: rx.vars.ObjectVar[PractitionerSetting]) -> rx.Component:
    return rx.table.row(
        rx.table.cell(p.name, data_label="Naam"),
        rx.table.cell(
            rx.switch(
                checked=p.active,
                aria_label=f"Actief {p.name}",
                on_change=lambda v: PracticeSettingsState.set_practitioner_active(p.id, v),
            ),
            data_label="Actief",
        ),
    )


def practitioners_card() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading("Behandelaars", size="4", as_="h2"),
            rx.table.root(
                rx.table.body(rx.foreach(PracticeSettingsState.practitioners, _practitioner_row)),
                size="1",
                width="100%",
            ),
            rx.form(
                form_row(
                    field("Nieuwe behandelaar", "name", id="nieuwe-behandelaar", max_length=100),
                    submit_button("Toevoegen", size="3", width="auto"),
                    columns=2,
                    inline=True,
                ),
                width="100%",
                on_submit=PracticeSettingsState.add_practitioner,
                reset_on_submit=True,
            ),
            spacing="3",
        ),
        width="100%",
    )


def _outreach_field(label: str, name: str, hint: str = "", **props) -> rx.Component:
    return field(
        label,
        name,
        id=f"sms-{name}",
        default_value=getattr(PracticeSettingsState.outreach, name),
        hint=hint,
        disabled=~SessionState.is_owner,
        **props,
    )


def _wave_mode() -> rx.Component:
    """Adaptive or fixed waves; the two wave fields below only count for fixed waves."""
    select = rx.el.select(
        *[rx.el.option(label, value=key) for key, label in WAVE_MODES.items()],
        id="sms-wave_mode",
        name="wave_mode",
        default_value=PracticeSettingsState.outreach.wave_mode,
        disabled=~SessionState.is_owner,
        class_name="pjp-native-select",
    )
    return rx.vstack(
        labelled("Golven", select, "sms-wave_mode"),
        rx.text(
            "Adaptief: eerst weinig patiënten, de volgende zodra iemand nee zegt of de tijd "
            "dringt. Vast: elke keer hetzelfde aantal (hieronder).",
            size="1",
            color_scheme="gray",
        ),
        spacing="1",
    )


def outreach_card() -> rx.Component:
    return rx.card(
        rx.form(
            rx.vstack(
                rx.heading("SMS-regels", size="4", as_="h2"),
                rx.cond(
                    ~SessionState.is_owner,
                    rx.text(
                        "Alleen de eigenaar kan deze regels wijzigen.",
                        size="2",
                        color_scheme="gray",
                    ),
                ),
                _wave_mode(),
                form_row(
                    _outreach_field("Patiënten per golf", "wave_size", type_="number"),
                    _outreach_field("Minuten tussen golven", "wave_interval", type_="number"),
                    _outreach_field("Geen SMS vanaf", "quiet_start", hint="Bijvoorbeeld 21:00"),
                    _outreach_field("Geen SMS tot", "quiet_end", hint="Bijvoorbeeld 08:00"),
                    _outreach_field("Minimale aanlooptijd (min)", "min_notice", type_="number"),
                    _outreach_field(
                        "Max. aanbiedingen per patiënt per 7 dagen", "max_offers", type_="number"
                    ),
                    _outreach_field(
                        "Afzendernaam SMS",
                        "sender",
                        max_length=11,
                        hint="Maximaal 11 letters of cijfers, geen spaties",
                    ),
                ),
                error_callout(PracticeSettingsState.outreach_error),  # type: ignore[arg-type]  # state var: a Var on the class, typed as its value (not declared rx.Field)
                rx.cond(
                    SessionState.is_owner,
                    submit_button("SMS-regels opslaan", size="2", width="auto"),
                ),
                spacing="3",
            ),
            on_submit=PracticeSettingsState.save_outreach,
            key=PracticeSettingsState.outreach.sender,
        ),
        width="100%",
    )


def details_card() -> rx.Component:
    """Address and phone: patients read them on the claim page, in the calendar file and (the
    phone) in the confirmation text. Owner only, like the SMS rules."""
    return rx.card(
        rx.form(
            rx.vstack(
                rx.heading("Praktijkgegevens", size="4", as_="h2"),
                rx.text(
                    "Patiënten zien het adres en telefoonnummer bij een vrije plek en in hun "
                    "agenda; het nummer staat ook in de bevestiging per SMS.",
                    size="2",
                    color_scheme="gray",
                ),
                rx.cond(
                    ~SessionState.is_owner,
                    rx.text(
                        "Alleen de eigenaar kan deze gegevens wijzigen.",
                        size="2",
                        color_scheme="gray",
                    ),
                ),
                form_row(
                    field(
                        "Adres",
                        "address",
                        id="praktijk-adres",
                        default_value=PracticeSettingsState.details.address,
                        hint="Bijvoorbeeld Molenstraat 1, 1234 AB Molendam",
                        max_length=200,
                        disabled=~SessionState.is_owner,
                    ),
                    field(
                        "Telefoonnummer",
                        "phone",
                        id="praktijk-telefoon",
                        type_="tel",
                        default_value=PracticeSettingsState.details.phone,
                        hint="Bijvoorbeeld 020-1234567",
                        max_length=30,
                        disabled=~SessionState.is_owner,
                    ),
                    columns=2,
                ),
                error_callout(PracticeSettingsState.details_error),  # type: ignore[arg-type]  # state var: a Var on the class, typed as its value (not declared rx.Field)
                rx.cond(
                    SessionState.is_owner,
                    submit_button("Praktijkgegevens opslaan", size="2", width="auto"),
                ),
                spacing="3",
            ),
            on_submit=PracticeSettingsState.save_details,
            key=PracticeSettingsState.details.address + "|" + PracticeSettingsState.details.phone,
        ),
        width="100%",
    )


def signup_card() -> rx.Component:
    """Online aanmelden: the link patients use (and its poster), and review or automatic."""
    return rx.card(
        rx.vstack(
            rx.heading("Online aanmelden", size="4", as_="h2"),
            rx.text(
                "Patiënten kunnen zich zelf op uw wachtlijst zetten via deze link. Zij "
                "bevestigen hun nummer met een SMS-code en geven toestemming voor uw SMS'jes; "
                "wanneer en met welke tekst staat bij de patiënt.",
                size="2",
            ),
            rx.code(SignupSettingsState.link, id="aanmeldlink", variant="ghost"),
            rx.hstack(
                rx.link("Open het formulier", href=SignupSettingsState.link, is_external=True),
                rx.link(
                    "Poster voor de balie (PDF)",
                    href=SignupSettingsState.poster,
                    is_external=True,
                    id="poster-link",
                ),
                spacing="4",
                wrap="wrap",
            ),
            rx.el.label("Nieuwe aanmeldingen", html_for="signup_mode", class_name="pjp-label"),
            rx.el.select(
                *[rx.el.option(text, value=key) for key, text in SIGNUP_MODES.items()],
                id="signup_mode",
                name="signup_mode",
                value=SignupSettingsState.mode,
                on_change=SignupSettingsState.set_mode,
                disabled=~SessionState.is_owner,
                class_name="pjp-native-select",
            ),
            rx.cond(
                ~SessionState.is_owner,
                rx.text("Alleen de eigenaar kan dit wijzigen.", size="1", color_scheme="gray"),
            ),
            error_callout(SignupSettingsState.error),  # type: ignore[arg-type]  # state var: a Var on the class, typed as its value (not declared rx.Field)
            spacing="3",
            width="100%",
        ),
        width="100%",
        id="online-aanmelden",
    )


def minute_value_card() -> rx.Component:
    """The value of a treatment minute: what /resultaten reports the filled slots as worth."""
    return rx.card(
        rx.form(
            rx.vstack(
                rx.heading("Resultaten", size="4", as_="h2"),
                rx.text(
                    "Hiermee rekent PakJePlekje uit hoeveel euro de via de wachtlijst gevulde "
                    "plekken waard zijn. Standaard 3,67: het NZa-tarief 2025 van ongeveer "
                    "17 tot 20 euro per 5 minuten.",
                    size="2",
                ),
                rx.cond(
                    ~SessionState.is_owner,
                    rx.text(
                        "Alleen de eigenaar kan deze waarde wijzigen.",
                        size="2",
                        color_scheme="gray",
                    ),
                ),
                field(
                    "Waarde per behandelminuut (€)",
                    "minute_value",
                    id="minuutwaarde",
                    default_value=MinuteValueState.value,
                    hint="Bijvoorbeeld 3,67",
                    input_mode="decimal",
                    disabled=~SessionState.is_owner,
                ),
                error_callout(MinuteValueState.error),  # type: ignore[arg-type]  # state var: a Var on the class, typed as its value (not declared rx.Field)
                rx.cond(
                    SessionState.is_owner,
                    submit_button("Waarde opslaan", size="2", width="auto"),
                ),
                spacing="3",
            ),
            on_submit=MinuteValueState.save,
            key=MinuteValueState.value,
        ),
        width="100%",
    )


def account_card() -> rx.Component:
    return rx.card(
        rx.form(
            rx.vstack(
                rx.heading("Wachtwoord wijzigen", size="4", as_="h2"),
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
                error_callout(AccountState.error),  # type: ignore[arg-type]  # state var: a Var on the class, typed as its value (not declared rx.Field)
                submit_button("Wachtwoord wijzigen", size="2", width="auto"),
                spacing="3",
            ),
            on_submit=AccountState.change_password,
        ),
        width="100%",
    )


def integrations_card() -> rx.Component:
    """Owner only: the API keys for practice software (and from there docs and webhooks)."""
    return rx.cond(
        SessionState.is_owner,
        rx.card(
            rx.hstack(
                rx.vstack(
                    rx.heading("Koppelingen", size="4", as_="h2"),
                    rx.text("API-sleutels voor uw praktijksoftware, documentatie en webhooks."),
                ),
                rx.spacer(),
                rx.link(rx.button("Koppelingen beheren"), href=routes.INTEGRATIONS),
                align="center",
                wrap="wrap",
            ),
            width="100%",
        ),
    )


def team_card() -> rx.Component:
    return rx.cond(
        SessionState.is_owner,
        rx.card(
            rx.hstack(
                rx.vstack(
                    rx.heading("Medewerkers", size="4", as_="h2"),
                    rx.text("Collega's uitnodigen, rollen en toegang beheren."),
                ),
                rx.spacer(),
                rx.link(rx.button("Medewerkers beheren"), href=routes.TEAM),
                align="center",
                wrap="wrap",
            ),
            width="100%",
        ),
    )


def webhooks_card() -> rx.Component:
    return rx.cond(
        SessionState.is_owner,
        rx.card(
            rx.hstack(
                rx.vstack(
                    rx.heading("Webhooks", size="4", as_="h2"),
                    rx.text("Uw praktijksoftware hoort het meteen als een plek gevuld is."),
                ),
                rx.spacer(),
                rx.link(rx.button("Webhooks beheren"), href=routes.WEBHOOKS),
                align="center",
                wrap="wrap",
            ),
            width="100%",
        ),
    )


@staff_page(
    routes.SETTINGS,
    "Instellingen",
    on_load=[
        PracticeSettingsState.load,
        MinuteValueState.load,
        SignupSettingsState.load,
        CalendarFeedState.load,
    ],
)
def settings() -> rx.Component:
    return rx.vstack(
        team_card(),
        webhooks_card(),
        integrations_card(),
        error_callout(PracticeSettingsState.error),  # type: ignore[arg-type]  # state var: a Var on the class, typed as its value (not declared rx.Field)
        details_card(),
        treatments_card(),
        practitioners_card(),
        outreach_card(),
        signup_card(),
        minute_value_card(),
        calendar_feed_card(),
        account_card(),
        spacing="4",
        max_width="820px",
    )
