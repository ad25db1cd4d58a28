"""What the fault tests run against: a Redis server of their own (never the shared one), real
`python -m pakjeplekje worker` processes on the test's database, and a fake Twilio in this
process that records when each text arrived (and can be slow, or kill a worker mid-request).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import redis
from huey.storage import RedisStorage
from pytest_httpserver import HTTPServer
from werkzeug import Request as WzRequest
from werkzeug import Response as WzResponse

from pakjeplekje import clock
from pakjeplekje.services import scheduler
from tests.conftest import TEST_SECRET, AppEnv
from tests.test_sms_adapters import SID, TOKEN, twilio_message

ROOT = Path(__file__).resolve().parents[2]
MESSAGES = f"/2010-04-01/Accounts/{SID}/Messages.json"
SENDER = "+3197010000000"
QUEUE_KEY = "huey.redis.pakjeplekje"  # RedisHuey("pakjeplekje")'s queue


FAKETIME_ENV = frozenset({"LD_PRELOAD", "FAKETIME", "FAKETIME_NO_CACHE", "DONT_FAKE_MONOTONIC"})


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(check: Callable[[], bool], timeout: float, what: str, step: float = 0.05) -> float:
    """Seconds it took until `check()` held; fails the test after `timeout`."""
    start = time.monotonic()
    while not check():
        if time.monotonic() - start > timeout:
            pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(step)
    return time.monotonic() - start


class OwnRedis:
    """`redis-server` on a free port that keeps nothing on disk, like this machine's."""

    def __init__(self, workdir: Path) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            if os.environ.get("CI", "").lower() == "true":
                pytest.fail("CI=true but redis-server is not installed")
            pytest.skip("redis-server is not installed")
        self.binary, self.workdir, self.port = binary, workdir, free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url, socket_timeout=2)

    def start(self) -> None:
        args = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
        args += ["--appendonly", "no", "--dir", str(self.workdir)]
        # Infrastructure keeps the machine's real clock, as the shared Redis does: a suite run
        # under faketime (a frozen Saturday night) must not freeze redis-server's event loop.
        real_clock = {k: v for k, v in os.environ.items() if k not in FAKETIME_ENV}
        self.proc = subprocess.Popen(
            args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=real_clock
        )

        def up() -> bool:
            try:
                return bool(self.client().ping())
            except redis.RedisError:
                return False

        wait_for(up, 10, "redis-server to start")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()  # nothing on disk: everything queued is gone
            self.proc.wait(timeout=10)

    def queued(self) -> int:
        return int(self.client().llen(QUEUE_KEY))


@contextmanager
def own_redis(workdir: Path) -> Iterator[OwnRedis]:
    server = OwnRedis(workdir)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@dataclass
class Arrival:
    to: str
    at: float  # time.monotonic() when the request reached the fake
    client_port: int
    answered: bool = True


@dataclass
class FakeTwilio:
    """Twilio's Messages API, threaded like the real one: every request is recorded on arrival,
    answered after `delay` seconds. `on_arrival` runs first (a test's chance to kill a worker)."""

    server: HTTPServer
    delay: float = 0.0
    arrivals: list[Arrival] = field(default_factory=list)
    on_arrival: Callable[[Arrival], None] | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def base_url(self) -> str:
        return self.server.url_for("/")

    def handler(self, request: WzRequest) -> WzResponse:
        arrival = Arrival(
            request.form["To"], time.monotonic(), int(request.environ.get("REMOTE_PORT") or 0)
        )
        with self.lock:
            self.arrivals.append(arrival)
            sid = f"SM{len(self.arrivals):032d}"
        if self.on_arrival is not None:
            self.on_arrival(arrival)
        time.sleep(self.delay)
        body = twilio_message(to=arrival.to, sid=sid)
        return WzResponse(json.dumps(body), status=201, content_type="application/json")

    def numbers(self) -> list[str]:
        with self.lock:
            return [a.to for a in self.arrivals]


