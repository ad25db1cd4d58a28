"""Medewerkers: owner-only team management."""

from __future__ import annotations

import reflex as rx
from reflex.event import EventSpec

from pakjeplekje import routes
from pakjeplekje.ui.components.forms import error_callout, field, form_row, submit_button
from pakjeplekje.ui.components.layout import staff_page
from pakjeplekje.ui.state.team import MemberRow, TeamState


def _action(label: str, event: EventSpec, color: str = "teal") -> rx.Component:
    return rx.button(label, size="1", variant="soft", color_scheme=color, on_click=event)


def _member_actions(member: rx.vars.ObjectVar[MemberRow]) -> rx.Component:
    """What the owner can do to a colleague (never to themself)."""
    member_id = member.id
    return rx.cond(
        member.is_self,
        rx.text("—", color_scheme="gray"),
        rx.cond(
            member.status == "disabled",
            _action("Deblokkeren", TeamState.reactivate(member_id)),
            rx.hstack(
                rx.cond(
                    member.role == "staff",
                    _action("Maak eigenaar", TeamState.set_role(member_id, "owner")),
                    _action("Maak medewerker", TeamState.set_role(member_id, "staff")),
                ),
                _action("Blokkeren", TeamState.deactivate(member_id), color="red"),
                spacing="2",
                wrap="wrap",
            ),
        ),
    )


def _member_row(member: rx.vars.ObjectVar[MemberRow]) -> rx.Component:
    return rx.table.row(
        rx.table.cell(member.name, data_label="Naam"),
        rx.table.cell(member.email, data_label="E-mailadres"),
        rx.table.cell(rx.badge(member.role_label), data_label="Rol"),
        rx.table.cell(member.status_label, data_label="Status"),
        rx.table.cell(_member_actions(member)),
        data_email=member.email,
    )


@staff_page(routes.TEAM, "Medewerkers", owner_only=True, on_load=[TeamState.load])
def team() -> rx.Component:
    return rx.vstack(
        rx.card(
            rx.form(
                rx.vstack(
                    rx.heading("Collega uitnodigen", size="4", as_="h2"),
                    rx.text(
                        "Uw collega krijgt een e-mail met een link om een wachtwoord te "
                        "kiezen (7 dagen geldig) en krijgt de rol medewerker."
                    ),
                    form_row(
                        field("Naam", "name", id="invite_name", required=True, max_length=100),
                        field(
                            "E-mailadres", "email", id="invite_email", type_="email", required=True
                        ),
                    ),
                    submit_button("Uitnodiging versturen", size="2", width="auto"),
                    spacing="3",
                    width="100%",
                ),
                on_submit=TeamState.invite,
            ),
            width="100%",
        ),
        error_callout(TeamState.error),  # type: ignore[arg-type]  # state var: a Var on the class, typed as its value (not declared rx.Field)
        rx.table.root(
            rx.table.header(
                rx.table.row(
                    *[
                        rx.table.column_header_cell(h)
                        for h in ("Naam", "E-mailadres", "Rol", "Status", "")
                    ]
                )
            ),
            rx.table.body(rx.foreach(TeamState.members, _member_row)),
            width="100%",
            class_name="pjp-cards",
        ),
        rx.link("← Terug naar instellingen", href=routes.SETTINGS),
        spacing="4",
        width="100%",
    )
