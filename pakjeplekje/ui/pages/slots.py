"""Plekken: give a freed slot to the waitlist, and watch it fill."""

from __future__ import annotations

import reflex as rx

from pakjeplekje import routes
from pakjeplekje.domain.offers import SlotStatus
from pakjeplekje.ui.components.email_confirmation import email_confirmation_callout
from pakjeplekje.ui.components.forms import (
    error_callout,
    field,
    form_row,
    labelled,
    submit_button,
)
from pakjeplekje.ui.components.layout import staff_page
from pakjeplekje.ui.state.email_confirmation import EmailConfirmationState
from pakjeplekje.ui.state.rows import Choice
from pakjeplekje.ui.state.slots import PERIODS, Match, OfferLine, SlotCard, SlotsState


def _native(name: str, label: str, items: rx.Var[list[Choice]], placeholder: str) -> rx.Component:
    select = rx.el.select(
        rx.el.option(placeholder, value=""),
        rx.foreach(items, lambda i: rx.el.option(i.name, value=i.id)),
        id=name,
        name=name,
        class_name="pjp-native-select",
    )
    return labelled(label, select, name)


def slot_form() -> rx.Component:
    return rx.card(
        rx.form(
            rx.vstack(
                rx.heading("Plek vrijgeven", size="4", as_="h2"),
                form_row(
                    field("Datum", "day", type_="date", required=True),
                    field("Begintijd", "start", type_="time", required=True),
                    field(
                        "Duur (minuten)",
                        "duration",
                        type_="number",
                        default_value="30",
                        min=5,
                        max=240,
                        required=True,
                    ),
                    columns=3,
                ),
                form_row(
                    _native(
                        "treatment",
                        "Behandeling",
                        SlotsState.treatments,  # type: ignore[arg-type]  # state var: a Var on the class, typed as its value (not declared rx.Field)
                        "Kies een behandeling",
                    ),
                    _native(
                        "practitioner",
                        "Behandelaar",
                        SlotsState.practitioners,  # type: ignore[arg-type]  # state var: a Var on the class, typed as its value (not declared rx.Field)
                        "Maakt niet uit",
                    ),
                    columns=3,
                ),
                error_callout(SlotsState.error),  # type: ignore[arg-type]  # state var: a Var on the class, typed as its value (not declared rx.Field)
                submit_button("Bekijk wie er past", size="2", width="auto"),
                spacing="3",
                width="100%",
            ),
            on_submit=SlotsState.preview,
            # mounted empty (page opened or reloaded, or a new key after a send): no preview
            # left of an earlier form. A websocket reconnect remounts nothing and keeps it.
            on_mount=SlotsState.cancel_preview,
            key=SlotsState.form_key,
            id="plek-formulier",
        ),
        width="100%",
    )


def _match(m: rx.vars.ObjectVar[Match]) -> rx.Component:
    return rx.table.row(
        rx.table.cell(m.name),
        rx.table.cell(rx.cond(m.urgent, rx.badge("urgent", color_scheme="red"), "")),
        rx.table.cell("wacht sinds ", m.since),
        rx.table.cell(m.recent),
    )


def preview_card() -> rx.Component:
    return rx.cond(
        SlotsState.previewing,
        rx.card(
            rx.vstack(
                rx.heading(
                    SlotsState.match_heading,
                    size="4",
                    as_="h2",
                    id="aantal-kandidaten",
                ),
                rx.text(
                    "Golven: ",
                    SlotsState.wave_plan,
                    ". De volgorde: urgentie, dan wie het langst "
                    "wacht, dan wie deze week de minste aanbiedingen kreeg.",
                ),
                rx.table.root(
                    rx.table.body(rx.foreach(SlotsState.matches, _match)),
                    size="1",
                    width="100%",
                    class_name="pjp-cards",
                ),
                rx.hstack(
                    rx.button(
                        "Annuleren",
                        variant="soft",
                        color_scheme="gray",
                        on_click=SlotsState.cancel_preview,
                    ),
                    rx.button(
                        "Verstuur de SMS'jes",
                        on_click=SlotsState.open_slot,
                        disabled=SlotsState.match_total == 0,
                    ),
                    spacing="3",
                    wrap="wrap",
                ),
                spacing="3",
                width="100%",
            ),
            width="100%",
        ),
    )


