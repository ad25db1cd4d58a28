"""Resultaten: what the waitlist brought a practice, per ISO week or calendar month.

One module for the figures of `/resultaten`, its CSV download and the monthly summary mail, so
the three never disagree. Periods are cut in the practice's own time zone (`Practice.timezone`:
a week runs Monday 00:00 to Monday 00:00 local time, across a DST change too), over a bounded
range (the last COUNT weeks or months, the current one included). Every figure is computed in
the database with GROUP BY over rows of this practice only; no slot is loaded into Python.

Definitions (each slot counts in the period it was *released*, so the figures of one row
describe the same slots and a slot released on Sunday evening and filled on Monday still
counts once, in its own week):

- **Vrijgegeven** (released): slots created in the period (`Slot.created_at`).
- **Gevuld via de wachtlijst** (filled): of those, the slots a waitlist patient claimed
  (status `claimed`, a `claimed_patient_id`, `claimed_via` page/api/sms). A slot staff closed
  as filled themselves does not count: the waitlist did not fill it.
- **Vulgraad** (fill rate): filled / released.
- **Mediane tijd tot gevuld**: the median of `claimed_at - created_at` over the filled slots
  (the middle one, or the mean of the two middle ones), shown with `texts.duration`.
- **SMS per gevulde plek**: offers texted for the period's slots (distinct offers with an
  outbound message that did not fail: a retry or the winner's confirmation text does not count
  twice) / filled.
- **Teleurgestelde klikkers** (disappointed clickers): offers whose patient opened the claim
  link and then saw the slot go to someone else: status `lost`, `clicked_at` set, never
  claimed themselves (a no-show given back is not one) and not answered "Nee". A click made
  only after the slot was gone cannot be counted: such a link is answered "al vergeven"
  without recording the visit (the offer is final, see `claims.Settled`).
- **Nee-antwoorden**: offers the patient declined (`declined_at`).
- **€ teruggewonnen** (recovered): the filled slots' treatment minutes × the practice's value
  of a treatment minute (`Practice.minute_value_cents`, Instellingen; default 367 cents, the
  NZa 2025 time tariff of about €17–20 per 5 minutes). The current value applies to every
  period: the figure answers "what are these fills worth at today's rate".
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import expression
from sqlalchemy.sql.compiler import SQLCompiler
from sqlmodel import Session, col, func, select

from pakjeplekje import texts
from pakjeplekje.domain.dutch_dates import MONTHS, SHORT_MONTHS
from pakjeplekje.domain.offers import OfferStatus, SlotStatus
from pakjeplekje.models import Message, Offer, Practice, Slot

WEEK, MONTH = "week", "maand"
UNITS = (WEEK, MONTH)
COUNT = 12  # periods shown: the last 12 weeks or months, the current one included
FILLED_VIA = ("page", "api", "sms")
MINUTE_VALUE_DEFAULT = 367  # cents: NZa 2025 ≈ €17–20 per 5 minutes


@dataclass(frozen=True)
class Period:
    """One week or month of one practice. `start`/`end`: local dates, `end` exclusive."""

    start: date
    end: date
    label: str
    released: int = 0
    filled: int = 0
    median_seconds: float | None = None
    offers_texted: int = 0
    disappointed: int = 0
    declined: int = 0
    minutes_filled: int = 0
    recovered_cents: int = 0

    @property
    def fill_rate(self) -> float | None:
        return self.filled / self.released if self.released else None

    @property
    def sms_per_fill(self) -> float | None:
        return self.offers_texted / self.filled if self.filled else None


class _Seconds(expression.FunctionElement[float]):
    """`later - earlier` in seconds, in SQL: SQLite keeps datetimes as text, PostgreSQL as
    timestamps, and neither spells the difference like the other."""

    type = sa.Float()
    name = "seconds_between"
    inherit_cache = True


@compiles(_Seconds)
def _seconds_default(element: _Seconds, compiler: SQLCompiler, **kw: Any) -> str:
    later, earlier = list(element.clauses)
    return (
        f"EXTRACT(EPOCH FROM ({compiler.process(later, **kw)} - {compiler.process(earlier, **kw)}))"
    )


@compiles(_Seconds, "sqlite")
def _seconds_sqlite(element: _Seconds, compiler: SQLCompiler, **kw: Any) -> str:
    later, earlier = list(element.clauses)
    return (
        f"((julianday({compiler.process(later, **kw)}) - "
        f"julianday({compiler.process(earlier, **kw)})) * 86400.0)"
    )


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _next_month(first: date) -> date:
    return date(first.year + first.month // 12, first.month % 12 + 1, 1)


def _previous_month(first: date) -> date:
    return (first - timedelta(days=1)).replace(day=1)


def bounds(unit: str, today: date, count: int = COUNT) -> list[tuple[date, date]]:
    """The last `count` periods up to and including the one `today` falls in, oldest first."""
    if unit == WEEK:
        first = _monday(today) - timedelta(weeks=count - 1)
        return [(first + timedelta(weeks=i), first + timedelta(weeks=i + 1)) for i in range(count)]
    if unit != MONTH:
        raise ValueError(unit)
    start = today.replace(day=1)
    for _ in range(count - 1):
        start = _previous_month(start)
    periods = []
    for _ in range(count):
        periods.append((start, _next_month(start)))
        start = _next_month(start)
    return periods


def label(start: date, end: date) -> str:
    """`week 49 · 30 nov – 6 dec 2026`, `week 50 · 7–13 dec 2026` or `december 2026`."""
    if end - start == timedelta(weeks=1) and start.weekday() == 0:
        last = end - timedelta(days=1)
        week = start.isocalendar().week
        first = f"{start.day}"
        if start.month != last.month:
            first += f" {SHORT_MONTHS[start.month - 1]}"
        if start.year != last.year:
            first += f" {start.year}"
        sep = "–" if first.isdigit() else " – "
        return f"week {week} · {first}{sep}{last.day} {SHORT_MONTHS[last.month - 1]} {last.year}"
    return f"{MONTHS[start.month - 1]} {start.year}"


def _zone(db: Session, practice_id: int) -> tuple[ZoneInfo, int]:
    practice = db.get(Practice, practice_id)
    assert practice is not None
    return ZoneInfo(practice.timezone), practice.minute_value_cents


def _period_of(
    moment: Any, edges: Sequence[datetime]
) -> expression.Case[Any]:  # ColumnElement of an int
    """The index of the period a UTC moment falls in, given the periods' edges (n + 1)."""
    return sa.case(
        *[(moment < edge, index) for index, edge in enumerate(edges[1:])],
        else_=None,
    )


