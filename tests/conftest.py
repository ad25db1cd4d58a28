"""Database fixtures: every DB test runs on SQLite and, with TEST_DATABASE_URL, on PostgreSQL.

Each backend is migrated from zero once per run (so the migrations themselves are under test);
`db` isolates a test in a rolled-back transaction, `app_env` points the app's own settings and
engine at the backend for code that commits through `session_scope()`.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
import time_machine
from huey.storage import MemoryStorage
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.pool import NullPool
from sqlmodel import Session, SQLModel

from pakjeplekje import config, migrations
from pakjeplekje import db as app_db
from pakjeplekje.adapters.settled_claims import settled_claims
from pakjeplekje.domain.accounts.passwords import hash_password
from pakjeplekje.domain.accounts.sessions import resolve_session, start_session
from pakjeplekje.domain.actor import Actor
from pakjeplekje.models import Practice, User
from pakjeplekje.services import scheduler
from tests import connection_guard, timeplan

TEST_SECRET = "test-secret-key-niet-voor-productie"

# Settings the developer's shell might carry; unset so every test starts from the same config.
_FOREIGN_ENV = (
    "PUBLIC_BASE_URL",
    "SMS_BACKEND",
    "MAIL_BACKEND",
    "SMTP_HOST",
    "ALLOW_SQLITE_IN_PROD",
    "REDIS_URL",
    "PORT",
    "TRUSTED_PROXIES",
    "STRIPE_SECRET_KEY",
    "STRIPE_WEBHOOK_SECRET",
    "STRIPE_PRICE_BASIS",
    "STRIPE_PRICE_PRO",
    "STRIPE_PRICE_SMS_METER",
    "STRIPE_API_BASE",
)


def _timed_waits_hang() -> bool:
    """libfaketime fakes CLOCK_MONOTONIC too unless told not to, and then a thread's timed
    wait (`threading.Event().wait(0.1)`, sem_clockwait) never returns: measured under
    `faketime '2026-12-12 22:30:00'`."""
    return "FAKETIME" in os.environ and os.environ.get("FAKETIME_DONT_FAKE_MONOTONIC") != "1"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests marked `needs_running_clock` wait on huey's consumer threads or socket timeouts:
    under faketime's monotonic clock they would hang, not fail, so they are skipped with the
    reason. Our own clock is `pakjeplekje.clock`, frozen by time-machine (TEST_NOW)."""
    if not _timed_waits_hang():
        return
    skip = pytest.mark.skip(
        reason="faketime without FAKETIME_DONT_FAKE_MONOTONIC=1: timed waits never return"
    )
    for item in items:
        if item.get_closest_marker("needs_running_clock"):
            item.add_marker(skip)


def _backends() -> list[str]:
    return ["sqlite", "postgresql"] if os.environ.get("TEST_DATABASE_URL") else ["sqlite"]


def reset_app_caches() -> None:
    """Settings and engine are cached per process; drop both (and the pool) after env changes."""
    if app_db.get_engine.cache_info().currsize:
        app_db.get_engine().dispose()
    app_db.get_engine.cache_clear()
    config.get_settings.cache_clear()
    settled_claims.cache_clear()  # built from the settings (REDIS_URL) and remembers links


def _app_environment(mp: pytest.MonkeyPatch, data_dir: Path, url: str) -> None:
    mp.setenv("DATA_DIR", str(data_dir))
    mp.setenv("DATABASE_URL", url)
    mp.setenv("APP_ENV", "dev")
    mp.setenv("SECRET_KEY", TEST_SECRET)
    for name in _FOREIGN_ENV:
        mp.delenv(name, raising=False)


@contextmanager
def _settings_for(data_dir: Path, url: str) -> Iterator[None]:
    """`migrations.upgrade` reads settings; keep it away from the developer's real data/."""
    with pytest.MonkeyPatch.context() as mp:
        _app_environment(mp, data_dir, url)
        reset_app_caches()
        try:
            yield
        finally:
            reset_app_caches()


def _reset_postgres(url: str) -> None:
    """A rerun must start at zero, or 'migrated from zero' would test nothing."""
    engine = create_engine(url, poolclass=NullPool)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session", params=_backends())
