"""A stranger at the websocket: every event handler the app registers, called by hand.

The tenant-isolation tests call the handlers the code knows. A stranger calls what the server
registers: every public method of every `rx.State`, under its full dotted name, with whatever
payload it likes. Against the prod build, a raw Socket.IO client without a cookie and one with
practice B's session cookie call every registered handler with no payload, with practice A's
ids (guessed: they are sequential), and with wrong-typed values for each parameter. Nothing of
practice A may come back, nothing of A may change, and no call may end in a traceback.

The same client then logs in 30 times at once (right and wrong passwords) on SQLite: every
attempt gets an answer and every wrong one is counted by the lockout.
"""

from __future__ import annotations

import asyncio
import bisect
import json
import random
import re
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import delete
from sqlmodel import Session, col, select

from tests.browser.app_log import Traceback, log_from, tracebacks
from tests.browser.conftest import ROOT, TEST_SECRET_KEY, app_environment
from tests.browser.flows import App, signed_up_owner
from tests.browser.raw_socket import RawSocket, Reply, cookie_header, run
from tests.browser.registered_handlers import registered_handlers
from tests.browser.stranger_calls import Call, PracticeA, calls_for, chains

ARTIFACTS = ROOT / "test-artifacts"
A_WAITING = 13  # A's waitlist: a count no other practice here has, so it can be searched for
A_PASSWORD = "een heel ander lang wachtwoord"
ERROR_TOAST = "An error occurred"
WORKERS = 4  # sockets at work at once


def _engine(app: App):  # type: ignore[no-untyped-def]
    from pakjeplekje.db import make_engine

    return make_engine(f"sqlite:///{app.data_dir / 'pakjeplekje.db'}")


def _tag() -> str:
    """Letters no frame contains by chance (no hex digits, no vowels), to find A by."""
    return "".join(random.choices("ghjklmnpqrstvwxz", k=8))


# --- practice A: everything a leak could carry --------------------------------------------


