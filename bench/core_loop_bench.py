"""The core loop at size: opening a slot in a practice of 10,000 patients (matching + wave 1),
and dispatching offers through the real twilio SDK against a local fake Twilio API.

The fake answers like the Messages API (201 + message JSON) on a keep-alive HTTP/1.1 server, so
the figure is our own overhead per SMS: claim the offer, build the text, the SDK's request and
response handling, and recording the Message — each step its own transaction, as in the app.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import statistics
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from zoneinfo import ZoneInfo

from sqlmodel import col, func, select

from bench.waitlist_bench import _seed_practice
from pakjeplekje import clock, migrations
from pakjeplekje.config import get_settings
from pakjeplekje.db import session_scope
from pakjeplekje.domain.accounts.sessions import resolve_session, start_session
from pakjeplekje.domain.actor import Actor
from pakjeplekje.domain.core_loop import slots
from pakjeplekje.domain.offers import OfferStatus, add_offers
from pakjeplekje.models import Offer, Patient, Practice, Slot, Treatment, User
from pakjeplekje.services import jobs

PRACTICE_NUMBER = 100  # clear of waitlist_bench's practices in a shared bench database
RUNS = 30
DISPATCH = 300
SID = "AC" + "0b" * 16


def _seed() -> tuple[Actor, int]:
    rng = random.Random(20261125)  # noqa: S311 -- test data, the same on every run
    with session_scope() as db:
        practice_id = _seed_practice(db, rng, PRACTICE_NUMBER)
        user = User(practice_id=practice_id, email="kern@bench.nl", name="Kern", role="staff")
        db.add(user)
        db.flush()
        token = start_session(db, user, clock.now())
        vulling = db.exec(
            select(Treatment.id).where(
                Treatment.practice_id == practice_id, Treatment.name == "vulling"
            )
        ).one()
    with session_scope() as db:
        actor = resolve_session(db, token, clock.now())
    assert actor is not None and vulling is not None
    return actor, vulling


def _weekday_form(treatment_id: int, run: int) -> slots.SlotForm:
    """A Tuesday–Thursday slot a week or two ahead, a different time each run."""
    day = datetime.now(ZoneInfo("Europe/Amsterdam")).date() + timedelta(days=7)
    day += timedelta(days=(1 - day.weekday()) % 7 + run % 3)
    hour, minute = 8 + run % 9, 15 * (run % 4)
    return slots.SlotForm(
        day=day.isoformat(),
        start=f"{hour:02d}:{minute:02d}",
        duration="45",
        treatment_id=str(treatment_id),
    )


def _open_slot_ms(actor: Actor, treatment_id: int) -> tuple[float, float, int]:
    """Median ms of opening a slot (matching + wave 1 + commit) and of the staff preview."""
    opened, previewed, offers = [], [], 0
    for run in range(RUNS + 1):  # the first run warms caches and the pool, as a live app is
        form = _weekday_form(treatment_id, run)
        start = time.perf_counter()
        with session_scope() as db:
            slots.preview(db, actor, form, clock.now())
        middle = time.perf_counter()
        with session_scope() as db:
            _, ids = slots.open_slot(db, actor, form, clock.now())
        end = time.perf_counter()
        if run:
            previewed.append((middle - start) * 1000)
            opened.append((end - middle) * 1000)
            offers += len(ids)
    return statistics.median(opened), statistics.median(previewed), offers


class _FakeTwilio(BaseHTTPRequestHandler):
    """Answers POST …/Messages.json with 201 and a message JSON carrying a unique SID."""

    protocol_version = "HTTP/1.1"  # keep-alive, as api.twilio.com
    disable_nagle_algorithm = True  # headers and body go out at once, no delayed-ACK stall
    counter = itertools.count()

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        sid = f"SM{next(self.counter):032x}"
        body = json.dumps(
            {
                "account_sid": SID,
                "api_version": "2010-04-01",
                "body": "",
                "direction": "outbound-api",
                "error_code": None,
                "error_message": None,
                "num_segments": "1",
                "sid": sid,
                "status": "queued",
                "uri": f"/2010-04-01/Accounts/{SID}/Messages/{sid}.json",
            }
        ).encode()
        self.send_response(201)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        return None


@contextmanager
def _fake_twilio() -> Iterator[None]:
    """The fake API on a free local port, and the app's Twilio settings pointing at it."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FakeTwilio)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    env = {
        "SMS_BACKEND": "twilio",
        "TWILIO_ACCOUNT_SID": SID,
        "TWILIO_AUTH_TOKEN": "bench-auth-token",
        "TWILIO_FROM": "PakJePlek",
        "TWILIO_API_BASE_URL": f"http://127.0.0.1:{server.server_address[1]}",
    }
    saved = {name: os.environ.get(name) for name in env}
    os.environ.update(env)
    get_settings.cache_clear()
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        get_settings.cache_clear()
        server.shutdown()
        server.server_close()


def _queued_offers(practice_id: int) -> list[int]:
    now = clock.now()
    with session_scope() as db:
        treatment = db.exec(select(Treatment.id).where(Treatment.practice_id == practice_id))
        slot = Slot(
            practice_id=practice_id,
            starts_at=now + timedelta(days=3),
            duration_minutes=30,
            treatment_id=treatment.first(),
            created_at=now,
        )
        db.add(slot)
        db.flush()
        people = db.exec(
            select(Patient.id)
            .where(Patient.practice_id == practice_id, Patient.status == "waiting")
            .order_by(col(Patient.id))
            .limit(DISPATCH)
        ).all()
        offers = add_offers(db, slot, people, wave=1, now=now)
        return [offer.id for offer, _ in offers]


def _dispatch(practice_id: int) -> tuple[float, int]:
    ids = _queued_offers(practice_id)
    with _fake_twilio():
        start = time.perf_counter()
        jobs.send_offers(ids)
        elapsed = time.perf_counter() - start
    with session_scope() as db:
        sent = db.exec(
            select(func.count()).where(col(Offer.id).in_(ids), Offer.status == OfferStatus.SENT)
        ).one()
    return len(ids) / elapsed, sent


def run(url: str) -> list[tuple[str, float, str]]:
    migrations.upgrade(url)
    actor, treatment_id = _seed()
    open_ms, preview_ms, offers = _open_slot_ms(actor, treatment_id)
    with session_scope() as db:
        practice = db.get(Practice, actor.practice_id)
        assert practice is not None
        wave_size = practice.wave_size
    rate, sent = _dispatch(actor.practice_id)
    return [
        (
            "open slot in a practice of 10,000 patients: preview (ranked + count) p50",
            preview_ms,
            "ms",
        ),
        ("open slot in a practice of 10,000 patients: matching + wave 1 p50", open_ms, "ms"),
        ("open slot: offers queued per wave 1", offers / RUNS, f"(wave size {wave_size})"),
        (f"dispatch {DISPATCH} offers, real twilio SDK → local fake API", rate, "SMS/s"),
        ("dispatch: offers marked sent", float(sent), f"of {DISPATCH}"),
    ]
