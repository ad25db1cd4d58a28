"""The production layout on one machine: nginx → N app processes, M huey workers, PostgreSQL and
Redis. One code path renders it, for three users:

- `running_stack(...)`: tests, the load test and the fault suite (processes as Popen handles, so
  a test can kill -9 one and `start_app(i)` / `start_worker()` a replacement);
- `python -m deploy.stack run` (`make prod-local`): the same processes under honcho;
- `python -m deploy.stack web` / `site`: the frontend and nginx site file for a real server.

The frontend is built once per checkout (in `.deploy/frontend`, under a file lock, again only
when the sources change). Reflex writes the backend's origin into exactly one module of the
bundle (`assets/reflex-env-*.js`, from `.web/env.json`); the build uses a placeholder origin
and each deployment gets a copy of the build with its own origin written in (`render_web`).
"""

from __future__ import annotations

import argparse
import fcntl
import gzip
import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import httpx

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
CACHE = ROOT / ".deploy"  # git-ignored: the checkout's one frontend build, and run dirs
BUILD_ORIGIN = "http://pjp-origin.invalid:1"  # written into the build, replaced per deployment
STARTUP_TIMEOUT_S = 120
_SOURCES = ("pakjeplekje", "assets", "rxconfig.py")
_PROJECT_LINKS = ("pakjeplekje", "alembic", "assets", "rxconfig.py", "alembic.ini")
_WEB_COPY = ("build", "backend", "routes.json", "reflex.json", "env.json")
MIME_TYPES = Path("/etc/nginx/mime.types")


def tool_env() -> dict[str, str]:
    """Reflex's CLI settings as `make` sets them: quiet, and bun from .tools/ on old Node."""
    env = {"REFLEX_TELEMETRY_ENABLED": "false", "REFLEX_CHECK_LATEST_VERSION": "false"}
    bun = ROOT / ".tools/node_modules/.bin"
    if (bun / "bun").exists():
        env["PATH"] = f"{bun}{os.pathsep}{os.environ.get('PATH', '')}"
        env["REFLEX_USE_SYSTEM_BUN"] = "1"
    return env


