"""Engine and session helpers: SQLite by default, PostgreSQL through DATABASE_URL.

Two kinds of unit of work. `session_scope()` may write: on SQLite its transaction takes the
write lock at BEGIN (`BEGIN IMMEDIATE`) and waits up to the busy timeout for it. `read_scope()`
only reads: a deferred BEGIN on SQLite (under WAL it never waits for a writer) and a READ ONLY
transaction on PostgreSQL.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session, create_engine

from pakjeplekje.config import get_settings

BUSY_TIMEOUT_S = 30
READ_ONLY = "pjp_read_only"  # execution option: this connection's transactions only read


def make_engine(url: str, pool_size: int = 10, pool_timeout: float = 10) -> Engine:
    """SQLite as below; PostgreSQL with a fixed pool of `pool_size` and no overflow, so a
    process never opens more than its share of DB_MAX_CONNECTIONS (config.py), and a request
    that finds the pool empty fails after `pool_timeout` s instead of queueing past Twilio's
    15 s webhook timeout."""
    if url.startswith("sqlite"):
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_S}
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: sqlite3.Connection, _record: object) -> None:
            # pysqlite's own transaction handling breaks SAVEPOINTs; let SQLAlchemy emit BEGIN.
            dbapi_conn.isolation_level = None
            # WAL lets the app read while a job writes; foreign keys are off by default.
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_S * 1000}")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Connection) -> None:
            # A deferred BEGIN starts as a reader; its first write must then upgrade to the
            # write lock, and when another connection wrote since the snapshot SQLite answers
            # "database is locked" at once: the busy timeout cannot help an upgrade. So a
            # transaction that may write takes the lock up front and waits its turn.
            read_only = conn.get_execution_options().get(READ_ONLY, False)
            conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

        return engine
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_size=pool_size,
        max_overflow=0,
        pool_timeout=pool_timeout,
    )


def read_only(engine: Engine) -> Engine:
    """The same engine and pool, for transactions that only read (see `read_scope`)."""
    options: dict[str, object] = {READ_ONLY: True}
    if engine.dialect.name == "postgresql":
        options["postgresql_readonly"] = True  # a stray write fails instead of locking rows
    return engine.execution_options(**options)


_role = "app"  # which share of the connection budget this process takes (config.py)


def serve_as_worker() -> None:
    """Called by `python -m pakjeplekje worker` before any query: a worker's pool is its
    thread count + 1, not an app process's share."""
    global _role
    _role = "worker"
    get_engine.cache_clear()


@lru_cache(maxsize=1)
def get_engine() -> Engine:
    settings = get_settings()
    if settings.database_url.startswith("sqlite:///"):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    return make_engine(settings.database_url, settings.pool_size(_role), settings.db_pool_timeout)


@contextmanager
def session_scope() -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error."""
    with Session(get_engine(), expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


@contextmanager
def read_scope() -> Iterator[Session]:
    """A unit of work that only reads: it never holds or waits for SQLite's write lock, so a
    reader is never queued behind a writer. Nothing is committed; loaded rows stay readable."""
    with Session(read_only(get_engine()), expire_on_commit=False) as session:
        yield session
