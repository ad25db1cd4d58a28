"""Dates and times as Dutch people read them; the one place for day and month names.

The short forms carry no accents, so they stay GSM-7 in SMS texts."""

from __future__ import annotations

import calendar
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
DAYS = ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag")
SHORT_DAYS = ("ma", "di", "wo", "do", "vr", "za", "zo")
MONTHS = (
    "januari", "februari", "maart", "april", "mei", "juni",
    "juli", "augustus", "september", "oktober", "november", "december",
)  # fmt: skip
SHORT_MONTHS = ("jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec")


def short_moment(local: datetime) -> str:
    """`di 3 dec 10:30`, for a moment already in the practice's time zone."""
    return (
        f"{SHORT_DAYS[local.weekday()]} {local.day} {SHORT_MONTHS[local.month - 1]} {local:%H:%M}"
    )


def dated_moment(moment: datetime, zone: ZoneInfo = AMSTERDAM) -> str:
    """`di 8 dec 2026 14:30` in `zone` (Amsterdam): a stored UTC moment as people read it
    when the year matters too (an overview of someone's data)."""
    local = moment.astimezone(zone)
    return (
        f"{SHORT_DAYS[local.weekday()]} {local.day} {SHORT_MONTHS[local.month - 1]} "
        f"{local.year} {local:%H:%M}"
    )


def long_moment(local: datetime) -> str:
    """`dinsdag 3 december 2026, 10:30`, for a moment already in the practice's time zone."""
    return f"{DAYS[local.weekday()]} {long_date(local)}, {local:%H:%M}"


def long_date(moment: datetime, zone: ZoneInfo | None = None) -> str:
    """`3 december 2026`; in `zone` when given (aware moments), else as the moment stands."""
    local = moment.astimezone(zone) if zone is not None else moment
    return f"{local.day} {MONTHS[local.month - 1]} {local.year}"


def add_months(moment: datetime, months: int) -> datetime:
    """The same wall-clock time `months` calendar months later (earlier when negative), counted
    on the Amsterdam calendar as people there read dates: 31 januari + 1 → 28/29 februari.
    In UTC, a moment late in the evening would land on the next day's month."""
    local = moment.astimezone(AMSTERDAM)
    year, month = divmod(local.year * 12 + local.month - 1 + months, 12)
    day = min(local.day, calendar.monthrange(year, month + 1)[1])
    return local.replace(year=year, month=month + 1, day=day).astimezone(UTC)
