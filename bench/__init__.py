"""`make bench`: performance figures, one line each, measured on this machine.

The bench runs in a throw-away data directory (its database, outbox and job queue), set here,
before any app module is imported: the job queue is created when `services.scheduler` is
imported, and jobs left in the developer's `data/huey.db` would run against their dev database
on the next `make run`."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

DATA_DIR = Path(tempfile.mkdtemp(prefix="pjp-bench-"))
atexit.register(shutil.rmtree, DATA_DIR, ignore_errors=True)
os.environ["DATA_DIR"] = str(DATA_DIR)
os.environ.setdefault("APP_ENV", "dev")
os.environ.setdefault("SECRET_KEY", "bench-secret")
os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL") or (
    f"sqlite:///{DATA_DIR / 'bench.db'}"
)
