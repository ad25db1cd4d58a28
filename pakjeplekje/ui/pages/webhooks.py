"""Webhooks: owner-only endpoints, signing secrets and the delivery log with resend."""

from __future__ import annotations

import reflex as rx
from reflex.event import EventSpec

from pakjeplekje import routes
from pakjeplekje.domain.integrations.webhook_events import EVENT_TYPES
from pakjeplekje.ui.components.forms import error_callout, field, submit_button
from pakjeplekje.ui.components.layout import staff_page
from pakjeplekje.ui.state.webhooks import (
    EVENT_LABELS,
    DeliveryView,
    EndpointView,
    WebhooksState,
    event_field,
)


def _small(label: str, event: EventSpec, color: str = "teal", **props) -> rx.Component:
    return rx.button(label, size="1", variant="soft", color_scheme=color, on_click=event, **props)


def _add_form() -> rx.Component:
    return rx.card(
        rx.form(
            rx.vstack(
                rx.heading("Endpoint toevoegen", size="4", as_="h2"),
                rx.text(
                    "Wij sturen elke gekozen gebeurtenis als JSON (POST) naar deze URL, "
                    "ondertekend met het geheim dat u hierna ziet. Alleen https."
                ),
                field(
                    "URL van uw software",
                    "url",
                    id="webhook_url",
                    type_="url",
                    required=True,
                    max_length=500,
                    placeholder="https://agenda.voorbeeld.nl/pakjeplekje",
                ),
                rx.vstack(
                    *[
                        rx.checkbox(
                            EVENT_LABELS[event],
                            name=event_field(event),
                            id=event_field(event),
                            default_checked=True,
                        )
                        for event in EVENT_TYPES
                    ],
                    spacing="2",
                ),
                submit_button("Endpoint toevoegen", size="2", width="auto"),
                spacing="3",
                width="100%",
            ),
            on_submit=WebhooksState.add,
            reset_on_submit=False,
        ),
        width="100%",
    )


def _endpoint(endpoint: rx.vars.ObjectVar[EndpointView]) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.code(endpoint.url), data_label="URL"),
        rx.table.cell(endpoint.events, data_label="Gebeurtenissen"),
        rx.table.cell(
            rx.hstack(
                rx.code(endpoint.secret, class_name="webhook-secret"),
                _small("Toon", WebhooksState.reveal(endpoint.id), color="gray"),
                _small("Kopieer", WebhooksState.copy_secret(endpoint.id), color="gray"),
                spacing="2",
                align="center",
                wrap="wrap",
            ),
            data_label="Geheim",
        ),
        rx.table.cell(rx.cond(endpoint.enabled, "Aan", "Uit"), data_label="Status"),
        rx.table.cell(
            rx.hstack(
                rx.cond(
                    endpoint.enabled,
                    _small("Uitzetten", WebhooksState.set_enabled(endpoint.id, False)),
                    _small("Aanzetten", WebhooksState.set_enabled(endpoint.id, True)),
                ),
                _small("Verwijderen", WebhooksState.remove(endpoint.id), color="red"),
                spacing="2",
            )
        ),
        data_endpoint=endpoint.url,
    )


def _delivery(delivery: rx.vars.ObjectVar[DeliveryView]) -> rx.Component:
    return rx.table.row(
        rx.table.cell(delivery.time, data_label="Tijd"),
        rx.table.cell(rx.code(delivery.event_type), data_label="Gebeurtenis"),
        rx.table.cell(
            rx.badge(
                delivery.status_label,
                color_scheme=rx.match(
                    delivery.status, ("delivered", "green"), ("failed", "red"), "orange"
                ),
            ),
            class_name="delivery-status",
            data_label="Status",
        ),
        rx.table.cell(delivery.attempts, class_name="delivery-attempts", data_label="Pogingen"),
        rx.table.cell(delivery.last_status, data_label="Laatste HTTP-status"),
        rx.table.cell(delivery.detail, data_label="Toelichting"),
        rx.table.cell(_small("Opnieuw versturen", WebhooksState.resend(delivery.id))),
        data_event=delivery.event_id,
        class_name="delivery-row",
    )


def _table(headers: list[str], rows: rx.Component) -> rx.Component:
    return rx.table.root(
        rx.table.header(
            rx.table.row(*[rx.table.column_header_cell(h) for h in headers]),
        ),
        rx.table.body(rows),
        width="100%",
        class_name="pjp-cards",
    )


@staff_page(routes.WEBHOOKS, "Webhooks", owner_only=True, on_load=[WebhooksState.load])
def webhooks() -> rx.Component:
    return rx.vstack(
        _add_form(),
        error_callout(WebhooksState.error),  # type: ignore[arg-type]  # state var: a Var on the class, typed as its value (not declared rx.Field)
        rx.heading("Endpoints", size="4", as_="h2"),
        rx.cond(
            WebhooksState.endpoints.length() > 0,  # type: ignore[attr-defined]  # state var: a Var on the class, typed as its value (not declared rx.Field)
            _table(
                ["URL", "Gebeurtenissen", "Geheim", "Status", ""],
                rx.foreach(WebhooksState.endpoints, _endpoint),
            ),
            rx.text("Nog geen endpoints.", color_scheme="gray"),
        ),
        rx.hstack(
            rx.heading("Afleveringen (laatste 50)", size="4", as_="h2"),
            rx.spacer(),
            _small("Vernieuwen", WebhooksState.refresh, color="gray"),
            width="100%",
            align="center",
        ),
        rx.cond(
            WebhooksState.deliveries.length() > 0,  # type: ignore[attr-defined]  # state var: a Var on the class, typed as its value (not declared rx.Field)
            _table(
                ["Tijd", "Gebeurtenis", "Status", "Pogingen", "HTTP", "Toelichting", ""],
                rx.foreach(WebhooksState.deliveries, _delivery),
            ),
            rx.text("Nog niets verstuurd.", color_scheme="gray"),
        ),
        rx.link("← Terug naar instellingen", href=routes.SETTINGS),
        spacing="4",
        width="100%",
    )
