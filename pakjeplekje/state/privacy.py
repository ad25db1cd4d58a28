"""/privacy, the practice's privacy centre: Inzage counts and the Overdracht download."""

from __future__ import annotations

import reflex as rx

from pakjeplekje.api_privacy import EXPORT_PATH
from pakjeplekje.domain import privacy_export
from pakjeplekje.domain.errors import DomainError
from pakjeplekje.models import utcnow
from pakjeplekje.state.base import current_actor, full_page_redirect, in_transaction, login_redirect


class PrivacyState(rx.State):
    counts: list[dict[str, str]] = []
    error: str = ""

    @rx.event
    async def load(self) -> rx.event.EventSpec | None:
        actor = await current_actor(self)
        if actor is None:
            self.counts = []
            return None
        rows = await in_transaction(lambda db: privacy_export.inventory(db, actor.practice_id))
        self.counts = [{"table": r.table, "label": r.label, "rows": str(r.rows)} for r in rows]
        self.error = ""
        return None

    @rx.event
    async def download(self) -> rx.event.EventSpec | None:
        """A two-minute, single-use token, then a real navigation to the streaming route."""
        actor = await current_actor(self)
        if actor is None:
            return login_redirect("verlopen")
        try:
            token = await in_transaction(
                lambda db: privacy_export.start_export(db, actor, utcnow())
            )
        except DomainError as exc:
            self.error = exc.message
            return None
        self.error = ""
        return full_page_redirect(f"{EXPORT_PATH}?token={token}")
