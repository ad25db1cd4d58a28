"""`make bench`: performance figures, one line each, measured on this machine.

The bench runs in a throw-away data directory (its database, outbox and job queue) and on a
fixed working morning, both set here before any app module is imported. The job queue is
created when `services.scheduler` is imported: jobs left in the developer's `data/huey.db`
would run against their dev database on the next `make run`."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

if "PJP_BENCH_DATA_DIR" in os.environ:  # a worker process the bench started: its parent's
    DATA_DIR = Path(os.environ["PJP_BENCH_DATA_DIR"])
else:
    DATA_DIR = Path(tempfile.mkdtemp(prefix="pjp-bench-"))
    atexit.register(shutil.rmtree, DATA_DIR, ignore_errors=True)
    os.environ["PJP_BENCH_DATA_DIR"] = str(DATA_DIR)
os.environ["DATA_DIR"] = str(DATA_DIR)
os.environ.setdefault("APP_ENV", "dev")
# A working morning (Tuesday 09:00 in Amsterdam): at night quiet hours hold wave 1, and the
# open-slot figures measured no texts at all.
os.environ.setdefault("CLOCK_START", "2026-11-24T08:00:00+00:00")
os.environ.setdefault("SECRET_KEY", "bench-secret")
os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL") or (
    f"sqlite:///{DATA_DIR / 'bench.db'}"
)