def seed_practice_a(app: App) -> PracticeA:
    """Practice A with an owner and a colleague, 13 waiting patients, a treatment and a
    practitioner of its own, a slot offered to five (one claimed it), an open slot offered to
    three, and a privacy request. Set-up goes straight into the app's database, as
    `flows.seed_patients` does; the claim goes through the claim API."""
    from pakjeplekje import clock
    from pakjeplekje.domain.accounts import auth
    from pakjeplekje.domain.dutch_dates import short_moment
    from pakjeplekje.domain.offers import add_offers
    from pakjeplekje.domain.waitlist import patients
    from pakjeplekje.models import Practitioner as PractitionerRow
    from pakjeplekje.models import PrivacyRequest, Slot, Treatment, User
    from pakjeplekje.services.demo import waiting_patient

    tag = _tag()
    rng = random.Random(tag)
    phones = [f"+3164{n:07d}" for n in rng.sample(range(10**7), A_WAITING)]
    tz = ZoneInfo("Europe/Amsterdam")
    engine = _engine(app)
    with Session(engine) as db:
        now = clock.now()
        owner = auth.sign_up(
            db,
            practice_name=f"Tandheelkunde Quispelhof {tag}",
            name=f"Quirina Zandvoort {tag}",
            email=f"quirina.{tag}@quispelhof.example",
            password=A_PASSWORD,
            now=now,
        )
        practice_id = owner.practice_id
        colleague = User(
            practice_id=practice_id,
            email=f"wubbo.{tag}@quispelhof.example",
            name=f"Wubbo Ploegmaker {tag}",
            role="staff",
            created_at=now,
        )
        treatment = Treatment(practice_id=practice_id, name=f"Kaakfluoride {tag}")
        practitioner = PractitionerRow(practice_id=practice_id, name=f"Dr. Ysbrand Mulock {tag}")
        db.add_all([colleague, treatment, practitioner])
        db.flush()
        assert treatment.id is not None and practitioner.id is not None
        names = [f"Zoë Quakkelaar {tag} {i:02d}" for i in range(A_WAITING)]
        people = patients.insert_many(
            db,
            practice_id,
            [waiting_patient(n, p, treatment.id) for n, p in zip(names, phones, strict=True)],
            now,
        )
        day = (now.astimezone(tz) + timedelta(days=3)).date()
        starts = [
            datetime.combine(day, clock_time(10, 35), tzinfo=tz),
            datetime.combine(day + timedelta(days=1), clock_time(14, 50), tzinfo=tz),
        ]
        slots = [
            Slot(
                practice_id=practice_id,
                starts_at=start.astimezone(UTC),
                duration_minutes=30,
                treatment_id=treatment.id,
                practitioner_id=practitioner.id,
                created_by_user_id=owner.id,
                created_at=now,
            )
            for start in starts
        ]
        db.add_all(slots)
        db.flush()
        first = add_offers(db, slots[0], [p.id for p in people[:5]], wave=1, now=now)  # type: ignore[misc]
        tokens = [raw for _, raw in first]
        add_offers(db, slots[1], [p.id for p in people[5:8]], wave=1, now=now)  # type: ignore[misc]
        message = f"Mijn nieuwe adres is Quispelstraat {tag}"
        request = PrivacyRequest(
            practice_id=practice_id,
            kind="correctie",
            subject="patient",
            verified_by="sms",
            patient_id=people[0].id,
            message=message,
            received_at=now,
            due_at=now + timedelta(days=30),
        )
        db.add(request)
        db.commit()
        a = PracticeA(
            practice_id=practice_id,
            user_ids=[owner.id, colleague.id],  # type: ignore[list-item]
            patient_ids=[p.id for p in people],  # type: ignore[misc]
            slot_ids=[s.id for s in slots],  # type: ignore[misc]
            treatment_id=treatment.id,
            practitioner_id=practitioner.id,
            request_ids=[request.id],  # type: ignore[list-item]
            slot_day=day.isoformat(),
            words=[
                tag,  # in every name and address below: anything of A carries it
                f"Tandheelkunde Quispelhof {tag}",
                owner.name,
                owner.email,
                colleague.name,
                colleague.email,
                treatment.name,
                practitioner.name,
                *names,
                message,
                *(short_moment(s) for s in starts),
            ],
            phones={p.removeprefix("+31") for p in phones},
            counts=[
                re.compile(rf"\b{A_WAITING}\s+(?:patiënt|wachtend|op de wachtlijst)", re.I),
                re.compile(rf'"[a-z_]*(?:total|count|waiting)[a-z_]*"\s*:\s*"?{A_WAITING}\b'),
            ],
        )
    engine.dispose()
    # the winner claims through the real claim API, as the patient's phone would
    claimed = httpx.post(app.url(f"/api/claim/{tokens[2]}"), timeout=20)
    assert claimed.status_code == 200, claimed.text
    return a


def snapshot_of_a(app: App, practice_id: int) -> dict[str, list[tuple]]:
    """Every row of A the handlers could write to, to prove afterwards that none changed."""
    from pakjeplekje.models import (
        Offer,
        Patient,
        PatientTreatment,
        Practice,
        Practitioner,
        PrivacyRequest,
        Slot,
        Subscription,
        Treatment,
        User,
    )

    scoped = [User, Patient, Treatment, Practitioner, Slot, Offer, PrivacyRequest, Subscription]
    engine = _engine(app)
    with Session(engine) as db:
        found: dict[str, list[Any]] = {
            "Practice": [db.get(Practice, practice_id)],
            "PatientTreatment": list(
                db.exec(
                    select(PatientTreatment)
                    .join(Patient, col(Patient.id) == col(PatientTreatment.patient_id))
                    .where(Patient.practice_id == practice_id)
                )
            ),
        }
        for table in scoped:
            found[table.__name__] = list(
                db.exec(select(table).where(table.practice_id == practice_id))  # type: ignore[attr-defined]
            )
        rows = {
            name: sorted(tuple(sorted((k, repr(v)) for k, v in r.model_dump().items())) for r in rs)
            for name, rs in found.items()
        }
    engine.dispose()
    return rows


def others_of_b(app: App, b_practice_id: int) -> tuple[set[str], set[str]]:
    """Phone numbers (national significant) and staff e-mail addresses of every practice but B:
    no frame to a stranger or to B may carry one, A's or anybody else's."""
    from pakjeplekje.models import Patient, User

    engine = _engine(app)
    with Session(engine) as db:
        phones = db.exec(select(Patient.phone).where(Patient.practice_id != b_practice_id)).all()
        emails = db.exec(select(User.email).where(User.practice_id != b_practice_id)).all()
    engine.dispose()
    return {p.removeprefix("+31") for p in phones if p}, {e.lower() for e in emails}


