"""Logging in as three short units of work, so that a storm of logins neither crashes nor
serialises on bcrypt:

1. read (no write lock): is the account or client locked, which hash to verify;
2. bcrypt, outside any transaction (a quarter of a second of CPU);
3. write: settle the attempt with the counters locked, and commit. A wrong password is
   counted and committed here, before its audit event is written in a transaction of its own,
   so nothing that fails afterwards can undo the count.

No answer about a password leaves before step 3 has committed.
"""

from __future__ import annotations

from dataclasses import dataclass

from pakjeplekje import clock
from pakjeplekje.config import get_settings
from pakjeplekje.db import read_scope, session_scope
from pakjeplekje.domain.accounts import auth


@dataclass(frozen=True)
class LoginOutcome:
    grant: str | None = None  # the one-minute login grant the browser trades for its cookie
    error: str | None = None  # the Dutch message for the form


def log_in(email: str, password: str, client: str) -> LoginOutcome:
    """Blocking (database and bcrypt): call it from a worker thread."""
    secret = get_settings().secret_key
    with read_scope() as db:
        check = auth.check_login(db, email=email, client=client, secret=secret, now=clock.now())
    if check.locked:
        return LoginOutcome(error=auth.LOCKED)
    matched = auth.password_matches(check, password)
    with session_scope() as db:
        now = clock.now()
        result = auth.settle_login(db, check, matched, now)
        grant = auth.issue_login_grant(db, result.user, now) if result.user else None
    if result.counted:
        with session_scope() as db:
            auth.record_failed_login(db, check, clock.now())
    return LoginOutcome(grant=grant, error=None if grant else result.error or auth.INVALID_LOGIN)
