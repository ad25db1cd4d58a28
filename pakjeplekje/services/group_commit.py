"""Rows that many threads write at once, committed together ("group commit").

The first thread to arrive commits everything waiting in one transaction, the threads that
arrive meanwhile wait for the next one, and nobody returns before its own rows are in: as
durable as a transaction each, but in a claim storm two hundred log rows cost one commit and
one pooled connection instead of two hundred.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import Table, insert
from sqlmodel import Session, SQLModel

from pakjeplekje.db import session_scope

FAILURES_KEPT = 100


def _insert(db: Session, rows: list[SQLModel]) -> None:
    """One multi-row INSERT per table: no ORM flush, no identities read back (nobody needs
    the new rows' ids), which a storm's few hundred log rows would otherwise pay for."""
    by_table: dict[Table, list[dict[str, object]]] = defaultdict(list)
    for row in rows:
        table = row.__table__  # type: ignore[attr-defined]  # a table=True model has one
        by_table[table].append(row.model_dump(exclude={"id"} if row.id is None else set()))  # type: ignore[attr-defined]  # every table here has an id
    for table, values in by_table.items():
        db.connection().execute(insert(table), values)


class GroupCommit:
    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._pending: list[SQLModel] = []
        self._next = 0  # the batch that rows added now will be committed in
        self._done = 0  # every batch below this number has been committed (or failed)
        self._flushing = False
        self._failed: dict[int, BaseException] = {}

    @property
    def flushing(self) -> bool:
        """A commit is under way (the writers arriving now wait for the next one)."""
        return self._flushing

    @property
    def waiting(self) -> int:
        """Rows waiting for the next commit."""
        return len(self._pending)

    def write(self, rows: Sequence[SQLModel]) -> None:
        """Returns once `rows` are committed; raises what their batch's commit raised."""
        if not rows:
            return
        with self._cond:
            self._pending.extend(rows)
            mine = self._next
            while self._done <= mine:
                if not self._flushing:  # every earlier batch is done: this thread commits
                    self._flushing = True
                    batch, self._pending = self._pending, []
                    self._next += 1
                    break
                self._cond.wait()
            else:
                if mine in self._failed:
                    raise self._failed[mine]
                return
        error: BaseException | None = None
        try:
            with session_scope() as db:
                _insert(db, batch)
        except BaseException as exc:
            error = exc
        with self._cond:
            self._flushing = False
            self._done = mine + 1
            if error is not None:
                self._failed[mine] = error
                for old in [n for n in self._failed if n < mine - FAILURES_KEPT]:
                    del self._failed[old]
            self._cond.notify_all()
        if error is not None:
            raise error
