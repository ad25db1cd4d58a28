"""/privacy section for owners: the audit log with filters, one page at a time."""

from __future__ import annotations

import reflex as rx

from pakjeplekje.domain.privacy.audit_log import KINDS
from pakjeplekje.ui.components.forms import error_callout
from pakjeplekje.ui.components.layout import section
from pakjeplekje.ui.state.privacy_audit import AuditLogState, AuditRow


def _audit_row(row: rx.vars.ObjectVar[AuditRow]) -> rx.Component:
    return rx.table.row(
        rx.table.cell(row.when, white_space="nowrap", data_label="Wanneer"),
        rx.table.cell(row.who, data_label="Wie"),
        rx.table.cell(row.what, data_label="Wat"),
        rx.table.cell(row.record, data_label="Record"),
        rx.table.cell(rx.text(row.detail, size="1"), data_label="Toelichting"),
        class_name="audit-rij",
    )


def _plain_select(label: str, name: str, options: list[rx.Component]) -> rx.Component:
    return rx.vstack(
        rx.el.label(label, html_for=f"audit-{name}", class_name="pjp-label"),
        rx.el.select(*options, id=f"audit-{name}", name=name, class_name="pjp-native-select"),
        spacing="1",
        width="100%",
    )


def audit_log() -> rx.Component:
    kinds = [rx.el.option("Alle soorten", value="")] + [
        rx.el.option(label, value=key) for key, (label, _) in KINDS.items()
    ]
    users = [
        rx.el.option("Iedereen", value=""),
        rx.foreach(AuditLogState.staff, lambda u: rx.el.option(u.name, value=u.id)),
    ]
    return section(
        "Audit-log",
        rx.text(
            "Wie deed wat met welk record, en wanneer (Nederlandse tijd). Het log bevat alleen "
            "nummers van records, nooit de gegevens zelf."
        ),
        rx.form(
            rx.el.div(
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
                rx.button("Filteren", type="submit", width="fit-content"),
                class_name="pjp-filter-grid",
            ),
            width="100%",
            on_submit=AuditLogState.apply,
        ),
        error_callout(AuditLogState.error),  # type: ignore[arg-type]  # state var: a Var on the class, typed as its value (not declared rx.Field)
        rx.text(AuditLogState.total_label, size="2", id="audit-totaal"),
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
            class_name="pjp-cards",
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
