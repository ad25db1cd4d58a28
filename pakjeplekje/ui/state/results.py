"""Resultaten: the waitlist's figures per week or month (domain/results.py); holds only the
rows shown (12 periods) and the chart points."""

from __future__ import annotations

from dataclasses import dataclass

import reflex as rx
from sqlmodel import Session

from pakjeplekje import clock, routes, texts
from pakjeplekje.domain import results
from pakjeplekje.domain.actor import Actor
from pakjeplekje.ui.state.base import full_page_redirect, in_transaction
from pakjeplekje.ui.state.guard import refuse, staff_event


@dataclass(frozen=True)
class ResultRow:
    """One period as the table shows it."""

    key: str  # the period's first day, ISO
    label: str
    released: str
    filled: str
    fill_rate: str
    median: str
    sms_per_fill: str
    disappointed: str
    declined: str
    recovered: str


def result_row(p: results.Period) -> ResultRow:
    return ResultRow(
        key=p.start.isoformat(),
        label=p.label,
        released=str(p.released),
        filled=str(p.filled),
        fill_rate=results.fill_rate_text(p),
        median=results.median_text(p),
        sms_per_fill=results.sms_per_fill_text(p),
        disappointed=str(p.disappointed),
        declined=str(p.declined),
        recovered=texts.euros(p.recovered_cents),
    )


def chart_point(p: results.Period, unit: str) -> dict[str, str | float]:
    """A chart's x label is short: `wk 49` or `dec 26`; values are plain numbers."""
    short = (
        f"wk {p.start.isocalendar().week}"
        if unit == results.WEEK
        else f"{p.label[:3]} {p.start.year % 100:02d}"
    )
    return {
        "periode": short,
        "vulgraad": round((p.fill_rate or 0) * 100, 1),
        "euro": round(p.recovered_cents / 100, 2),
    }


class ResultsState(rx.State):
    unit: str = results.WEEK
    rows: list[ResultRow] = []
    chart: list[dict[str, str | float]] = []  # oldest first, as a chart reads left to right
    has_slots: bool = True

    async def _show(self, actor: Actor, unit: str) -> None:
        now = clock.now()

        def read(db: Session) -> tuple[bool, list[results.Period]]:
            return (
                results.has_slots(db, actor.practice_id),
                results.overview(db, actor.practice_id, unit, now),
            )

        has_slots, periods = await in_transaction(read)
        self.unit = unit
        self.has_slots = has_slots
        self.rows = [result_row(p) for p in periods]
        self.chart = [chart_point(p, unit) for p in reversed(periods)]

    @staff_event
    async def load(self, actor: Actor) -> None:
        await self._show(actor, self.unit if self.unit in results.UNITS else results.WEEK)

    @staff_event
    async def set_unit(self, actor: Actor, unit: str) -> rx.event.EventSpec | None:
        """The Week/Maand switch; anything else is refused."""
        if unit not in results.UNITS:
            return refuse()
        await self._show(actor, unit)
        return None

    @staff_event
    async def download_csv(self, actor: Actor) -> rx.event.EventSpec:
        """A real navigation to the CSV route (as the waitlist export does): the browser sends
        the HttpOnly cookie and saves the file; the client router never sees the URL."""
        unit = self.unit if self.unit in results.UNITS else results.WEEK
        return full_page_redirect(routes.results_csv(unit))