_SCREEN_READER_ONLY = {
    "position": "absolute",
    "width": "1px",
    "height": "1px",
    "overflow": "hidden",
    "clipPath": "inset(50%)",
    "whiteSpace": "nowrap",
}


def _offer(o: rx.vars.ObjectVar[OfferLine]) -> rx.Component:
    """One line per patient: the name, then its status; read aloud and copied as a line."""
    return rx.el.li(
        rx.text(o.name, size="2", as_="span"),
        rx.el.span(": ", style=_SCREEN_READER_ONLY),  # copied and read aloud as "naam: status"
        rx.badge(o.status, size="1"),
        rx.cond(
            o.reason != "",
            rx.text("Waarom: ", o.reason, size="1", color_scheme="gray", as_="span"),
        ),
        data_offer=o.name,
        style={"display": "flex", "alignItems": "center", "gap": "0.5em", "flexWrap": "wrap"},
    )


def _slot(row: rx.vars.ObjectVar[SlotCard]) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.heading(row.when, size="3", as_="h3"),
                rx.text(row.duration, " min · ", row.treatment),
                rx.badge(
                    row.status_label,
                    color_scheme=rx.cond(row.status == SlotStatus.CLAIMED.value, "green", "gray"),
                ),
                rx.spacer(),
                rx.cond(
                    row.status == SlotStatus.OPEN.value,
                    rx.hstack(
                        rx.button(
                            "Zelf ingevuld",
                            size="1",
                            variant="soft",
                            on_click=SlotsState.close(row.id, "zelf_ingevuld"),
                        ),
                        rx.button(
                            "Gaat niet door",
                            size="1",
                            variant="soft",
                            color_scheme="red",
                            on_click=SlotsState.close(row.id, "gaat_niet_door"),
                        ),
                        wrap="wrap",
                    ),
                ),
                rx.cond(
                    row.status == SlotStatus.CLAIMED.value,
                    rx.button(
                        "Opnieuw vrijgeven",
                        size="1",
                        variant="soft",
                        title="De patiënt komt toch niet: de plek gaat terug naar de wachtlijst.",
                        on_click=SlotsState.reopen(row.id),
                    ),
                ),
                align="center",
                width="100%",
                wrap="wrap",
            ),
            rx.cond(
                row.winner != "",
                rx.text(
                    "Gevuld door ",
                    rx.text.strong(row.winner),
                    ", ",
                    row.fill,
                    " na het vrijgeven",
                    class_name="gevuld",
                ),
            ),
            rx.cond(
                row.offers.length() > 0,
                rx.el.ul(
                    rx.foreach(row.offers, _offer),
                    aria_label="SMS'jes",
                    style={
                        "listStyle": "none",
                        "margin": 0,
                        "padding": 0,
                        "display": "grid",
                        "gridTemplateColumns": "repeat(auto-fill, minmax(16em, 1fr))",
                        "gap": "0.5em 1.5em",
                    },
                    width="100%",
                ),
            ),
            spacing="2",
        ),
        width="100%",
        data_slot=row.id,
    )


@staff_page(routes.SLOTS, "Plekken", on_load=[SlotsState.load, EmailConfirmationState.load])
def slots_page() -> rx.Component:
    return rx.vstack(
        email_confirmation_callout(),
        slot_form(),
        preview_card(),
        rx.hstack(
            rx.heading("Vrijgegeven plekken", size="4", as_="h2"),
            rx.spacer(),
            rx.select.root(
                rx.select.trigger(aria_label="Periode"),
                rx.select.content(
                    *[rx.select.item(label, value=key) for key, label in PERIODS.items()]
                ),
                value=SlotsState.period,
                on_change=SlotsState.set_period,
            ),
            width="100%",
            align="center",
            wrap="wrap",
        ),
        rx.cond(
            SlotsState.rows.length() == 0,  # type: ignore[attr-defined]  # state var: a Var on the class, typed as its value (not declared rx.Field)
            rx.text("Nog geen plekken vrijgegeven.", color_scheme="gray"),
        ),
        rx.foreach(SlotsState.rows, _slot),
        spacing="4",
        width="100%",
        max_width="900px",
    )
