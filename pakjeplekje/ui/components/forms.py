"""Form pieces with labels, so screen readers and Playwright's get_by_label find every field."""

from __future__ import annotations

import reflex as rx

from pakjeplekje import routes
from pakjeplekje.ui.state.ui import UiState


def field_message(message: rx.Var[str]) -> rx.Component:
    """The message under one field (inline validation)."""
    return rx.cond(message != "", rx.text(message, color_scheme="red", size="1", role="alert"))


def labelled(
    label: str,
    control: rx.Component,
    input_id: str,
    *,
    hint: str = "",
    error: rx.Var[str] | None = None,
) -> rx.Component:
    """A label bound to its control, with an optional hint and an optional message under it."""
    children = [rx.el.label(label, html_for=input_id, class_name="pjp-label"), control]
    if hint:
        children.append(rx.text(hint, size="1", color_scheme="gray"))
    if error is not None:
        children.append(field_message(error))
    return rx.vstack(*children, spacing="1", width="100%")


def field(
    label: str,
    name: str,
    *,
    type_: str = "text",
    autocomplete: str = "off",
    hint: str = "",
    **props,
) -> rx.Component:
    input_id = props.pop("id", name)
    control = rx.input(
        id=input_id,
        name=name,
        type=type_,
        auto_complete=autocomplete,
        width="100%",
        size="3",
        **props,
    )
    return labelled(label, control, input_id, hint=hint)


def form_row(*fields: rx.Component, columns: int = 2, inline: bool = False) -> rx.Component:
    """Fields side by side that share the width equally, whatever control they hold (inputs
    and selects alike are 100% wide); stacked on a phone (assets/pakjeplekje.css).
    `columns` may exceed the number of fields, so the rows of one form line up. `inline`: the
    last child is a button, as wide as its text, level with the fields."""
    classes = f"pjp-form-row pjp-cols-{columns}" + (" pjp-inline" if inline else "")
    return rx.box(*fields, class_name=classes)


def error_callout(message: rx.Var[str]) -> rx.Component:
    return rx.cond(
        message != "",
        rx.callout(message, icon="triangle_alert", color_scheme="red", role="alert", width="100%"),
    )


def notice_callout(message: rx.Var[str]) -> rx.Component:
    return rx.cond(
        message != "",
        rx.callout(message, icon="info", color_scheme="blue", role="status", width="100%"),
    )


def submit_button(label: str, **props) -> rx.Component:
    """Disabled until the page is hydrated: an early click would submit the form natively,
    as a GET with the password in the URL."""
    props.setdefault("size", "3")
    props.setdefault("width", "100%")
    return rx.button(label, type="submit", disabled=~UiState.booted, on_mount=UiState.boot, **props)


def card_page(title: str, *children: rx.Component) -> rx.Component:
    """Centered card for the public account pages."""
    return rx.center(
        rx.card(
            rx.vstack(
                rx.link(rx.heading("PakJePlekje", size="5", color_scheme="teal"), href="/"),
                rx.heading(title, size="7", as_="h1"),
                *children,
                privacy_links(),
                spacing="4",
                width="100%",
            ),
            size="4",
            width="100%",
            max_width="460px",
        ),
        min_height="100vh",
        padding="1em",
        background="var(--gray-2)",
    )


def privacy_links() -> rx.Component:
    """The policy and the request form, linked from every page (the privacy policy says so).
    The request form is server-rendered: a plain link, so the browser really navigates."""
    return rx.hstack(
        rx.link("Privacybeleid", href=routes.PRIVACY_POLICY, size="1"),
        rx.link("Privacyverzoek", href=routes.PRIVACY_REQUEST, size="1", reload_document=True),
        spacing="4",
        wrap="wrap",
    )
