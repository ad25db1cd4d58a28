"""Staff sessions: a 256-bit random token in an HttpOnly cookie, only its hash in the database.

Idle expiry 12 hours, absolute expiry 7 days; logout, password change and reset revoke.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session, col, select, update

from pakjeplekje.domain.actor import Actor
from pakjeplekje.domain.tokens import hash_token, new_token
from pakjeplekje.models import AuthSession, Practice, User

IDLE_TIMEOUT = timedelta(hours=12)
ABSOLUTE_TIMEOUT = timedelta(days=7)
TOUCH_INTERVAL = timedelta(minutes=1)


def start_session(db: Session, user: User, now: datetime) -> str:
    raw, digest = new_token()
    db.add(
        AuthSession(
            user_id=user.id,
            token_hash=digest,
            created_at=now,
            last_seen_at=now,
            expires_at=now + ABSOLUTE_TIMEOUT,
        )
    )
    db.flush()
    return raw


def resolve_session(db: Session, raw: str | None, now: datetime) -> Actor | None:
    """The actor behind a session token, or None when it is unknown, revoked or expired."""
    if not raw or len(raw) > 200:
        return None
    row = db.exec(
        select(AuthSession, User, Practice)
        .join(User, col(User.id) == AuthSession.user_id)
        .join(Practice, col(Practice.id) == User.practice_id)
        .where(AuthSession.token_hash == hash_token(raw))
    ).first()
    if row is None:
        return None
    auth, user, practice = row
    if (
        auth.revoked_at is not None
        or now >= auth.expires_at
        or now - auth.last_seen_at >= IDLE_TIMEOUT
        or user.status != "active"
        or practice.status != "active"
    ):
        return None
    if now - auth.last_seen_at >= TOUCH_INTERVAL:
        auth.last_seen_at = now
        db.add(auth)
    return Actor(
        user_id=user.id,
        practice_id=practice.id,
        role=user.role,
        name=user.name,
        email=user.email,
        practice_name=practice.name,
        session_id=auth.id,
    )


def revoke_all_sessions(
    db: Session, user_id: int, now: datetime, *, keep_session_id: int | None = None
) -> None:
    stmt = (
        update(AuthSession)
        .where(col(AuthSession.user_id) == user_id)
        .where(col(AuthSession.revoked_at).is_(None))
        .values(revoked_at=now)
    )
    if keep_session_id is not None:
        stmt = stmt.where(col(AuthSession.id) != keep_session_id)
    db.exec(stmt)
