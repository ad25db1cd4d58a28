"""Idempotency keys for POSTs of /api/v1: a retry of the same request gets the first answer
back instead of doing the work twice (a second slot, a second waitlist entry).

The reply row is inserted in the same transaction as the work itself, before it: the unique
(api_key_id, key) makes a concurrent duplicate wait for that transaction (PostgreSQL) or for
the write lock (SQLite), then fail its insert and replay the committed answer. A request that
fails (a validation error, a refused slot) rolls its reply row back with it, so the client may
send it again, corrected, with the same key.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlmodel import Session, col, select

from pakjeplekje.models import IdempotentReply

KEEP = timedelta(hours=24)
KEY_PATTERN = r"^[\x21-\x7e]{1,255}$"  # printable ASCII without spaces (a UUID, a ULID …)
_KEY = re.compile(KEY_PATTERN)


@dataclass(frozen=True)
class Stored:
    request_hash: str
    status_code: int
    body: str


def valid_key(key: str) -> bool:
    return bool(_KEY.fullmatch(key))


def request_hash(method: str, path: str, body: bytes) -> str:
    """What "the same request" means: method, path and the exact body bytes."""
    digest = hashlib.sha256()
    for part in (method.encode(), path.encode("utf-8", "surrogatepass"), body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def reserve(
    db: Session, practice_id: int, api_key_id: int, key: str, hashed: str, now: datetime
) -> IdempotentReply:
    """Insert the reply row first (flushed: a duplicate raises IntegrityError here)."""
    reply = IdempotentReply(
        practice_id=practice_id,
        api_key_id=api_key_id,
        key=key,
        request_hash=hashed,
        status_code=0,
        body="",
        created_at=now,
    )
    db.add(reply)
    db.flush()
    return reply


def stored(db: Session, api_key_id: int, key: str, now: datetime) -> Stored | None:
    """The committed answer for (key id, key), if it is younger than `KEEP`."""
    reply = db.exec(
        select(IdempotentReply).where(
            IdempotentReply.api_key_id == api_key_id,
            IdempotentReply.key == key,
            IdempotentReply.created_at > now - KEEP,
        )
    ).first()
    if reply is None:
        return None
    return Stored(reply.request_hash, reply.status_code, reply.body)


def forget_expired(db: Session, api_key_id: int, key: str, now: datetime) -> None:
    """A key older than `KEEP` is free again (the daily purge may not have run yet)."""
    db.exec(
        delete(IdempotentReply)
        .where(col(IdempotentReply.api_key_id) == api_key_id)
        .where(col(IdempotentReply.key) == key)
        .where(col(IdempotentReply.created_at) <= now - KEEP)
    )


def purge(db: Session, now: datetime) -> int:
    """Delete every reply older than `KEEP` (the daily job)."""
    result = db.exec(delete(IdempotentReply).where(col(IdempotentReply.created_at) <= now - KEEP))
    return int(result.rowcount or 0)
