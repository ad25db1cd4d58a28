"""/privacybeleid: the published privacy policy, rendered from the shipped text."""

from __future__ import annotations

from importlib import resources

import reflex as rx

from pakjeplekje import routes
from pakjeplekje.ui.components.layout import footer

HEADINGS = {
    "Wie zijn wij?",
    "Welke gegevens verzamelen wij?",
    "Waarvoor gebruiken wij deze gegevens?",
    "Hoe lang bewaren wij gegevens?",
    "Met wie delen wij gegevens?",
    "Uw rechten",
    "Beveiliging",
    "Contact",
    "Wijzigingen",
}


def _blocks() -> list[rx.Component]:
    text = resources.files("pakjeplekje.data").joinpath("privacybeleid.txt").read_text("utf-8")
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    blocks: list[rx.Component] = [rx.heading(lines[0], size="8", as_="h1")]
    for line in lines[1:]:
        if line in HEADINGS:
            blocks.append(rx.heading(line, size="5", as_="h2", padding_top="0.5em"))
        elif line.startswith("•"):
            blocks.append(rx.text("• " + line.lstrip("• ").strip(), padding_left="1em"))
        else:
            blocks.append(rx.text(line))
    return blocks


@rx.page(route=routes.PRIVACY_POLICY, title="Privacybeleid · PakJePlekje")
def privacy_policy() -> rx.Component:
    return rx.container(rx.vstack(*_blocks(), footer(), spacing="3", padding_y="3em"), size="2")