@contextmanager
def fake_twilio(delay: float = 0.0) -> Iterator[FakeTwilio]:
    server = HTTPServer(threaded=True)
    server.start()
    fake = FakeTwilio(server, delay)
    server.expect_request(MESSAGES, method="POST").respond_with_handler(fake.handler)
    try:
        yield fake
    finally:
        server.clear()
        if server.is_running():
            server.stop()


def twilio_env(base_url: str, per_second: int) -> dict[str, str]:
    return {
        "SMS_BACKEND": "twilio",
        "TWILIO_ACCOUNT_SID": SID,
        "TWILIO_AUTH_TOKEN": TOKEN,
        "TWILIO_FROM": SENDER,
        "TWILIO_API_BASE_URL": base_url,
        "PUBLIC_BASE_URL": "https://app.pakjeplekje.test",
        "SMS_PER_SECOND": str(per_second),
    }


def use_in_this_process(
    monkeypatch: pytest.MonkeyPatch, app_env: AppEnv, redis_url: str, extra: dict[str, str]
) -> None:
    """The test process as one more member of the deployment: the minute tick it runs texts
    through the same fake and the same shared limit, its jobs go to the workers' queue."""
    for name, value in {**extra, "REDIS_URL": redis_url}.items():
        monkeypatch.setenv(name, value)
    app_env.reload()
    monkeypatch.setattr(scheduler.huey, "storage", RedisStorage("pakjeplekje", url=redis_url))


@dataclass
class Worker:
    proc: subprocess.Popen[bytes]
    log: Path

    @property
    def pid(self) -> int:
        return self.proc.pid

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def alive(self) -> bool:
        return self.proc.poll() is None


def start_worker(app_env: AppEnv, redis_url: str, extra: dict[str, str], name: str) -> Worker:
    """`python -m pakjeplekje worker` (2 threads) on the test's database and clock."""
    env = {
        **os.environ,
        "APP_ENV": "dev",
        "DATA_DIR": str(app_env.data_dir),
        "DATABASE_URL": app_env.url,
        "SECRET_KEY": TEST_SECRET,
        "REDIS_URL": redis_url,
        "CLOCK_START": clock.now().isoformat(),  # the offers were made on the test's clock
        **extra,
    }
    app_env.data_dir.mkdir(parents=True, exist_ok=True)
    log = app_env.data_dir / f"{name}.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "pakjeplekje", "worker"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return Worker(proc, log)


def wait_started(*workers: Worker) -> None:
    for w in workers:
        wait_for(lambda w=w: "consumer started" in w.text() or not w.alive(), 60, "a worker")
        assert w.alive(), w.text()


def stop_workers(*workers: Worker) -> None:
    for w in workers:
        if w.alive():
            os.killpg(w.pid, signal.SIGTERM)
    for w in workers:
        try:
            w.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(w.pid, signal.SIGKILL)
            w.proc.wait(timeout=5)


def pid_of_client_port(port: int, server_port: int, pids: list[int]) -> int | None:
    """Which of `pids` owns the client socket from local `port` to `server_port`. Both ends
    count: Linux reuses one ephemeral port for connections to different servers, so another
    process's connection to PostgreSQL or Redis can have the same local port."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            parts = line.split()
            local, remote = (int(parts[i].rsplit(":", 1)[1], 16) for i in (1, 2))
            if (local, remote) == (port, server_port):
                inodes.add(f"socket:[{parts[9]}]")
    for pid in pids:
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue
        for fd in fds:
            try:
                if os.readlink(f"/proc/{pid}/fd/{fd}") in inodes:
                    return pid
            except OSError:
                continue
    return None


def most_in_any_window(times: list[float], window: float = 1.0) -> int:
    """The largest number of `times` inside one window [t, t + window) of the fake's clock."""
    times = sorted(times)
    return max(
        (sum(1 for u in times[i:] if u < t + window) for i, t in enumerate(times)), default=0
    )