# --- practice B: a real owner, logged in through the real sign-up ---------------------------


@dataclass(frozen=True)
class PracticeB:
    practice_id: int
    cookie: str


def practice_b(page, app: App) -> PracticeB:  # type: ignore[no-untyped-def]
    """Signs up in the browser, as a new practice does, and takes the HttpOnly session cookie
    the browser got: the same cookie the raw client then sends with its handshake."""
    from pakjeplekje.models import User
    from pakjeplekje.web.session_cookie import COOKIE_NAME

    email = signed_up_owner(page, app, f"Tandartspraktijk Buurman {_tag()}")
    token = next(c["value"] for c in page.context.cookies() if c["name"] == COOKIE_NAME)
    engine = _engine(app)
    with Session(engine) as db:
        practice_id = db.exec(select(User.practice_id).where(User.email == email)).one()
    engine.dispose()
    return PracticeB(practice_id=practice_id, cookie=cookie_header(token))


# --- what comes back --------------------------------------------------------------------------


_PHONE = re.compile(r"(?<!\d)(?:\+|00)?(?:31)?[\s()-]*0?[\s()-]*(6(?:[\s-]*\d){8})(?!\d)")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


@dataclass
class Finding:
    call: Call
    what: str
    detail: str = ""
    log_window: tuple[int, int] = (0, 0)  # app.log offsets while the call ran

    def line(self) -> str:
        payload = json.dumps(self.call.payload, ensure_ascii=True)
        payload = payload if len(payload) < 160 else payload[:150] + "…"
        return f"[{self.call.identity}] {self.call.handler} ({self.call.label}) {payload}: " + (
            f"{self.what} {self.detail}".strip()
        )


@dataclass
class Outcome:
    calls: int = 0
    leaks: list[Finding] = field(default_factory=list)
    errors: list[Finding] = field(default_factory=list)  # error toasts, timeouts, closed sockets


# Reflex's own `set_is_hydrated` stores whatever it is sent and echoes it back; a lone surrogate
# cannot be encoded in that reply, so the server drops that socket. Only the sender's own
# connection ends: no data, no log line, no other client involved.
FRAMEWORK_ECHO = ("set_is_hydrated",)


def _closes_only_itself(call: Call) -> bool:
    return call.handler.endswith(FRAMEWORK_ECHO) and "surrogate" in call.label


_STATE_KEY = re.compile(r'"([\w.]*____\w+_state)":')


def _own_audit_total(text: str, match: re.Match[str]) -> bool:
    """B's own audit log counts B's own entries, and the calls of this test add to them: its
    total may pass 13 by chance (a flaky "leak" in one run). A's names in it are still caught
    by the word check."""
    if not match.group().lstrip('"').startswith("total"):
        return False
    owners = _STATE_KEY.findall(text, 0, match.start())  # the state whose delta holds it
    return bool(owners) and owners[-1].endswith("audit_log_state")


def inspect_reply(
    call: Call, reply: Reply, a: PracticeA, other_phones: set[str], other_emails: set[str]
) -> tuple[list[Finding], list[Finding]]:
    leaks, errors = [], []
    # A number the caller sent itself and reads back is an echo, not A's data: the probe's
    # patient number may also be on A's list when an earlier browser test put it there.
    sent = {re.sub(r"\D", "", m) for m in _PHONE.findall(json.dumps(call.payload))}
    if reply.timed_out:
        errors.append(Finding(call, "no answer within 20 s"))
    if reply.closed and not _closes_only_itself(call):
        errors.append(Finding(call, "socket closed by the server"))
    for frame in reply.frames:
        text = frame.readable
        lowered = text.lower()
        if ERROR_TOAST in text:
            errors.append(Finding(call, "error toast", "'An error occurred.'"))
        for word in a.words:
            if word.lower() in lowered:
                leaks.append(Finding(call, "carries A's", repr(word)))
        for phone in {re.sub(r"\D", "", m) for m in _PHONE.findall(text)} - sent:
            if phone in a.phones:
                leaks.append(Finding(call, "carries A's phone number", phone))
            elif phone in other_phones:
                leaks.append(Finding(call, "carries another practice's phone number", phone))
        for email in {m.lower() for m in _EMAIL.findall(text)}:
            if email in other_emails:
                leaks.append(Finding(call, "carries another practice's e-mail", email))
        for pattern in a.counts:
            for m in pattern.finditer(text):
                if not _own_audit_total(text, m):
                    leaks.append(Finding(call, "carries A's waitlist count", repr(m.group())))
    return leaks, errors


