"""The mixed load test (issue 13 item 4), with locust, against a running server.

User classes, each counted with `fixed_count` (the long form's numbers; `--scale` multiplies
them, the short form of `make bench` runs at a fraction):

- `StaffUser` (200): a dashboard tab of a logged-in member of staff. Logs in the way the
  browser does (the login event over Socket.IO, the grant hand-off `/api/auth/sessie` with the
  binding cookie the page's script sets), then opens the event websocket with the session
  cookie, hydrates `/dashboard` (its on_load handlers: the page guard registers it for live
  updates) and stays connected, answering Engine.IO pings and counting live updates. Ten tabs
  share one practice and one login (a practice has several screens open), so 200 tabs are 20
  logins, not 200 bcrypt checks.
- `ClaimUser` (100): 2,000 claim clicks on 10 slots (200 patients each, the first 10 staff
  practices: their dashboards see the fills) as fast as they go once the staff tabs are up:
  `GET /c/{token}` then the page's `POST /c/{token}`. The time the 2,000 took is reported.
- `StatusCallbackUser` (200 × 0.5/s = 100/s): signed Twilio status callbacks (`delivered`) for
  message sids that exist in the database (seeded with the offers they belong to). Locust is
  closed-loop (a user waits for its answer), so the rate holds only while the route answers
  within 2 s; the report gives the rate reached.
- `SlotOpenerUser` (1, one every 3 s = 20/min): a staff tab on `/plekken` sending the page's own
  events, `SlotsState.preview` then `SlotsState.open_slot`; the worker then texts the offers
  through the (fake) provider.

At the end: locust's stats per route (p50/p95/p99, failures), a check in the database (each
claimed slot has exactly one winner, the others lost), and per server process (the pids given)
CPU and TCP connections sampled every second with psutil, plus `pg_stat_activity` counts.

Headless (the long form; -u must be the sum of the fixed counts, 501 at scale 1):

    locust -f bench/load/locustfile.py --headless -u 501 -r 50 -t 60s \\
        --host http://127.0.0.1:8080 --database-url postgresql+psycopg://… \\
        --public-base-url http://localhost:8080 --auth-token … [--clock-start …] \\
        --server-pids app1=123,app2=456,worker=789 --report-json /tmp/load.json

From Python (in a process of its own: locust monkey-patches the interpreter with gevent):
`python -m bench.load.locustfile --host … --seconds 20 --scale 0.25 …` runs the same through
`locust.env.Environment` and prints the report as JSON (bench/load_bench.py uses that).
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import re
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode, urlsplit

import gevent  # type: ignore[import-untyped]  # gevent ships no type information
import gevent.event  # type: ignore[import-untyped]  # likewise
import gevent.lock  # type: ignore[import-untyped]  # likewise
import psutil  # type: ignore[import-untyped]  # no type information in this version
import websocket
from locust import FastHttpUser, constant, constant_pacing, constant_throughput, task
from locust import events as locust_events
from locust.env import Environment
from sqlalchemy import text
from sqlmodel import Session, col, select
from twilio.request_validator import RequestValidator

from bench.storm import Seeded, seed_slot, server_now
from pakjeplekje import routes
from pakjeplekje.db import make_engine
from pakjeplekje.domain.accounts import auth, email_confirmation
from pakjeplekje.domain.waitlist import patients
from pakjeplekje.models import Offer, Slot, Subscription, Treatment
from pakjeplekje.services.demo import waiting_patient

ROOT_STATE = "reflex___state____state"
STATES = f"{ROOT_STATE}.pakjeplekje___ui___state___"
LOGIN_SUBMIT = f"{STATES}auth____login_state.submit"
HYDRATE = f"{ROOT_STATE}.hydrate_and_load"
PREVIEW = f"{STATES}slots____slots_state.preview"
OPEN_SLOT = f"{STATES}slots____slots_state.open_slot"
DASHBOARD_STATE = f"{STATES}dashboard____dashboard_state"
SESSION_STATE = f"{STATES}session____session_state"
SLOTS_STATE = f"{STATES}slots____slots_state"
EVENT_PREFIX = "42/_event,"
PASSWORD = "een-lang-belastingtest-wachtwoord"
TABS_PER_PRACTICE = 10
CLAIM_SLOTS = 10
# the long form (issue 13): 200 staff tabs, 2,000 clicks, 100 callbacks/s, 20 slots a minute
STAFF_TABS, CLAIM_USERS, CLICKS, CALLBACKS_PER_S, CALLBACK_USERS = 200, 100, 2000, 100.0, 200


@dataclass
class Plan:
    """What this run seeded and measures; filled at test start, read by every user."""

    base_url: str = ""
    database_url: str = ""
    env: dict[str, str] = field(default_factory=dict)
    pids: dict[str, int] = field(default_factory=dict)
    scale: float = 1.0
    emails: list[str] = field(default_factory=list)  # one owner per staff practice
    opener_treatment: int = 0
    claim_slots: list[Seeded] = field(default_factory=list)
    tokens: list[str] = field(default_factory=list)  # every claim click, shuffled by slot
    sids: list[str] = field(default_factory=list)
    cookies: dict[int, str] = field(default_factory=dict)  # practice index -> session cookie
    login_locks: dict[int, gevent.lock.Semaphore] = field(
        default_factory=lambda: defaultdict(gevent.lock.Semaphore)
    )
    staff_ready: int = 0
    burst_go: gevent.event.Event = field(default_factory=gevent.event.Event)
    burst_started: float = 0.0
    burst_ended: float = 0.0
    clicks_done: int = 0
    live_updates: Counter[str] = field(default_factory=Counter)
    tabs_of: Counter[int] = field(default_factory=Counter)  # practice index -> tabs open
    toasts_of: Counter[int] = field(default_factory=Counter)  # practice index -> toasts seen
    seconds_seeding: float = 0.0
    # per process: (CPU %, TCP sockets, of which established), once a second
    samples: dict[str, list[tuple[float, int, int]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    pg_samples: list[dict[str, int]] = field(default_factory=list)
    generator_cpu: list[float] = field(default_factory=list)
    opened: int = 0
    report: dict[str, Any] = field(default_factory=dict)


PLAN = Plan()
events: Any = locust_events  # locust's event hooks are untyped


def scaled(count: float) -> int:
    return max(1, math.ceil(count * PLAN.scale))


# --- seeding (before any user starts) ----------------------------------------------------------


def seed(plan: Plan) -> None:
    """Staff practices with an owner each (signed up as a practice does); the opener's waitlist;
    10 claim slots; the messages whose status callbacks arrive."""
    started = time.monotonic()
    now = server_now(plan.env)
    engine = make_engine(plan.database_url)
    staff, clicks = scaled(STAFF_TABS), scaled(CLICKS)
    practices = max(CLAIM_SLOTS, math.ceil(staff / TABS_PER_PRACTICE))
    run = uuid.uuid4().hex[:8]
    with Session(engine, expire_on_commit=False) as db:
        ids = []
        for i in range(practices):
            email = f"belasting-{run}-{i}@example.nl"
            user = auth.sign_up(
                db,
                practice_name=f"Praktijk Belasting {run} {i}",
                name=f"Eigenaar {i}",
                email=email,
                password=PASSWORD,
                now=now,
            )
            email_confirmation.mark_confirmed(db, user.practice_id, now)
            plan.emails.append(email)
            ids.append(user.practice_id)
        db.flush()
        # practice 0 opens the slots: a waitlist that fits any 30-minute slot, and texts enough
        treatment = db.exec(
            select(Treatment.id).where(Treatment.practice_id == ids[0]).order_by(col(Treatment.id))
        ).first()
        assert treatment is not None
        plan.opener_treatment = treatment
        patients.insert_many(
            db,
            ids[0],
            [waiting_patient(f"Wacht {i}", f"+3162{i:07d}", treatment) for i in range(300)],
            now,
        )
        sub = db.exec(select(Subscription).where(Subscription.practice_id == ids[0])).one()
        sub.sms_included = 100_000
        db.add(sub)
        per_slot = max(1, clicks // CLAIM_SLOTS)
        for i in range(CLAIM_SLOTS):
            plan.claim_slots.append(
                seed_slot(db, ids[i % len(ids)], per_slot, now, f"Klik {i}", messages=False)
            )
        callbacks = scaled(CALLBACKS_PER_S) * 10  # each sid: about 6 callbacks/min
        for i, practice_id in enumerate(ids):
            share = callbacks // len(ids) + (i < callbacks % len(ids))
            if share:
                plan.sids += seed_slot(db, practice_id, share, now, f"Status {i}").sids
        db.commit()
    engine.dispose()
    # slot after slot, patient after patient: the first clicks hit all ten slots at once
    plan.tokens = [s.tokens[j] for j in range(per_slot) for s in plan.claim_slots]
    plan.seconds_seeding = time.monotonic() - started


# --- Socket.IO over one websocket, as the Reflex frontend speaks it -----------------------------


class Tab:
    """One browser tab's event websocket (Engine.IO v4, namespace /_event)."""

    def __init__(self, base_url: str, origin: str, cookie: str = "") -> None:
        url = base_url.replace("http", "ws", 1).rstrip("/")
        headers = [f"Cookie: {cookie}"] if cookie else []
        self.token = str(uuid.uuid4())
        self.ws = websocket.create_connection(
            f"{url}/_event/?EIO=4&transport=websocket&token={self.token}",
            header=headers,
            origin=origin,  # a header of its own would be sent twice, and refused
            timeout=30,
            enable_multithread=True,
        )
        opened = self.ws.recv()
        if not str(opened).startswith("0{"):
            raise ConnectionError(f"no Engine.IO open packet: {opened!r}")
        self.ws.send("40/_event,")
        joined = self.ws.recv()
        if not str(joined).startswith("40/_event,"):
            raise ConnectionError(f"namespace refused: {joined!r}")

    def emit(self, name: str, payload: dict[str, Any], path: str) -> None:
        event = {
            "name": name,
            "payload": payload,
            "router_data": {"pathname": path, "query": {}, "asPath": path},
        }
        self.ws.send(EVENT_PREFIX + json.dumps(["event", event]))

    def updates(self, timeout: float) -> Any:
        """Every state update until `timeout` (answers pings on the way); yields dicts."""
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            self.ws.settimeout(left)
            try:
                message = self.ws.recv()
            except websocket.WebSocketTimeoutException:
                return
            if message == "2":
                self.ws.send("3")
                continue
            if isinstance(message, str) and message.startswith(EVENT_PREFIX):
                name, update = json.loads(message[len(EVENT_PREFIX) :])[:2]
                if name == "event" and isinstance(update, dict):
                    yield update

    def close(self) -> None:
        # shutdown, not close(): close() waits for the server's close frame while the listening
        # greenlet holds the socket's read lock
        with contextlib.suppress(websocket.WebSocketException, OSError):  # already broken
            self.ws.shutdown()  # type: ignore[no-untyped-call]  # websocket-client: untyped


