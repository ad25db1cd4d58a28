"""The import dialog of the Wachtlijst page: template, upload, preview, confirm."""

from __future__ import annotations

import reflex as rx

from pakjeplekje import routes
from pakjeplekje.domain.waitlist import patient_csv
from pakjeplekje.ui.components.forms import error_callout
from pakjeplekje.ui.state.base import full_page_redirect
from pakjeplekje.ui.state.waitlist_import import ImportRow, ImportState, Problem

UPLOAD_ID = "wachtlijst-csv"
COLUMNS_HELP = (
    "Kolommen: " + ", ".join(patient_csv.HEADERS) + ". Scheidingsteken ; of , — UTF-8 of "
    "Windows-1252 (zoals Excel opslaat). Behandelingen en dagdelen scheidt u met |, "
    "bijvoorbeeld ma-ochtend|di-middag. Maximaal 5 MB en 20.000 rijen."
)


def _problem_row(problem: rx.vars.ObjectVar[Problem]) -> rx.Component:
    return rx.table.row(
        rx.table.cell(problem.row),
        rx.table.cell(problem.column),
        rx.table.cell(problem.message),
    )


def _import_row(row: rx.vars.ObjectVar[ImportRow]) -> rx.Component:
    return rx.table.row(
        rx.table.cell(row.name),
        rx.table.cell(row.phone, white_space="nowrap"),
        rx.table.cell(row.treatments),
        data_import_row=row.name,
    )


def first_rows() -> rx.Component:
    """What will be added, so a wrong column shows before anything is imported."""
    return rx.cond(
        ImportState.first_rows.length() > 0,  # type: ignore[attr-defined]  # state var: a Var on the class, typed as its value (not declared rx.Field)
        rx.vstack(
            rx.heading("Wordt geïmporteerd", size="3", as_="h3"),
            rx.table.root(
                rx.table.header(
                    rx.table.row(
                        rx.table.column_header_cell("Naam"),
                        rx.table.column_header_cell("Telefoon"),
                        rx.table.column_header_cell("Behandelingen"),
                    )
                ),
                rx.table.body(rx.foreach(ImportState.first_rows, _import_row)),
                size="1",
                width="100%",
                id="import-voorbeeld",
            ),
            rx.cond(
                ImportState.more_rows != "",
                rx.text(ImportState.more_rows, size="2", color_scheme="gray"),
            ),
            spacing="2",
            width="100%",
        ),
    )


def preview() -> rx.Component:
    return rx.vstack(
        rx.text(
            rx.text.strong(ImportState.file_name),
            ": ",
            ImportState.summary,
            id="import-samenvatting",
        ),
        first_rows(),
        rx.cond(
            ImportState.problems.length() > 0,  # type: ignore[attr-defined]  # state var: a Var on the class, typed as its value (not declared rx.Field)
            rx.box(
                rx.heading("Wordt overgeslagen", size="3", as_="h3"),
                rx.table.root(
                    rx.table.header(
                        rx.table.row(
                            rx.table.column_header_cell("Rij"),
                            rx.table.column_header_cell("Kolom"),
                            rx.table.column_header_cell("Probleem"),
                        )
                    ),
                    rx.table.body(rx.foreach(ImportState.problems, _problem_row)),
                    size="1",
                    id="import-problemen",
                ),
                max_height="260px",
                overflow_y="auto",
                width="100%",
            ),
        ),
        rx.text(
            "Rijen met fouten en dubbele nummers worden overgeslagen.",
            size="1",
            color_scheme="gray",
        ),
        rx.hstack(
            rx.button(
                "Annuleren", variant="soft", color_scheme="gray", on_click=ImportState.cancel
            ),
            rx.button(
                ImportState.import_label,
                on_click=ImportState.confirm,
                disabled=ImportState.ready == 0,
            ),
            justify="end",
            width="100%",
        ),
        spacing="3",
        width="100%",
    )


def upload_zone() -> rx.Component:
    return rx.vstack(
        rx.text(COLUMNS_HELP, size="2"),
        rx.button(
            "Sjabloon downloaden",
            variant="outline",
            size="1",
            on_click=full_page_redirect(routes.WAITLIST_TEMPLATE),
        ),
        rx.upload(
            rx.vstack(
                rx.icon("upload"),
                rx.text("Sleep een CSV-bestand hierheen of klik om te kiezen"),
                align="center",
            ),
            id=UPLOAD_ID,
            accept={"text/csv": [".csv"], "text/plain": [".txt"]},
            max_files=1,
            multiple=False,
            on_drop=ImportState.upload,
            border="2px dashed var(--gray-7)",
            border_radius="var(--radius-3)",
            padding="2em",
            width="100%",
            cursor="pointer",
        ),
        spacing="3",
        width="100%",
    )


def import_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.trigger(rx.button(rx.icon("file-up"), "Importeren", variant="soft")),
        rx.dialog.content(
            rx.hstack(
                rx.dialog.title("Patiënten importeren", margin="0"),
                rx.dialog.close(
                    rx.icon_button(
                        rx.icon("x"),
                        variant="ghost",
                        color_scheme="gray",
                        aria_label="Sluiten",
                        title="Sluiten",
                    )
                ),
                justify="between",
                align="center",
                width="100%",
                margin_bottom="1em",
            ),
            rx.vstack(
                error_callout(ImportState.error),  # type: ignore[arg-type]  # state var: a Var on the class, typed as its value (not declared rx.Field)
                rx.cond(ImportState.has_preview, preview(), upload_zone()),
                rx.cond(
                    ~ImportState.has_preview,
                    rx.hstack(
                        rx.dialog.close(rx.button("Sluiten", variant="soft", color_scheme="gray")),
                        justify="end",
                        width="100%",
                    ),
                ),
                spacing="3",
            ),
            max_width="720px",
        ),
        open=ImportState.dialog_open,
        on_open_change=ImportState.set_dialog_open,
    )
