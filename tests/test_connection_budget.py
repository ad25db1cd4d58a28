"""One setting, DB_MAX_CONNECTIONS, bounds every connection the deployment opens: each process's
pool is its share (README "Productie"), without overflow, and a budget the processes cannot
fit in stops the start with a Dutch message naming the numbers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from pakjeplekje import db
from pakjeplekje.config import ConfigError, get_settings, load_settings

_BUDGET_ENV = (
    "DB_MAX_CONNECTIONS",
    "APP_PROCESSES",
    "WORKER_PROCESSES",
    "WORKER_THREADS",
    "DB_POOL_TIMEOUT",
    "REDIS_URL",
    "DATABASE_URL",
)
PG_URL = "postgresql+psycopg://pjp@db.invalid/pjp"  # never connected: pools open lazily


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[pytest.MonkeyPatch]:
    for name in _BUDGET_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DATABASE_URL", PG_URL)
    get_settings.cache_clear()
    db.get_engine.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()
    db.get_engine.cache_clear()
    monkeypatch.setattr(db, "_role", "app")


def test_single_process_without_redis_takes_the_whole_budget(env: pytest.MonkeyPatch) -> None:
    settings = load_settings()
    assert (settings.db_max_connections, settings.worker_processes) == (80, 0)
    assert settings.pool_size("app") == 80


def test_two_apps_and_one_worker_share_eighty(env: pytest.MonkeyPatch) -> None:
    env.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")  # one worker process by default
    env.setenv("APP_PROCESSES", "2")
    settings = load_settings()
    assert settings.pool_size("worker") == 3  # 2 job threads + 1
    assert settings.pool_size("app") == (80 - 3) // 2 == 38
    total = settings.app_processes * settings.pool_size(
        "app"
    ) + settings.worker_processes * settings.pool_size("worker")
    assert total <= settings.db_max_connections


def test_the_formula_at_other_sizes(env: pytest.MonkeyPatch) -> None:
    env.setenv("DB_MAX_CONNECTIONS", "50")
    env.setenv("APP_PROCESSES", "4")
    env.setenv("WORKER_PROCESSES", "2")
    env.setenv("WORKER_THREADS", "4")
    settings = load_settings()
    assert settings.pool_size("worker") == 5
    assert settings.pool_size("app") == (50 - 2 * 5) // 4 == 10


def test_the_engine_gets_the_pool_of_its_role_without_overflow(env: pytest.MonkeyPatch) -> None:
    env.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    env.setenv("APP_PROCESSES", "2")
    env.setenv("DB_POOL_TIMEOUT", "7")
    pool = db.get_engine().pool
    assert (pool.size(), pool._max_overflow, pool._timeout) == (38, 0, 7)  # type: ignore[attr-defined]
    db.serve_as_worker()
    pool = db.get_engine().pool
    assert (pool.size(), pool._max_overflow) == (3, 0)  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("DB_MAX_CONNECTIONS", "0", "DB_MAX_CONNECTIONS moet een geheel getal van 1 of meer"),
        ("DB_MAX_CONNECTIONS", "veel", "DB_MAX_CONNECTIONS moet een geheel getal"),
        ("APP_PROCESSES", "-2", "APP_PROCESSES moet een geheel getal"),
        ("WORKER_THREADS", "2.5", "WORKER_THREADS moet een geheel getal"),
        ("DB_POOL_TIMEOUT", "30", "DB_POOL_TIMEOUT moet 14 seconden of minder zijn"),
    ],
)
def test_bad_values_are_refused(
    env: pytest.MonkeyPatch, name: str, value: str, message: str
) -> None:
    env.setenv(name, value)
    with pytest.raises(ConfigError, match=message):
        load_settings()


def test_a_budget_too_small_for_the_processes_is_refused(env: pytest.MonkeyPatch) -> None:
    env.setenv("DB_MAX_CONNECTIONS", "12")
    env.setenv("APP_PROCESSES", "4")
    env.setenv("WORKER_PROCESSES", "2")
    with pytest.raises(ConfigError) as refused:
        load_settings()
    assert "DB_MAX_CONNECTIONS=12 is te klein" in str(refused.value)
    assert "nodig is minstens 14" in str(refused.value)  # 2 × (2 + 1) + 4 × 2
    env.setenv("DB_MAX_CONNECTIONS", "14")
    assert load_settings().pool_size("app") == 2