def _fire(kind: str, name: str, started: float, error: Exception | None = None) -> None:
    events.request.fire(
        request_type=kind,
        name=name,
        response_time=(time.perf_counter() - started) * 1000,
        response_length=0,
        exception=error,
        context={},
    )


def _origin() -> str:
    public = urlsplit(PLAN.env.get("PUBLIC_BASE_URL") or PLAN.base_url)
    return f"{public.scheme}://{public.netloc}"


def log_in(user: FastHttpUser, practice: int) -> str:
    """The session cookie for a practice's owner, logged in once (the other tabs share it):
    the login event, then the grant hand-off with the binding cookie."""
    with PLAN.login_locks[practice]:
        if practice in PLAN.cookies:
            return PLAN.cookies[practice]
        started = time.perf_counter()
        tab = Tab(PLAN.base_url, _origin())
        try:
            tab.emit(
                LOGIN_SUBMIT,
                {"form": {"email": PLAN.emails[practice], "password": PASSWORD}},
                routes.LOGIN,
            )
            script = ""
            for update in tab.updates(30):
                found = [
                    e for e in update.get("events") or [] if "/api/auth/sessie" in json.dumps(e)
                ]
                if found:
                    script = json.dumps(found[0])
                    break
        finally:
            tab.close()
        if not script:
            _fire("WS", "login event", started, RuntimeError("no login grant"))
            raise RuntimeError("no login grant")
        _fire("WS", "login event", started)
        code = json.loads(script)["payload"]["javascript_code"]
        binding = re.search(r'document\.cookie = ("(?:[^"\\]|\\.)*")', code)
        grant = re.search(r'assign\(("(?:[^"\\]|\\.)*")\)', code)
        assert binding and grant, code
        cookie = json.loads(binding.group(1)).split(";")[0]
        with user.client.get(
            json.loads(grant.group(1)) + "&next=/dashboard",
            headers={"Cookie": cookie},
            allow_redirects=False,
            name=routes.SESSION_GRANT,
            catch_response=True,
        ) as response:
            set_cookie = response.headers.get("set-cookie") or ""  # a list when several
            set_cookie = "\n".join(set_cookie) if isinstance(set_cookie, list) else set_cookie
            session = re.search(r"pjp_sessie=([^;]+)", set_cookie)
            if response.status_code != 303 or session is None:
                response.failure(f"no session cookie: {response.status_code}")
                raise RuntimeError("no session cookie")
        PLAN.cookies[practice] = f"pjp_sessie={session.group(1)}"
        return PLAN.cookies[practice]


