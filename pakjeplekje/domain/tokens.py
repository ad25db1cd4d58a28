"""Random tokens for links and sessions: the raw value goes to the user, only its hash is stored."""

from __future__ import annotations

import hashlib
import hmac
import secrets


def new_token() -> tuple[str, str]:
    """A 256-bit URL-safe token and its SHA-256 (enough: the input has full entropy)."""
    raw = secrets.token_urlsafe(32)
    return raw, hash_token(raw)


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


def keyed_hash(secret: str, kind: str, value: str) -> str:
    """HMAC for low-entropy inputs (e-mail, IP) so counters never store them readably."""
    digest = hmac.new(secret.encode(), f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()
    return f"{kind}:{digest}"
