"""Moments for tests, chosen relative to the run's frozen instant so they hold at any instant.

The suite may start on a Saturday night, on the spring DST night or on New Year's Eve
(`TEST_NOW`). A slot "tomorrow at this hour" can then fall on a Sunday (nobody is available),
at night (outside 07:00–22:00, inside quiet hours) or in another year. These helpers give a
weekday daytime moment in Amsterdam instead; every test picks its slot times here.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

AMS = ZoneInfo("Europe/Amsterdam")


def local(moment: datetime) -> datetime:
    """The wall-clock time in Amsterdam of an aware moment."""
    return moment.astimezone(AMS)


def local_day(moment: datetime) -> date:
    """The Amsterdam date of a moment (not its UTC date: 23:30 UTC is tomorrow there)."""
    return local(moment).date()


def at_local(day: date, hour: int, minute: int = 0) -> datetime:
    """The UTC moment of `hour:minute` on `day` in Amsterdam, whatever the offset that day."""
    return datetime.combine(day, time(hour, minute), tzinfo=AMS).astimezone(UTC)


def weekday_at(
    after: datetime, hour: int = 10, minute: int = 30, *, days_ahead: int = 2
) -> datetime:
    """The first Monday–Friday at `hour:minute` Amsterdam time that is at least `days_ahead`
    Amsterdam days after `after` and not before it, as UTC.

    Valid at any instant: a weekday (every test patient can come then), daytime (inside the
    07:00–22:00 of a slot, outside quiet hours, never in a DST gap) and in the future."""
    day = local_day(after) + timedelta(days=days_ahead)
    while day.weekday() >= 5 or at_local(day, hour, minute) < after:
        day += timedelta(days=1)
    return at_local(day, hour, minute)


def form_fields(moment: datetime) -> tuple[str, str]:
    """The slot form's `Datum` (YYYY-MM-DD) and `Begintijd` (HH:MM) for a moment."""
    wall = local(moment)
    return wall.date().isoformat(), f"{wall:%H:%M}"
