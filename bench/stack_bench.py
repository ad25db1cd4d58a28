"""The deployment under load, measured where patients, Twilio and staff meet it (issue 13):
nginx in front of 2 app processes and 1 huey worker on PostgreSQL and Redis
(`deploy.stack.running_stack`), texting through a local fake Twilio. `make bench` runs the
short form of `bench.load_bench` against it (the mixed locust load for 20 s, then claim storms
at N=50 and 200 on the link and the signed `JA` path); `python -m bench.stack_bench --long`
runs the long form (60 s at full scale, storms at 50/200/1000, 3 runs each).

It needs PostgreSQL and Redis: BENCH_DATABASE_URL if it is PostgreSQL, else a throw-away
database on the local server (127.0.0.1:5432, as on the development machines), and
BENCH_REDIS_URL or a free local Redis database. Without them it reports that it was skipped.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import redis
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from bench import DATA_DIR, load_bench
from bench.fake_twilio_server import fake_twilio, twilio_env
from deploy.stack import running_stack

LOCAL_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
LOCAL_REDIS = "redis://127.0.0.1:6379"


@contextmanager
def _postgresql(url: str) -> Iterator[str | None]:
    """The bench's PostgreSQL database, or a throw-away one on the local server, or None."""
    if url.startswith("postgresql"):
        yield url
        return
    name = f"pjp_bench_stack_{os.getpid()}_{int(time.monotonic())}"
    admin = create_engine(f"{LOCAL_SERVER}/postgres", isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError:
        admin.dispose()
        yield None
        return
    try:
        yield f"{LOCAL_SERVER}/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _redis() -> str | None:
    """BENCH_REDIS_URL, or an empty database (1–15) of the local Redis, or None."""
    if os.environ.get("BENCH_REDIS_URL"):
        return os.environ["BENCH_REDIS_URL"]
    try:
        for number in range(15, 0, -1):
            url = f"{LOCAL_REDIS}/{number}"
            if redis.Redis.from_url(url, socket_timeout=2).dbsize() == 0:
                return url
    except redis.RedisError:
        return None
    return None


def run(url: str, *, long: bool = False) -> list[tuple[str, float, str]]:
    redis_url = _redis()
    with _postgresql(url) as database_url:
        if database_url is None or redis_url is None:
            return [("stack: skipped (needs PostgreSQL and Redis on 127.0.0.1)", 0.0, "")]
        with (
            fake_twilio() as twilio_url,
            running_stack(
                apps=2,
                workers=1,
                database_url=database_url,
                redis_url=redis_url,
                data_dir=Path(DATA_DIR) / "stack",
                extra_env={**twilio_env(twilio_url), "CLOCK_START": os.environ["CLOCK_START"]},
            ) as stack,
        ):
            pids = load_bench.stack_pids(stack)
            try:
                if long:
                    rows = load_bench.run_against(
                        stack.url(""),
                        database_url,
                        stack.env,
                        seconds=60,
                        pids=pids,
                        scale=load_bench.LONG_SCALE,
                        storm_sizes=(50, 200, 1000),
                        storm_runs=3,
                    )
                else:
                    rows = load_bench.run_against(stack.url(""), database_url, stack.env, pids=pids)
            finally:
                redis.Redis.from_url(redis_url).flushdb()
    return [(f"stack 2 apps + nginx: {name}", value, unit) for name, value, unit in rows]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--long", action="store_true", help="60 s at full scale, storms to 1000")
    args = parser.parse_args(argv)
    url = os.environ["DATABASE_URL"]
    for name, value, unit in run(url, long=args.long):
        print(f"{name}: {value:.2f} {unit}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
