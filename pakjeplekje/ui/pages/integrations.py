"""Koppelingen: the owner's API keys for practice software, how to call the API, and where
the documentation and the webhooks are."""

from __future__ import annotations

import reflex as rx

from pakjeplekje import routes
from pakjeplekje.domain.integrations.api_keys import READ, SCOPES, WRITE
from pakjeplekje.ui.components.forms import error_callout, labelled, submit_button
from pakjeplekje.ui.components.layout import section, staff_page
from pakjeplekje.ui.state.integrations import IntegrationsState, KeyRow


def _scope_choice(value: str) -> rx.Component:
    return rx.el.label(
        rx.radio_group.item(value=value, id=f"bereik-{value}"),
        rx.text(SCOPES[value], as_="span"),
        style={"display": "flex", "gap": "0.5em", "alignItems": "center"},
    )


def create_card() -> rx.Component:
    return section(
        "Nieuwe sleutel",
        rx.text(
            "Een API-sleutel geeft uw praktijksoftware toegang tot PakJePlekje, alleen voor "
            "deze praktijk. Geef elke koppeling een eigen sleutel, dan kunt u er één "
            "intrekken zonder de andere te storen."
        ),
        rx.form(
            rx.vstack(
                labelled(
                    "Naam",
                    rx.input(
                        id="sleutel-naam",
                        name="name",
                        placeholder="Bijvoorbeeld: agendakoppeling",
                        max_length=60,
                        auto_complete="off",
                        width="100%",
                        size="3",
                    ),
                    "sleutel-naam",
                    hint="Hoogstens 60 tekens; alleen voor uzelf, om de sleutel te herkennen.",
                ),
                rx.el.fieldset(
                    rx.el.legend("Wat mag de sleutel?", class_name="pjp-label"),
                    rx.radio_group.root(
                        rx.hstack(_scope_choice(READ), _scope_choice(WRITE), spacing="5"),
                        name="scope",
                        default_value=READ,
                    ),
                    style={"border": "0", "padding": "0", "margin": "0"},
                ),
                submit_button("Sleutel maken", size="2", width="auto"),
                spacing="3",
                width="100%",
            ),
            on_submit=IntegrationsState.create,
            width="100%",
        ),
    )


def new_key_box() -> rx.Component:
    """The raw key, once: with a copy button and the warning that it will not come back."""
    return rx.cond(
        IntegrationsState.new_key != "",
        rx.callout.root(
            rx.vstack(
                rx.heading(
                    "Uw nieuwe sleutel voor ", IntegrationsState.new_key_name, size="3", as_="h2"
                ),
                rx.text(
                    "Kopieer deze sleutel nu en bewaar hem veilig in uw praktijksoftware. "
                    "Hij wordt niet meer getoond: wij bewaren alleen een onherkenbare "
                    "vingerafdruk. Kwijt? Trek hem in en maak een nieuwe.",
                    weight="medium",
                ),
                rx.code(
                    IntegrationsState.new_key,
                    id="nieuwe-sleutel",
                    size="3",
                    style={"wordBreak": "break-all", "userSelect": "all"},
                ),
                rx.hstack(
                    rx.button(
                        rx.icon("copy", size=16),
                        "Kopiëren",
                        on_click=[
                            rx.set_clipboard(IntegrationsState.new_key),
                            rx.toast.success("Sleutel gekopieerd."),
                        ],
                    ),
                    rx.button(
                        "Ik heb hem bewaard",
                        variant="soft",
                        color_scheme="gray",
                        on_click=IntegrationsState.forget_key,
                    ),
                    spacing="3",
                    wrap="wrap",
                ),
                spacing="3",
                width="100%",
            ),
            color_scheme="amber",
            role="status",
            width="100%",
            id="sleutel-eenmalig",
        ),
    )


def _revoke_button(key: rx.vars.ObjectVar[KeyRow]) -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(
            rx.button("Intrekken", size="1", variant="soft", color_scheme="red")
        ),
        rx.alert_dialog.content(
            rx.alert_dialog.title("Sleutel ", key.name, " intrekken?"),
            rx.alert_dialog.description(
                "Software die deze sleutel gebruikt, krijgt vanaf nu geen toegang meer. "
                "Dit kan niet ongedaan worden gemaakt; u kunt wel een nieuwe sleutel maken."
            ),
            rx.hstack(
                rx.alert_dialog.cancel(rx.button("Annuleren", variant="soft", color_scheme="gray")),
                rx.alert_dialog.action(
                    rx.button(
                        "Ja, intrekken",
                        color_scheme="red",
                        on_click=IntegrationsState.revoke(key.id),
                    )
                ),
                justify="end",
                spacing="3",
                margin_top="1em",
            ),
        ),
    )


