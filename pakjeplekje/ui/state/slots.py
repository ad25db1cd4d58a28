"""Plekken: open a freed slot (preview the matches first), follow its offers live, close it."""

from __future__ import annotations

import asyncio

import reflex as rx
from sqlmodel import Session

from pakjeplekje import clock
from pakjeplekje.adapters import live_bus
from pakjeplekje.domain.accounts import practice_settings
from pakjeplekje.domain.actor import Actor
from pakjeplekje.domain.core_loop import slots
from pakjeplekje.domain.dutch_dates import short_moment
from pakjeplekje.domain.errors import DomainError
from pakjeplekje.domain.waitlist import patients
from pakjeplekje.services import scheduler
from pakjeplekje.ui.state.base import in_transaction, record_id
from pakjeplekje.ui.state.guard import staff_event


def slot_when(row: slots.SlotRow) -> str:
    """`di 3 dec 10:30`: how staff pages name a slot."""
    return short_moment(row.starts_local)


def _row(row: slots.SlotRow) -> dict[str, object]:
    return {
        "id": str(row.id),
        "when": slot_when(row),
        "duration": str(row.duration_minutes),
        "treatment": row.treatment,
        "status": row.status,
        "status_label": slots.SLOT_LABELS.get(row.status, row.status),
        "winner": row.winner,
        "fill": "" if row.minutes_to_fill is None else f"{row.minutes_to_fill} min",
        "offers": [
            {
                "name": o.name,
                "status": slots.OFFER_LABELS.get(o.status, o.status),
                "wave": str(o.wave),
            }
            for o in row.offers
        ],
    }


PERIODS = {"7": "7 dagen", "14": "14 dagen", "30": "30 dagen", "90": "90 dagen"}


class SlotsState(rx.State):
    rows: list[dict] = []
    treatments: list[dict[str, str]] = []
    practitioners: list[dict[str, str]] = []
    matches: list[dict[str, str]] = []
    match_total: int = 0
    wave_plan: str = ""
    previewing: bool = False
    error: str = ""
    period: str = "14"
    _form: dict[str, str] = {}

    async def _reload(self, practice_id: int) -> None:
        """Private: the live refresher (ui/live.py) calls it for the other staff tabs."""
        days = int(self.period) if self.period in PERIODS else 14
        rows = await in_transaction(
            lambda db: slots.list_recent(db, practice_id, clock.now(), limit=50, days=days)
        )
        self.rows = [_row(r) for r in rows]

    async def _changed(self, actor: Actor) -> None:
        """This tab refreshes itself now; the practice's other tabs after this event."""
        await self._reload(actor.practice_id)
        await live_bus.practice_changed(actor.practice_id, skip=self.router.session.client_token)

    @staff_event
    async def load(self, actor: Actor) -> None:
        def options(db: Session) -> tuple:
            return practice_settings.choices(db, actor.practice_id)

        treatments, practitioners = await in_transaction(options)
        self.treatments = [
            {"id": str(t.id), "name": t.name, "duration": str(t.default_duration_minutes)}
            for t in treatments
        ]
        self.practitioners = [{"id": str(p.id), "name": p.name} for p in practitioners]
        self.previewing, self.error = False, ""
        await self._reload(actor.practice_id)

    @staff_event
    async def preview(self, actor: Actor, form: dict) -> None:
        data = {
            k: str(form.get(k, ""))
            for k in ("day", "start", "duration", "treatment", "practitioner")
        }
        slot_form = slots.SlotForm(
            data["day"], data["start"], data["duration"], data["treatment"], data["practitioner"]
        )
        try:
            result = await in_transaction(
                lambda db: slots.preview(db, actor, slot_form, clock.now())
            )
        except DomainError as exc:
            self.error, self.previewing = exc.message, False
            return
        self._form, self.error, self.previewing = data, "", True
        self.match_total, self.wave_plan = result.total, result.wave_plan
        self.matches = [
            {
                "name": m.name,
                "urgency": "hoog" if m.urgency == "hoog" else "",
                "since": patients.local_date(m.added_at),  # the Amsterdam date
                "recent": str(m.recent_offers),
            }
            for m in result.matches
        ]

    @staff_event
    def cancel_preview(self, actor: Actor) -> None:
        self.previewing, self.matches = False, []

    @staff_event
    async def open_slot(self, actor: Actor) -> rx.event.EventSpec | None:
        f = self._form
        slot_form = slots.SlotForm(
            f.get("day", ""),
            f.get("start", ""),
            f.get("duration", ""),
            f.get("treatment", ""),
            f.get("practitioner", ""),
        )

        def work(db: Session, a: Actor = actor) -> tuple[list[int], str]:
            now = clock.now()
            slot, offer_ids = slots.open_slot(db, a, slot_form, now)
            return offer_ids, slots.opened_notice(db, slot, len(offer_ids), now)

        try:
            offer_ids, notice = await in_transaction(work)
        except DomainError as exc:
            self.error = exc.message
            return None
        self.previewing, self.matches, self._form = False, [], {}
        await self._changed(actor)
        if offer_ids:  # texting waits on the provider: a job does it, the page hears back live
            await asyncio.to_thread(scheduler.send_offers_task, offer_ids)
        return rx.toast.success(notice)

    @staff_event
    async def close(self, actor: Actor, slot_id: str, reason: str) -> None:
        sid = record_id(slot_id)
        if sid is None:
            self.error = "Deze plek bestaat niet (meer)."
            return

        def work(db: Session) -> None:
            slots.close_slot(db, actor, slot_id=sid, reason=reason, now=clock.now())

        try:
            await in_transaction(work)
        except DomainError as exc:
            self.error = exc.message
            return
        self.error = ""
        await self._changed(actor)

    @staff_event
    async def set_period(self, actor: Actor, value: str) -> None:
        self.period = value if value in PERIODS else "14"
        await self._reload(actor.practice_id)

    @staff_event
    async def reopen(self, actor: Actor, slot_id: str) -> None:
        sid = record_id(slot_id)
        if sid is None:
            self.error = "Deze plek bestaat niet (meer)."
            return
        try:
            await in_transaction(
                lambda db: slots.reopen_slot(db, actor, slot_id=sid, now=clock.now())
            )
        except DomainError as exc:
            self.error = exc.message
            return
        self.error = ""
        await self._changed(actor)
