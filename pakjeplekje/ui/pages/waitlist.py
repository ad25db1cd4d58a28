"""Wachtlijst: the grid staff live in, and the dialog to add or edit a patient."""

from __future__ import annotations

import reflex as rx

from pakjeplekje import routes
from pakjeplekje.domain.waitlist import patients
from pakjeplekje.ui.components.forms import (
    error_callout,
    field_message,
    form_row,
    labelled,
    submit_button,
)
from pakjeplekje.ui.components.layout import staff_page
from pakjeplekje.ui.pages.waitlist_import import import_dialog
from pakjeplekje.ui.state.waitlist import PatientRow, WaitlistState

ALL = "alle"


def _select(
    label: str, name: str, value: rx.Var[str], items: list[tuple[str, str]]
) -> rx.Component:
    return rx.vstack(
        rx.text(label, size="1", color_scheme="gray"),
        rx.select.root(
            rx.select.trigger(aria_label=label, min_width="130px"),
            rx.select.content(*[rx.select.item(text, value=key) for key, text in items]),
            value=value,
            on_change=lambda v: WaitlistState.set_filter(name, v),
        ),
        spacing="1",
    )


def _treatment_filter() -> rx.Component:
    return rx.vstack(
        rx.text("Behandeling", size="1", color_scheme="gray"),
        rx.select.root(
            rx.select.trigger(aria_label="Behandeling", min_width="150px"),
            rx.select.content(
                rx.select.item("Alle behandelingen", value=ALL),
                rx.foreach(WaitlistState.treatments, lambda t: rx.select.item(t.name, value=t.id)),
            ),
            value=WaitlistState.treatment,
            on_change=lambda v: WaitlistState.set_filter("treatment", v),
        ),
        spacing="1",
    )


def toolbar() -> rx.Component:
    days = [(ALL, "Alle dagen")] + [(str(i), d) for i, d in enumerate(patients.DAY_NAMES)]
    return rx.el.div(
        rx.vstack(
            rx.text("Zoeken", size="1", color_scheme="gray"),
            rx.input(
                placeholder="Naam of telefoonnummer",
                value=WaitlistState.search,
                on_change=WaitlistState.set_search,
                debounce_timeout=300,
                aria_label="Zoeken op naam of telefoonnummer",
            ),
            spacing="1",
            class_name="pjp-wide",
        ),
        _treatment_filter(),
        _select(
            "Urgentie",
            "urgency",
            WaitlistState.urgency,  # type: ignore[arg-type]  # state var: a Var on the class, typed as its value (not declared rx.Field)
            [(ALL, "Alle"), *patients.URGENCIES.items()],
        ),
        _select(
            "Status",
            "status",
            WaitlistState.status,  # type: ignore[arg-type]  # state var: a Var on the class, typed as its value (not declared rx.Field)
            [*patients.STATUSES.items(), (ALL, "Alle")],
        ),
        _select("Dag", "day", WaitlistState.day, days),  # type: ignore[arg-type]  # state var: a Var on the class, typed as its value (not declared rx.Field)
        rx.hstack(
            _select(
                "Sorteren op",
                "sort",
                WaitlistState.sort,  # type: ignore[arg-type]  # state var: a Var on the class, typed as its value (not declared rx.Field)
                [
                    ("added", "Toegevoegd"),
                    ("name", "Naam"),
                    ("urgency", "Urgentie"),
                    ("last_offer", "Laatste aanbod"),
                ],
            ),
            rx.button(
                rx.cond(
                    WaitlistState.descending,
                    rx.icon("arrow-down-wide-narrow"),
                    rx.icon("arrow-up-narrow-wide"),
                ),
                variant="soft",
                on_click=WaitlistState.toggle_direction,
                aria_label=rx.cond(
                    WaitlistState.descending, "Aflopend gesorteerd", "Oplopend gesorteerd"
                ),
            ),
            align="end",
            spacing="2",
            class_name="pjp-grow-first",
        ),
        rx.cond(
            WaitlistState.filtered,
            rx.button(
                "Filters wissen",
                variant="ghost",
                on_click=WaitlistState.reset_filters,
                align_self="end",
                width="fit-content",
            ),
        ),
        class_name="pjp-filter-grid",
    )