def open_page(cookie: str, path: str, ready: str) -> tuple[Tab, list[dict[str, Any]]]:
    """A logged-in tab on `path`: hydrated, its on_load handlers run (the page guard registers
    it for live updates); `ready` is a state whose delta says the page's data arrived."""
    started = time.perf_counter()
    tab = Tab(PLAN.base_url, _origin(), cookie)
    tab.emit(HYDRATE, {}, path)
    seen: list[dict[str, Any]] = []
    for update in tab.updates(30):
        seen.append(update)
        if ready in (update.get("delta") or {}):
            _fire("WS", f"open {path}", started)
            return tab, seen
    tab.close()
    error = RuntimeError(f"{path} did not load: {json.dumps(seen)[:300]}")
    _fire("WS", f"open {path}", started, error)
    raise error


# --- the users ---------------------------------------------------------------------------------


class StaffUser(FastHttpUser):
    """A dashboard tab left open all day: connected, receiving live updates."""

    fixed_count = STAFF_TABS
    wait_time = constant(1)
    _counter = 0

    def on_start(self) -> None:
        StaffUser._counter += 1
        self.practice = (StaffUser._counter - 1) % len(PLAN.emails)
        self.tab: Tab | None = None
        self.closing = False
        started = time.perf_counter()
        try:
            cookie = log_in(self, self.practice)
            self.tab, _ = open_page(cookie, routes.DASHBOARD, DASHBOARD_STATE)
        except Exception as exc:  # counted as a failure; the user stays idle
            _fire("WS", "staff tab start", started, exc)
            return
        PLAN.staff_ready += 1
        PLAN.tabs_of[self.practice] += 1
        if PLAN.staff_ready >= self.fixed_count:
            PLAN.burst_go.set()
        gevent.spawn(self._listen)

    def _listen(self) -> None:
        assert self.tab is not None
        while True:
            try:
                for update in self.tab.updates(3600):
                    if DASHBOARD_STATE in (update.get("delta") or {}):
                        PLAN.live_updates["dashboard refresh"] += 1
                    if "is gevuld door" in json.dumps(update.get("events") or []):
                        PLAN.live_updates["fill toast"] += 1  # a claim, shown on every tab
                        PLAN.toasts_of[self.practice] += 1
            except Exception:
                if not self.closing:  # the server dropped a tab this test did not close
                    PLAN.live_updates["disconnected"] += 1
                return

    @task
    def stay(self) -> None:
        """Nothing to click: the tab only listens."""

    def on_stop(self) -> None:
        self.closing = True
        if self.tab is not None:
            self.tab.close()


