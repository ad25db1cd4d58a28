"""No code path may hold one pooled connection while it waits for a second from the same pool.

Under load that is a deadlock: N threads each holding one connection and waiting for another
drain a pool of N and stall until the pool timeout. The guard watches every pool checkout and
records the code path of any thread that asks for a second connection from a pool it already
holds one of; `tests/conftest.py` fails the test that did it.
"""

from __future__ import annotations

import threading
import traceback
from collections import Counter
from typing import Any

from sqlalchemy import event
from sqlalchemy.pool import Pool

_held = threading.local()
nested: list[str] = []  # the app code path of each nested checkout, newest last


def _pools_held() -> Counter[int]:
    if not hasattr(_held, "pools"):
        _held.pools = Counter()
    return _held.pools  # type: ignore[no-any-return]


def _app_frames() -> str:
    frames = [f for f in traceback.extract_stack(limit=40) if "/pakjeplekje/" in f.filename]
    return "".join(traceback.format_list(frames)) or "(outside the app)"


@event.listens_for(Pool, "checkout")
def _checkout(_dbapi: Any, record: Any, proxy: Any) -> None:
    pool = id(proxy._pool)
    held = _pools_held()
    if held[pool]:
        nested.append(_app_frames())
    held[pool] += 1
    record.info["pjp_guard_pool"] = pool


@event.listens_for(Pool, "checkin")
def _checkin(_dbapi: Any, record: Any) -> None:
    pool = record.info.get("pjp_guard_pool")
    held = _pools_held()
    if pool is not None and held[pool]:
        held[pool] -= 1