def backend_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """One empty database per backend, brought to head by the app's own migration path."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'pakjeplekje-test.db'}"
    else:
        url = os.environ["TEST_DATABASE_URL"]
        _reset_postgres(url)
    with _settings_for(tmp_path_factory.mktemp("migrate-data"), url):
        migrations.upgrade(url)
    return url


@pytest.fixture(scope="session")
def test_engine(backend_url: str) -> Iterator[Engine]:
    """The tests' own engine on the backend, built exactly like the app's."""
    engine = app_db.make_engine(backend_url)
    yield engine
    engine.dispose()


@pytest.fixture
def db(test_engine: Engine) -> Iterator[Session]:
    """A Session inside an outer transaction that is rolled back: tests never see each other.

    create_savepoint lets the code under test call begin_nested (the throttle does)."""
    with test_engine.connect() as conn:
        outer = conn.begin()
        session = Session(bind=conn, join_transaction_mode="create_savepoint")
        try:
            yield session
        finally:
            session.close()
            outer.rollback()


def delete_all_rows(engine: Engine) -> None:
    """Children first, so foreign keys never object."""
    with engine.begin() as conn:
        for table in reversed(SQLModel.metadata.sorted_tables):
            conn.execute(table.delete())


@dataclass(frozen=True)
class AppEnv:
    url: str
    data_dir: Path

    def reload(self) -> None:
        """Call after changing env vars mid-test so the app reads them again."""
        reset_app_caches()


@pytest.fixture
def app_env(
    backend_url: str, test_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[AppEnv]:
    """The app's settings and engine on the test backend, for code that commits for real.

    Committed rows cannot be rolled back, so every table is emptied afterwards."""
    data_dir = tmp_path / "data"
    _app_environment(monkeypatch, data_dir, backend_url)
    reset_app_caches()
    try:
        yield AppEnv(url=backend_url, data_dir=data_dir)
    finally:
        reset_app_caches()
        delete_all_rows(test_engine)


def _test_start() -> datetime:
    """The instant the whole run starts at: a Tuesday morning, or `TEST_NOW` (ISO 8601, UTC),
    which CI sets to the awkward instants (a Saturday night, the DST night, New Year's Eve)."""
    raw = os.environ.get("TEST_NOW", "").strip()
    if not raw:
        return datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    start = datetime.fromisoformat(raw)
    return start if start.tzinfo else start.replace(tzinfo=UTC)


TEST_START = _test_start()


@pytest.fixture(autouse=True)
def private_job_queue(monkeypatch: pytest.MonkeyPatch) -> None:
    """Jobs a test enqueues (a claim's confirmation, a slot's texts) stay in this test's own
    queue: in the developer's data/huey.db the next `make run` would run them against the dev
    database. Tests that run the queue ask for `job_queue` (tests/job_queue.py)."""
    monkeypatch.setattr(scheduler.huey, "storage", MemoryStorage("pakjeplekje-test"))


@pytest.fixture(autouse=True)
def one_connection_at_a_time() -> Iterator[None]:
    """Fails a test whose code held a pooled connection while taking a second one."""
    before = len(connection_guard.nested)
    yield
    found = connection_guard.nested[before:]
    assert not found, "nested connection checkout at:\n" + "\n".join(found)


@pytest.fixture(autouse=True)
def frozen_clock() -> Iterator[time_machine.Coordinates]:
    """Every test starts at TEST_START and its clock ticks from there: no test can depend on
    the day or hour it happens to run (the app reads time only through `clock.now()`)."""
    with time_machine.travel(TEST_START, tick=True) as traveller:
        yield traveller


@pytest.fixture
def now() -> datetime:
    """The instant the test starts at: tests move time by adding timedeltas, never by sleeping."""
    return TEST_START


@pytest.fixture
def office_now(frozen_clock: time_machine.Coordinates) -> datetime:
    """10:00 in Amsterdam on the first weekday at or after TEST_START, and the clock moved
    there: for tests whose subject is a rule relative to a working morning (the slot form's
    "an hour ago", the rhythm of waves), which a Saturday night cannot express."""
    morning = timeplan.weekday_at(TEST_START, 10, 0, days_ahead=0)
    frozen_clock.move_to(morning)
    return morning


@dataclass(frozen=True)
class Factory:
    """Inserts rows directly: fast set-up without bcrypt where passwords are not the subject."""

    now: datetime

    def practice(
        self, session: Session, name: str = "Tandartspraktijk Test", wave_mode: str = "vast"
    ) -> Practice:
        """Fixed waves unless asked: most tests count offers per wave (5 every 10 minutes);
        adaptive waves have tests of their own (test_adaptive_waves.py)."""
        practice = Practice(
            name=name,
            slug=f"praktijk-{uuid.uuid4().hex[:12]}",
            sms_sender_name="Test",
            created_at=self.now,
            email_confirmed_at=self.now,  # confirmation itself: test_email_confirmation
            wave_mode=wave_mode,
        )
        session.add(practice)
        session.flush()
        return practice

    def user(
        self,
        session: Session,
        practice: Practice,
        email: str,
        *,
        role: str = "staff",
        status: str = "active",
        password: str | None = None,
    ) -> User:
        user = User(
            practice_id=practice.id,  # type: ignore[arg-type]
            email=email,
            name=email.split("@")[0].title(),
            role=role,
            status=status,
            password_hash=hash_password(password) if password else None,
            created_at=self.now,
        )
        session.add(user)
        session.flush()
        return user

    def login(self, session: Session, user: User, at: datetime | None = None) -> tuple[str, Actor]:
        """A real session for `user`: the raw cookie token and the actor it resolves to."""
        raw = start_session(session, user, at or self.now)
        actor = resolve_session(session, raw, at or self.now)
        assert actor is not None
        return raw, actor


@pytest.fixture
def factory(now: datetime) -> Factory:
    return Factory(now=now)