class ClaimUser(FastHttpUser):
    """Patients with an SMS: the claim page, then its button."""

    fixed_count = CLAIM_USERS
    wait_time = constant(0)

    @task
    def click(self) -> None:
        PLAN.burst_go.wait()
        if not PLAN.tokens:
            gevent.sleep(1)
            return
        if not PLAN.burst_started:
            PLAN.burst_started = time.perf_counter()
        token = PLAN.tokens.pop(0)
        page = routes.claim(token)
        with self.client.get(page, name="/c/[token]", catch_response=True) as response:
            body = response.text or ""
            if response.status_code != 200 or (
                "Wilt u deze plek?" not in body and "al vergeven" not in body
            ):
                response.failure(f"claim page: {response.status_code} {body[:80]}")
        with self.client.post(page, name="/c/[token]", catch_response=True) as response:
            body = response.text or ""
            if response.status_code != 200 or (
                "De afspraak is van u!" not in body and "al vergeven" not in body
            ):
                response.failure(f"claim: {response.status_code} {body[:80]}")
        PLAN.clicks_done += 1
        if not PLAN.tokens:
            PLAN.burst_ended = time.perf_counter()


class StatusCallbackUser(FastHttpUser):
    """Twilio reporting deliveries, signed as Twilio signs them."""

    fixed_count = CALLBACK_USERS
    wait_time = constant_throughput(CALLBACKS_PER_S / CALLBACK_USERS)
    _next = 0

    @task
    def callback(self) -> None:
        if not PLAN.sids:
            gevent.sleep(1)
            return
        sid = PLAN.sids[StatusCallbackUser._next % len(PLAN.sids)]
        StatusCallbackUser._next += 1
        params = {
            "MessageSid": sid,
            "MessageStatus": "delivered",
            "AccountSid": PLAN.env.get("TWILIO_ACCOUNT_SID", ""),
        }
        url = PLAN.env.get("PUBLIC_BASE_URL", PLAN.base_url).rstrip("/") + routes.TWILIO_STATUS
        signature = RequestValidator(PLAN.env["TWILIO_AUTH_TOKEN"]).compute_signature(url, params)
        self.client.post(
            routes.TWILIO_STATUS,
            data=urlencode(params),
            headers={
                "X-Twilio-Signature": signature,
                "Content-Type": "application/x-www-form-urlencoded",
            },
            name=routes.TWILIO_STATUS,
        )


