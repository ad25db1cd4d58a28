"""Dashboard: the practice at a glance; refreshed live (see ui/live.py) when a slot changes."""

from __future__ import annotations

import reflex as rx

from pakjeplekje import clock
from pakjeplekje.domain.actor import Actor
from pakjeplekje.domain.core_loop import dashboard
from pakjeplekje.ui.state.base import in_transaction
from pakjeplekje.ui.state.guard import staff_event
from pakjeplekje.ui.state.slots import slot_when


class DashboardState(rx.State):
    waiting: int = 0
    open_slots: list[dict[str, str]] = []
    recent_fills: list[dict[str, str]] = []
    fill_rate: str = "—"
    median_fill: str = "—"
    unsure_sms: int = 0

    async def _reload(self, practice_id: int) -> None:
        """Private: the live refresher (ui/live.py) calls it for every staff tab."""
        view = await in_transaction(lambda db: dashboard.overview(db, practice_id, clock.now()))
        self.waiting = view.waiting
        self.open_slots = [
            {
                "id": str(o.slot.id),
                "when": slot_when(o.slot),
                "treatment": o.slot.treatment,
                "progress": o.progress,
            }
            for o in view.open_slots
        ]
        self.recent_fills = [
            {
                "id": str(r.id),
                "when": slot_when(r),
                "winner": r.winner,
                "fill": "" if r.minutes_to_fill is None else f"{r.minutes_to_fill} min",
            }
            for r in view.recent_fills
        ]
        self.unsure_sms = view.unsure_sms
        self.fill_rate = f"{view.filled} van {view.ended}" if view.ended else "—"
        self.median_fill = (
            "—" if view.median_minutes_to_fill is None else f"{view.median_minutes_to_fill} min"
        )

    @staff_event
    async def load(self, actor: Actor) -> None:
        await self._reload(actor.practice_id)