def figures(db: Session, practice_id: int, periods: Sequence[tuple[date, date]]) -> list[Period]:
    """The figures of contiguous local periods (oldest first), in the same order."""
    zone, minute_value = _zone(db, practice_id)
    edges = [datetime.combine(start, time(0), tzinfo=zone) for start, _ in periods]
    edges.append(datetime.combine(periods[-1][1], time(0), tzinfo=zone))
    in_range = (
        Slot.practice_id == practice_id,
        col(Slot.created_at) >= edges[0],
        col(Slot.created_at) < edges[-1],
    )
    filled = sa.and_(
        col(Slot.status) == SlotStatus.CLAIMED,
        col(Slot.claimed_patient_id).is_not(None),
        col(Slot.claimed_via).in_(FILLED_VIA),
        col(Slot.claimed_at).is_not(None),
    )
    period = _period_of(col(Slot.created_at), edges).label("p")

    # Grouped on a subquery's column: PostgreSQL would not see a CASE with bound parameters
    # in GROUP BY as the one in SELECT.
    slots = select(
        period,
        sa.case((filled, 1), else_=0).label("filled"),
        sa.case((filled, col(Slot.duration_minutes)), else_=0).label("minutes"),
    ).where(*in_range)
    s = slots.subquery()
    counts = {
        p: (released, int(n or 0), int(minutes or 0))
        for p, released, n, minutes in db.exec(
            select(s.c.p, func.count(), func.sum(s.c.filled), func.sum(s.c.minutes)).group_by(s.c.p)
        ).all()
    }

    fills = (
        select(period, _Seconds(col(Slot.claimed_at), col(Slot.created_at)).label("s"))
        .where(*in_range, filled)
        .subquery()
    )
    ranked = select(
        fills.c.p,
        fills.c.s,
        func.row_number().over(partition_by=fills.c.p, order_by=fills.c.s).label("rn"),
        func.count().over(partition_by=fills.c.p).label("n"),
    ).subquery()
    middle = sa.or_(ranked.c.rn == (ranked.c.n + 1) // 2, ranked.c.rn == (ranked.c.n + 2) // 2)
    medians = dict(
        db.exec(select(ranked.c.p, func.avg(ranked.c.s)).where(middle).group_by(ranked.c.p)).all()
    )

    texted_rows = (
        select(period, col(Message.offer_id).label("offer_id"))
        .select_from(Message)
        .join(Offer, col(Offer.id) == col(Message.offer_id))
        .join(Slot, col(Slot.id) == col(Offer.slot_id))
        .where(
            *in_range,
            Offer.practice_id == practice_id,
            Message.practice_id == practice_id,
            Message.direction == "out",
            Message.status != "failed",
        )
        .subquery()
    )
    texted = dict(
        db.exec(
            select(texted_rows.c.p, func.count(sa.distinct(texted_rows.c.offer_id))).group_by(
                texted_rows.c.p
            )
        ).all()
    )

    disappointed = sa.and_(
        col(Offer.status) == OfferStatus.LOST,
        col(Offer.clicked_at).is_not(None),
        col(Offer.claimed_at).is_(None),
        col(Offer.declined_at).is_(None),
    )
    offer_rows = (
        select(
            period,
            sa.case((disappointed, 1), else_=0).label("disappointed"),
            sa.case((col(Offer.declined_at).is_not(None), 1), else_=0).label("declined"),
        )
        .select_from(Offer)
        .join(Slot, col(Slot.id) == col(Offer.slot_id))
        .where(*in_range, Offer.practice_id == practice_id)
        .subquery()
    )
    answers = {
        p: (int(d or 0), int(n or 0))
        for p, d, n in db.exec(
            select(
                offer_rows.c.p, func.sum(offer_rows.c.disappointed), func.sum(offer_rows.c.declined)
            ).group_by(offer_rows.c.p)
        ).all()
    }

    result = []
    for index, (start, end) in enumerate(periods):
        released, n_filled, minutes = counts.get(index, (0, 0, 0))
        median = medians.get(index)
        gone, declined = answers.get(index, (0, 0))
        result.append(
            Period(
                start=start,
                end=end,
                label=label(start, end),
                released=released,
                filled=n_filled,
                median_seconds=None if median is None else round(float(median), 3),
                offers_texted=int(texted.get(index, 0)),
                disappointed=gone,
                declined=declined,
                minutes_filled=minutes,
                recovered_cents=minutes * minute_value,
            )
        )
    return result


def local_today(db: Session, practice_id: int, now: datetime) -> date:
    zone, _ = _zone(db, practice_id)
    return now.astimezone(zone).date()


def overview(
    db: Session, practice_id: int, unit: str, now: datetime, count: int = COUNT
) -> list[Period]:
    """The last `count` weeks or months of the practice, newest first (as the page shows)."""
    periods = bounds(unit, local_today(db, practice_id, now), count)
    return list(reversed(figures(db, practice_id, periods)))


def month(db: Session, practice_id: int, first: date) -> Period:
    """One calendar month (the monthly summary mail's figures)."""
    [period] = figures(db, practice_id, [(first, _next_month(first))])
    return period


def has_slots(db: Session, practice_id: int) -> bool:
    """Whether the practice ever released a slot (else the page shows how to start)."""
    first = db.exec(select(Slot.id).where(Slot.practice_id == practice_id).limit(1)).first()
    return first is not None


# --- the figures as people read them (page, CSV, mail) --------------------------------


def fill_rate_text(period: Period) -> str:
    rate = period.fill_rate
    return "—" if rate is None else texts.percent(rate)


def median_text(period: Period) -> str:
    return "—" if period.median_seconds is None else texts.duration(period.median_seconds)


def sms_per_fill_text(period: Period) -> str:
    ratio = period.sms_per_fill
    return "—" if ratio is None else texts.decimal(ratio)


CSV_HEADERS = (
    "Periode",
    "Begin",
    "Einde",
    "Vrijgegeven",
    "Gevuld via wachtlijst",
    "Vulgraad (%)",
    "Mediane tijd tot gevuld (min)",
    "SMS per gevulde plek",
    "Teleurgestelde klikkers",
    "Nee-antwoorden",
    "Teruggewonnen (EUR)",
)


def _csv_cell(value: str) -> str:
    """No cell a spreadsheet runs as a formula (=, +, -, @, tab, CR): labels are ours, but the
    rule holds for every cell we write."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def _number(value: float | None, digits: int) -> str:
    """Dutch Excel reads a decimal comma; empty when there is nothing to divide."""
    return "" if value is None else f"{value:.{digits}f}".replace(".", ",")


def export_csv(periods: Sequence[Period]) -> str:
    """The periods as CSV for Dutch Excel (`;`-separated, decimal comma, BOM), newest first."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_HEADERS)
    for p in periods:
        rate = None if p.fill_rate is None else p.fill_rate * 100
        median = None if p.median_seconds is None else p.median_seconds / 60
        row = [
            p.label,
            p.start.isoformat(),
            (p.end - timedelta(days=1)).isoformat(),
            str(p.released),
            str(p.filled),
            _number(rate, 1),
            _number(median, 1),
            _number(p.sms_per_fill, 2),
            str(p.disappointed),
            str(p.declined),
            _number(p.recovered_cents / 100, 2),
        ]
        writer.writerow([_csv_cell(cell) for cell in row])
    return out.getvalue()


def summary_lines(period: Period) -> list[str]:
    """The month's figures in the monthly summary mail, one line each."""
    return [
        f"- Plekken vrijgegeven: {period.released}",
        f"- Gevuld via de wachtlijst: {period.filled}",
        f"- Vulgraad: {fill_rate_text(period)}",
        f"- Mediane tijd tot gevuld: {median_text(period)}",
        f"- SMS per gevulde plek: {sms_per_fill_text(period)}",
        f"- Teleurgestelde klikkers: {period.disappointed}",
        f"- Teruggewonnen: {texts.euros(period.recovered_cents)}",
    ]
