"""The audit trail: ids and action names, never the personal data itself."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from pakjeplekje import clock
from pakjeplekje.domain.actor import Actor
from pakjeplekje.models import AuditEvent, User


def record(
    db: Session,
    action: str,
    *,
    practice_id: int | None,
    actor_user_id: int | None = None,
    target_type: str | None = None,
    target_id: int | None = None,
    detail: str | None = None,
    now: datetime | None = None,
) -> None:
    db.add(
        AuditEvent(
            practice_id=practice_id,
            actor_user_id=actor_user_id,
            action=action,
            target_type=target_type,
            target_id=target_id,
            detail=detail,
            created_at=now or clock.now(),
        )
    )


def on_user(
    db: Session,
    action: str,
    user: User,
    now: datetime,
    *,
    actor_user_id: int | None,
    detail: str | None = None,
) -> None:
    """An event about a staff account, filed under that account's practice."""
    record(
        db,
        action,
        practice_id=user.practice_id,
        actor_user_id=actor_user_id,
        target_type="user",
        target_id=user.id,
        detail=detail,
        now=now,
    )


def by_actor(
    db: Session,
    actor: Actor,
    action: str,
    target_type: str,
    target: int | None,
    now: datetime,
    detail: str | None = None,
) -> None:
    """What a logged-in staff member (or an API key, named in `detail`) did to a record of
    their own practice."""
    if actor.api_key_id is not None:
        via = f"API-sleutel #{actor.api_key_id}"
        detail = f"{via}: {detail}" if detail else via
    record(
        db,
        action,
        practice_id=actor.practice_id,
        actor_user_id=actor.user_id if actor.api_key_id is None else None,
        target_type=target_type,
        target_id=target,
        detail=detail,
        now=now,
    )
