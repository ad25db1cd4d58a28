"""The one way a use case writes: one transaction, and the effects that may only happen once it
committed — a mail whose link must already be valid, a text job that reads the new offers, a
live update of the staff pages. Effects are collected while the domain works and run after the
commit, in order; when the transaction rolls back none of them runs.

Event handlers, HTTP routes and jobs all use it, so "the mail went out but the row did not
land" cannot happen anywhere.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from typing import Any, TypeVar

from sqlalchemy import event
from sqlmodel import Session

from pakjeplekje.adapters import live_bus
from pakjeplekje.adapters.mail import get_mailer
from pakjeplekje.db import session_scope
from pakjeplekje.domain.emails import Email
from pakjeplekje.models import WebhookDelivery

log = logging.getLogger(__name__)

T = TypeVar("T")

# Hands webhook delivery ids to the delivery job (scheduler.py registers its huey task; this
# module cannot import it: the scheduler's jobs run in units of work). Without one, or when
# the job is lost, the scheduler's periodic sweep delivers them.
_webhook_sender: Callable[[list[int]], object] | None = None


def set_webhook_sender(sender: Callable[[list[int]], object]) -> None:
    global _webhook_sender  # one registration, at the scheduler's import
    _webhook_sender = sender


class UnitOfWork:
    """A transaction (`db`) and what is to happen once it committed."""

    def __init__(self, db: Session) -> None:
        self.db = db
        self._effects: list[Callable[[], object]] = []
        self.failed = 0  # effects that raised after the commit (a use case may tell the user)
        self._webhooks: list[int] = []
        # Whatever domain code records a webhook event (`webhook_events.record_event`), its
        # deliveries are handed to the job once committed, with no call at each use case.
        event.listen(db, "after_flush", self._note_deliveries)

    def _note_deliveries(self, session: Session, _context: object) -> None:
        fresh = [row.id for row in session.new if isinstance(row, WebhookDelivery)]
        if fresh:
            self.deliver_webhooks(fresh)

    def deliver_webhooks(self, delivery_ids: list[int]) -> None:
        """Post these deliveries once committed (new events, or "Opnieuw versturen")."""
        if not self._webhooks:
            self.after_commit(self._send_webhooks)
        self._webhooks.extend(delivery_ids)

    def _send_webhooks(self) -> None:
        ids, self._webhooks = self._webhooks, []
        if ids and _webhook_sender is not None:
            _webhook_sender(ids)

    def after_commit(self, effect: Callable[[], object]) -> None:
        self._effects.append(effect)

    def send_mail(self, email: Email) -> None:
        """The domain's `send_mail` callback: the mail leaves only after the commit."""
        self.after_commit(lambda: get_mailer().send(email))

    def enqueue(self, task: Callable[..., Any], *args: Any) -> None:
        """A background job (a huey task) that must see what this transaction wrote."""
        self.after_commit(partial(task, *args))

    def practice_changed(self, practice_id: int | None, message: str = "", skip: str = "") -> None:
        """Refresh the practice's staff pages (all but the tab `skip`) once the change is in."""
        if practice_id is not None:
            self.after_commit(partial(live_bus.publish, practice_id, message, skip))

    def _run_effects(self) -> None:
        for effect in self._effects:
            try:
                effect()
            except Exception:  # the work is committed: one failed effect must not hide it
                self.failed += 1
                log.exception("an after-commit effect failed")
        self._effects.clear()


@contextmanager
def unit_of_work() -> Iterator[UnitOfWork]:
    """Commit on success, then run the effects; roll back (and drop them) on any error."""
    with session_scope() as db:
        work = UnitOfWork(db)
        yield work
    work._run_effects()


def run(use_case: Callable[[UnitOfWork], T]) -> T:
    """`use_case` in its own unit of work (for jobs and HTTP routes on worker threads)."""
    with unit_of_work() as work:
        return use_case(work)


async def run_off_loop(use_case: Callable[[UnitOfWork], T]) -> T:
    """`run` on a worker thread: event handlers never block the event loop on the database,
    the mailer or the queue."""
    return await asyncio.to_thread(run, use_case)
