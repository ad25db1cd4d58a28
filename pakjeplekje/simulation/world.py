"""One strategy's run at one practice of the synthetic world: the real core loop on a
simulated clock.

A fresh in-memory SQLite database per (strategy, seed, practice) run; every step is the
app's own code, each in its own unit of work as in the app: a release opens the slot and
texts wave 1 like `slots.open_slot` (held through quiet hours by
`quiet_hours.first_wave_held_until`); due waves go out through `waves.run_due_waves`; every
offer is texted through `dispatch.claim_for_sending` + `record_sent`; a "ja" opens the link
(`claims.view`) and claims (`claims.claim`); a "nee" declines through the claim page
(`declines.decline_link`) and asks `waves.release_next` for the next patient (only
strategies that replace declines get one).

The clock jumps from event to event instead of ticking: releases, newcomers, answers, and
each open slot's next wave moment, computed with the real `outreach.outreach`,
`Strategy.due` and `waves.next_wave_at` and rounded up to the app's one-minute tick. A fixed
strategy's moment is exact; the adaptive plan's moment moves as time passes (less time
left, silent offers losing their chance), so it is asked again halfway there until it is
within `CLOSE_ENOUGH`. A slot that was due but found nobody (everyone matching already
texted, or at the contact cap) can only find someone when the waitlist changes under
matching's rules: a newcomer joins, or a patient at the contact cap sees the oldest of their
texts leave the 7-day window. Those moments wake it (the app asks each minute; the answer
changes only then), and `RECHECK` as a safety net.
"""

from __future__ import annotations

import heapq
import itertools
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.pool import StaticPool
from sqlmodel import Session, SQLModel, col, create_engine, select

from pakjeplekje.domain.core_loop import claims, declines, dispatch, outreach, slots, waves
from pakjeplekje.domain.core_loop.quiet_hours import first_wave_held_until
from pakjeplekje.domain.core_loop.wave_strategies import Fixed, Strategy
from pakjeplekje.domain.offers import SlotStatus
from pakjeplekje.models import Offer, Patient, PatientTreatment, Practice, Slot, Treatment
from pakjeplekje.simulation import population
from pakjeplekje.simulation.population import PatientSpec, Population, SlotSpec

LINK = "https://simulatie.invalid/c/"
SECRET = "simulatie"  # noqa: S105 -- keys the claim page's client throttle; no client guesses here
RECHECK = timedelta(hours=24)  # a safety net: newcomers and the cap wake such slots
CLOSE_ENOUGH = timedelta(minutes=5)
TICK = timedelta(minutes=1)
# Expiry is bookkeeping once a slot has started (every claim and wave checks the start
# itself), so the app's each-minute expiry pass runs here at most this often.
EXPIRE_EVERY = timedelta(hours=1)


@dataclass
class Run:
    """What one run leaves behind: its database (the real rows) and what only the patients
    saw (a click on a link whose slot was gone)."""

    key: str
    strategy: Strategy
    practice: int  # the population's practice number this run (and database) holds
    population: Population
    engine: Engine
    disappointed: Counter[int] = field(default_factory=Counter)  # slot id → "al vergeven"
    late: Counter[int] = field(default_factory=Counter)  # slot id → a yes after it expired
    slot_keys: dict[int, str] = field(default_factory=dict)