def _row(row: rx.vars.ObjectVar[PatientRow]) -> rx.Component:
    return rx.table.row(
        rx.table.cell(
            rx.link(
                row.name, on_click=WaitlistState.open_edit(row.id), href="#", underline="hover"
            ),
            data_label="Naam",
        ),
        rx.table.cell(row.phone, white_space="nowrap", data_label="Mobiel"),
        rx.table.cell(row.treatments, data_label="Behandelingen"),
        rx.table.cell(row.duration, " min", white_space="nowrap", data_label="Duur"),
        rx.table.cell(row.availability, max_width="220px", data_label="Beschikbaar"),
        rx.table.cell(
            rx.badge(row.urgency_label, color_scheme=rx.cond(row.urgency == "hoog", "red", "gray")),
            data_label="Urgentie",
        ),
        rx.table.cell(
            rx.vstack(
                rx.text(row.status_label),
                rx.cond(
                    row.sms_problem != "",
                    rx.badge(row.sms_problem, color_scheme="orange", class_name="sms-probleem"),
                ),
                spacing="1",
            ),
            data_label="Status",
        ),
        rx.table.cell(row.added, data_label="Toegevoegd"),
        rx.table.cell(row.last_offer, data_label="Laatste aanbod"),
        rx.table.cell(
            rx.hstack(
                rx.cond(
                    row.status == "pending",
                    rx.hstack(
                        rx.button(
                            "Accepteren",
                            size="1",
                            on_click=WaitlistState.accept_signup(row.id),
                        ),
                        rx.button(
                            "Weigeren",
                            size="1",
                            variant="soft",
                            color_scheme="red",
                            title="Weigeren wist de gegevens van deze aanmelding",
                            on_click=WaitlistState.refuse_signup(row.id),
                        ),
                        spacing="2",
                    ),
                    rx.cond(
                        row.status != "removed",
                        rx.button(
                            "Verwijderen",
                            size="1",
                            variant="soft",
                            color_scheme="red",
                            on_click=WaitlistState.remove(row.id),
                        ),
                    ),
                ),
                spacing="2",
            )
        ),
        data_patient=row.name,
    )


def grid() -> rx.Component:
    headers = [
        "Naam",
        "Mobiel",
        "Behandelingen",
        "Duur",
        "Beschikbaar",
        "Urgentie",
        "Status",
        "Toegevoegd",
        "Laatste aanbod",
        "",
    ]
    return rx.box(
        rx.table.root(
            rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in headers])),
            rx.table.body(rx.foreach(WaitlistState.rows, _row)),
            width="100%",
            variant="surface",
            size="1",
            class_name="pjp-cards",
        ),
        width="100%",
        overflow_x="auto",
    )


def pager() -> rx.Component:
    return rx.hstack(
        rx.button(
            "Vorige",
            variant="soft",
            disabled=WaitlistState.page <= 1,
            on_click=WaitlistState.go_to_page(WaitlistState.page - 1),
        ),
        rx.text(
            "Pagina ",
            WaitlistState.page,
            " van ",
            WaitlistState.pages,
            " · ",
            WaitlistState.total,
            " resultaten",
            id="pagina-info",
        ),
        rx.button(
            "Volgende",
            variant="soft",
            disabled=WaitlistState.page >= WaitlistState.pages,
            on_click=WaitlistState.go_to_page(WaitlistState.page + 1),
        ),
        rx.spacer(),
        rx.text("Per pagina", size="2"),
        rx.select.root(
            rx.select.trigger(aria_label="Per pagina"),
            rx.select.content(*[rx.select.item(n, value=n) for n in ("25", "50", "100")]),
            value=WaitlistState.page_size,
            on_change=lambda v: WaitlistState.set_filter("page_size", v),
        ),
        align="center",
        width="100%",
        wrap="wrap",
    )


def empty_state() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading("Uw wachtlijst is nog leeg", size="4", as_="h2"),
            rx.text(
                "Voeg patiënten toe die eerder geholpen willen worden: met "
                "'Patiënt toevoegen', of in één keer met een CSV-bestand uit uw "
                "praktijksysteem ('Importeren'). Leg bij elke patiënt vast hoe hij "
                "toestemming gaf voor SMS'jes."
            ),
            rx.button("Patiënt toevoegen", on_click=WaitlistState.open_new),
            spacing="3",
        ),
        max_width="640px",
    )


def _labelled(label: str, control: rx.Component, key: str, hint: str = "") -> rx.Component:
    """A dialog field whose validation message comes from the state's errors."""
    return labelled(label, control, key, hint=hint, error=WaitlistState.errors.get(key, ""))  # type: ignore[arg-type]  # state var: a Var on the class, typed as its value (not declared rx.Field)


