"""Uploaded files between "preview" and "import": in data/, never in reflex's public upload dir.

A file lives under a random name tied to its practice and is deleted after import, on cancel,
or by the next upload once it is an hour old.
"""

from __future__ import annotations

import secrets
import time
from pathlib import Path

from pakjeplekje.config import get_settings

MAX_AGE_S = 3600


def _folder() -> Path:
    folder = get_settings().data_dir / "private-uploads"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder


def _path(practice_id: int, key: str) -> Path | None:
    if not key.replace("-", "").replace("_", "").isalnum() or len(key) > 64:
        return None
    return _folder() / f"{practice_id}-{key}.upload"


def _purge_stale() -> None:
    cutoff = time.time() - MAX_AGE_S
    for old in _folder().glob("*.upload"):
        if old.stat().st_mtime < cutoff:
            old.unlink(missing_ok=True)


def save(practice_id: int, data: bytes) -> str:
    _purge_stale()
    key = secrets.token_urlsafe(24)
    path = _path(practice_id, key)
    assert path is not None
    path.write_bytes(data)
    path.chmod(0o600)
    return key


def load(practice_id: int, key: str) -> bytes | None:
    path = _path(practice_id, key)
    return path.read_bytes() if path is not None and path.exists() else None


def discard(practice_id: int, key: str) -> None:
    if (path := _path(practice_id, key)) is not None:
        path.unlink(missing_ok=True)