def _fingerprint() -> str:
    """What the build depends on: the page sources, the assets and Reflex's version."""
    import reflex

    digest = hashlib.sha256(str(getattr(reflex, "__version__", "")).encode())
    for name in _SOURCES:
        base = ROOT / name
        files = [base] if base.is_file() else sorted(base.rglob("*"))
        for path in files:
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(str(path.relative_to(ROOT)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()


def frontend_build() -> Path:
    """The `.web` of this checkout's one production build, built now if missing or stale.
    Concurrent callers (parallel test sessions, a bench beside a test) wait on one lock."""
    CACHE.mkdir(exist_ok=True)
    project = CACHE / "frontend"
    web = project / ".web"
    with (CACHE / "build.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        fingerprint = _fingerprint()
        stamp = web / "pjp-build.stamp"
        if stamp.exists() and stamp.read_text() == fingerprint:
            return web
        project.mkdir(exist_ok=True)
        for name in _PROJECT_LINKS:
            link = project / name
            if not link.is_symlink():
                link.symlink_to(ROOT / name)
        env = {
            **os.environ,
            **tool_env(),
            "APP_ENV": "dev",  # the pages do not depend on it; dev needs no secrets
            "DATA_DIR": str(project / "data"),
            "REFLEX_API_URL": BUILD_ORIGIN,
            "PUBLIC_BASE_URL": BUILD_ORIGIN,
        }
        for name in ("DATABASE_URL", "REDIS_URL", "PORT"):
            env.pop(name, None)
        export = ["export", "--frontend-only", "--no-zip", "--env", "prod"]
        with (CACHE / "build.log").open("wb") as log:
            done = subprocess.run(
                [sys.executable, "-m", "reflex", *export],
                cwd=project,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                check=False,
            )
        if done.returncode != 0 or not (web / "build/client/index.html").exists():
            tail = (CACHE / "build.log").read_text(errors="replace")[-3000:]
            raise RuntimeError(f"frontend build failed:\n{tail}")
        stamp.write_text(fingerprint)
        return web


def _ws(origin: str) -> str:
    return origin.replace("https://", "wss://", 1).replace("http://", "ws://", 1)


def render_web(build_web: Path, dest: Path, origin: str) -> Path:
    """A copy of the build (what the apps and nginx serve) with `origin` as the backend's
    address; returns `dest`, the apps' REFLEX_WEB_WORKDIR."""
    parts = urlsplit(origin)
    origin = f"{parts.scheme}://{parts.netloc}"
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    for name in _WEB_COPY:
        source = build_web / name
        if source.is_dir():
            shutil.copytree(source, dest / name)
        elif source.exists():
            shutil.copy2(source, dest / name)
    modules = [*(dest / "build/client/assets").glob("reflex-env-*.js"), dest / "env.json"]
    replaced = 0
    for path in modules:
        text = path.read_text()
        new = text.replace(_ws(BUILD_ORIGIN), _ws(origin)).replace(BUILD_ORIGIN, origin)
        replaced += new != text
        path.write_text(new)
        if path.suffix == ".js":
            Path(f"{path}.gz").write_bytes(gzip.compress(new.encode(), mtime=0))
            for other in (".br", ".zst"):
                Path(f"{path}{other}").unlink(missing_ok=True)
    if replaced < 2:
        raise RuntimeError("the build's origin was not found: did Reflex move env.json?")
    return dest


def _fill(template: str, values: dict[str, str]) -> str:
    for key, value in values.items():
        template = template.replace("{{" + key + "}}", value)
    assert "{{" not in template, "a placeholder was left unfilled"
    return template


def render_site(
    *,
    app_servers: list[str],
    listen: str,
    static_root: Path,
    access_log: str,
    server_name: str = "_",
    error_root: Path = DEPLOY,
) -> str:
    """The nginx site (upstream + server) for a local run and for a real server alike."""
    listens = "\n".join(f"    listen {address};" for address in listen.split(","))
    servers = "\n".join(
        f"    server {server} max_fails=1 fail_timeout=5s;" for server in app_servers
    )
    return _fill(
        (DEPLOY / "nginx/site.conf.template").read_text(),
        {
            "UPSTREAM_SERVERS": servers,
            "LISTEN": listens,
            "SERVER_NAME": server_name,
            "STATIC_ROOT": str(static_root),
            "ERROR_ROOT": str(error_root),
            "ACCESS_LOG": access_log,
        },
    )


def _user_line() -> str:
    """Started by root (a container, CI), nginx would hand its workers to `nobody`, who cannot
    read the caller's private run dir (pytest's tmp dirs are 0700): keep the caller's user.
    Started by anybody else, nginx runs as that user anyway and the line is left out."""
    if os.geteuid() != 0:
        return ""
    return "user root root;  # local run as root only; a server's site file runs as www-data\n"


def _local_listen(port: int) -> str:
    """This machine only: 127.0.0.1, and ::1 where there is IPv6 (browsers try `localhost`
    as ::1 first)."""
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
    except OSError:
        return f"127.0.0.1:{port}"
    return f"127.0.0.1:{port},[::1]:{port}"


def render_local_nginx(run_dir: Path, site: str) -> list[str]:
    """nginx.conf + site.conf in `run_dir`; returns the command that runs nginx in the
    foreground with its pid, logs and temp files there (no root, no /etc/nginx)."""
    for sub in ("logs", "tmp"):
        (run_dir / sub).mkdir(parents=True, exist_ok=True)
    (run_dir / "site.conf").write_text(site)
    mime = MIME_TYPES if MIME_TYPES.exists() else DEPLOY / "nginx/mime.types"
    conf = _fill(
        (DEPLOY / "nginx/local.conf.template").read_text(),
        {"RUN_DIR": str(run_dir), "MIME_TYPES": str(mime), "USER_LINE": _user_line()},
    )
    (run_dir / "nginx.conf").write_text(conf)
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    return [
        nginx,
        "-p",
        f"{run_dir}/",
        "-c",
        str(run_dir / "nginx.conf"),
        "-e",
        str(run_dir / "logs/error.log"),
        "-g",
        "daemon off;",
    ]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=5)
    except ProcessLookupError:
        pass


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    with suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)


def _tail(log: Path) -> str:
    return log.read_text(errors="replace")[-3000:] if log.exists() else "(geen log)"


def _up(url: str, proc: subprocess.Popen[bytes], log: Path, deadline: float) -> None:
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args!r} exited early:\n{_tail(log)}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{url} not up in {STARTUP_TIMEOUT_S} s:\n{_tail(log)}")


