"""How many patients a slot's next wave holds and when it goes out: the one decision that
differs between outreach strategies. Everything around it (matching, quiet hours, minimum
notice, the contact cap, texting, claiming) is the same code for every strategy, so the
outreach simulator (`pakjeplekje.simulation`) compares strategies on the real core loop.

A strategy sees one open slot as an `Outreach` and answers two questions:
`due(outreach)`: when the next wave may go out (`waves.next_wave_at` then applies quiet hours
and the minimum notice), and `plan(outreach, candidates)`: which of the ranked candidates it
texts now, each with the reason staff see on /plekken.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from pakjeplekje.models import Practice, Slot


@dataclass(frozen=True)
class History:
    """A patient's answers to earlier offers of this practice (the adaptive prior's evidence)."""

    texted: int = 0  # offers that were sent
    interested: int = 0  # of those: opened the link or claimed, and did not say no
    declined: int = 0
    delays: tuple[float, ...] = ()  # minutes from the text to the answer (click, claim or no)


@dataclass(frozen=True)
class Candidate:
    """A patient matching says may be offered this slot, in matching's order."""

    patient_id: int
    urgency: str
    added_at: datetime
    recent_offers: int  # offers in the last 7 days (the contact cap counts these)
    history: History = field(default_factory=History)


@dataclass(frozen=True)
class Waiting:
    """An offer of this slot still waiting for an answer."""

    patient_id: int
    sent_at: datetime | None  # None: queued, not texted yet
    history: History = field(default_factory=History)


@dataclass(frozen=True)
class Outreach:
    """One open slot at `now`, as a strategy sees it."""

    practice: Practice
    slot: Slot
    now: datetime
    last_wave_at: datetime  # the newest offer's created_at; the slot's own before any offer
    waves: int  # waves so far
    waiting: tuple[Waiting, ...] = ()

    @property
    def deadline(self) -> datetime:
        """The last moment a wave may go out: the slot's start minus the minimum notice."""
        return self.slot.starts_at - timedelta(minutes=self.practice.min_notice_minutes)


@dataclass(frozen=True)
class Pick:
    patient_id: int
    reason: str


class Strategy(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def replaces_declines(self) -> bool:
        """A patient's "Nee" releases the next one at once (today's fixed waves did not)."""
        ...

    @property
    def needs_history(self) -> bool:
        """Whether `plan` reads the candidates' History (the query is skipped when not)."""
        ...

    def due(self, outreach: Outreach) -> datetime | None: ...

    def plan(self, outreach: Outreach, candidates: list[Candidate]) -> list[Pick]: ...

    def lookahead(self, outreach: Outreach) -> int:
        """How many ranked candidates `plan` may need to see."""
        ...


def describe(candidate: Candidate, now: datetime) -> str:
    """Why matching put this patient up front, in the words staff use."""
    days = max(0, (now - candidate.added_at).days)
    parts = ["urgentie hoog"] if candidate.urgency == "hoog" else []
    parts.append(f"wacht {days} dag" if days == 1 else f"wacht {days} dagen")
    if candidate.recent_offers:
        parts.append(f"{candidate.recent_offers}× aangeboden deze week")
    return ", ".join(parts)


@dataclass(frozen=True)
class Fixed:
    """`size` patients every `every` (None: one wave only): what every competitor does, and
    PakJePlekje's "vaste golven" setting."""

    name: str
    size: int
    every: timedelta | None
    replaces_declines: bool = False
    needs_history: bool = False

    def due(self, outreach: Outreach) -> datetime | None:
        if self.every is None:  # one wave only (held by quiet hours: it goes when they end)
            return outreach.last_wave_at if outreach.waves == 0 else None
        return outreach.last_wave_at + self.every

    def plan(self, outreach: Outreach, candidates: list[Candidate]) -> list[Pick]:
        return [
            Pick(c.patient_id, f"vaste golf: {describe(c, outreach.now)}")
            for c in candidates[: self.size]
        ]

    def lookahead(self, outreach: Outreach) -> int:
        return self.size


def practice_fixed(practice: Practice) -> Fixed:
    """The practice's own fixed waves (Instellingen: patiënten per golf, minuten ertussen);
    a "Nee" releases the next patient at once."""
    return Fixed(
        "vast",
        practice.wave_size,
        timedelta(minutes=practice.wave_interval_minutes),
        replaces_declines=True,
    )


def replacement(strategy: Strategy) -> Strategy:
    """Who replaces a patient who said no: one patient for fixed waves; the adaptive plan
    decides for itself (with less time left it may want more than one)."""
    if isinstance(strategy, Fixed):
        return Fixed(strategy.name, 1, strategy.every, strategy.replaces_declines)
    return strategy
