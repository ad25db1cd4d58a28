"""The staff pages. Later issues fill them in; until then they say what is coming."""

from __future__ import annotations

import reflex as rx

from pakjeplekje import routes
from pakjeplekje.components.layout import coming_soon, staff_page


@staff_page(routes.PRIVACY, "Privacy")
def privacy() -> rx.Component:
    return coming_soon(
        "Inzage, export en verwijdering van gegevens (AVG) en privacyverzoeken van patiënten."
    )