@dataclass
class Stack:
    """A running deployment: handles on every process, and the environment the apps got."""

    run_dir: Path
    port: int
    app_ports: list[int]
    env: dict[str, str]
    nginx: subprocess.Popen[bytes]
    app_processes: list[subprocess.Popen[bytes]] = field(default_factory=list)
    worker_processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def url(self, path: str) -> str:
        """Through nginx, on the host name of PUBLIC_BASE_URL (cookies follow it)."""
        return self.env["PUBLIC_BASE_URL"].rstrip("/") + path

    def _spawn(self, args: list[str], log_name: str) -> subprocess.Popen[bytes]:
        with (self.run_dir / "logs" / log_name).open("ab") as out:
            return subprocess.Popen(
                args,
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own group: stopping it stops granian's children
            )

    def start_app(self, i: int, wait: bool = True) -> subprocess.Popen[bytes]:
        """App process `i` on its port (a replacement when the old one was killed)."""
        port = self.app_ports[i]
        proc = self._spawn(app_command(port), f"app-{i}.log")
        if i < len(self.app_processes):
            self.app_processes[i] = proc
        else:
            self.app_processes.append(proc)
        if wait:
            deadline = time.monotonic() + STARTUP_TIMEOUT_S
            _up(f"http://127.0.0.1:{port}/ping", proc, self.run_dir / f"logs/app-{i}.log", deadline)
        return proc

    def kill_app(self, i: int) -> None:
        """kill -9 app process `i` with its granian worker (a child in the same process
        group: killing only the parent leaves the worker serving)."""
        _kill_group(self.app_processes[i])

    def kill_worker(self, j: int) -> None:
        """kill -9 huey worker process `j`."""
        _kill_group(self.worker_processes[j])

    def start_worker(self) -> subprocess.Popen[bytes]:
        """One more huey worker process (a replacement, or an extra)."""
        proc = self._spawn(worker_command(), f"worker-{len(self.worker_processes)}.log")
        self.worker_processes.append(proc)
        return proc

    def stop(self) -> None:
        for proc in [*self.app_processes, *self.worker_processes, self.nginx]:
            _stop(proc)


def app_command(port: int) -> list[str]:
    return [sys.executable, "-m", "deploy.serve", "--port", str(port)]


def worker_command() -> list[str]:
    return [sys.executable, "-m", "pakjeplekje", "worker"]


def stack_env(
    *,
    apps: int,
    workers: int,
    port: int,
    database_url: str,
    redis_url: str,
    data_dir: Path,
    web_dir: Path,
    extra_env: dict[str, str] | None = None,
) -> dict[str, str]:
    """What every app and worker process runs with."""
    extra = extra_env or {}
    public = extra.get("PUBLIC_BASE_URL") or f"http://localhost:{port}"
    return {
        **os.environ,
        **tool_env(),
        "DATA_DIR": str(data_dir),
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "PORT": str(port),
        "PUBLIC_BASE_URL": public,
        "TRUSTED_PROXIES": "127.0.0.1",  # nginx; it sets X-Forwarded-For
        "APP_PROCESSES": str(apps),
        "WORKER_PROCESSES": str(workers),
        "GRANIAN_WORKERS": "1",
        "REFLEX_WEB_WORKDIR": str(web_dir),
        "REFLEX_API_URL": public,
        "REFLEX_UPLOADED_FILES_DIR": str(data_dir / "uploaded_files"),
        **extra,
    }