class SlotOpenerUser(FastHttpUser):
    """Staff on /plekken opening a slot every 3 s, through the page's own events."""

    fixed_count = 1
    wait_time = constant_pacing(3)

    def on_start(self) -> None:
        self.tab: Tab | None = None
        started = time.perf_counter()
        try:
            cookie = log_in(self, 0)
            self.tab, _ = open_page(cookie, routes.SLOTS, SLOTS_STATE)
        except Exception as exc:  # counted as a failure; the user stays idle
            _fire("WS", "opener tab start", started, exc)

    @task
    def open_one(self) -> None:
        if self.tab is None:
            gevent.sleep(1)
            return
        n = PLAN.opened
        PLAN.opened += 1
        day = (server_now(PLAN.env) + timedelta(days=2 + n // 28)).date().isoformat()
        start = f"{8 + (n % 28) // 2:02d}:{(n % 2) * 30:02d}"
        form = {
            "day": day,
            "start": start,
            "duration": "30",
            "treatment": str(PLAN.opener_treatment),
            "practitioner": "",
        }
        started = time.perf_counter()
        self.tab.emit(PREVIEW, {"form": form}, routes.SLOTS)
        self.tab.emit(OPEN_SLOT, {}, routes.SLOTS)
        for update in self.tab.updates(30):
            delta = (update.get("delta") or {}).get(SLOTS_STATE, {})
            if delta.get("error_rx_state_"):
                _fire("WS", "open slot", started, RuntimeError(delta["error_rx_state_"]))
                return
            if "form_key_rx_state_" in delta:
                _fire("WS", "open slot", started)
                return
        _fire("WS", "open slot", started, TimeoutError("no answer in 30 s"))

    def on_stop(self) -> None:
        if self.tab is not None:
            self.tab.close()


# --- measuring the servers -------------------------------------------------------------------


def _tree(pid: int) -> list[psutil.Process]:
    try:
        root = psutil.Process(pid)
        return [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def sample_processes(plan: Plan, stop: gevent.event.Event) -> None:
    """Every second: CPU (% of one core) and TCP connections of each server process and its
    children, pg_stat_activity by state, and this generator's own CPU."""
    trees = {name: _tree(pid) for name, pid in plan.pids.items()}
    for procs in trees.values():
        for p in procs:
            p.cpu_percent(None)
    me = psutil.Process()
    me.cpu_percent(None)
    engine = make_engine(plan.database_url)
    dbname = engine.url.database
    while not stop.wait(1.0):
        for name, procs in trees.items():
            cpu, conns, established = 0.0, 0, 0
            for p in procs:
                try:
                    cpu += p.cpu_percent(None)
                    sockets = p.net_connections(kind="tcp")
                    conns += len(sockets)
                    established += sum(c.status == psutil.CONN_ESTABLISHED for c in sockets)
                except (psutil.NoSuchProcess, psutil.AccessDenied):
                    continue
            plan.samples[name].append((cpu, conns, established))
        plan.generator_cpu.append(me.cpu_percent(None))
        try:
            with engine.connect() as conn:
                rows = conn.execute(
                    text(
                        "SELECT coalesce(state, 'other'), count(*) FROM pg_stat_activity "
                        "WHERE datname = :db GROUP BY 1"
                    ),
                    {"db": dbname},
                ).all()
            plan.pg_samples.append({str(row[0]): int(row[1]) for row in rows})
        except Exception:
            plan.pg_samples.append({"unreachable": 1})
    engine.dispose()


def verify_claims(plan: Plan) -> dict[str, Any]:
    """Each clicked slot: one winner, the rest lost (or not yet clicked: still open)."""
    engine = make_engine(plan.database_url)
    with Session(engine) as db:
        out: list[dict[str, Any]] = []
        for seeded in plan.claim_slots:
            slot = db.get(Slot, seeded.slot_id)
            statuses = Counter(
                db.exec(select(Offer.status).where(Offer.slot_id == seeded.slot_id)).all()
            )
            out.append({"slot": slot.status if slot else None, **statuses})
    engine.dispose()
    return {
        "slots_with_one_winner": sum(s.get("claimed", 0) == 1 for s in out),
        "slots_with_two_or_more": sum(s.get("claimed", 0) > 1 for s in out),
        "slots": out,
    }


def build_report(environment: Environment) -> dict[str, Any]:
    plan = PLAN
    routes_ = {}
    for entry in environment.stats.entries.values():
        routes_[f"{entry.method} {entry.name}"] = {
            "requests": entry.num_requests,
            "failures": entry.num_failures,
            "p50_ms": entry.get_response_time_percentile(0.50),
            "p95_ms": entry.get_response_time_percentile(0.95),
            "p99_ms": entry.get_response_time_percentile(0.99),
            "max_ms": entry.max_response_time,
            "rps": entry.total_rps,
        }
    processes = {
        name: {
            "cpu_avg_pct": sum(c for c, _, _ in s) / len(s),
            "cpu_max_pct": max(c for c, _, _ in s),
            "tcp_max": max(n for _, n, _ in s),
            "tcp_established_max": max(e for _, _, e in s),
        }
        for name, s in plan.samples.items()
        if s
    }
    pg = Counter[str]()
    for sample in plan.pg_samples:
        for state, count in sample.items():
            pg[state] = max(pg[state], count)
    pg_total = max((sum(s.values()) for s in plan.pg_samples), default=0)
    burst = (
        plan.burst_ended - plan.burst_started if plan.burst_ended and plan.burst_started else None
    )
    errors = Counter(
        f"{e.method} {e.name}: {e.error}"[:160] for e in environment.stats.errors.values()
    )
    return {
        "routes": routes_,
        "errors_total": environment.stats.total.num_failures,
        "errors": dict(errors.most_common(10)),
        "staff_tabs_connected": plan.staff_ready,
        # each of the 10 fills should toast on every open tab of its practice (tabs opened
        # after the fill miss it: the burst waits for all tabs, or 15 s)
        "fill_toasts_expected": sum(plan.tabs_of[i % len(plan.emails)] for i in range(CLAIM_SLOTS))
        if plan.emails
        else 0,
        "fill_toasts_received": sum(plan.toasts_of.values()),
        "live_updates": dict(plan.live_updates),
        "clicks": plan.clicks_done,
        "clicks_planned": len(plan.claim_slots) * len(plan.claim_slots[0].tokens)
        if plan.claim_slots
        else 0,
        "click_burst_s": burst,
        "slots_opened": plan.opened,
        "claims": verify_claims(plan),
        "processes": processes,
        "pg_connections_max": pg_total,
        "pg_by_state_max": dict(pg),
        "generator_cpu_avg_pct": sum(plan.generator_cpu) / max(1, len(plan.generator_cpu)),
        "generator_cpu_max_pct": max(plan.generator_cpu, default=0.0),
        "seconds_seeding": plan.seconds_seeding,
    }


# --- wiring: locust's command line and the Python entry point --------------------------------


def configure(
    base_url: str,
    database_url: str,
    env: dict[str, str],
    pids: dict[str, int],
    scale: float,
) -> None:
    PLAN.base_url, PLAN.database_url, PLAN.env = base_url.rstrip("/"), database_url, env
    PLAN.pids, PLAN.scale = pids, scale
    StaffUser.fixed_count = scaled(STAFF_TABS)
    ClaimUser.fixed_count = scaled(CLAIM_USERS)
    StatusCallbackUser.fixed_count = scaled(CALLBACK_USERS)
    StatusCallbackUser.wait_time = constant_throughput(
        CALLBACKS_PER_S * scale / StatusCallbackUser.fixed_count
    )


def total_users() -> int:
    classes = (StaffUser, ClaimUser, StatusCallbackUser, SlotOpenerUser)
    return sum(int(c.fixed_count) for c in classes)


def parse_pids(raw: str) -> dict[str, int]:
    return {k: int(v) for k, v in (p.split("=") for p in raw.split(",") if p)}


def _arguments(parser: Any) -> None:
    parser.add_argument("--database-url", default="", help="the server's DATABASE_URL")
    parser.add_argument("--public-base-url", default="", help="the server's PUBLIC_BASE_URL")
    parser.add_argument("--auth-token", default="", help="the server's TWILIO_AUTH_TOKEN")
    parser.add_argument("--clock-start", default="", help="the server's CLOCK_START, if any")
    parser.add_argument("--server-pids", default="", help="name=pid,… to measure")
    parser.add_argument("--scale", type=float, default=1.0, help="1 = the long form's numbers")
    parser.add_argument("--report-json", default="", help="write the report here")


_sampler_stop = gevent.event.Event()


def _init(environment: Environment, **_: Any) -> None:
    options = environment.parsed_options
    if options is None or not getattr(options, "database_url", ""):
        return  # configured by `run()` instead
    env = {
        "PUBLIC_BASE_URL": options.public_base_url or environment.host,
        "TWILIO_AUTH_TOKEN": options.auth_token,
        "CLOCK_START": options.clock_start,
    }
    configure(
        environment.host or "",
        options.database_url,
        env,
        parse_pids(options.server_pids),
        options.scale,
    )
    if options.num_users != total_users():
        logging.warning("-u should be %s (the fixed counts at this --scale)", total_users())
    seed(PLAN)  # before the run's clock starts: seeding 3,000 patients takes a while


def _start(environment: Environment, **_: Any) -> None:
    gevent.spawn(sample_processes, PLAN, _sampler_stop)
    # the click burst starts once every staff tab is up, or after 15 s whatever happened
    gevent.spawn_later(15, PLAN.burst_go.set)


def _stop(environment: Environment, **_: Any) -> None:
    _sampler_stop.set()
    PLAN.report = build_report(environment)
    options = environment.parsed_options
    path = getattr(options, "report_json", "") if options is not None else ""
    if path:
        with open(path, "w") as out:
            json.dump(PLAN.report, out, indent=2)


events.init_command_line_parser.add_listener(_arguments)
events.init.add_listener(_init)
events.test_start.add_listener(_start)
events.test_stop.add_listener(_stop)


def run(
    base_url: str,
    database_url: str,
    env: dict[str, str],
    *,
    seconds: float,
    scale: float,
    pids: dict[str, int],
    spawn_rate: float = 50,
) -> dict[str, Any]:
    """The same test through `locust.env.Environment` (no CLI): the report as a dict."""
    configure(base_url, database_url, env, pids, scale)
    seed(PLAN)
    environment = Environment(
        user_classes=[StaffUser, ClaimUser, StatusCallbackUser, SlotOpenerUser],
        host=PLAN.base_url,
        events=events,
    )
    runner = environment.create_local_runner()
    runner.start(total_users(), spawn_rate=spawn_rate)
    gevent.spawn_later(seconds, runner.quit)
    runner.greenlet.join()
    return PLAN.report


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description="the mixed load test, from Python")
    parser.add_argument("--host", required=True)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--env-json", default="{}", help="PUBLIC_BASE_URL, TWILIO_AUTH_TOKEN, …")
    parser.add_argument("--server-pids", default="")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args()
    report = run(
        args.host,
        args.database_url,
        json.loads(args.env_json),
        seconds=args.seconds,
        scale=args.scale,
        pids=parse_pids(args.server_pids),
    )
    print("LOAD-REPORT " + json.dumps(report), flush=True)


if __name__ == "__main__":
    main()
