"""The machine's own PostgreSQL and Redis for tests that start real processes: a database or a
Redis database number of their own, and the deployment (`deploy.stack`) on top of them.

On a developer's machine without a service such a test is skipped; in CI (CI=true) it fails:
there it must run."""

from __future__ import annotations

import os
import random
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn
from urllib.parse import urlsplit

import psycopg
import pytest
import redis

from deploy.stack import Stack, free_port, running_stack

LOCAL_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
REDIS_HOST = "redis://127.0.0.1:6379"


def unavailable(reason: str) -> NoReturn:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true but {reason}: this test must run in CI.")
    pytest.skip(reason)


def empty_redis_db() -> str:
    """A Redis database (1–15) nobody uses, so parallel runs never share a job queue."""
    try:
        redis.Redis.from_url(f"{REDIS_HOST}/0", socket_timeout=2).ping()
    except redis.RedisError:
        unavailable("Redis is not running on 127.0.0.1:6379")
    for _ in range(30):
        url = f"{REDIS_HOST}/{random.randint(1, 15)}"
        if redis.Redis.from_url(url).dbsize() == 0:
            return url
    pytest.skip("no empty Redis database to use")


@contextmanager
def redis_db() -> Iterator[str]:
    """`empty_redis_db`, emptied again afterwards."""
    url = empty_redis_db()
    try:
        yield url
    finally:
        redis.Redis.from_url(url).flushdb()


def _admin_url() -> str:
    """The server of TEST_DATABASE_URL (CI makes one), else the local one, as libpq wants it."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        return LOCAL_POSTGRES
    return urlsplit(url.replace("+psycopg", ""))._replace(path="/postgres").geturl()


@contextmanager
def scratch_database(prefix: str) -> Iterator[str]:
    """A PostgreSQL database of its own, dropped afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = _admin_url()
    try:
        with psycopg.connect(admin, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f"CREATE DATABASE {name}")
    except psycopg.OperationalError as exc:
        unavailable(f"PostgreSQL is not reachable ({exc})")
    try:
        yield f"postgresql+psycopg://{urlsplit(admin).netloc}/{name}"
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@contextmanager
def deployed_stack(data_dir: Path, env: dict[str, str], port: int) -> Iterator[Stack]:
    """nginx, 2 app processes and a huey worker on a database and a Redis db of their own."""
    if not shutil.which("nginx") and not Path("/usr/sbin/nginx").exists():
        unavailable("nginx is not installed (apt-get install nginx)")
    with (
        scratch_database("pjp_stack") as database,
        redis_db() as redis_url,
        running_stack(
            apps=2,
            workers=1,
            database_url=database,
            redis_url=redis_url,
            data_dir=data_dir,
            port=port,
            extra_env=env,
        ) as stack,
    ):
        yield stack


__all__ = ["deployed_stack", "empty_redis_db", "free_port", "redis_db", "scratch_database"]
