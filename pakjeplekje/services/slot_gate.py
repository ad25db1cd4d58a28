"""One claim racing per slot at a time in this process; the others wait a moment for it.

In a claim storm hundreds of requests for one slot arrive together. Without a gate every one
of them runs a write transaction that can only lose, each on its own pooled connection. With
it, one request per slot and app process races; when it commits, the slot is settled
(`settled_claims`) and the waiting requests are answered from that, without the database.
The database still decides the winner: across processes the racers meet in its conditional
UPDATE, exactly as before.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager


class SlotGate:
    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._locks: dict[int, tuple[threading.Lock, int]] = {}  # slot id: (lock, users)

    @contextmanager
    def racing(self, slot_id: int) -> Iterator[None]:
        with self._guard:
            lock, users = self._locks.get(slot_id, (threading.Lock(), 0))
            self._locks[slot_id] = (lock, users + 1)
        try:
            with lock:
                yield
        finally:
            with self._guard:
                lock, users = self._locks[slot_id]
                if users == 1:
                    del self._locks[slot_id]
                else:
                    self._locks[slot_id] = (lock, users - 1)


slot_gate = SlotGate()