@dataclass
class Plan:
    """Everything rendered for one deployment, before anything runs."""

    run_dir: Path
    port: int
    app_ports: list[int]
    env: dict[str, str]
    nginx_command: list[str]


def prepare(
    *,
    apps: int,
    workers: int,
    database_url: str,
    redis_url: str,
    data_dir: Path,
    port: int | None = None,
    app_ports: list[int] | None = None,
    extra_env: dict[str, str] | None = None,
) -> Plan:
    """Build (once), render the web copy and nginx config into `data_dir/run`, migrate."""
    port = port or free_port()
    app_ports = app_ports or [free_port() for _ in range(apps)]
    run_dir = data_dir / "run"
    data_dir.mkdir(parents=True, exist_ok=True)
    build = frontend_build()
    public = (extra_env or {}).get("PUBLIC_BASE_URL") or f"http://localhost:{port}"
    web_dir = render_web(build, run_dir / "web", public)
    env = stack_env(
        apps=apps,
        workers=workers,
        port=port,
        database_url=database_url,
        redis_url=redis_url,
        data_dir=data_dir,
        web_dir=web_dir,
        extra_env=extra_env,
    )
    site = render_site(
        app_servers=[f"127.0.0.1:{p}" for p in app_ports],
        listen=_local_listen(port),
        static_root=web_dir / "build/client",
        access_log=str(run_dir / "logs/access.log"),
    )
    nginx_command = render_local_nginx(run_dir, site)
    check = subprocess.run(
        [*nginx_command[:-2], "-t", "-q"], capture_output=True, text=True, check=False
    )
    if check.returncode != 0:
        raise RuntimeError(f"nginx config refused:\n{check.stderr}")
    subprocess.run([sys.executable, "-m", "pakjeplekje", "migrate"], cwd=ROOT, env=env, check=True)
    return Plan(run_dir, port, app_ports, env, nginx_command)


