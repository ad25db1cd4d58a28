"""Adaptive waves: text as few patients as the time left allows, and wait for their answers.

Every text has about the same chance of a "ja" however it is timed; what timing changes is
how many texts are wasted (sent while an earlier patient was still going to say yes: a
disappointed clicker) and whether the slot fills before the practice's minimum notice.
So the plan is the smallest wave, then the longest wait between waves, that still gives the
slot a `TARGET` chance of filling before that deadline:

- Each patient's chance of saying yes is a Beta-smoothed rate of their own history with the
  practice (opened the link or claimed, without saying no, per text received), starting
  from `PRIOR_INTEREST` for a newcomer; their answer time is log-normal around the geometric
  mean of their own answer times, shrunk towards `PRIOR_DELAY` (no study publishes SMS reply
  times: an assumption, and a parameter).
- Offers still waiting count with the chance that is left of them (given no answer so far).
- A "Nee" (SMS or button) releases the next patient at once: the plan runs again.
- Who goes first: urgent patients, then those likelier to say yes (`first_in_line`); equals
  take turns (matching's `rotate`: fewest recent offers first). Never more than `MAX_WAVE`
  at once; matching applies the contact cap.
Pure arithmetic on what `outreach` hands over: no database, no clock.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from pakjeplekje.domain.core_loop.quiet_hours import awake_minutes
from pakjeplekje.domain.core_loop.wave_strategies import (
    Candidate,
    History,
    Outreach,
    Pick,
    describe,
)
from pakjeplekje.models import Practice

PRIOR_INTEREST = 0.12  # published acceptance 8–11 % of offers; "interest" also counts late clicks
PRIOR_WEIGHT = 4.0  # a newcomer's rate counts as this many texts of evidence
PRIOR_DELAY = 30.0  # minutes: assumed median answer time of a newcomer
PRIOR_DELAY_WEIGHT = 2.0
DELAY_SIGMA = 1.0  # spread of answer times (log-normal): a quarter answer within ~15 min
TARGET = 0.9  # wanted chance that the slot fills before the minimum notice
GAPS = (240, 180, 120, 90, 60, 45, 30, 20, 15, 10, 5)  # minutes between waves, longest first
MAX_WAVE = 15
LOOKAHEAD = 30  # ranked candidates read for a plan (their mean stands for later waves)
INTEREST_STEP = 0.04  # interest estimates closer than this count as equal (take turns)
SURE = 20.0  # answer-time medians after which an answer is as good as in


def interest(history: History) -> float:
    """The chance this patient says yes to a text (Beta prior, then their own record)."""
    return (PRIOR_INTEREST * PRIOR_WEIGHT + history.interested) / (PRIOR_WEIGHT + history.texted)


def typical_delay(history: History) -> float:
    """Their median answer time in minutes: geometric mean, shrunk towards the prior."""
    logs = [math.log(max(d, 0.5)) for d in history.delays]
    total = PRIOR_DELAY_WEIGHT * math.log(PRIOR_DELAY) + sum(logs)
    return math.exp(total / (PRIOR_DELAY_WEIGHT + len(logs)))


def answered_within(minutes: float, median: float) -> float:
    """P(an answer within `minutes`) for a log-normal answer time with this median."""
    if minutes <= 0:
        return 0.0
    z = (math.log(minutes) - math.log(median)) / DELAY_SIGMA
    return 0.5 * (1 + math.erf(z / math.sqrt(2)))


@dataclass(frozen=True)
class Plan:
    size: int  # patients to text now
    gap: int  # minutes until the next wave
    chance: float  # chance of a fill before the deadline if this plan is followed


def _left(history: History, elapsed: float, horizon: float) -> float:
    """Chance that a patient texted `elapsed` minutes ago, silent so far, says yes in time."""
    p, median = interest(history), typical_delay(history)
    before = p * answered_within(elapsed, median)
    return (
        p
        * (answered_within(elapsed + horizon, median) - answered_within(elapsed, median))
        / (1 - before)
    )


def plan(
    horizon: float,
    waiting: list[tuple[History, float]],
    first: list[History],
    pool: list[History],
    most: int = MAX_WAVE,
) -> Plan:
    """The smallest wave, then the longest gap, reaching `TARGET` within `horizon` minutes.

    `waiting`: offers out, with minutes since each was texted; `first`: the candidates in
    the order they would be texted; `pool`: whose average stands for later waves."""
    most = max(0, min(most, len(first)))
    if horizon <= 0 or most == 0:
        return Plan(0, GAPS[-1], 0.0)
    miss_waiting = math.prod(1 - _left(h, elapsed, horizon) for h, elapsed in waiting)
    pool = pool or [History()]
    p = sum(interest(h) for h in pool) / len(pool)
    median = math.exp(sum(math.log(typical_delay(h)) for h in pool) / len(pool))
    best = Plan(most, GAPS[-1], 0.0)
    for size in range(1, most + 1):
        miss_now = miss_waiting * math.prod(
            1 - interest(h) * answered_within(horizon, typical_delay(h)) for h in first[:size]
        )
        for gap in (g for g in GAPS if g < horizon or g == GAPS[-1]):
            chance = 1 - miss_now * _later_waves_miss(horizon, gap, p, median) ** size
            if chance >= TARGET:
                return Plan(size, gap, chance)
            if chance > best.chance:
                best = Plan(size, gap, chance)
    return best


def _later_waves_miss(horizon: float, gap: int, p: float, median: float) -> float:
    """Chance that one place in every later wave (one text per wave) brings no yes in time."""
    rounds = int(horizon // gap)
    sure_left = SURE * median  # a wave with this much time left has as good as all answers
    sure = sum(1 for r in range(1, rounds + 1) if horizon - r * gap >= sure_left)
    miss = (1 - p) ** sure
    for r in range(sure + 1, rounds + 1):
        miss *= 1 - p * answered_within(horizon - r * gap, median)
    return miss


def opening_plan(
    practice: Practice, starts_at: datetime, now: datetime, candidates: list[History]
) -> Plan:
    """The first wave's plan for a slot not opened yet (the preview on /plekken)."""
    deadline = starts_at - timedelta(minutes=practice.min_notice_minutes)
    return plan(awake_minutes(practice, now, deadline), [], candidates, candidates)


