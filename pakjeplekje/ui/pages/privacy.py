"""/privacy: the practice's privacy centre (AVG self-service)."""

from __future__ import annotations

import reflex as rx

from pakjeplekje import routes
from pakjeplekje.ui.components.forms import error_callout, field, submit_button
from pakjeplekje.ui.components.layout import section, staff_page
from pakjeplekje.ui.pages.privacy_audit import audit_log
from pakjeplekje.ui.pages.privacy_correction import bezwaar, correctie
from pakjeplekje.ui.state.privacy import DataCount, FlaggedRow, PrivacyState, RequestRow
from pakjeplekje.ui.state.privacy_audit import AuditLogState
from pakjeplekje.ui.state.privacy_correction import CorrectionState, ObjectionState
from pakjeplekje.ui.state.session import SessionState


def _count_row(row: rx.vars.ObjectVar[DataCount]) -> rx.Component:
    return rx.table.row(
        rx.table.cell(row.label, data_label="Gegevens"),
        rx.table.cell(row.rows, data_label="Aantal"),
        data_table=row.table,
    )


def inzage() -> rx.Component:
    return section(
        "Inzage",
        rx.text(
            "Dit bewaren wij over uw praktijk, uw medewerkers en uw wachtlijst. Wachtwoorden "
            "en toegangstokens bewaren wij alleen versleuteld (als hash)."
        ),
        rx.table.root(
            rx.table.header(
                rx.table.row(
                    rx.table.column_header_cell("Gegevens"),
                    rx.table.column_header_cell("Aantal"),
                )
            ),
            rx.table.body(rx.foreach(PrivacyState.counts, _count_row)),
            id="inzage",
            width="100%",
        ),
        id="sectie-inzage",
    )


def overdracht() -> rx.Component:
    return section(
        "Overdracht",
        rx.text(
            "Download alle gegevens van uw praktijk als ZIP: één JSON-bestand met een "
            "beschreven, geversioneerd formaat (schema.json) en één CSV-bestand per tabel."
        ),
        rx.cond(
            SessionState.is_owner,
            rx.button(
                rx.icon("download", size=16),
                "Download alle gegevens (ZIP)",
                on_click=PrivacyState.download,
                width="fit-content",
            ),
            rx.text("Alleen de eigenaar van de praktijk kan de export downloaden.", size="2"),
        ),
        id="sectie-overdracht",
    )


WRAP = {"white_space": "pre-wrap", "overflow_wrap": "anywhere"}


def _request_row(row: rx.vars.ObjectVar[RequestRow]) -> rx.Component:
    overdue = row.overdue
    return rx.table.row(
        rx.table.cell(
            rx.text(row.kind, weight="bold"),
            rx.text(row.subject, size="1"),
            rx.badge(row.status_label, margin_top="4px"),
            data_label="Verzoek",
        ),
        rx.table.cell(
            rx.text(row.requester, weight="medium", class_name="aanvrager"),
            rx.text(row.contact, size="2", class_name="aanvrager-contact", white_space="nowrap"),
            data_label="Van",
        ),
        rx.table.cell(
            rx.text("Ontvangen ", row.received, size="2", white_space="nowrap"),
            rx.hstack(
                rx.text("Uiterlijk ", row.due, size="2", white_space="nowrap"),
                rx.cond(overdue, rx.badge("Te laat", color_scheme="red")),
                spacing="2",
                wrap="wrap",
            ),
            data_label="Termijn",
        ),
        rx.table.cell(
            rx.text(row.message, size="2", class_name="verzoek-toelichting", style=WRAP),
            rx.text(row.resolution, size="1", color_scheme="gray", style=WRAP),
            min_width="12em",
            data_label="Toelichting",
        ),
        rx.table.cell(
            rx.form(
                rx.vstack(
                    rx.el.input(type="hidden", name="request_id", value=row.id),
                    rx.el.select(
                        rx.el.option("Afgehandeld", value="done"),
                        rx.el.option("Afwijzen", value="rejected"),
                        rx.el.option("Weer open", value="open"),
                        name="status",
                        aria_label="Nieuwe status",
                        class_name="pjp-native-select",
                    ),
                    rx.text_area(
                        name="resolution",
                        placeholder="Bij afwijzen verplicht",
                        aria_label="Toelichting",
                        rows="3",
                        resize="vertical",
                        width="100%",
                    ),
                    rx.button("Opslaan", size="1", type="submit"),
                    spacing="2",
                    width="100%",
                ),
                on_submit=PrivacyState.resolve,
                reset_on_submit=True,
                width="100%",
            ),
            min_width="13em",
        ),
        background=rx.cond(overdue, "var(--red-3)", "transparent"),
        data_overdue=rx.cond(overdue, "1", ""),
        class_name="verzoek",
    )


