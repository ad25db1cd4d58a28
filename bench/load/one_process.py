"""One app process to develop the load tools against (not the production stack): the prod
build on a free port (tests/browser/conftest.py `running_app`), on a PostgreSQL database and a
Redis database of its own, one granian worker, one huey worker, texting through the local fake
Twilio. Prints the base URL, the DATABASE_URL and the pids; runs until interrupted.

    python -m bench.load.one_process --database-url postgresql+psycopg://…/db --redis-url redis://…/13

Numbers measured against it are "1 process, no nginx"; the lead runs the same tools against
deploy/stack.py (nginx, N app processes).
"""

from __future__ import annotations

import argparse
import importlib
import json
import signal
import sys
import tempfile
import time
from pathlib import Path

from bench.fake_twilio_server import fake_twilio, twilio_env


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--redis-url", required=True)
    parser.add_argument("--info", default="", help="write base URL, env and pids here as JSON")
    args = parser.parse_args()
    # imported by name: mypy checks bench/, not the browser tests' helpers it borrows
    conftest = importlib.import_module("tests.browser.conftest")
    app_environment, running_app = conftest.app_environment, conftest.running_app
    start_process, stop = conftest.start_process, conftest.stop

    data_dir = Path(tempfile.mkdtemp(prefix="pjp-load-"))
    with fake_twilio() as twilio_url:
        extra = {
            **twilio_env(twilio_url),
            "DATABASE_URL": args.database_url,
            "REDIS_URL": args.redis_url,
            "GRANIAN_WORKERS": "1",
        }
        with running_app(data_dir, **extra) as app:
            env = app_environment(app.port, data_dir, **extra)
            worker = start_process(
                [sys.executable, "-m", "pakjeplekje", "worker"], env, data_dir / "worker.log"
            )
            info = {
                "base_url": app.base_url,
                "database_url": args.database_url,
                "data_dir": str(data_dir),
                "worker_pid": worker.pid,
                "env": {
                    k: env[k]
                    for k in ("PUBLIC_BASE_URL", "SECRET_KEY", "CLOCK_START", *twilio_env(""))
                },
            }
            print(json.dumps(info), flush=True)
            if args.info:
                Path(args.info).write_text(json.dumps(info))
            signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
            try:
                while True:
                    time.sleep(3600)
            finally:
                stop(worker)


if __name__ == "__main__":
    main()
