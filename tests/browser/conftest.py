"""Browser tests: the prod build of the app on a free port, driven by Debian's Chromium.

The app runs as users get it (`reflex run --env prod`, one port for pages, websocket and
/api), on its own SQLite database and data dir, with the console mail outbox at /dev/mail.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
import time_machine

from pakjeplekje import clock
from pakjeplekje.clock import CLOCK_START_ENV
from tests import fake_stripe
from tests.browser.flows import App
from tests.conftest import TEST_START

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
STARTUP_TIMEOUT_S = 600
TWILIO_TEST_TOKEN = "browser-test-twilio-token"
TEST_SECRET_KEY = "browser-test-secret"  # the app's SECRET_KEY: tests can derive its HMAC keys
TRUSTED_PROXY = "127.0.0.2"


def _is_browser_test(item: pytest.Item) -> bool:
    return "tests/browser/" in str(item.fspath).replace(os.sep, "/")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark browser tests and run them last: the fast suites report first."""
    for item in items:
        if _is_browser_test(item):
            item.add_marker(pytest.mark.browser)
    items.sort(key=_is_browser_test)


def _require_chromium() -> None:
    if Path(CHROMIUM).exists():
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true but Chromium is missing at {CHROMIUM}: browser tests must run.")
    pytest.skip("Chromium not installed (apt-get install chromium); browser tests skipped.")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_until_up(app: App, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"app exited early:\n{log.read_text()[-4000:]}")
        try:
            if (
                httpx.get(app.url("/ping"), timeout=2).status_code == 200
                and httpx.get(app.url("/inloggen/"), timeout=2).status_code == 200
            ):
                return
        except httpx.HTTPError:
            pass
        time.sleep(1)
    raise RuntimeError(f"app did not start in {STARTUP_TIMEOUT_S}s:\n{log.read_text()[-4000:]}")


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)


def app_environment(port: int, data_dir: Path, **extra: str) -> dict[str, str]:
    """What the app under test runs with: its own data dir, console mail and SMS, dev mode."""
    base_url = f"http://localhost:{port}"
    env = {
        **os.environ,
        "APP_ENV": "dev",
        "DATA_DIR": str(data_dir),
        "PORT": str(port),
        "PUBLIC_BASE_URL": base_url,
        "SECRET_KEY": TEST_SECRET_KEY,
        "MAIL_BACKEND": "console",
        "SMS_BACKEND": "console",
        "TWILIO_AUTH_TOKEN": TWILIO_TEST_TOKEN,  # lets the tests sign inbound-SMS webhooks
        # every browser test signs up from 127.0.0.1 (the throttle itself: test_signup_abuse)
        "SIGNUPS_PER_CLIENT_PER_HOUR": "1000",
        "REFLEX_TELEMETRY_ENABLED": "false",
        "REFLEX_CHECK_LATEST_VERSION": "false",
        CLOCK_START_ENV: clock.now().isoformat(),  # the app's clock runs with the tests' clock
    }
    if (ROOT / ".tools/node_modules/.bin/bun").exists():  # what `make` installs on Node < 22.22
        env["PATH"] = f"{ROOT / '.tools/node_modules/.bin'}{os.pathsep}{env['PATH']}"
        env["REFLEX_USE_SYSTEM_BUN"] = "1"
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    return {**env, **extra}


