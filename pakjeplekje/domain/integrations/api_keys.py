"""Per-practice API keys for /api/v1: shown once, stored as a SHA-256 hash, named, scoped
(read or write), revocable; a revoked key stops at its next request."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlmodel import Session, col, or_, select, update

from pakjeplekje.domain.actor import Actor
from pakjeplekje.domain.errors import DomainError
from pakjeplekje.domain.tokens import hash_token
from pakjeplekje.models import ApiKey, Practice

READ = "read"
WRITE = "write"
SCOPES = {READ: "Alleen lezen", WRITE: "Lezen en schrijven"}
KEY_PREFIX = "pjp_"
MAX_ACTIVE_KEYS = 20
TOUCH_EVERY = timedelta(minutes=1)  # last_used_at is a hint for the owner, not a log


def create_key(
    db: Session, practice_id: int, name: str, scope: str, user_id: int | None, now: datetime
) -> tuple[ApiKey, str]:
    """The new key row and the raw key (the only time anyone sees it)."""
    clean = " ".join(name.split())
    if not clean:
        raise DomainError("Geef de sleutel een naam, bijvoorbeeld de naam van uw agendapakket.")
    if len(clean) > 60:
        raise DomainError("De naam mag hoogstens 60 tekens lang zijn.")
    if scope not in SCOPES:
        raise DomainError("Kies of de sleutel alleen mag lezen of ook mag schrijven.")
    if len(active_keys(db, practice_id)) >= MAX_ACTIVE_KEYS:
        raise DomainError(f"U hebt al {MAX_ACTIVE_KEYS} actieve sleutels. Trek er eerst een in.")
    raw = KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(
        practice_id=practice_id,
        name=clean,
        scope=scope,
        prefix=raw[:12],
        key_hash=hash_token(raw),
        created_at=now,
        created_by_user_id=user_id,
    )
    db.add(key)
    db.flush()
    return key, raw


def active_keys(db: Session, practice_id: int) -> list[ApiKey]:
    return list(
        db.exec(
            select(ApiKey)
            .where(ApiKey.practice_id == practice_id)
            .where(col(ApiKey.revoked_at).is_(None))
            .order_by(col(ApiKey.created_at).desc(), col(ApiKey.id).desc())
        ).all()
    )


def all_keys(db: Session, practice_id: int) -> list[ApiKey]:
    """Active and revoked, newest first (the owner sees what was revoked and when)."""
    return list(
        db.exec(
            select(ApiKey)
            .where(ApiKey.practice_id == practice_id)
            .order_by(col(ApiKey.created_at).desc(), col(ApiKey.id).desc())
        ).all()
    )


def revoke_key(db: Session, practice_id: int, key_id: int, now: datetime) -> ApiKey:
    key = db.exec(
        select(ApiKey).where(ApiKey.id == key_id).where(ApiKey.practice_id == practice_id)
    ).first()
    if key is None:
        raise DomainError("Deze sleutel bestaat niet (meer).")
    if key.revoked_at is None:
        key.revoked_at = now
    return key


def authenticate(db: Session, raw: str) -> ApiKey | None:
    """The active key behind a raw bearer value, or None (unknown, revoked, malformed)."""
    if not raw.startswith(KEY_PREFIX) or len(raw) > 100:
        return None
    key = db.exec(select(ApiKey).where(ApiKey.key_hash == hash_token(raw))).first()
    if key is None or key.revoked_at is not None:
        return None
    return key


def needs_touch(key: ApiKey, now: datetime) -> bool:
    """Is `last_used_at` more than a minute old? (Most requests then write nothing.)"""
    return key.last_used_at is None or now - key.last_used_at >= TOUCH_EVERY


def touch(db: Session, key_id: int, now: datetime) -> None:
    """Record the use; a conditional UPDATE, so concurrent requests write it once a minute."""
    db.exec(
        update(ApiKey)
        .where(col(ApiKey.id) == key_id)
        .where(
            or_(
                col(ApiKey.last_used_at).is_(None),
                col(ApiKey.last_used_at) <= now - TOUCH_EVERY,
            )
        )
        .values(last_used_at=now)
    )


def api_actor(db: Session, key: ApiKey) -> Actor:
    """Who acts for a request with `key`: the practice, with the key (not a person) as actor;
    the domain scopes every query by its practice, exactly as for staff."""
    practice = db.get(Practice, key.practice_id)
    assert practice is not None and key.id is not None
    return Actor(
        user_id=0,
        practice_id=key.practice_id,
        role="api",
        name=key.name,
        email="",
        practice_name=practice.name,
        session_id=0,
        api_key_id=key.id,
    )