def _text_input(key: str, **props) -> rx.Component:
    """An uncontrolled input prefilled from the dialog's form: edits survive a failed save."""
    return rx.input(id=key, name=key, default_value=WaitlistState.form[key], **props)


def _native_select(
    name: str, value: rx.Var[str], options: dict[str, str], placeholder: str = ""
) -> rx.Component:
    """A plain <select>: it submits with the form and behaves as keyboard users expect."""
    items = [rx.el.option(placeholder, value="")] if placeholder else []
    items += [rx.el.option(label, value=key) for key, label in options.items()]
    return rx.el.select(
        *items, id=name, name=name, default_value=value, class_name="pjp-native-select"
    )


def _availability_grid() -> rx.Component:
    header = rx.table.row(
        rx.table.cell(""), *[rx.table.column_header_cell(p.capitalize()) for p in patients.PARTS]
    )
    rows = [
        rx.table.row(
            rx.table.row_header_cell(patients.DAY_NAMES[d]),
            *[
                rx.table.cell(
                    rx.checkbox(
                        name=f"cell-{patients.cell_key(d, p)}",
                        default_checked=WaitlistState.form_cells.contains(patients.cell_key(d, p)),  # type: ignore[attr-defined]  # state var: a Var on the class, typed as its value (not declared rx.Field)
                        aria_label=f"{patients.DAY_NAMES[d]} {patients.PARTS[p]}",
                    )
                )
                for p in range(len(patients.PARTS))
            ],
        )
        for d in range(len(patients.DAYS))
    ]
    return rx.table.root(rx.table.body(header, *rows), size="1")


def patient_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            form_row(
                _labelled(
                    "Naam",
                    _text_input("name", max_length=100, width="100%"),
                    "name",
                ),
                _labelled(
                    "Mobiel nummer",
                    _text_input("phone", type="tel", width="100%"),
                    "phone",
                    hint="Bijvoorbeeld 06-12345678",
                ),
            ),
            rx.cond(
                WaitlistState.duplicate_id != 0,
                rx.button(
                    "Open de bestaande patiënt",
                    size="1",
                    variant="outline",
                    on_click=WaitlistState.open_duplicate,
                    type="button",
                ),
            ),
            _labelled(
                "Behandelingen",
                rx.flex(
                    rx.foreach(
                        WaitlistState.treatments,
                        lambda t: rx.el.label(
                            rx.hstack(
                                rx.checkbox(
                                    name="treatment-" + t.id,
                                    default_checked=WaitlistState.form_treatments.contains(t.id),  # type: ignore[attr-defined]  # state var: a Var on the class, typed as its value (not declared rx.Field)
                                ),
                                rx.text(t.name, size="2"),
                                spacing="2",
                                align="center",
                            ),
                            data_treatment=t.name,
                        ),
                    ),
                    # `spacing`, not `gap`: Reflex passes gap="3" on as CSS (an invalid `gap: 3`)
                    spacing="3",
                    wrap="wrap",
                    align="center",
                    id="behandelingen-keuze",
                ),
                "treatments",
            ),
            form_row(
                _labelled(
                    "Duur (minuten)",
                    _text_input("duration", type="number", min=5, max=240, width="100%"),
                    "duration",
                ),
                _labelled(
                    "Urgentie",
                    _native_select("urgency", WaitlistState.form["urgency"], patients.URGENCIES),  # type: ignore[arg-type]  # state var: a Var on the class, typed as its value (not declared rx.Field)
                    "urgency",
                ),
                _labelled(
                    "Voorkeur behandelaar",
                    rx.el.select(
                        rx.el.option("Geen voorkeur", value=""),
                        rx.foreach(
                            WaitlistState.practitioners, lambda p: rx.el.option(p.name, value=p.id)
                        ),
                        id="practitioner",
                        name="practitioner",
                        default_value=WaitlistState.form["practitioner"],
                        class_name="pjp-native-select",
                    ),
                    "practitioner",
                ),
                rx.cond(
                    WaitlistState.editing_id != 0,
                    _labelled(
                        "Status",
                        _native_select("status", WaitlistState.form["status"], patients.STATUSES),  # type: ignore[arg-type]  # state var: a Var on the class, typed as its value (not declared rx.Field)
                        "status",
                    ),
                ),
                columns=4,
            ),
            _labelled("Beschikbaar", _availability_grid(), "availability"),
            _labelled(
                "Toestemming voor SMS",
                _native_select(
                    "consent",
                    WaitlistState.form["consent"],  # type: ignore[arg-type]  # state var: a Var on the class, typed as its value (not declared rx.Field)
                    patients.CONSENT_METHODS,
                    placeholder="Kies hoe de patiënt toestemming gaf…",
                ),
                "consent",
            ),
            _labelled(
                "Notitie",
                rx.text_area(
                    id="note",
                    name="note",
                    default_value=WaitlistState.form["note"],
                    max_length=500,
                    width="100%",
                ),
                "note",
                hint="Geen medische details: die horen in het patiëntendossier, niet hier.",
            ),
            rx.cond(
                WaitlistState.history != "",
                rx.text(WaitlistState.history, size="1", color_scheme="gray"),
            ),
            field_message(WaitlistState.errors.get("form", "")),  # type: ignore[arg-type]  # state var: a Var on the class, typed as its value (not declared rx.Field)
            rx.hstack(
                rx.dialog.close(
                    rx.button("Annuleren", variant="soft", color_scheme="gray", type="button")
                ),
                submit_button("Opslaan", size="2", width="auto"),
                justify="end",
                width="100%",
            ),
            spacing="3",
            width="100%",
        ),
        on_submit=WaitlistState.save,
        key=WaitlistState.editing_id,
    )