def first_in_line(candidates: list[Candidate]) -> list[Candidate]:
    """Urgent first; then who is likelier to say yes, in steps of `INTEREST_STEP` (a patient
    who never answers waits behind one who does); equals keep matching's order, which takes
    them in turn (fewest recent offers, then the longest waiting)."""
    return sorted(
        candidates,
        key=lambda c: (c.urgency != "hoog", -math.floor(interest(c.history) / INTEREST_STEP)),
    )


def why(candidate: Candidate, now_reason: str) -> str:
    """Staff's reading of the choice: matching's order, and what the plan expected of them."""
    h = candidate.history
    if h.texted == 0:
        record = "nog niet eerder ge-sms't: gemiddelde verwachting"
    else:
        record = (
            f"{h.interested} van {h.texted} keer interesse, "
            f"antwoordt meestal binnen {round(typical_delay(h))} min"
        )
    return f"{now_reason}; {record}"


@dataclass(frozen=True)
class Adaptive:
    """The default strategy (Instellingen: "Adaptief")."""

    name: str = "adaptief"
    replaces_declines: bool = True
    needs_history: bool = True

    def _horizon(self, outreach: Outreach) -> float:
        """Minutes until the deadline that are outside quiet hours."""
        return awake_minutes(outreach.practice, outreach.now, outreach.deadline)

    def _waiting(self, outreach: Outreach) -> list[tuple[History, float]]:
        return [
            (
                w.history,
                0.0 if w.sent_at is None else (outreach.now - w.sent_at).total_seconds() / 60,
            )
            for w in outreach.waiting
        ]

    def due(self, outreach: Outreach) -> datetime | None:
        """After the planned gap; 5 minutes after the last wave (or the opening that found
        nobody) once nobody is left waiting. A "Nee" does not wait: `waves.release_next`."""
        if not outreach.waiting:
            return outreach.last_wave_at + timedelta(minutes=GAPS[-1])
        pool = [w.history for w in outreach.waiting]
        chosen = plan(
            self._horizon(outreach), self._waiting(outreach), [History()] * MAX_WAVE, pool
        )
        return outreach.last_wave_at + timedelta(minutes=chosen.gap)

    def lookahead(self, outreach: Outreach) -> int:
        return LOOKAHEAD

    def plan(self, outreach: Outreach, candidates: list[Candidate]) -> list[Pick]:
        candidates = first_in_line(candidates)
        histories = [c.history for c in candidates]
        chosen = plan(self._horizon(outreach), self._waiting(outreach), histories, histories)
        return [
            Pick(c.patient_id, why(c, describe(c, outreach.now)))
            for c in candidates[: max(1, chosen.size)]
        ]
