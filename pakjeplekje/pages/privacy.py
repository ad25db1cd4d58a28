"""/privacy: the practice's privacy centre (AVG self-service)."""

from __future__ import annotations

import reflex as rx

from pakjeplekje import routes
from pakjeplekje.components.forms import error_callout
from pakjeplekje.components.layout import staff_page
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


@staff_page(routes.PRIVACY, "Privacy", on_load=[PrivacyState.load])
def privacy() -> rx.Component:
    return rx.vstack(
        error_callout(PrivacyState.error),
        inzage(),
        overdracht(),
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
