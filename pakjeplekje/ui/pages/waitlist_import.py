"""The import dialog of the Wachtlijst page: template, upload, preview, confirm."""

from __future__ import annotations

import reflex as rx

from pakjeplekje.domain.waitlist import patient_csv
from pakjeplekje.ui.components.forms import error_callout
from pakjeplekje.ui.state.base import full_page_redirect
from pakjeplekje.ui.state.waitlist_import import ImportState as I

UPLOAD_ID = "wachtlijst-csv"
COLUMNS_HELP = (
    "Kolommen: " + ", ".join(patient_csv.HEADERS) + ". Scheidingsteken ; of , — UTF-8 of "
    "Windows-1252 (zoals Excel opslaat). Behandelingen en dagdelen scheidt u met |, "
    "bijvoorbeeld ma-ochtend|di-middag. Maximaal 5 MB en 20.000 rijen."
)


def _problem_row(problem: rx.vars.ObjectVar[dict[str, str]]) -> rx.Component:
    return rx.table.row(
        rx.table.cell(problem["row"]),
        rx.table.cell(problem["column"]),
        rx.table.cell(problem["message"]),
    )


def preview() -> rx.Component:
    return rx.vstack(
        rx.text(
            rx.text.strong(I.file_name),
            ": ",
            I.ready,
            " rij(en) klaar om te importeren, ",
            I.error_rows,
            " met fouten, ",
            I.duplicates,
            " dubbel.",
            id="import-samenvatting",
        ),
        rx.cond(
            I.problems.length() > 0,  # type: ignore[attr-defined]  # state var: a Var on the class, typed as its value (not declared rx.Field)
            rx.box(
                rx.table.root(
                    rx.table.header(
                        rx.table.row(
                            rx.table.column_header_cell("Rij"),
                            rx.table.column_header_cell("Kolom"),
                            rx.table.column_header_cell("Probleem"),
                        )
                    ),
                    rx.table.body(rx.foreach(I.problems, _problem_row)),
                    size="1",
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
            rx.button("Annuleren", variant="soft", color_scheme="gray", on_click=I.cancel),
            rx.button(
                "Importeer ", I.ready, " patiënt(en)", on_click=I.confirm, disabled=I.ready == 0
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
            on_click=full_page_redirect("/api/wachtlijst/sjabloon.csv"),
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
            on_drop=I.upload,
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
            rx.dialog.title("Patiënten importeren"),
            rx.vstack(
                error_callout(I.error),  # type: ignore[arg-type]  # state var: a Var on the class, typed as its value (not declared rx.Field)
                rx.cond(I.has_preview, preview(), upload_zone()),
                spacing="3",
            ),
            max_width="720px",
        ),
        open=I.dialog_open,
        on_open_change=I.set_dialog_open,
    )
