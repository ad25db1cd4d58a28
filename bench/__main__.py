"""Runs every bench module and prints one line per figure.

Each module exposes `run(url) -> list[tuple[str, float, str]]` (name, value, unit). The bench
uses its own throw-away database (bench/__init__.py): SQLite by default, BENCH_DATABASE_URL
for PostgreSQL. `stack_bench` measures the deployment (nginx, 2 app processes, PostgreSQL,
Redis) from outside, over HTTP and websockets.
"""

from __future__ import annotations

import os
import sys

from bench import (
    auth_bench,
    claim_bench,
    core_loop_bench,
    outreach_bench,
    privacy_bench,
    stack_bench,
    waitlist_bench,
)


def main() -> int:
    url = os.environ["DATABASE_URL"]  # set by bench/__init__.py: a throw-away database
    backend = url.split(":", 1)[0]
    modules = (
        auth_bench,
        waitlist_bench,
        claim_bench,
        core_loop_bench,
        outreach_bench,
        privacy_bench,
        stack_bench,
    )
    for module in modules:
        for name, value, unit in module.run(url):
            print(f"{name} [{backend}]: {value:.2f} {unit}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
