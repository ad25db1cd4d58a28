"""The daily AVG job (scheduled in scheduler.py): purge deleted practices whose date has come,
then the retention rules. Each step is its own transaction; logs counts, never personal data."""

from __future__ import annotations

import logging
from datetime import datetime

from pakjeplekje.config import get_settings
from pakjeplekje.db import session_scope
from pakjeplekje.domain import practice_deletion, retention
from pakjeplekje.models import utcnow

log = logging.getLogger(__name__)


def run_daily(now: datetime | None = None) -> dict[str, int]:
    now = now or utcnow()
    secret = get_settings().secret_key
    with session_scope() as db:
        due = practice_deletion.due_for_purge(db, now)
    for practice_id in due:
        with session_scope() as db:
            practice_deletion.purge_practice(db, practice_id, now, secret=secret)
    with session_scope() as db:
        blanked = retention.blank_old_sms(db, now)
    with session_scope() as db:
        removed = retention.remove_unreviewed(db, now)
    with session_scope() as db:
        flagged = retention.flag_for_review(db, now)
    counts = {"purged": len(due), "sms_blanked": blanked, "flagged": flagged, "removed": removed}
    log.info("privacy daily: %s", ", ".join(f"{k}={v}" for k, v in counts.items()))
    return counts
