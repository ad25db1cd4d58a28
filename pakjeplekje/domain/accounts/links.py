"""Single-use links (invite, password reset, login grant): short-lived, stored hashed."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session, col, select, update

from pakjeplekje.domain.errors import DomainError
from pakjeplekje.domain.tokens import hash_token, new_token
from pakjeplekje.models import OneTimeToken, User

INVALID = "Deze link is ongeldig. Vraag een nieuwe aan."
USED = "Deze link is al gebruikt. Vraag een nieuwe aan."
EXPIRED = "Deze link is verlopen. Vraag een nieuwe aan."


def issue(db: Session, user: User, purpose: str, validity: timedelta, now: datetime) -> str:
    """The raw token for the link; only its hash is stored."""
    raw, digest = new_token()
    db.add(
        OneTimeToken(
            user_id=user.id,
            purpose=purpose,
            token_hash=digest,
            created_at=now,
            expires_at=now + validity,
        )
    )
    db.flush()
    return raw


def find(db: Session, raw: str, purpose: str, now: datetime) -> tuple[OneTimeToken, User]:
    """A usable link and its user, or a DomainError saying why not (without using it)."""
    row = None
    if raw and len(raw) <= 200:
        row = db.exec(
            select(OneTimeToken, User)
            .join(User, col(User.id) == OneTimeToken.user_id)
            .where(OneTimeToken.token_hash == hash_token(raw), OneTimeToken.purpose == purpose)
        ).first()
    if row is None:
        raise DomainError(INVALID)
    token, user = row
    if token.used_at is not None:
        raise DomainError(USED)
    if now >= token.expires_at:
        raise DomainError(EXPIRED)
    return token, user


def check(db: Session, raw: str, purpose: str, now: datetime) -> User:
    """Whether a link is still usable, to decide what its page shows."""
    return find(db, raw, purpose, now)[1]


def use(db: Session, raw: str, purpose: str, now: datetime) -> User:
    """Spend the link with a conditional update: two simultaneous clicks cannot both succeed."""
    token, user = find(db, raw, purpose, now)
    result = db.exec(
        update(OneTimeToken)
        .where(col(OneTimeToken.id) == token.id, col(OneTimeToken.used_at).is_(None))
        .values(used_at=now)
    )
    if result.rowcount != 1:
        raise DomainError(USED)
    return user
