"""The one clock. Domain code takes `now` as an argument; everything else asks `clock.now()`.

Tests freeze it with time-machine (which patches `datetime.now`), so a test never depends on
today's date or hour. A process started for a test (the prod build the browser tests drive)
can be put at a fixed instant with `CLOCK_START` (ISO 8601, UTC); from there it ticks on.
`config.check_startable` refuses that setting in production.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

CLOCK_START_ENV = "CLOCK_START"


def _offset_from_env() -> timedelta:
    raw = os.environ.get(CLOCK_START_ENV, "").strip()
    if not raw:
        return timedelta(0)
    start = datetime.fromisoformat(raw)
    if start.tzinfo is None:
        start = start.replace(tzinfo=UTC)
    return start - datetime.now(UTC)


_offset = _offset_from_env()


def now() -> datetime:
    """Aware UTC now; the only place the app reads the wall clock."""
    return datetime.now(UTC) + _offset