@contextmanager
def running_stack(
    *,
    apps: int = 2,
    workers: int = 1,
    database_url: str,
    redis_url: str,
    data_dir: Path,
    port: int | None = None,
    extra_env: dict[str, str] | None = None,
) -> Iterator[Stack]:
    """nginx on `port` (a free one by default) in front of `apps` app processes, `workers`
    huey workers; migrated, up and answering through nginx when the block starts, stopped
    when it ends. Logs: `data_dir/run/logs/` (access.log names the answering process)."""
    plan = prepare(
        apps=apps,
        workers=workers,
        database_url=database_url,
        redis_url=redis_url,
        data_dir=data_dir,
        port=port,
        extra_env=extra_env,
    )
    logs = plan.run_dir / "logs"
    with (logs / "nginx.out").open("ab") as out:
        nginx = subprocess.Popen(
            plan.nginx_command, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    stack = Stack(plan.run_dir, plan.port, plan.app_ports, plan.env, nginx)
    try:
        for i in range(apps):
            stack.start_app(i, wait=False)
        for _ in range(workers):
            stack.start_worker()
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        for i, (proc, app_port) in enumerate(zip(stack.app_processes, plan.app_ports, strict=True)):
            _up(f"http://127.0.0.1:{app_port}/ping", proc, logs / f"app-{i}.log", deadline)
        _up(f"http://127.0.0.1:{plan.port}/inloggen/", nginx, logs / "error.log", deadline)
        yield stack
    finally:
        stack.stop()


# --- command line: `make prod-local`, and the files for a real server ------------------------


def _procfile(plan: Plan, workers: int) -> str:
    """honcho's Procfile: the same commands `running_stack` starts. PORT is pinned per line
    (honcho would hand every process a port of its own; ours is nginx's, see rxconfig.py)."""
    pin = f"env PORT={plan.port}"
    lines = ["nginx: " + " ".join(f"'{a}'" if " " in a else a for a in plan.nginx_command)]
    lines += [f"web{i + 1}: {pin} {' '.join(app_command(p))}" for i, p in enumerate(plan.app_ports)]
    lines += [f"worker{j + 1}: {pin} {' '.join(worker_command())}" for j in range(workers)]
    return "\n".join(lines) + "\n"


def ensure_database(database_url: str) -> None:
    """Create the PostgreSQL database of `database_url` when it does not exist yet."""
    import psycopg

    parts = urlsplit(database_url.replace("+psycopg", ""))
    name = parts.path.lstrip("/")
    if parts.scheme != "postgresql" or not name.replace("_", "").isalnum():
        return
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if found is None:
            conn.execute(f"CREATE DATABASE {name}")  # name checked above: letters, digits, _


def _run(args: argparse.Namespace) -> int:
    """`make prod-local`: render, build, migrate, then honcho runs it all in the foreground."""
    ensure_database(args.database_url)
    data_dir = Path(args.data_dir).resolve()
    base = args.app_port_base
    plan = prepare(
        apps=args.apps,
        workers=args.workers,
        database_url=args.database_url,
        redis_url=args.redis_url,
        data_dir=data_dir,
        port=args.port,
        app_ports=[base + i for i in range(args.apps)] if base else None,
    )
    procfile = plan.run_dir / "Procfile"
    procfile.write_text(_procfile(plan, args.workers))
    empty_env = plan.run_dir / "honcho.env"
    empty_env.write_text("")  # the settings are in the environment, not in ./.env
    print(f"PakJePlekje (productie-opstelling) op {plan.env['PUBLIC_BASE_URL']}", flush=True)
    honcho = [sys.executable, "-m", "honcho", "-f", str(procfile), "-d", str(ROOT)]
    os.execve(sys.executable, [*honcho, "-e", str(empty_env), "start"], plan.env)
    return 0  # not reached


def _web(args: argparse.Namespace) -> int:
    """A real server: the built frontend with the public origin, for nginx and the apps."""
    dest = render_web(frontend_build(), Path(args.dest).resolve(), args.origin)
    print(f"REFLEX_WEB_WORKDIR={dest}")
    return 0


def _site(args: argparse.Namespace) -> int:
    """A real server: the nginx site file (goes to /etc/nginx/sites-available/)."""
    servers = [s if ":" in s else f"127.0.0.1:{s}" for s in args.app_servers.split(",")]
    site = render_site(
        app_servers=servers,
        listen=args.listen,
        server_name=args.server_name,
        static_root=Path(args.web_dir) / "build/client",
        error_root=Path(args.error_root),
        access_log=args.access_log,
    )
    Path(args.out).write_text(site) if args.out else sys.stdout.write(site)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.stack")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="nginx + N apps + M workers, hier (make prod-local)")
    run.add_argument("--apps", type=int, default=2)
    run.add_argument("--workers", type=int, default=1)
    run.add_argument("--port", type=int, default=8080)
    run.add_argument("--app-port-base", type=int, default=8101)
    run.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL")
        or "postgresql+psycopg://postgres@127.0.0.1:5432/pakjeplekje",
    )
    run.add_argument(
        "--redis-url", default=os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    )
    run.add_argument("--data-dir", default=str(CACHE / "prod-local"))
    run.set_defaults(run=_run)
    web = commands.add_parser("web", help="frontend bouwen voor een server")
    web.add_argument("--origin", required=True, help="PUBLIC_BASE_URL, bv. https://app.example")
    web.add_argument("--dest", required=True, help="bv. /srv/pakjeplekje/web")
    web.set_defaults(run=_web)
    site = commands.add_parser("site", help="nginx-sitebestand voor een server")
    site.add_argument(
        "--app-servers", default="8001,8002", help="poorten (op 127.0.0.1) of host:poort"
    )
    site.add_argument("--listen", default="80,[::]:80", help="komma-gescheiden")
    site.add_argument("--server-name", default="_")
    site.add_argument("--web-dir", default="/srv/pakjeplekje/web")
    site.add_argument("--error-root", default="/srv/pakjeplekje/app/deploy")
    site.add_argument("--access-log", default="/var/log/nginx/pakjeplekje.access.log")
    site.add_argument("--out", default="")
    site.set_defaults(run=_site)
    args = parser.parse_args(argv)
    return int(args.run(args))


if __name__ == "__main__":
    sys.exit(main())
