"""Deleting a practice, end to end: the owner's request (everyone logged out, outreach
stopped, a mail with the undo link, the Stripe subscription cancelled after the commit), the
undo from that mail, and the purge once the grace period ran out (the daily privacy job).
The rules themselves live in domain/privacy/practice_deletion.py."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from functools import partial

from pakjeplekje import clock
from pakjeplekje.config import get_settings
from pakjeplekje.db import read_scope
from pakjeplekje.domain.actor import Actor
from pakjeplekje.domain.privacy import practice_deletion
from pakjeplekje.models import Practice
from pakjeplekje.services import billing as subscriptions
from pakjeplekje.services import unit_of_work

log = logging.getLogger(__name__)


def request(actor: Actor, *, password: str, typed_name: str, immediately: bool) -> None:
    """Owner only; raises DomainError (Dutch, with the field) when the check refuses it."""
    settings, now = get_settings(), clock.now()

    def delete(work: unit_of_work.UnitOfWork) -> None:
        requested = practice_deletion.request_deletion(
            work.db,
            actor,
            password=password,
            typed_name=typed_name,
            immediately=immediately,
            link=settings.url,
            now=now,
            grace=timedelta(days=settings.practice_deletion_days),
            secret=settings.secret_key,
        )
        for email in requested.emails:
            work.send_mail(email)
        work.after_commit(partial(subscriptions.cancel_stripe, requested.stripe_subscriptions))

    unit_of_work.run(delete)


def undo(token: str, *, confirmed: bool) -> Practice:
    """The undo link: `confirmed` (the POST of its page) restores, else it only checks."""

    def restore(work: unit_of_work.UnitOfWork) -> Practice:
        if confirmed:
            return practice_deletion.undo_deletion(work.db, token, clock.now())
        return practice_deletion.undo_check(work.db, token, clock.now())

    return unit_of_work.run(restore)


def purge_due(now: datetime) -> int:
    """Purge every practice whose grace period ended; one transaction each."""
    secret = get_settings().secret_key
    with read_scope() as db:
        due = practice_deletion.due_for_purge(db, now)
    for practice_id in due:

        def purge(work: unit_of_work.UnitOfWork, pid: int = practice_id) -> object:
            return practice_deletion.purge_practice(work.db, pid, now, secret=secret)

        unit_of_work.run(purge)
    return len(due)
