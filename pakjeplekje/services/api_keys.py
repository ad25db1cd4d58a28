"""The owner's API keys (Instellingen → Koppelingen): make one, see them, revoke one.

Each use case is one unit of work with an audit event; the audit holds the key's id, never
its name or any part of the key. The raw key leaves this module once, in `NewKey.raw`, for
the screen that shows it; nothing stores it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from pakjeplekje import clock
from pakjeplekje.domain import audit
from pakjeplekje.domain.actor import Actor
from pakjeplekje.domain.dutch_dates import dated_moment
from pakjeplekje.domain.errors import PermissionDenied
from pakjeplekje.domain.integrations import api_keys
from pakjeplekje.models import ApiKey
from pakjeplekje.services import unit_of_work

CREATED = "settings.api_key_created"
REVOKED = "settings.api_key_revoked"
NEVER = "nog nooit"


@dataclass(frozen=True)
class KeyView:
    """A key as the owner's list shows it: no hash, no raw key; times in Europe/Amsterdam."""

    id: int
    name: str
    prefix: str
    scope: str
    scope_label: str
    created: str
    last_used: str
    active: bool
    status_label: str
    revoked: str  # "" while active


@dataclass(frozen=True)
class NewKey:
    """The raw key (shown once) and the refreshed list."""

    raw: str
    name: str
    keys: list[KeyView]


def _moment(value: datetime | None) -> str:
    return dated_moment(value) if value is not None else NEVER


def view(key: ApiKey) -> KeyView:
    active = key.revoked_at is None
    return KeyView(
        id=key.id,
        name=key.name,
        prefix=key.prefix,
        scope=key.scope,
        scope_label=api_keys.SCOPES.get(key.scope, key.scope),
        created=_moment(key.created_at),
        last_used=_moment(key.last_used_at),
        active=active,
        status_label="Actief" if active else "Ingetrokken",
        revoked="" if active else _moment(key.revoked_at),
    )


def _owner(actor: Actor) -> None:
    """The page checks too; a use case never trusts its caller for the role."""
    if not actor.is_owner:
        raise PermissionDenied()


def _list(db: Session, actor: Actor) -> list[KeyView]:
    return [view(key) for key in api_keys.all_keys(db, actor.practice_id)]


def list_keys(actor: Actor) -> list[KeyView]:
    def read(work: unit_of_work.UnitOfWork) -> list[KeyView]:
        _owner(actor)
        return _list(work.db, actor)

    return unit_of_work.run(read)


def create_key(actor: Actor, name: str, scope: str) -> NewKey:
    """A bad name or scope raises the domain's Dutch message and writes nothing."""

    def create(work: unit_of_work.UnitOfWork) -> NewKey:
        _owner(actor)
        now = clock.now()
        key, raw = api_keys.create_key(work.db, actor.practice_id, name, scope, actor.user_id, now)
        audit.record(
            work.db,
            CREATED,
            practice_id=actor.practice_id,
            actor_user_id=actor.user_id,
            target_type="api_key",
            target_id=key.id,
            detail=key.scope,
            now=now,
        )
        return NewKey(raw=raw, name=key.name, keys=_list(work.db, actor))

    return unit_of_work.run(create)


def revoke_key(actor: Actor, key_id: int) -> list[KeyView]:
    """Only a key of the actor's own practice; another practice's id is "does not exist"."""

    def revoke(work: unit_of_work.UnitOfWork) -> list[KeyView]:
        _owner(actor)
        now = clock.now()
        key = api_keys.revoke_key(work.db, actor.practice_id, key_id, now)
        if key.revoked_at == now:  # revoking twice records once
            audit.record(
                work.db,
                REVOKED,
                practice_id=actor.practice_id,
                actor_user_id=actor.user_id,
                target_type="api_key",
                target_id=key.id,
                now=now,
            )
        work.db.flush()
        return _list(work.db, actor)

    return unit_of_work.run(revoke)
