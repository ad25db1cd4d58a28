"""The daily AVG job (scheduled in scheduler.py): purge deleted practices whose date has come,
then the retention rules, then what the Bezwaar preferences allow: yesterday's anonymous usage
totals and (first days of a month) the monthly summary mail. Each step is its own
transaction; mails leave after their commit; logs counts, never personal data."""

from __future__ import annotations

import logging
from datetime import datetime

from pakjeplekje import clock
from pakjeplekje.config import get_settings
from pakjeplekje.db import session_scope
from pakjeplekje.domain.integrations import idempotency, webhook_events
from pakjeplekje.domain.privacy import objections, retention
from pakjeplekje.services import practice_deletion
from pakjeplekje.services.unit_of_work import unit_of_work

log = logging.getLogger(__name__)


def run_daily(now: datetime | None = None) -> dict[str, int]:
    now = now or clock.now()
    purged = practice_deletion.purge_due(now)
    with session_scope() as db:
        blanked = retention.blank_old_sms(db, now)
    with session_scope() as db:
        removed = retention.remove_unreviewed(db, now)
    with session_scope() as db:
        webhooks_purged = webhook_events.purge_old(db, now)
    with session_scope() as db:
        flagged = retention.flag_for_review(db, now)
    with session_scope() as db:
        usage = objections.record_usage_day(db, objections.yesterday(now), now)
    with session_scope() as db:  # /api/v1's Idempotency-Key answers live 24 hours
        replies = idempotency.purge(db, now)
    counts = {
        "purged": purged,
        "sms_blanked": blanked,
        "flagged": flagged,
        "removed": removed,
        "webhooks_purged": webhooks_purged,
        "usage_day": 1 if usage is not None else 0,
        "summaries": send_monthly_summaries(now),
        "api_replies": replies,
    }
    log.info("privacy daily: %s", ", ".join(f"{k}={v}" for k, v in counts.items()))
    return counts


def send_monthly_summaries(now: datetime | None = None) -> int:
    """Last month's summary to every practice that did not object; one transaction per
    practice, marked as sent before the mail leaves (at most once, never twice). Returns how
    many mails were handed to the mailer."""
    now = now or clock.now()
    settings = get_settings()
    with session_scope() as db:
        due = objections.summaries_due(db, now)
    sent = 0
    for practice_id in due:
        with unit_of_work() as work:
            for mail in objections.monthly_summary(work.db, practice_id, now, settings.url):
                work.send_mail(mail)
                sent += 1
    return sent