async def run_calls(
    app: App,
    jobs: list[tuple[str | None, list[Call]]],
    a: PracticeA,
    other_phones: set[str],
    other_emails: set[str],
) -> Outcome:
    """Each job on a fresh tab (its own socket and state), WORKERS tabs at a time."""
    log = app.data_dir / "app.log"
    outcome = Outcome()
    queue: asyncio.Queue[tuple[str | None, list[Call]]] = asyncio.Queue()
    for job in jobs:
        queue.put_nowait(job)

    async def worker() -> None:
        while not queue.empty():
            cookie, calls = queue.get_nowait()
            sock = await RawSocket.open(app.base_url, cookie=cookie)
            try:
                for call in calls:
                    if sock.closed:  # the server dropped the tab: carry on in a new one
                        await sock.close()
                        sock = await RawSocket.open(app.base_url, cookie=cookie)
                    start = log.stat().st_size
                    reply = await sock.call(call.event, call.payload)
                    window = (start, log.stat().st_size)
                    outcome.calls += 1
                    leaks, errors = inspect_reply(call, reply, a, other_phones, other_emails)
                    for finding in errors:
                        finding.log_window = window
                    outcome.leaks += leaks
                    outcome.errors += errors
            finally:
                await sock.close()

    await asyncio.gather(*(worker() for _ in range(WORKERS)))
    return outcome


def _mentions(text: str, cls: str, handler: str, strict: bool) -> bool:
    """Whether a traceback names this handler; strictly: also its state class for setvar,
    which every state has. (The log wraps long lines, so line breaks are dropped first.)"""
    text = text.replace("\n", "")
    named = f"in {handler}" in text or f"{cls}.{handler}" in text
    if handler == "setvar" and strict:
        return f"'{cls}'" in text or f"{cls}.setvar" in text
    return named


def explain(errors: list[Finding], found: list[Traceback]) -> None:
    """Names, for each error answer, the traceback the app logged for it: the first one logged
    after the call began that names its state class or handler (other tabs run meanwhile)."""
    starts = [t.at for t in found]
    for finding in errors:
        first = bisect.bisect_left(starts, finding.log_window[0])
        state, _, handler = finding.call.event.rpartition(".")
        cls = "".join(w.title() for w in state.rpartition("____")[2].split("_"))  # SlotsState
        low, high = finding.log_window
        nearby = sorted(found[first : first + 40], key=lambda t: not low <= t.at < high)
        for strict in (True, False):
            named = [t for t in nearby if _mentions(t.text, cls, handler, strict)]
            if named:
                finding.detail = "→ " + named[0].summary
                break


def _leak_report(leaks: list[Finding]) -> str:
    """Per handler and call: how many of A's values one answer carried, and a few of them."""
    calls: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    for f in leaks:
        calls[(f.call.handler, f.call.identity, f.call.label)].append(f.detail)
    lines = [f"LEAKS: {len(calls)} calls answered with A's data"]
    for (handler, identity, label), found in sorted(calls.items()):
        examples = ", ".join(dict.fromkeys(found))
        lines.append(f"  {handler} [{identity}] {label}: {len(found)} × {examples[:200]}")
    return "\n".join(lines)


def _report(title: str, findings: list[Finding], limit: int = 60) -> str:
    by_handler: dict[str, list[Finding]] = defaultdict(list)
    for f in findings:
        by_handler[f.call.handler].append(f)
    lines = [f"{title}: {len(findings)} in {len(by_handler)} handlers"]
    for handler in sorted(by_handler):
        items = by_handler[handler]
        labels = Counter(f"[{f.call.identity}] {f.call.label}: {f.what} {f.detail}" for f in items)
        shown = ", ".join(f"{k}" + (f" ×{n}" if n > 1 else "") for k, n in labels.items())
        lines.append(f"  {handler}: {shown[:600]}")
    return "\n".join(lines[: limit + 1])


# --- fixtures -------------------------------------------------------------------------------


