"""Failed-attempt counters in the database, so a restart does not reset a lockout."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from pakjeplekje.models import LoginThrottle

WINDOW = timedelta(minutes=15)
LOCKOUT = timedelta(minutes=15)


def is_locked(db: Session, key: str, now: datetime, *, for_update: bool = False) -> bool:
    """`for_update`: lock the counter row (PostgreSQL) so the caller's decision and its
    write cannot interleave with a concurrent attempt's; SQLite's write lock already does."""
    row = db.get(LoginThrottle, key, with_for_update=True if for_update else None)
    return bool(row and row.locked_until and row.locked_until > now)


def register_failure(
    db: Session,
    key: str,
    limit: int,
    now: datetime,
    *,
    window: timedelta = WINDOW,
    lockout: timedelta = LOCKOUT,
) -> None:
    """Count one failure; the `limit`-th within the window locks the key for `lockout`. The row
    is read FOR UPDATE: concurrent failures on PostgreSQL queue instead of overwriting."""
    for _ in range(2):  # a concurrent first failure may insert the row between our read and write
        row = db.get(LoginThrottle, key, with_for_update=True)
        if row is None:
            try:
                with db.begin_nested():
                    db.add(LoginThrottle(key=key, failures=0, window_started_at=now))
            except IntegrityError:
                continue
            row = db.get(LoginThrottle, key, with_for_update=True)
            assert row is not None
        if now - row.window_started_at > window:
            row.failures, row.window_started_at = 0, now
        row.failures += 1
        if row.failures >= limit:
            row.locked_until = now + lockout
            row.failures, row.window_started_at = 0, now
        db.add(row)
        db.flush()
        return


def clear(db: Session, key: str) -> None:
    row = db.get(LoginThrottle, key)
    if row is not None:
        db.delete(row)
