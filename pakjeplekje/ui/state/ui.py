"""Client readiness: forms stay disabled until the websocket has answered once."""

from __future__ import annotations

import reflex as rx

from pakjeplekje.ui.state.guard import public_event


class UiState(rx.State):
    """`booted` flips once per tab and never back, unlike `is_hydrated`, which drops to False on
    every client-side navigation (a button bound to it flickers under a fast click)."""

    booted: bool = False

    @public_event
    def boot(self) -> None:
        self.booted = True
