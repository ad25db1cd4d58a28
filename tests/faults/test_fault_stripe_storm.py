"""The same Stripe event delivered 10 times at once, signed as Stripe signs it, over real HTTP
to two server processes (granian, as in production) on SQLite and PostgreSQL: all 10 answered
2xx, the event applied once — one subscription change, one audit row, nothing counted twice."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlmodel import func, select
from starlette.testclient import TestClient

from pakjeplekje import clock
from pakjeplekje.db import session_scope
from pakjeplekje.models import AuditEvent, StripeEvent, Subscription
from tests import fake_stripe as fs
from tests.conftest import TEST_SECRET, AppEnv
from tests.faults.fault_harness import ROOT, free_port, wait_for
from tests.test_stripe_webhooks import (  # noqa: F401  (fixtures)
    Owner,
    alfa,
    client,
    fake,
    stripe_env,
    subscribe,
)

DELIVERIES = 10


@dataclass(frozen=True)
class Server:
    url: str
    log: Path


@pytest.fixture
def http_server(stripe_env: AppEnv) -> Iterator[Server]:  # noqa: F811  (fixture)
    """The app's HTTP routes in 2 granian worker processes on the test's database and clock."""
    port = free_port()
    env = {
        **os.environ,
        "DATA_DIR": str(stripe_env.data_dir),
        "DATABASE_URL": stripe_env.url,
        "SECRET_KEY": TEST_SECRET,
        "CLOCK_START": clock.now().isoformat(),  # signatures carry the test's time
    }
    stripe_env.data_dir.mkdir(parents=True, exist_ok=True)
    log = stripe_env.data_dir / "granian.log"
    args = [sys.executable, "-m", "granian", "--interface", "asgi", "--factory"]
    args += ["--host", "127.0.0.1", "--port", str(port), "--workers", "2"]
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [*args, "pakjeplekje.web.api:create_api"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"

    def up() -> bool:
        assert proc.poll() is None, log.read_text()
        try:
            return httpx.post(f"{url}/api/webhooks/stripe", content=b"{}").status_code == 400
        except httpx.HTTPError:
            return False

    try:
        wait_for(up, 60, "granian to answer")
        yield Server(url, log)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def count(model: type, *where: object) -> int:
    with session_scope() as db:
        return db.exec(select(func.count()).select_from(model).where(*where)).one()


def test_ten_parallel_deliveries_of_one_event_apply_it_once(
    http_server: Server,
    client: TestClient,  # noqa: F811  (fixture)
    fake: fs.FakeStripe,  # noqa: F811  (fixture)
    alfa: Owner,  # noqa: F811  (fixture)
) -> None:
    subscribe(client, fake, alfa, "sub_a")  # on Basis
    customer = fake.subscriptions["sub_a"]["customer"]
    fake.subscriptions["sub_a"] = fs.subscription("sub_a", customer, price=fs.PRICE_PRO)
    changed = fs.event("customer.subscription.updated", fake.subscriptions["sub_a"])
    payload = json.dumps(changed).encode()
    header = fs.sign(payload)  # t=…,v1=HMAC-SHA256, exactly as Stripe signs
    with session_scope() as db:
        before = db.exec(select(Subscription).where(Subscription.practice_id == alfa.practice_id))
        sub = before.one()
        assert (sub.plan, sub.sms_included) == ("basis", 200)
        overage, period = sub.overage_reported, sub.overage_period_start
    audits = count(AuditEvent, AuditEvent.action == "billing.stripe_event")

    start = threading.Barrier(DELIVERIES)
    answers: list[httpx.Response] = []

    def deliver() -> None:
        with httpx.Client(timeout=30) as http:
            start.wait()  # all ten leave together
            answers.append(
                http.post(
                    f"{http_server.url}/api/webhooks/stripe",
                    content=payload,
                    headers={"Stripe-Signature": header, "Content-Type": "application/json"},
                )
            )

    threads = [threading.Thread(target=deliver) for _ in range(DELIVERIES)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)

    assert len(answers) == DELIVERIES
    assert all(200 <= r.status_code < 300 for r in answers), [r.text for r in answers]
    outcomes = Counter(r.json()["result"] for r in answers)
    assert outcomes == {"applied": 1, "duplicate": DELIVERIES - 1}, outcomes
    assert count(StripeEvent, StripeEvent.id == changed["id"]) == 1
    assert count(AuditEvent, AuditEvent.action == "billing.stripe_event") == audits + 1
    with session_scope() as db:
        sub = db.exec(
            select(Subscription).where(Subscription.practice_id == alfa.practice_id)
        ).one()
    assert (sub.plan, sub.status, sub.sms_included) == ("pro", "active", 1000)
    assert (sub.overage_reported, sub.overage_period_start) == (overage, period)
    assert "Traceback" not in http_server.log.read_text()
