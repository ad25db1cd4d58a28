"""Resultaten: per week or month what the waitlist filled, how fast, with how many texts, and
what it was worth; charts, a table and the CSV download. Definitions: domain/results.py."""

from __future__ import annotations

import reflex as rx

from pakjeplekje import routes
from pakjeplekje.domain import results
from pakjeplekje.ui.components.layout import staff_page
from pakjeplekje.ui.state.results import ResultRow, ResultsState

TEAL_9, GREEN_9 = "#12a594", "#30a46c"  # Radix Themes teal-9 and green-9
COLUMNS = (
    ("Periode", "label"),
    ("Vrijgegeven", "released"),
    ("Gevuld via wachtlijst", "filled"),
    ("Vulgraad", "fill_rate"),
    ("Mediane tijd tot gevuld", "median"),
    ("SMS per gevulde plek", "sms_per_fill"),
    ("Teleurgestelde klikkers", "disappointed"),
    ("Nee-antwoorden", "declined"),
    ("Teruggewonnen", "recovered"),
)


def _unit_button(label: str, unit: str) -> rx.Component:
    chosen = ResultsState.unit == unit
    return rx.button(
        label,
        variant=rx.cond(chosen, "solid", "soft"),
        aria_pressed=rx.cond(chosen, "true", "false"),
        on_click=ResultsState.set_unit(unit),
        id=f"per-{unit}",
    )


def _row(row: rx.vars.ObjectVar[ResultRow]) -> rx.Component:
    return rx.table.row(
        *[
            rx.table.cell(
                getattr(row, name),
                data_label=header,
                data_figure=name,
                white_space="nowrap" if name == "recovered" else None,
            )
            for header, name in COLUMNS
        ],
        data_period=row.key,
    )


def _chart(title: str, data_key: str, unit: str, color: str, chart_id: str) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading(title, size="3", as_="h3"),
            rx.recharts.bar_chart(
                rx.recharts.cartesian_grid(stroke_dasharray="3 3"),
                rx.recharts.x_axis(data_key="periode"),
                rx.recharts.y_axis(unit=unit),
                rx.recharts.graphing_tooltip(),
                # a colour, not a CSS variable: SVG presentation attributes do not resolve var()
                rx.recharts.bar(
                    data_key=data_key,
                    fill=color,
                    name=title,
                    unit=unit,
                    is_animation_active=False,
                ),
                data=ResultsState.chart,
                height=240,
            ),
            spacing="2",
            width="100%",
        ),
        id=chart_id,
        flex="1 1 22rem",
    )


def _empty() -> rx.Component:
    return rx.callout(
        rx.text(
            "Nog geen resultaten: er is nog geen plek vrijgegeven. Zegt een patiënt af? ",
            rx.link("Geef de plek vrij", href=routes.SLOTS),
            " en hier ziet u per week en per maand hoeveel plekken de wachtlijst vult en wat "
            "dat oplevert.",
        ),
        icon="info",
        id="resultaten-leeg",
    )


def _figures() -> rx.Component:
    return rx.vstack(
        rx.flex(
            _chart("Vulgraad", "vulgraad", " %", TEAL_9, "grafiek-vulgraad"),
            _chart("Teruggewonnen", "euro", " €", GREEN_9, "grafiek-euro"),
            spacing="4",
            wrap="wrap",
            width="100%",
        ),
        rx.table.root(
            rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h, _ in COLUMNS])),
            rx.table.body(rx.foreach(ResultsState.rows, _row)),
            width="100%",
            id="resultaten-tabel",
            class_name="pjp-cards",
        ),
        rx.text(
            "Elke plek telt in de periode waarin hij is vrijgegeven. Vulgraad: gevuld via de "
            "wachtlijst gedeeld door vrijgegeven. SMS per gevulde plek: verstuurde aanbiedingen "
            "gedeeld door gevulde plekken. Teleurgestelde klikkers: patiënten die de link "
            "openden en de plek aan een ander zagen gaan. Teruggewonnen: de minuten van de "
            "gevulde plekken maal de waarde per behandelminuut (Instellingen).",
            size="1",
            color_scheme="gray",
        ),
        spacing="4",
        width="100%",
    )


@staff_page(routes.RESULTS, "Resultaten", on_load=[ResultsState.load])
def results_page() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.hstack(
                _unit_button("Week", results.WEEK),
                _unit_button("Maand", results.MONTH),
                spacing="2",
                role="group",
                aria_label="Per week of per maand",
            ),
            rx.spacer(),
            rx.button(
                rx.icon("download", size=16),
                "CSV downloaden",
                variant="outline",
                on_click=ResultsState.download_csv,
                id="resultaten-csv",
            ),
            width="100%",
            align="center",
            wrap="wrap",
        ),
        rx.cond(ResultsState.has_slots, _figures(), _empty()),
        spacing="4",
        width="100%",
    )