def start_process(
    args: list[str], env: dict[str, str], log: Path, cwd: Path = ROOT
) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(
            args, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


def project_copy(dest: Path) -> Path:
    """The project with a `.web` of its own. The prod build writes the backend's URL into the
    frontend, so a second app built in the same `.web` would point the first one's pages at
    the second one's port."""
    dest.mkdir()
    for name in ("pakjeplekje", "alembic", "assets", "rxconfig.py", "alembic.ini"):
        (dest / name).symlink_to(ROOT / name)
    if (ROOT / ".web").exists():  # reuse the installed frontend packages

        def skip(folder: str, names: list[str]) -> list[str]:
            return ["build"] if folder == str(ROOT / ".web") else []  # packages have build/ too

        shutil.copytree(ROOT / ".web", dest / ".web", symlinks=True, ignore=skip)
    return dest


@contextmanager
def running_app(data_dir: Path, *, own_build: bool = False, **extra_env: str) -> Iterator[App]:
    """`reflex run --env prod` on a free port, migrated, until the block ends. `own_build`: in
    a copy of the project, for an app that runs beside the session's `app`."""
    _require_chromium()
    port = _free_port()
    env = app_environment(port, data_dir, **extra_env)
    cwd = project_copy(data_dir / "project") if own_build else ROOT
    subprocess.run([sys.executable, "-m", "pakjeplekje", "migrate"], cwd=cwd, env=env, check=True)
    log = data_dir / "app.log"
    run = ["run", "--env", "prod", "--frontend-port", str(port), "--backend-port", str(port)]
    proc = start_process([sys.executable, "-m", "reflex", *run], env, log, cwd)
    instance = App(base_url=env["PUBLIC_BASE_URL"], port=port, data_dir=data_dir)
    try:
        _wait_until_up(instance, proc, log)
        yield instance
    finally:
        stop(proc)


@pytest.fixture(scope="session")
def session_clock() -> Iterator[time_machine.Coordinates]:
    """One clock for the browser tests and the app they drive, started at TEST_START: the app
    runs for the whole session, so its clock and the tests' clock must not restart per test."""
    with time_machine.travel(TEST_START, tick=True) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def frozen_clock(session_clock: time_machine.Coordinates) -> time_machine.Coordinates:
    return session_clock


@pytest.fixture(scope="session")
def stripe_api() -> Iterator[fake_stripe.FakeStripe]:
    """The fake Stripe API the app's SDK talks to (STRIPE_API_BASE) during the browser tests."""
    server = fake_stripe.FakeStripe().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def app(
    tmp_path_factory: pytest.TempPathFactory,
    stripe_api: fake_stripe.FakeStripe,
    session_clock: time_machine.Coordinates,
) -> Iterator[App]:
    stripe = {
        "STRIPE_SECRET_KEY": fake_stripe.SECRET_KEY,
        "STRIPE_WEBHOOK_SECRET": fake_stripe.WEBHOOK_SECRET,  # lets the tests sign Stripe events
        "STRIPE_PRICE_BASIS": fake_stripe.PRICE_BASIS,
        "STRIPE_PRICE_PRO": fake_stripe.PRICE_PRO,
        "STRIPE_API_BASE": stripe_api.base_url,
    }
    # 127.0.0.2 plays a reverse proxy in tests/browser/test_edges.py; nothing else uses it
    proxy = {"TRUSTED_PROXIES": TRUSTED_PROXY}
    with running_app(tmp_path_factory.mktemp("app-data"), **stripe, **proxy) as instance:
        yield instance


@pytest.fixture(scope="session")
def browser():  # type: ignore[no-untyped-def]
    """One Chromium for the session (Playwright's sync API allows one per thread). It needs
    no app: tests/browser/test_deploy_stack.py drives its own stack with it."""
    _require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def new_page(browser, request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    """A page in a fresh context (own cookies); a screenshot lands in test-artifacts/ on failure."""
    contexts = []
    frames: list[list[str]] = []

    def make():  # type: ignore[no-untyped-def]
        context = browser.new_context(locale="nl-NL", timezone_id="Europe/Amsterdam")
        context.set_default_timeout(20_000)
        contexts.append(context)
        page = context.new_page()
        log: list[str] = []
        frames.append(log)
        page.on("framenavigated", lambda frame: log.append(f"NAV {frame.url}"))
        page.on(
            "websocket",
            lambda ws: (
                ws.on("framesent", lambda f: log.append(f"SENT {str(f)[:300]}")),
                ws.on("framereceived", lambda f: log.append(f"RECV {str(f)[:300]}")),
            ),
        )
        return page

    yield make
    report = getattr(request.node, "rep_call", None)
    failed = report is not None and report.failed
    artifacts = ROOT / "test-artifacts"
    for i, context in enumerate(contexts):
        if failed:  # what the browser saw and said, like reflex's own Playwright suite keeps
            artifacts.mkdir(exist_ok=True)
            for j, page in enumerate(context.pages):
                page.screenshot(path=str(artifacts / f"{request.node.name}-{i}-{j}.png"))
            (artifacts / f"{request.node.name}-{i}.frames.txt").write_text("\n".join(frames[i]))
        context.close()


@pytest.fixture
def page(new_page):  # type: ignore[no-untyped-def]
    return new_page()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    outcome = yield
    report = outcome.get_result()
    if report.when == "call":
        item.rep_call = report  # type: ignore[attr-defined]
