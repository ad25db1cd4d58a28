"""The staff pages. Later issues fill them in; until then they say what is coming."""

from __future__ import annotations

import reflex as rx

from pakjeplekje import routes
from pakjeplekje.components.layout import coming_soon, staff_page
from pakjeplekje.state.session import SessionState


@staff_page(routes.DASHBOARD, "Dashboard")
def dashboard() -> rx.Component:
    return rx.vstack(
        rx.heading("Welkom, ", SessionState.user_name, size="5", as_="h2"),
        coming_soon(
            "Hier ziet u straks live welke vrijgegeven plekken open staan, wie een SMS "
            "kreeg en wie de plek claimde."
        ),
        spacing="4",
    )


@staff_page(routes.SUBSCRIPTION, "Abonnement", owner_only=True)
def subscription() -> rx.Component:
    return coming_soon("Uw abonnement, facturen en SMS-verbruik.")


# /privacy lives in pages/privacy.py (issue 6).