def verzoeken() -> rx.Component:
    return section(
        "Verzoeken",
        rx.text(
            "Privacyverzoeken van patiënten en medewerkers over uw praktijk. De AVG geeft u "
            "een maand (art. 12). Patiënten doen een verzoek via ",
            rx.el.a(routes.PRIVACY_REQUEST, href=routes.PRIVACY_REQUEST),
            ".",
        ),
        rx.cond(
            PrivacyState.requests.length() == 0,  # type: ignore[attr-defined]  # state var: a Var on the class, typed as its value (not declared rx.Field)
            rx.text("Geen verzoeken.", color_scheme="gray", id="geen-verzoeken"),
            rx.table.root(
                rx.table.header(
                    rx.table.row(
                        *[
                            rx.table.column_header_cell(h)
                            for h in ("Verzoek", "Van", "Termijn", "Toelichting", "Afhandelen")
                        ]
                    )
                ),
                rx.table.body(rx.foreach(PrivacyState.requests, _request_row)),
                width="100%",
                id="verzoeken",
                class_name="pjp-cards",
            ),
        ),
        id="sectie-verzoeken",
    )


def _flagged_row(row: rx.vars.ObjectVar[FlaggedRow]) -> rx.Component:
    return rx.table.row(
        rx.table.cell(row.name, data_label="Naam"),
        rx.table.cell(row.updated, data_label="Laatst gewijzigd"),
        rx.table.cell(row.removal, data_label="Verwijderd na"),
        rx.table.cell(
            rx.button(
                "Behouden",
                size="1",
                variant="soft",
                on_click=PrivacyState.keep_one(row.id),
                aria_label=f"Behouden: {row.name}",
            )
        ),
        class_name="ter-controle",
    )


def bewaartermijn() -> rx.Component:
    return rx.cond(
        PrivacyState.review_count > 0,
        rx.callout(
            rx.vstack(
                rx.hstack(
                    rx.text(PrivacyState.review_text, id="bewaartermijn-melding"),
                    rx.button("Allemaal behouden", size="1", on_click=PrivacyState.keep_flagged),
                    width="100%",
                    wrap="wrap",
                ),
                rx.table.root(
                    rx.table.header(
                        rx.table.row(
                            *[
                                rx.table.column_header_cell(h)
                                for h in ("Naam", "Laatst gewijzigd", "Verwijderd na", "")
                            ]
                        )
                    ),
                    rx.table.body(rx.foreach(PrivacyState.flagged, _flagged_row)),
                    size="1",
                    width="100%",
                    id="ter-controle",
                    class_name="pjp-cards",
                ),
                rx.cond(
                    PrivacyState.review_count > PrivacyState.flagged.length(),  # type: ignore[attr-defined]  # state var: a Var on the class, typed as its value (not declared rx.Field)
                    rx.text(
                        "De eerste ",
                        PrivacyState.flagged.length(),  # type: ignore[attr-defined]  # state var: a Var on the class, typed as its value (not declared rx.Field)
                        " staan hierboven; behoud of verwijder ze om de volgende te zien.",
                        size="1",
                    ),
                ),
                width="100%",
            ),
            icon="clock",
            color_scheme="amber",
            id="bewaartermijn",
        ),
    )


def verwijdering() -> rx.Component:
    return section(
        "Verwijdering",
        rx.text(
            "Verwijder het account van uw praktijk. Direct: niemand kan meer inloggen en er "
            "gaan geen SMS'jes meer uit. Na 30 dagen worden alle gegevens definitief gewist; "
            "tot dan kunt u het ongedaan maken via de link in de bevestigingsmail."
        ),
        error_callout(PrivacyState.deletion_error),  # type: ignore[arg-type]  # state var: a Var on the class, typed as its value (not declared rx.Field)
        rx.form(
            rx.vstack(
                field(
                    "Uw wachtwoord",
                    "password",
                    id="delete_password",
                    type_="password",
                    autocomplete="current-password",
                ),
                field(
                    "Typ de naam van de praktijk",
                    "practice_name",
                    id="delete_practice_name",
                    hint="Ter bevestiging.",
                ),
                rx.text(SessionState.practice_name, weight="bold", size="2"),
                rx.el.label(
                    rx.el.input(type="checkbox", name="immediately", id="delete_now"),
                    " Nu meteen definitief verwijderen (niet terug te draaien)",
                    html_for="delete_now",
                ),
                submit_button(
                    "Praktijkaccount verwijderen", color_scheme="red", width="auto", size="2"
                ),
                spacing="3",
                width="100%",
                max_width="420px",
            ),
            on_submit=PrivacyState.delete_practice,
        ),
        id="sectie-verwijdering",
    )


@staff_page(
    routes.PRIVACY,
    "Privacy",
    on_load=[
        PrivacyState.load,
        CorrectionState.load,
        ObjectionState.load,
        AuditLogState.load,
    ],
)
def privacy() -> rx.Component:
    return rx.vstack(
        error_callout(PrivacyState.error),  # type: ignore[arg-type]  # state var: a Var on the class, typed as its value (not declared rx.Field)
        bewaartermijn(),
        inzage(),
        overdracht(),
        correctie(),
        bezwaar(),
        verzoeken(),
        rx.cond(SessionState.is_owner, audit_log()),
        rx.cond(SessionState.is_owner, verwijdering()),
        rx.text(
            "Hoe wij met gegevens omgaan leest u in het ",
            rx.link("privacybeleid", href=routes.PRIVACY_POLICY),
            ".",
            size="2",
        ),
        spacing="4",
        width="100%",
        max_width="900px",
    )