def clear_login_throttle(app: App) -> None:
    """The lockout counts per client, and every test here logs in from 127.0.0.1: start from
    zero and leave nothing behind for the tests that run after (set-up, not the subject)."""
    from pakjeplekje.models import LoginThrottle

    engine = _engine(app)
    with Session(engine) as db:
        db.exec(delete(LoginThrottle))  # type: ignore[call-overload]
        db.commit()
    engine.dispose()


@pytest.fixture
def clean_throttle(app: App) -> Iterator[None]:
    clear_login_throttle(app)
    yield
    clear_login_throttle(app)


# --- the tests ------------------------------------------------------------------------------


def test_a_stranger_and_another_practice_get_nothing_of_a_from_any_handler(
    app: App, page, clean_throttle: None
) -> None:  # type: ignore[no-untyped-def]
    from pakjeplekje.models import Practice

    a = seed_practice_a(app)
    b = practice_b(page, app)
    handlers = registered_handlers(app_environment(app.port, app.data_dir), ROOT)
    assert len(handlers) > 50, handlers  # the walk found the app's states, not an empty tree
    names = {
        name: next(h["state"] for h in handlers if h["state"].endswith(suffix))
        for name, suffix in [("WaitlistState", "waitlist_state"), ("SlotsState", "slots_state")]
    }
    engine = _engine(app)
    with Session(engine) as db:
        highest = max(db.exec(select(Practice.id)).all())
    engine.dispose()
    practice_ids = list(range(1, highest + 2))
    other_phones, other_emails = others_of_b(app, b.practice_id)
    before = snapshot_of_a(app, a.practice_id)

    identities: list[tuple[str, str | None]] = [("no cookie", None), ("practice B", b.cookie)]
    jobs: list[tuple[str | None, list[Call]]] = []
    for identity, cookie in identities:
        for handler in handlers:
            jobs.append((cookie, calls_for(handler, identity, a, practice_ids)))
        jobs += [(cookie, chain) for chain in chains(identity, names, a)]
    # one identity after the other, long jobs first (the workers end together): a handler never
    # runs on two tabs at once, so each error answer can be matched to its traceback
    jobs.sort(key=lambda job: (job[0] is not None, -len(job[1])))

    log = app.data_dir / "app.log"
    offset = log.stat().st_size
    started = time.monotonic()
    outcome = run(run_calls(app, jobs, a, other_phones, other_emails))
    elapsed = time.monotonic() - started
    logged = log_from(log, offset)
    found = tracebacks(logged, offset)
    explain(outcome.errors, found)
    crashes = [t.summary for t in found]
    after = snapshot_of_a(app, a.practice_id)
    changed = [t for t in before if before[t] != after[t]]
    b_still_in = httpx.get(
        app.url("/api/wachtlijst/export.csv"),
        headers={"Cookie": b.cookie},
        timeout=20,
        follow_redirects=False,
    ).status_code

    summary = (
        f"{outcome.calls} calls to {len(handlers)} registered handlers in {elapsed:.0f} s "
        f"(no cookie and practice B): {len(outcome.leaks)} frames carrying A's data, A's "
        f"tables changed: {changed or 'none'}, {len(outcome.errors)} error answers, "
        f"{len(crashes)} tracebacks in the app log"
    )
    tracebacks_seen = "TRACEBACKS in app.log (exception, innermost app frame):\n" + "\n".join(
        f"  {n} × {t}" for t, n in Counter(crashes).most_common()
    )
    report = "\n\n".join(
        [
            summary,
            _leak_report(outcome.leaks),
            _report("ERRORS (error toast, no answer, dropped socket)", outcome.errors),
            tracebacks_seen,
        ]
    )
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "stranger-report.txt").write_text(
        report
        + "\n\nEVERY FINDING\n"
        + "\n".join(f.line() for f in outcome.leaks + outcome.errors)
        + "\n\nLOG SINCE THE FIRST CALL\n"
        + logged.decode("utf-8", "replace")
    )
    print(report)

    assert b_still_in == 200, "B's session ended during the run: B's calls were anonymous"
    assert outcome.calls > 1000, summary
    short = "\n\n".join(
        [
            summary,
            _leak_report(outcome.leaks),
            "\n".join(tracebacks_seen.splitlines()[:30]),
            f"Every finding, with its payload: {ARTIFACTS / 'stranger-report.txt'}",
        ]
    )
    found_something = bool(outcome.leaks or changed or outcome.errors or crashes)
    assert not found_something, short


