"""Dashboard: open slots and their SMS progress, recent fills, how well the waitlist works."""

from __future__ import annotations

import reflex as rx

from pakjeplekje import routes
from pakjeplekje.ui.components.email_confirmation import email_confirmation_callout
from pakjeplekje.ui.components.layout import staff_page
from pakjeplekje.ui.state.dashboard import DashboardState, FirstStep, OpenSlot, RecentFill
from pakjeplekje.ui.state.email_confirmation import EmailConfirmationState
from pakjeplekje.ui.state.session import SessionState


def _figure(label: str, value: rx.Var | str, figure_id: str) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.text(label, size="2", color_scheme="gray"),
            rx.heading(value, size="6", as_="p", id=figure_id),
            spacing="1",
        ),
        flex="1 1 12rem",
    )


def _open_slot(row: rx.vars.ObjectVar[OpenSlot]) -> rx.Component:
    return rx.table.row(
        rx.table.cell(row.when, white_space="nowrap", data_label="Wanneer"),
        rx.table.cell(row.treatment, data_label="Behandeling"),
        rx.table.cell(row.progress, data_label="SMS'jes"),
        data_open_slot=row.id,
    )


def _fill(row: rx.vars.ObjectVar[RecentFill]) -> rx.Component:
    return rx.table.row(
        rx.table.cell(row.when, white_space="nowrap", data_label="Wanneer"),
        rx.table.cell(row.winner, data_label="Gevuld door"),
        rx.table.cell(row.fill, data_label="Tijd tot gevuld"),
    )


def _table(
    headers: list[str], rows: rx.vars.ArrayVar, render, empty: str, table_id: str
) -> rx.Component:
    return rx.cond(
        rows.length() > 0,
        rx.table.root(
            rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in headers])),
            rx.table.body(rx.foreach(rows, render)),
            width="100%",
            id=table_id,
            class_name="pjp-cards",
        ),
        rx.text(empty, color_scheme="gray", id=table_id),
    )


def _first_step(step: rx.vars.ObjectVar[FirstStep]) -> rx.Component:
    return rx.el.li(
        rx.hstack(
            rx.cond(
                step.done,
                rx.icon("circle_check", color="var(--green-9)", aria_label="gedaan"),
                rx.icon("circle", color="var(--gray-8)", aria_label="nog te doen"),
            ),
            rx.vstack(
                rx.text(
                    step.title,
                    weight="bold",
                    text_decoration=rx.cond(step.done, "line-through", "none"),
                    color_scheme=rx.cond(step.done, "gray", None),
                ),
                rx.cond(~step.done, rx.text(step.hint, size="2", color_scheme="gray")),
                spacing="1",
                flex="1",
            ),
            rx.cond(
                ~step.done,
                rx.link(
                    rx.button(
                        step.action,
                        variant=rx.cond(step.current, "solid", "soft"),
                        size="2",
                    ),
                    href=step.href,
                ),
            ),
            align="start",
            spacing="3",
            width="100%",
        ),
        data_step=step.key,
        data_done=rx.cond(step.done, "ja", "nee"),
        style={"listStyle": "none"},
    )


def first_steps() -> rx.Component:
    """After sign-up: what to do first, until it is done."""
    return rx.cond(
        DashboardState.first_steps.length() > 0,  # type: ignore[attr-defined]  # state var: a Var on the class, typed as its value (not declared rx.Field)
        rx.card(
            rx.vstack(
                rx.hstack(
                    rx.heading("Eerste stappen", size="4", as_="h2"),
                    rx.text(
                        DashboardState.steps_done.to_string(),  # type: ignore[attr-defined]  # state var: a Var on the class, typed as its value (not declared rx.Field)
                        " van 3 gedaan",
                        size="2",
                        color_scheme="gray",
                    ),
                    align="baseline",
                    spacing="3",
                ),
                rx.el.ol(
                    rx.foreach(DashboardState.first_steps, _first_step),
                    style={"margin": 0, "padding": 0, "display": "grid", "gap": "1em"},
                    width="100%",
                ),
                rx.cond(
                    DashboardState.sms_inbox != "",
                    rx.text(
                        "Ontwikkelomgeving: de SMS'jes gaan niet echt de deur uit. U leest ze "
                        "in de SMS-inbox op ",
                        rx.link(
                            DashboardState.sms_inbox,
                            href=DashboardState.sms_inbox,
                            is_external=True,
                        ),
                        ".",
                        size="2",
                        id="dev-sms-hint",
                    ),
                ),
                spacing="3",
                width="100%",
            ),
            width="100%",
            id="eerste-stappen",
        ),
    )


@staff_page(
    routes.DASHBOARD, "Dashboard", on_load=[DashboardState.load, EmailConfirmationState.load]
)
def dashboard() -> rx.Component:
    return rx.vstack(
        email_confirmation_callout(),
        rx.hstack(
            rx.heading("Welkom, ", SessionState.user_name, size="5", as_="h2"),
            rx.spacer(),
            rx.link(
                rx.button(
                    "Plek vrijgeven",
                    # an empty waitlist texts no one: then the checklist leads, not this button
                    variant=rx.cond(DashboardState.waiting > 0, "solid", "outline"),
                    color_scheme=rx.cond(DashboardState.waiting > 0, "accent", "gray"),
                ),
                href=routes.SLOTS,
                id="plek-vrijgeven",
            ),
            width="100%",
            align="center",
            wrap="wrap",
        ),
        first_steps(),
        rx.cond(
            DashboardState.unsure_sms > 0,
            rx.callout(
                DashboardState.unsure_sms_text + " met onbekende afloop: de verbinding met de "
                "SMS-dienst viel weg tijdens het versturen. Ze worden niet opnieuw verstuurd "
                "(dan kreeg iemand het bericht misschien twee keer); kijk zo nodig in het "
                "logboek van de SMS-dienst.",
                icon="triangle_alert",
                color_scheme="amber",
                id="sms-onbekend",
            ),
        ),
        rx.flex(
            _figure("Op de wachtlijst", DashboardState.waiting.to_string(), "aantal-wachtend"),  # type: ignore[attr-defined]  # state var: a Var on the class, typed as its value (not declared rx.Field)
            _figure("Via de wachtlijst gevuld (30 dagen)", DashboardState.fill_rate, "vulgraad"),
            _figure("Mediane tijd tot gevuld", DashboardState.median_fill, "tijd-tot-gevuld"),
            spacing="4",
            wrap="wrap",
        ),
        rx.heading("Open plekken", size="4", as_="h3"),
        _table(
            ["Wanneer", "Behandeling", "SMS'jes"],
            DashboardState.open_slots,  # type: ignore[arg-type]  # state var: a Var on the class, typed as its value (not declared rx.Field)
            _open_slot,
            "Er staan geen plekken open.",
            "open-plekken",
        ),
        rx.heading("Recent gevuld", size="4", as_="h3"),
        _table(
            ["Wanneer", "Gevuld door", "Tijd tot gevuld"],
            DashboardState.recent_fills,  # type: ignore[arg-type]  # state var: a Var on the class, typed as its value (not declared rx.Field)
            _fill,
            "Nog geen plekken gevuld.",
            "recent-gevuld",
        ),
        spacing="4",
        width="100%",
    )
