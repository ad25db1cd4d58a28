"""Outbound webhooks: posting deliveries (the job after a commit, and the periodic sweep that
retries and picks up lost jobs) and the owner's settings. Each step is its own short
transaction; the HTTP call happens outside any transaction."""

from __future__ import annotations

import calendar
import logging
from collections.abc import Iterable
from datetime import datetime

from pakjeplekje import clock
from pakjeplekje.adapters import webhook_http
from pakjeplekje.config import get_settings
from pakjeplekje.db import read_scope, session_scope
from pakjeplekje.domain.actor import Actor
from pakjeplekje.domain.integrations import webhook_delivery, webhook_endpoints
from pakjeplekje.services import unit_of_work

log = logging.getLogger(__name__)


def _unix(moment: datetime) -> int:
    return calendar.timegm(moment.utctimetuple())


def deliver(delivery_ids: Iterable[int]) -> int:
    """One attempt for each delivery that is due; returns how many were acknowledged. Safe to
    run twice at once: each attempt is taken by one worker only (`webhook_delivery.take`)."""
    allow_private = not get_settings().is_prod
    acknowledged = 0
    for delivery_id in delivery_ids:
        with session_scope() as db:
            attempt = webhook_delivery.take(db, delivery_id, clock.now())
        if attempt is None:
            continue
        sent_at = clock.now()
        result = webhook_http.post(
            attempt.url, attempt.body, attempt.headers(_unix(sent_at)), allow_private=allow_private
        )
        with session_scope() as db:
            status = webhook_delivery.record(
                db, delivery_id, result.status_code, result.error, clock.now()
            )
        # ids and codes only: the URL may carry a token, the body patient data
        log.info(
            "webhook delivery %s (practice %s): HTTP %s, now %s",
            delivery_id,
            attempt.practice_id,
            result.status_code if result.status_code is not None else "-",
            status,
        )
        acknowledged += status == webhook_delivery.DELIVERED
    return acknowledged


def sweep(now: datetime | None = None) -> int:
    """The periodic backstop: every pending delivery whose attempt is due (retries after
    their backoff, first attempts whose job was lost). Returns how many were acknowledged."""
    with read_scope() as db:
        due = webhook_delivery.due(db, now or clock.now())
    return deliver(due) if due else 0


# --- the owner's settings (ui/state/webhooks.py) --------------------------------------------


def create_endpoint(actor: Actor, url: str, events: list[str]) -> int:
    def work(uow: unit_of_work.UnitOfWork) -> int:
        endpoint = webhook_endpoints.create(
            uow.db,
            actor,
            url=url,
            events=events,
            allow_insecure=not get_settings().is_prod,
            now=clock.now(),
        )
        return endpoint.id

    return unit_of_work.run(work)


def set_enabled(actor: Actor, endpoint_id: int, enabled: bool) -> None:
    unit_of_work.run(
        lambda uow: webhook_endpoints.set_enabled(uow.db, actor, endpoint_id, enabled, clock.now())
    )


def remove_endpoint(actor: Actor, endpoint_id: int) -> None:
    unit_of_work.run(lambda uow: webhook_endpoints.remove(uow.db, actor, endpoint_id, clock.now()))


def resend(actor: Actor, delivery_id: int) -> None:
    """The same event (same id, same body) again, at once: the owner waits for the answer
    (at most the 5 s timeout) and sees it in the log."""
    unit_of_work.run(lambda uow: webhook_endpoints.resend(uow.db, actor, delivery_id, clock.now()))
    deliver([delivery_id])


def overview(
    actor: Actor,
) -> tuple[list[webhook_endpoints.EndpointRow], list[webhook_endpoints.DeliveryRow]]:
    with read_scope() as db:
        return webhook_endpoints.endpoints(db, actor), webhook_endpoints.deliveries(db, actor)
