"""Quiet hours: when a practice's patients are never texted about a slot.

`quiet_start_minute`–`quiet_end_minute` are minutes since local midnight (the period may cross
midnight; equal values mean no quiet hours), read in the practice's own time zone through
zoneinfo, so they stay right across DST changes. `waves` holds later waves with them; a slot
opened inside them holds its first wave too (`first_wave_held_until`).
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from pakjeplekje.models import Practice


def quiet_period_end(practice: Practice, moment: datetime) -> datetime | None:
    """The UTC moment the quiet period containing `moment` ends; None outside quiet hours."""
    start, end = practice.quiet_start_minute, practice.quiet_end_minute
    if start == end:
        return None
    zone = ZoneInfo(practice.timezone)
    local = moment.astimezone(zone)
    minute = local.hour * 60 + local.minute
    inside = start <= minute < end if start < end else (minute >= start or minute < end)
    if not inside:
        return None
    day = local.date() if minute < end else local.date() + timedelta(days=1)
    return datetime.combine(day, time(end // 60, end % 60), tzinfo=zone).astimezone(UTC)


def first_wave_held_until(
    practice: Practice, starts_at: datetime, now: datetime
) -> datetime | None:
    """When a slot opened `now` may text its first wave: None for right away, else the end of
    the quiet hours `now` lies in. Holding is skipped when it would be useless: the slot
    starts before the quiet hours end, or would then be less than the minimum notice away."""
    end = quiet_period_end(practice, now)
    if end is None or starts_at - end < timedelta(minutes=practice.min_notice_minutes):
        return None
    return end


def awake_minutes(practice: Practice, start: datetime, end: datetime) -> float:
    """Minutes between `start` and `end` outside quiet hours: the time a wave plan can use
    (nobody is texted at night, and few answer then)."""
    if end <= start:
        return 0.0
    quiet_from, quiet_until = practice.quiet_start_minute, practice.quiet_end_minute
    if quiet_from == quiet_until:
        return (end - start).total_seconds() / 60
    awake = (
        [(quiet_until, quiet_from)]
        if quiet_until < quiet_from
        else [(0, quiet_from), (quiet_until, 24 * 60)]
    )
    zone = ZoneInfo(practice.timezone)
    day = start.astimezone(zone).date() - timedelta(days=1)
    total = 0.0
    while day <= end.astimezone(zone).date():
        for a, b in awake:
            opens = datetime.combine(day, time(a // 60, a % 60), tzinfo=zone)
            closes = datetime.combine(
                day + timedelta(days=b // (24 * 60)),
                time((b % (24 * 60)) // 60, b % 60),
                tzinfo=zone,
            )
            overlap = min(end, closes.astimezone(UTC)) - max(start, opens.astimezone(UTC))
            total += max(0.0, overlap.total_seconds() / 60)
        day += timedelta(days=1)
    return total
