"""/privacy: the practice's privacy centre (AVG self-service)."""

from __future__ import annotations

import reflex as rx

from pakjeplekje import routes
from pakjeplekje.components.forms import error_callout, field, submit_button
from pakjeplekje.components.layout import staff_page
from pakjeplekje.domain.audit_log import KINDS
from pakjeplekje.state.audit_log import AuditLogState
from pakjeplekje.state.correction import CorrectionState, ObjectionState
from pakjeplekje.state.privacy import PrivacyState
from pakjeplekje.state.session import SessionState


def _section(title: str, *children: rx.Component, **props) -> rx.Component:  # type: ignore[no-untyped-def]
    return rx.card(
        rx.vstack(rx.heading(title, size="4", as_="h2"), *children, spacing="3", width="100%"),
        width="100%",
        **props,
    )


def inzage() -> rx.Component:
    return _section(
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
            rx.table.body(
                rx.foreach(
                    PrivacyState.counts,
                    lambda row: rx.table.row(
                        rx.table.cell(row["label"]),
                        rx.table.cell(row["rows"]),
                        data_table=row["table"],
                    ),
                )
            ),
            id="inzage",
            width="100%",
        ),
        id="sectie-inzage",
    )


def overdracht() -> rx.Component:
    return _section(
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


def _request_row(row: rx.Var[dict[str, str]]) -> rx.Component:
    overdue = row["overdue"] != ""
    return rx.table.row(
        rx.table.cell(rx.text(row["kind"], weight="bold"), rx.text(row["subject"], size="1")),
        rx.table.cell(row["received"]),
        rx.table.cell(
            rx.hstack(
                rx.text(row["due"]),
                rx.cond(overdue, rx.badge("Te laat", color_scheme="red")),
                spacing="2",
            )
        ),
        rx.table.cell(rx.badge(row["status_label"])),
        rx.table.cell(rx.text(row["message"], size="2"), rx.text(row["resolution"], size="1")),
        rx.table.cell(
            rx.form(
                rx.hstack(
                    rx.el.input(type="hidden", name="request_id", value=row["id"]),
                    rx.el.select(
                        rx.el.option("Afgehandeld", value="done"),
                        rx.el.option("Afwijzen", value="rejected"),
                        rx.el.option("Weer open", value="open"),
                        name="status",
                        aria_label="Nieuwe status",
                    ),
                    rx.input(name="resolution", placeholder="Toelichting", size="1"),
                    rx.button("Opslaan", size="1", type="submit"),
                    spacing="2",
                ),
                on_submit=PrivacyState.resolve,
                reset_on_submit=True,
            )
        ),
        background=rx.cond(overdue, "var(--red-3)", "transparent"),
        data_overdue=row["overdue"],
        class_name="verzoek",
    )


def verzoeken() -> rx.Component:
    return _section(
        "Verzoeken",
        rx.text(
            "Privacyverzoeken van patiënten en medewerkers over uw praktijk. De AVG geeft u "
            "een maand (art. 12). Patiënten doen een verzoek via ",
            rx.el.a("/privacy/verzoek", href="/privacy/verzoek"),
            ".",
        ),
        rx.cond(
            PrivacyState.requests.length() == 0,
            rx.text("Geen verzoeken.", color_scheme="gray", id="geen-verzoeken"),
            rx.table.root(
                rx.table.header(
                    rx.table.row(
                        *[
                            rx.table.column_header_cell(h)
                            for h in ("Verzoek", "Ontvangen", "Uiterlijk", "Status", "Inhoud", "")
                        ]
                    )
                ),
                rx.table.body(rx.foreach(PrivacyState.requests, _request_row)),
                width="100%",
                id="verzoeken",
            ),
        ),
        id="sectie-verzoeken",
    )


def _flagged_row(row: rx.Var[dict[str, str]]) -> rx.Component:
    return rx.table.row(
        rx.table.cell(row["name"]),
        rx.table.cell(row["updated"]),
        rx.table.cell(row["removal"]),
        rx.table.cell(
            rx.button(
                "Behouden",
                size="1",
                variant="soft",
                on_click=PrivacyState.keep_one(row["id"]),
                aria_label="Behouden: " + row["name"],
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
                    rx.text(
                        PrivacyState.review_count,
                        " inschrijving(en) op de wachtlijst zijn lang niet gewijzigd. Een maand "
                        "na de melding worden ze automatisch verwijderd, tenzij u ze behoudt.",
                    ),
                    rx.button("Allemaal behouden", size="1", on_click=PrivacyState.keep_flagged),
                    width="100%",
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
                    id="ter-controle",
                ),
                rx.cond(
                    PrivacyState.review_count > PrivacyState.flagged.length(),
                    rx.text(
                        "De eerste ",
                        PrivacyState.flagged.length(),
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
    return _section(
        "Verwijdering",
        rx.text(
            "Verwijder het account van uw praktijk. Direct: niemand kan meer inloggen en er "
            "gaan geen SMS'jes meer uit. Na 30 dagen worden alle gegevens definitief gewist; "
            "tot dan kunt u het ongedaan maken via de link in de bevestigingsmail."
        ),
        error_callout(PrivacyState.deletion_error),
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


def _form(on_submit, *children: rx.Component) -> rx.Component:  # type: ignore[no-untyped-def]
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
        error_callout(c.practice_error),
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
        error_callout(c.name_error),
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
        error_callout(c.email_error),
        submit_button("Bevestigingslink sturen", width="auto", size="2"),
    )
    return _section(
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
                key=f"{name}-" + ObjectionState.version.to_string(),
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
    return _section(
        "Bezwaar",
        rx.text(
            "Naast wat nodig is voor de dienst (SMS'jes, inloggen, betalen) doen wij twee "
            "dingen die u mag weigeren. Haal het vinkje weg en sla op."
        ),
        rx.form(
            rx.vstack(
                _choice(
                    "product_emails",
                    ObjectionState.product_emails,
                    "Productmails",
                    "Eén keer per maand een overzicht voor de eigenaar: hoeveel plekken zijn "
                    "vrijgegeven en gevuld, en hoeveel SMS'jes er zijn verstuurd. "
                    "Servicemails (uitnodigingen, wachtwoordlinks) krijgt u altijd.",
                ),
                _choice(
                    "usage_statistics",
                    ObjectionState.usage_statistics,
                    "Anonieme gebruiksstatistieken",
                    "Uw praktijk telt mee in dagtotalen over alle deelnemende praktijken "
                    "(plekken, vullingen, SMS'jes), zonder praktijknaam of persoonsgegevens, "
                    "en alleen als er minstens 3 praktijken meetellen.",
                ),
                error_callout(ObjectionState.error),
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


def _audit_row(row: rx.Var[dict[str, str]]) -> rx.Component:
    return rx.table.row(
        rx.table.cell(row["when"], white_space="nowrap"),
        rx.table.cell(row["who"]),
        rx.table.cell(row["what"]),
        rx.table.cell(row["record"]),
        rx.table.cell(rx.text(row["detail"], size="1")),
        class_name="audit-rij",
    )


def _plain_select(label: str, name: str, options: list[rx.Component]) -> rx.Component:
    return rx.vstack(
        rx.el.label(label, html_for=f"audit-{name}", class_name="pjp-label"),
        rx.el.select(*options, id=f"audit-{name}", name=name, style={"padding": "6px"}),
        spacing="1",
    )


def audit_log() -> rx.Component:
    kinds = [rx.el.option("Alle soorten", value="")] + [
        rx.el.option(label, value=key) for key, (label, _) in KINDS.items()
    ]
    users = [
        rx.el.option("Iedereen", value=""),
        rx.foreach(AuditLogState.staff, lambda u: rx.el.option(u["name"], value=u["id"])),
    ]
    return _section(
        "Audit-log",
        rx.text(
            "Wie deed wat met welk record, en wanneer (Nederlandse tijd). Het log bevat alleen "
            "nummers van records, nooit de gegevens zelf."
        ),
        rx.form(
            rx.hstack(
                rx.vstack(
                    rx.el.label("Van", html_for="audit-from", class_name="pjp-label"),
                    rx.input(type="date", id="audit-from", name="date_from"),
                    spacing="1",
                ),
                rx.vstack(
                    rx.el.label("Tot en met", html_for="audit-to", class_name="pjp-label"),
                    rx.input(type="date", id="audit-to", name="date_to"),
                    spacing="1",
                ),
                _plain_select("Soort", "kind", kinds),
                _plain_select("Medewerker", "user", users),
                rx.button("Filteren", type="submit"),
                align="end",
                wrap="wrap",
                spacing="3",
            ),
            on_submit=AuditLogState.apply,
        ),
        error_callout(AuditLogState.error),
        rx.text(AuditLogState.total, " gebeurtenis(sen)", size="2", id="audit-totaal"),
        rx.table.root(
            rx.table.header(
                rx.table.row(
                    *[
                        rx.table.column_header_cell(h)
                        for h in ("Wanneer", "Wie", "Wat", "Record", "Toelichting")
                    ]
                )
            ),
            rx.table.body(rx.foreach(AuditLogState.rows, _audit_row)),
            width="100%",
            size="1",
            id="audit-log",
        ),
        rx.hstack(
            rx.button(
                "Vorige",
                size="1",
                variant="soft",
                disabled=AuditLogState.page <= 1,
                on_click=AuditLogState.go_to_page(AuditLogState.page - 1),
            ),
            rx.text(
                "Pagina ",
                AuditLogState.page,
                " van ",
                AuditLogState.pages,
                size="2",
                id="audit-pagina",
            ),
            rx.button(
                "Volgende",
                size="1",
                variant="soft",
                disabled=AuditLogState.page >= AuditLogState.pages,
                on_click=AuditLogState.go_to_page(AuditLogState.page + 1),
            ),
            align="center",
        ),
        id="sectie-audit",
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
        error_callout(PrivacyState.error),
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
