"""Dashboard: the practice at a glance; refreshed live (see ui/live.py) when a slot changes."""

from __future__ import annotations

from dataclasses import dataclass

import reflex as rx

from pakjeplekje import clock, routes, texts
from pakjeplekje.config import get_settings
from pakjeplekje.domain.accounts import onboarding
from pakjeplekje.domain.actor import Actor
from pakjeplekje.domain.core_loop import dashboard
from pakjeplekje.ui.state.base import in_transaction
from pakjeplekje.ui.state.guard import staff_event
from pakjeplekje.ui.state.slots import slot_when


@dataclass(frozen=True)
class OpenSlot:
    """An open slot and how far its SMS waves got."""

    id: str
    when: str
    treatment: str
    progress: str


@dataclass(frozen=True)
class RecentFill:
    """A slot the waitlist filled: when, by whom, how fast."""

    when: str
    winner: str
    fill: str


@dataclass(frozen=True)
class FirstStep:
    """A step of the "Eerste stappen" checklist, as the dashboard shows it."""

    key: str
    title: str
    hint: str
    href: str
    action: str
    done: bool
    current: bool  # the first step not done: its button is the page's call to action


STEP_TEXTS: dict[str, tuple[str, str, str, str]] = {  # key → title, hint, page, button
    onboarding.PATIENTS: (
        "Patiënten toevoegen of importeren",
        "Zet de patiënten die eerder willen komen op de wachtlijst: één voor één, of in één "
        "keer met een CSV-bestand. Zonder wachtlijst krijgt niemand een SMS.",
        routes.WAITLIST,
        "Patiënten toevoegen",
    ),
    onboarding.SETTINGS: (
        "Behandelingen en SMS-afzendernaam controleren",
        "Kloppen de behandelingen en hun duur? Onder welke naam ontvangen patiënten de SMS? "
        "De eigenaar vinkt deze stap af met de knop SMS-regels opslaan.",
        routes.SETTINGS,
        "Controleren",
    ),
    onboarding.FIRST_SLOT: (
        "Een eerste plek vrijgeven",
        "Zegt een patiënt af? Geef de plek vrij: wie op de wachtlijst past, krijgt een SMS.",
        routes.SLOTS,
        "Plek vrijgeven",
    ),
}


def first_step_rows(steps: onboarding.FirstSteps) -> list[FirstStep]:
    """The checklist rows; none once every step is done (the checklist is gone)."""
    if steps.all_done:
        return []
    return [
        FirstStep(key, *STEP_TEXTS[key], done=done, current=key == steps.next_step)
        for key, done in steps.done.items()
    ]


def sms_inbox_path() -> str:
    """Where the texts show up in development (console SMS backend); "" elsewhere."""
    settings = get_settings()
    return routes.DEV_SMS if settings.is_dev and settings.sms_backend == "console" else ""


class DashboardState(rx.State):
    waiting: int = 0
    first_steps: list[FirstStep] = []
    steps_done: int = 0
    sms_inbox: str = ""
    open_slots: list[OpenSlot] = []
    recent_fills: list[RecentFill] = []
    fill_rate: str = "—"
    median_fill: str = "—"
    unsure_sms: int = 0
    unsure_sms_text: str = ""

    async def _reload(self, practice_id: int) -> None:
        """Private: the live refresher (ui/live.py) calls it for every staff tab."""
        view = await in_transaction(lambda db: dashboard.overview(db, practice_id, clock.now()))
        self.waiting = view.waiting
        self.first_steps = first_step_rows(view.first_steps)
        self.steps_done = sum(view.first_steps.done.values())
        self.sms_inbox = sms_inbox_path()
        self.open_slots = [
            OpenSlot(
                id=str(o.slot.id),
                when=slot_when(o.slot),
                treatment=o.slot.treatment,
                progress=o.progress,
            )
            for o in view.open_slots
        ]
        self.recent_fills = [
            RecentFill(
                when=slot_when(r),
                winner=r.winner,
                fill="" if r.seconds_to_fill is None else texts.duration(r.seconds_to_fill),
            )
            for r in view.recent_fills
        ]
        self.unsure_sms = view.unsure_sms
        self.unsure_sms_text = texts.count(view.unsure_sms, "SMS")
        self.fill_rate = f"{view.filled} van {view.ended}" if view.ended else "—"
        self.median_fill = (
            "—"
            if view.median_seconds_to_fill is None
            else texts.duration(view.median_seconds_to_fill)
        )

    @staff_event
    async def load(self, actor: Actor) -> None:
        await self._reload(actor.practice_id)
