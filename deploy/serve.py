"""One app process: `python -m deploy.serve --port P` = the Reflex backend under granian with
one worker, serving the prebuilt frontend pages from REFLEX_WEB_WORKDIR.

Not `reflex run --env prod --backend-only`: that forces REFLEX_MOUNT_FRONTEND_COMPILED_APP off,
and the pages must come through the app for their Content-Security-Policy
(pakjeplekje/web/security_headers.py). This does what that command does otherwise: prod mode,
no compile (the build is done once, by deploy/stack.py), granian with GRANIAN_WORKERS workers.
"""

from __future__ import annotations

import argparse
import os


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m deploy.serve")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args(argv)
    os.environ.setdefault("GRANIAN_WORKERS", "1")  # one granian worker per app process
    from reflex.config import get_config
    from reflex.utils import exec as reflex_exec
    from reflex_base import constants
    from reflex_base.environment import environment

    # What `reflex run --env prod` sets (in os.environ, so granian's worker sees it too),
    # except that the prebuilt pages are mounted.
    environment.REFLEX_ENV_MODE.set(constants.Env.PROD)
    environment.REFLEX_SKIP_COMPILE.set(True)
    environment.REFLEX_MOUNT_FRONTEND_COMPILED_APP.set(True)
    level = get_config().loglevel.subprocess_level()  # type: ignore[no-untyped-call]  # reflex leaves it unannotated
    reflex_exec.run_granian_backend_prod(args.host, args.port, level)


if __name__ == "__main__":
    main()