def patient_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(
                rx.cond(WaitlistState.editing_id == 0, "Patiënt toevoegen", "Patiënt bewerken")
            ),
            patient_form(),
            rx.cond(WaitlistState.editing_id != 0, rx.box(delete_button(), padding_top="1em")),
            max_width="760px",
        ),
        open=WaitlistState.dialog_open,
        on_open_change=WaitlistState.set_dialog_open,
    )


def delete_button() -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(
            rx.button("Definitief verwijderen", color_scheme="red", variant="outline", size="1")
        ),
        rx.alert_dialog.content(
            rx.alert_dialog.title("Patiënt definitief verwijderen?"),
            rx.alert_dialog.description(
                "Alle gegevens van deze patiënt worden gewist. Dit kan "
                "niet ongedaan worden gemaakt."
            ),
            rx.hstack(
                rx.alert_dialog.cancel(rx.button("Annuleren", variant="soft", color_scheme="gray")),
                rx.alert_dialog.action(
                    rx.button(
                        "Ja, definitief verwijderen",
                        color_scheme="red",
                        on_click=WaitlistState.delete(WaitlistState.editing_id),
                    )
                ),
                justify="end",
                spacing="3",
            ),
        ),
    )


def pending_banner() -> rx.Component:
    """Online sign-ups awaiting review: they get no offers until a colleague accepts them."""
    return rx.cond(
        WaitlistState.pending > 0,
        rx.callout(
            rx.hstack(
                rx.text(WaitlistState.pending_label, " Zij krijgen nog geen SMS'jes."),
                rx.cond(
                    WaitlistState.status != "pending",
                    rx.button(
                        "Bekijken", size="1", variant="soft", on_click=WaitlistState.show_pending
                    ),
                ),
                align="center",
                wrap="wrap",
            ),
            icon="user-check",
            color_scheme="blue",
            role="status",
            id="aanmeldingen",
        ),
    )


def removed_banner() -> rx.Component:
    return rx.cond(
        WaitlistState.removed_id != 0,
        rx.callout(
            rx.hstack(
                rx.text(WaitlistState.removed_name, " is van de wachtlijst gehaald."),
                rx.button(
                    "Ongedaan maken", size="1", variant="soft", on_click=WaitlistState.undo_remove
                ),
                align="center",
            ),
            icon="undo-2",
            color_scheme="amber",
            role="status",
        ),
    )


@staff_page(routes.WAITLIST, "Wachtlijst", on_load=[WaitlistState.load])
def waitlist() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.heading(WaitlistState.waiting_label, size="5", as_="h2", id="wachtlijst-teller"),
            rx.spacer(),
            rx.button(
                rx.icon("download"), "Exporteren", variant="soft", on_click=WaitlistState.export
            ),
            import_dialog(),
            rx.button(rx.icon("user-plus"), "Patiënt toevoegen", on_click=WaitlistState.open_new),
            align="center",
            width="100%",
            wrap="wrap",
        ),
        error_callout(WaitlistState.error),  # type: ignore[arg-type]  # state var: a Var on the class, typed as its value (not declared rx.Field)
        removed_banner(),
        pending_banner(),
        rx.cond(
            (WaitlistState.total == 0) & ~WaitlistState.filtered,
            empty_state(),
            rx.vstack(toolbar(), grid(), pager(), spacing="4", width="100%"),
        ),
        patient_dialog(),
        spacing="4",
        width="100%",
    )