def _ceil_tick(moment: datetime) -> datetime:
    seconds = moment.timestamp()
    step = TICK.total_seconds()
    return datetime.fromtimestamp(-(-seconds // step) * step, UTC)


class World:
    def __init__(self, pop: Population, key: str, strategy: Strategy, practice: int) -> None:
        self.practice = practice
        engine = create_engine("sqlite://", poolclass=StaticPool)
        SQLModel.metadata.create_all(engine)
        self.run = Run(key, strategy, practice, pop, engine)
        self.strategy = strategy
        self.exact = isinstance(strategy, Fixed)  # its due moment does not drift
        self.events: list[tuple[datetime, int, str, Any]] = []
        self.order = itertools.count()
        self.next_check: dict[int, datetime] = {}  # slot id → when to run the due waves
        self.next_look: dict[int, datetime] = {}  # slot id → when to ask the plan again
        self.exhausted: dict[int, set[int]] = {}  # practice id → slots that found nobody
        self.texted: dict[int, list[datetime]] = {}  # patient id → when they were texted
        self.expired_at = pop.start
        self.patients: dict[int, PatientSpec] = {}  # database id → who they are
        self.practice_ids: list[int] = []
        self.treatment_ids: dict[tuple[int, str], int] = {}
        self._setup()

    def _session(self) -> Session:
        return Session(self.run.engine)

    def _push(self, at: datetime, kind: str, payload: Any) -> None:
        heapq.heappush(self.events, (at, next(self.order), kind, payload))

    def _setup(self) -> None:
        pop = self.run.population
        with self._session() as db:
            for number in range(pop.practices):
                if number != self.practice:
                    self.practice_ids.append(0)  # another run's
                    continue
                practice = Practice(
                    name=f"Simulatiepraktijk {number + 1}",
                    slug=f"simulatie-{number + 1}",
                    sms_sender_name="Simulatie",
                    created_at=pop.start - timedelta(days=400),
                    email_confirmed_at=pop.start - timedelta(days=400),
                )
                db.add(practice)
                db.flush()
                self.practice_ids.append(practice.id)
                self.cap = practice.max_offers_per_week
                for name in population.TREATMENTS:
                    treatment = Treatment(practice_id=practice.id, name=name)
                    db.add(treatment)
                    db.flush()
                    self.treatment_ids[number, name] = treatment.id
            mine = [spec for spec in pop.patients if spec.practice == self.practice]
            self._add_patients(db, [spec for spec in mine if spec.joins_at <= pop.start])
            for spec in mine:
                if spec.joins_at > pop.start:
                    self._push(spec.joins_at, "join", spec)
            db.commit()
        for slot in pop.slots:
            if slot.practice == self.practice:
                self._push(slot.released_at, "release", slot)

    def _add_patients(self, db: Session, specs: list[PatientSpec]) -> None:
        rows = [
            Patient(
                practice_id=self.practice_ids[spec.practice],
                name=f"Patiënt {spec.key}",
                phone=f"+316{len(self.patients) + i + 10_000_000:08d}",
                duration_minutes=spec.duration,
                availability=spec.availability,
                urgency="hoog" if spec.urgent else "normaal",
                consent_method="schriftelijk",
                consent_at=spec.added_at,
                added_at=spec.added_at,
                updated_at=spec.added_at,
            )
            for i, spec in enumerate(specs)
        ]
        db.add_all(rows)
        db.flush()
        for patient, spec in zip(rows, specs, strict=True):
            self.patients[patient.id] = spec
            db.add_all(
                PatientTreatment(
                    patient_id=patient.id, treatment_id=self.treatment_ids[spec.practice, name]
                )
                for name in spec.treatments
            )
        db.flush()

    # --- the loop ------------------------------------------------------------------------

    def simulate(self) -> Run:
        while self.step():
            pass
        with self._session() as db:
            last = max((s.starts_at for s in self.run.population.slots), default=None)
            waves.expire_offers(db, (last or self.run.population.end) + TICK)
            db.commit()
        return self.run

    def step(self) -> bool:
        """Handle the next moment: a plan to look at again, due waves, or an event (in that
        order when they coincide). False when nothing is left."""
        wave_at = min(self.next_check.values(), default=None)
        look = min(self.next_look.items(), key=lambda item: (item[1], item[0]), default=None)
        event_at = self.events[0][0] if self.events else None
        if look is not None and all(at is None or look[1] < at for at in (wave_at, event_at)):
            del self.next_look[look[0]]
            self._plan(look[0], look[1], just_ran=False)
        elif wave_at is not None and (event_at is None or wave_at <= event_at):
            self._waves(wave_at)
        elif self.events:
            at, _, kind, payload = heapq.heappop(self.events)
            if kind == "join":
                self._join(payload, at)
            elif kind == "cap":
                self._cap_window(payload, at)
            elif kind == "release":
                self._release(payload, at)
            else:
                self._answer(at, *payload)
        else:
            return False
        return True

    def _join(self, spec: PatientSpec, now: datetime) -> None:
        """A newcomer may match slots that found nobody: they are asked again at once."""
        with self._session() as db:
            self._add_patients(db, [spec])
            db.commit()
        self._wake(self.practice_ids[spec.practice], now)

    def _cap_window(self, patient_id: int, now: datetime) -> None:
        """A text leaves the patient's 7-day window: if that frees them from the contact cap,
        the slots that found nobody may find them now."""
        week = timedelta(days=7)
        recent = sum(1 for t in self.texted[patient_id] if now - week <= t < now)
        if recent >= self.cap:
            self._wake(self.practice_ids[self.practice], now)

    def _wake(self, practice_id: int, now: datetime) -> None:
        for slot_id in sorted(self.exhausted.pop(practice_id, set())):
            if slot_id in self.next_check:
                self.next_check[slot_id] = now

    def _release(self, spec: SlotSpec, now: datetime) -> None:
        """What `slots.open_slot` does, with the strategy under test."""
        with self._session() as db:
            practice = db.get(Practice, self.practice_ids[spec.practice])
            assert practice is not None
            slot = Slot(
                practice_id=practice.id,
                starts_at=spec.starts_at,
                duration_minutes=spec.duration,
                treatment_id=self.treatment_ids[spec.practice, spec.treatment],
                created_at=now,
            )
            db.add(slot)
            db.flush()
            slot_id = slot.id
            self.run.slot_keys[slot_id] = spec.key
            held = first_wave_held_until(practice, slot.starts_at, now)
            ids = slots.add_wave(db, slot, 1, now, strategy=self.strategy) if held is None else []
            self._text(db, ids, now)
            db.commit()
        self._plan(slot_id, now, just_ran=True)

    def _waves(self, now: datetime) -> None:
        with self._session() as db:
            if now - self.expired_at >= EXPIRE_EVERY:
                waves.expire_offers(db, now)
                self.expired_at = now
            ids = waves.run_due_waves(db, now, strategy=self.strategy)
            touched = self._text(db, ids, now)
            db.commit()
        due = {slot_id for slot_id, at in self.next_check.items() if at <= now}
        for slot_id in sorted(due | touched):
            self._plan(slot_id, now, just_ran=True)

    def _plan(self, slot_id: int, now: datetime, just_ran: bool) -> None:
        """When to look at this slot again: its next wave moment by the real rules."""
        with self._session() as db:
            slot = db.get(Slot, slot_id)
            assert slot is not None
            practice = db.get(Practice, slot.practice_id)
            assert practice is not None
            due = None
            if slot.status == SlotStatus.OPEN and slot.starts_at > now:
                seen = outreach.outreach(db, self.strategy, practice, slot, now)
                due = waves.next_wave_at(practice, slot, self.strategy.due(seen), now)
        self.next_look.pop(slot_id, None)
        if due is None:
            self.next_check.pop(slot_id, None)
            return
        if due <= now:  # due: now, or (it just ran and found nobody) again after a while
            at = now + RECHECK if just_ran else now
            if just_ran:
                self.exhausted.setdefault(practice.id, set()).add(slot_id)
        elif self.exact or due - now <= CLOSE_ENOUGH:
            at = due
        else:  # the plan may move: only look again halfway there
            self.next_check.pop(slot_id, None)
            self.next_look[slot_id] = now + (due - now) / 2
            return
        self.next_check[slot_id] = _ceil_tick(at) if at > now else now

    def _text(self, db: Session, offer_ids: list[int], now: datetime) -> set[int]:
        """Text each offer as the send job does, and schedule the patient's answer."""
        texted: set[int] = set()
        slot_of = dict(
            db.exec(select(Offer.id, Offer.slot_id).where(col(Offer.id).in_(offer_ids))).all()
        )
        for offer_id in offer_ids:
            sms = dispatch.claim_for_sending(db, offer_id, LINK, now)
            if sms is None:
                continue
            dispatch.record_sent(db, sms, f"SIM{offer_id}", "sent", now)
            found = re.search(re.escape(LINK) + r"(\S+)", sms.body)
            assert found is not None
            slot_id = slot_of[offer_id]
            texted.add(slot_id)
            self.texted.setdefault(sms.patient_id, []).append(now)
            self._push(now + timedelta(days=7), "cap", sms.patient_id)
            spec = self.patients[sms.patient_id]
            answer = population.answer(
                self.run.population.seed, spec, self.run.slot_keys[slot_id], now
            )
            if answer.kind != "stil":
                self._push(answer.at, "answer", (slot_id, found[1], answer.kind))
        return texted

    def _answer(self, now: datetime, slot_id: int, raw: str, kind: str) -> None:
        with self._session() as db:
            ids: list[int] = []
            if kind == "ja":
                claims.view(db, raw, now)
                result = claims.claim(
                    db, raw, channel="page", client="simulatie", secret=SECRET, now=now
                )
                if result.result == "taken":
                    self.run.disappointed[slot_id] += 1
                elif result.result == "expired":
                    self.run.late[slot_id] += 1
            else:
                declined = declines.decline_link(db, raw, now)
                if declined is not None:
                    ids = waves.release_next(db, declined.slot_id, now, strategy=self.strategy)
            self._text(db, ids, now)
            db.commit()
        self._plan(slot_id, now, just_ran=False)


def run(pop: Population, key: str, strategy: Strategy, practice: int) -> Run:
    """One practice under one strategy. Practices share nothing the core loop looks at (each
    has its own waitlist, contact cap and quiet hours), so each gets its own database: the
    due-wave pass then looks at one practice's open slots, and runs can go in parallel."""
    return World(pop, key, strategy, practice).simulate()
