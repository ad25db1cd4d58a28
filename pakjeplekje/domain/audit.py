"""The audit trail: ids and action names, never the personal data itself."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from pakjeplekje.models import AuditEvent, utcnow


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
            created_at=now or utcnow(),
        )
    )
