"""Plekken: open a freed slot (preview the matches first), follow its offers live, close it."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import reflex as rx
from sqlmodel import Session

from pakjeplekje import clock, texts
from pakjeplekje.domain.accounts import practice_settings
from pakjeplekje.domain.actor import Actor
from pakjeplekje.domain.core_loop import slots
from pakjeplekje.domain.dutch_dates import short_moment
from pakjeplekje.domain.waitlist import patients
from pakjeplekje.services import slots as slot_service
from pakjeplekje.ui.state.base import in_transaction, record_id
from pakjeplekje.ui.state.guard import staff_event
from pakjeplekje.ui.state.rows import Choice, choices


@dataclass(frozen=True)
class OfferLine:
    """Who a slot was offered to, and how that offer stands."""

    name: str
    status: str
    reason: str = ""  # why the wave chose this patient (staff asked: "waarom zij?")


@dataclass(frozen=True)
class SlotCard:
    """A released slot as the Plekken list shows it."""

    id: str
    when: str
    duration: str
    treatment: str
    status: str
    status_label: str
    winner: str
    fill: str
    offers: tuple[OfferLine, ...]


@dataclass(frozen=True)
class Match:
    """A patient the preview would text."""

    name: str
    urgent: bool
    since: str
    recent: str  # "1 aanbod deze week"


def slot_when(row: slots.SlotRow) -> str:
    """`di 3 dec 10:30`: how staff pages name a slot."""
    return short_moment(row.starts_local)


def card(row: slots.SlotRow) -> SlotCard:
    return SlotCard(
        id=str(row.id),
        when=slot_when(row),
        duration=str(row.duration_minutes),
        treatment=row.treatment,
        status=row.status,
        status_label=slots.SLOT_LABELS.get(row.status, row.status),
        winner=row.winner,
        fill="" if row.seconds_to_fill is None else texts.duration(row.seconds_to_fill),
        offers=tuple(
            OfferLine(
                name=o.name,
                status=slots.OFFER_LINE_LABELS.get(o.status, o.status),
                reason=o.reason,
            )
            for o in row.offers
        ),
    )


PERIODS = {"7": "7 dagen", "14": "14 dagen", "30": "30 dagen", "90": "90 dagen"}


class SlotsState(rx.State):
    rows: list[SlotCard] = []
    treatments: list[Choice] = []
    practitioners: list[Choice] = []
    matches: list[Match] = []
    match_total: int = 0
    match_heading: str = ""
    form_key: int = 0  # a new key remounts the (uncontrolled) form: emptied after a send
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
        self.rows = [card(r) for r in rows]

    def _this_tab(self) -> str:
        """The use cases refresh every other staff tab; this one reloads itself."""
        return self.router.session.client_token

    @staff_event
    async def load(self, actor: Actor) -> None:
        def options(db: Session) -> tuple:
            return practice_settings.choices(db, actor.practice_id)

        treatments, practitioners = await in_transaction(options)
        self.treatments, self.practitioners = choices(treatments), choices(practitioners)
        # The preview is not reset here: on_load also runs when the websocket reconnects (after
        # an app process died, say) under the same page, whose form still holds what it
        # previews. A new form (page opened, reloaded, or emptied after a send) resets it.
        await self._reload(actor.practice_id)

    @staff_event(error="error")
    async def preview(self, actor: Actor, form: dict) -> None:
        data = {
            k: str(form.get(k, ""))
            for k in ("day", "start", "duration", "treatment", "practitioner")
        }
        slot_form = slots.SlotForm(
            data["day"], data["start"], data["duration"], data["treatment"], data["practitioner"]
        )
        self.previewing = False  # until this form's matches are in
        result = await in_transaction(lambda db: slots.preview(db, actor, slot_form, clock.now()))
        self._form, self.error, self.previewing = data, "", True
        self.match_total, self.wave_plan = result.total, result.wave_plan
        self.match_heading = texts.count(result.total, "patiënt") + (
            " past" if result.total == 1 else " passen"
        )
        self.matches = [
            Match(
                name=m.name,
                urgent=m.urgency == "hoog",
                since=patients.local_date(m.added_at),  # the Amsterdam date
                recent=f"{texts.count(m.recent_offers, 'aanbod')} deze week",
            )
            for m in result.matches
        ]

    @staff_event
    def cancel_preview(self, actor: Actor) -> None:
        """The "Annuleren" button, and every new (empty) form: no preview of an absent form."""
        self.previewing, self.matches, self.error = False, [], ""

    @staff_event(error="error")
    async def open_slot(self, actor: Actor) -> rx.event.EventSpec | None:
        f = self._form
        slot_form = slots.SlotForm(
            f.get("day", ""),
            f.get("start", ""),
            f.get("duration", ""),
            f.get("treatment", ""),
            f.get("practitioner", ""),
        )

        notice = await asyncio.to_thread(
            slot_service.open_slot, actor, slot_form, skip=self._this_tab()
        )
        self.previewing, self.matches, self._form = False, [], {}
        self.form_key += 1  # sent: the next slot starts on an empty form (a refusal keeps it)
        await self._reload(actor.practice_id)
        return rx.toast.success(notice)

    @staff_event(error="error")
    async def close(self, actor: Actor, slot_id: str, reason: str) -> None:
        sid = record_id(slot_id)
        if sid is None:
            self.error = "Deze plek bestaat niet (meer)."
            return

        await asyncio.to_thread(slot_service.close_slot, actor, sid, reason, skip=self._this_tab())
        self.error = ""
        await self._reload(actor.practice_id)

    @staff_event
    async def set_period(self, actor: Actor, value: str) -> None:
        self.period = value if value in PERIODS else "14"
        await self._reload(actor.practice_id)

    @staff_event(error="error")
    async def reopen(self, actor: Actor, slot_id: str) -> None:
        sid = record_id(slot_id)
        if sid is None:
            self.error = "Deze plek bestaat niet (meer)."
            return
        await asyncio.to_thread(slot_service.reopen_slot, actor, sid, skip=self._this_tab())
        self.error = ""
        await self._reload(actor.practice_id)