# --- 30 logins at once ----------------------------------------------------------------------


def _login_accounts(app: App, count: int) -> list[str]:
    """Owners of new practices, straight into the database (set-up, not the subject)."""
    from pakjeplekje import clock
    from pakjeplekje.domain.accounts import auth

    emails = [f"gelijktijdig-{i}-{uuid.uuid4().hex[:8]}@example.nl" for i in range(count)]
    engine = _engine(app)
    with Session(engine) as db:
        for i, email in enumerate(emails):
            auth.sign_up(
                db,
                practice_name=f"Praktijk Gelijktijdig {i}",
                name=f"Eigenaar {i}",
                email=email,
                password=A_PASSWORD,
                now=clock.now(),
            )
        db.commit()
    engine.dispose()
    return emails


def test_thirty_logins_at_once_all_answer_and_every_wrong_one_counts(
    app: App, clean_throttle: None
) -> None:
    from pakjeplekje.domain.accounts.auth import INVALID_LOGIN
    from pakjeplekje.domain.tokens import keyed_hash
    from pakjeplekje.models import LoginThrottle

    right_1, right_2, wrong_1, wrong_2, wrong_3 = _login_accounts(app, 5)
    unknown = f"onbekend-{uuid.uuid4().hex[:8]}@example.nl"
    # 15 right (8 to one account), 15 wrong (4 to each of three accounts, 3 to an unknown
    # address): under the account lock (5) and the client lock (20), so all of them count
    attempts = (
        [(right_1, A_PASSWORD)] * 8
        + [(right_2, A_PASSWORD)] * 7
        + [(wrong_1, "fout wachtwoord 1")] * 4
        + [(wrong_2, "fout wachtwoord 2")] * 4
        + [(wrong_3, "fout wachtwoord 3")] * 4
        + [(unknown, "fout wachtwoord 4")] * 3
    )
    random.Random(7).shuffle(attempts)
    login = next(
        h["event"]
        for h in registered_handlers(app_environment(app.port, app.data_dir), ROOT)
        if h["state"].endswith("login_state") and h["handler"] == "submit"
    )

    async def all_at_once() -> list[Reply]:
        socks = await asyncio.gather(*(RawSocket.open(app.base_url) for _ in attempts))
        try:
            return await asyncio.gather(
                *(
                    sock.call(login, {"form": {"email": email, "password": password}}, timeout=60)
                    for sock, (email, password) in zip(socks, attempts, strict=True)
                )
            )
        finally:
            await asyncio.gather(*(s.close() for s in socks))

    log = app.data_dir / "app.log"
    offset = log.stat().st_size
    replies = run(all_at_once())
    crashes = [t.summary for t in tracebacks(log_from(log, offset), offset)]

    def outcome(reply: Reply) -> str:
        text = "\n".join(f.readable for f in reply.frames)
        if reply.timed_out or reply.closed:
            return "no answer"
        if ERROR_TOAST in text:
            return "error"
        if "/api/auth/sessie?grant=" in text:
            return "granted"
        return "refused" if INVALID_LOGIN in text else "other: " + text[:200]

    results = [outcome(r) for r in replies]
    expected = ["granted" if pw == A_PASSWORD else "refused" for _, pw in attempts]
    engine = _engine(app)
    with Session(engine) as db:
        throttle = {row.key: row for row in db.exec(select(LoginThrottle)).all()}
    engine.dispose()

    def failures(kind: str, value: str) -> int | str:
        row = throttle.get(keyed_hash(TEST_SECRET_KEY, kind, value))
        return "locked" if row and row.locked_until else (row.failures if row else 0)

    counted = {
        "client": failures("client", "127.0.0.1"),
        **{email: failures("account", email) for email in (wrong_1, wrong_2, wrong_3, unknown)},
    }
    summary = (
        f"30 logins at once: {Counter(results)}; tracebacks {Counter(crashes)}; "
        f"failures counted {counted}"
    )
    print(summary)
    assert results == expected and not crashes, summary
    assert counted == {"client": 15, wrong_1: 4, wrong_2: 4, wrong_3: 4, unknown: 3}, summary
