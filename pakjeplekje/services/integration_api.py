"""The integration API's use cases (/api/v1): who is calling, and every write in one unit of
work with its idempotency record, its audit events and its after-commit effects (wave 1's
texts, the staff pages' refresh) — the same effects as when staff do it.

A write with an Idempotency-Key inserts the reply row first, in the write's own transaction
(`idempotency`): a duplicate arriving at the same moment waits for it, fails its insert and
replays the committed answer, so two identical requests never open two slots.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError

from pakjeplekje import clock
from pakjeplekje.adapters.api_rate import api_rate
from pakjeplekje.config import get_settings
from pakjeplekje.db import read_scope, session_scope
from pakjeplekje.domain.actor import Actor
from pakjeplekje.domain.core_loop import slot_api
from pakjeplekje.domain.integrations import api_keys, idempotency
from pakjeplekje.domain.waitlist import entry_api
from pakjeplekje.models import ApiKey
from pakjeplekje.services import unit_of_work
from pakjeplekje.services.slots import enqueue_texts

Json = dict[str, Any]


@dataclass(frozen=True)
class Caller:
    """The key a request came with (read from the database on every request: a revoked key
    is refused at its very next one)."""

    key_id: int
    practice_id: int
    scope: str

    @property
    def may_write(self) -> bool:
        return self.scope == api_keys.WRITE


@dataclass(frozen=True)
class Reply:
    status: int
    body: Json | None
    replayed: bool = False


@dataclass(frozen=True)
class Idempotency:
    key: str
    request_hash: str


class KeyReused(Exception):
    """The Idempotency-Key was used before for another request (another body or path)."""


def authenticate(raw: str) -> Caller | None:
    now = clock.now()
    with read_scope() as db:
        key = api_keys.authenticate(db, raw)
    if key is None:
        return None
    assert key.id is not None
    if api_keys.needs_touch(key, now):
        with session_scope() as db:
            api_keys.touch(db, key.id, now)
    return Caller(key.id, key.practice_id, key.scope)


def admit(caller: Caller) -> float:
    """0 when the key's rate allows this request (counted); else seconds until it does."""
    settings = get_settings()
    return api_rate(settings.redis_url, settings.api_requests_per_minute).admit(caller.key_id)


def _actor(work: unit_of_work.UnitOfWork, caller: Caller) -> Actor:
    key = work.db.get(ApiKey, caller.key_id)
    assert key is not None
    return api_keys.api_actor(work.db, key)


def _write(
    caller: Caller,
    idem: Idempotency | None,
    op: Callable[[unit_of_work.UnitOfWork, Actor], Reply],
) -> Reply:
    def use_case(work: unit_of_work.UnitOfWork) -> Reply:
        now = clock.now()
        reserved = None
        if idem is not None:
            idempotency.forget_expired(work.db, caller.key_id, idem.key, now)
            reserved = idempotency.reserve(
                work.db, caller.practice_id, caller.key_id, idem.key, idem.request_hash, now
            )
        reply = op(work, _actor(work, caller))
        if reserved is not None:
            reserved.status_code = reply.status
            reserved.body = json.dumps(reply.body, ensure_ascii=False)
            work.db.add(reserved)
        return reply

    try:
        return unit_of_work.run(use_case)
    except IntegrityError:
        if idem is None:
            raise
        with read_scope() as db:
            found = idempotency.stored(db, caller.key_id, idem.key, clock.now())
        if found is None:
            raise
        if found.request_hash != idem.request_hash:
            raise KeyReused from None
        return Reply(found.status_code, json.loads(found.body), replayed=True)


def open_slot(caller: Caller, new: slot_api.NewSlot, idem: Idempotency | None) -> Reply:
    def op(work: unit_of_work.UnitOfWork, actor: Actor) -> Reply:
        countries = get_settings().sms_allowed_countries
        slot, offer_ids = slot_api.open_slot(work.db, actor, new, clock.now(), countries)
        enqueue_texts(work, offer_ids)
        work.practice_changed(actor.practice_id)
        return Reply(201, slot_api.slot_view(work.db, slot))

    return _write(caller, idem, op)


def close_slot(caller: Caller, slot_id: int, reason: str, idem: Idempotency | None) -> Reply:
    def op(work: unit_of_work.UnitOfWork, actor: Actor) -> Reply:
        slot = slot_api.close_slot(work.db, actor, slot_id, reason, clock.now())
        work.practice_changed(actor.practice_id)
        return Reply(200, slot_api.slot_view(work.db, slot))

    return _write(caller, idem, op)


def add_entry(caller: Caller, body: Json, idem: Idempotency | None) -> Reply:
    def op(work: unit_of_work.UnitOfWork, actor: Actor) -> Reply:
        secret = get_settings().secret_key
        patient = entry_api.create(work.db, actor, body, clock.now(), secret=secret)
        work.practice_changed(actor.practice_id)
        return Reply(201, entry_api.entry_views(work.db, [patient])[0])

    return _write(caller, idem, op)


def update_entry(caller: Caller, entry_id: int, body: Json) -> Reply:
    def op(work: unit_of_work.UnitOfWork, actor: Actor) -> Reply:
        patient = entry_api.update(work.db, actor, entry_id, body, clock.now())
        work.practice_changed(actor.practice_id)
        return Reply(200, entry_api.entry_views(work.db, [patient])[0])

    return _write(caller, None, op)


def delete_entry(caller: Caller, entry_id: int) -> Reply:
    def op(work: unit_of_work.UnitOfWork, actor: Actor) -> Reply:
        entry_api.delete(work.db, actor, entry_id, clock.now())
        work.practice_changed(actor.practice_id)
        return Reply(204, None)

    return _write(caller, None, op)