def _key_row(key: rx.vars.ObjectVar[KeyRow]) -> rx.Component:
    return rx.table.row(
        rx.table.cell(key.name, data_label="Naam"),
        rx.table.cell(rx.code(key.prefix, "…"), data_label="Begin"),
        rx.table.cell(key.scope_label, data_label="Mag"),
        rx.table.cell(key.created, data_label="Gemaakt"),
        rx.table.cell(key.last_used, data_label="Laatst gebruikt"),
        rx.table.cell(
            rx.vstack(
                rx.badge(key.status_label, color_scheme=rx.cond(key.active, "teal", "gray")),
                rx.cond(key.active, rx.fragment(), rx.text(key.revoked, size="1")),
                spacing="1",
            ),
            data_label="Status",
        ),
        rx.table.cell(rx.cond(key.active, _revoke_button(key), rx.text("—"))),
        data_key=key.prefix,
    )


def keys_table() -> rx.Component:
    return section(
        "Sleutels",
        rx.cond(
            IntegrationsState.keys.length() == 0,  # type: ignore[attr-defined]  # a list state var is an ArrayVar on the class
            rx.text("Nog geen sleutels.", color_scheme="gray", id="geen-sleutels"),
            rx.table.root(
                rx.table.header(
                    rx.table.row(
                        *[
                            rx.table.column_header_cell(h)
                            for h in (
                                "Naam",
                                "Begin",
                                "Mag",
                                "Gemaakt",
                                "Laatst gebruikt",
                                "Status",
                                "",
                            )
                        ]
                    )
                ),
                rx.table.body(rx.foreach(IntegrationsState.keys, _key_row)),
                width="100%",
                class_name="pjp-cards",
                id="sleutels",
            ),
        ),
    )


def how_to_card() -> rx.Component:
    return section(
        "Zo gebruikt uw software de API",
        rx.el.dl(
            rx.el.dt("Adres van de API", class_name="pjp-label"),
            rx.el.dd(rx.code(IntegrationsState.api_base, id="api-adres"), margin="0 0 0.75em"),
            rx.el.dt("De sleutel gaat mee in de kop", class_name="pjp-label"),
            rx.el.dd(rx.code("Authorization: Bearer <sleutel>"), margin="0"),
            margin="0",
        ),
        rx.text(
            "Een sleutel met alleen lezen kan plekken en de wachtlijst opvragen; een "
            "sleutel met lezen en schrijven kan ook plekken vrijgeven en sluiten en "
            "patiënten aanmelden, wijzigen of verwijderen. Bijvoorbeeld:"
        ),
        rx.el.pre(
            rx.el.code(
                "curl -H 'Authorization: Bearer pjp_…' ", IntegrationsState.api_base, "/slots"
            ),
            id="curl-voorbeeld",
            style={
                "whiteSpace": "pre-wrap",
                "wordBreak": "break-all",
                "background": "var(--gray-3)",
                "padding": "0.75em",
                "borderRadius": "var(--radius-2)",
                "width": "100%",
                "margin": "0",
            },
        ),
        rx.hstack(
            rx.link(
                rx.button(rx.icon("book-open", size=16), "API-documentatie", variant="soft"),
                href=routes.API_V1_DOCS,
                reload_document=True,  # a server-rendered page, not a Reflex route
                id="api-docs-link",
            ),
            rx.link(
                rx.button(rx.icon("webhook", size=16), "Webhooks", variant="soft"),
                href=routes.WEBHOOKS,
                id="webhooks-link",
            ),
            spacing="3",
            wrap="wrap",
        ),
    )


@staff_page(routes.INTEGRATIONS, "Koppelingen", owner_only=True, on_load=[IntegrationsState.load])
def integrations() -> rx.Component:
    return rx.vstack(
        new_key_box(),
        error_callout(IntegrationsState.error),  # type: ignore[arg-type]  # state var: a Var on the class, typed as its value (not declared rx.Field)
        create_card(),
        keys_table(),
        how_to_card(),
        rx.link("← Terug naar instellingen", href=routes.SETTINGS),
        spacing="4",
        width="100%",
        max_width="960px",
        on_unmount=IntegrationsState.forget_key,
    )
