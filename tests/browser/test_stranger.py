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
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import delete
from sqlmodel import Session, col, select

from tests.browser.conftest import ROOT, TEST_SECRET_KEY, app_environment
from tests.browser.flows import App, signed_up_owner
from tests.browser.raw_socket import RawSocket, Reply, cookie_header, run
from tests.browser.registered_handlers import registered_handlers

ARTIFACTS = ROOT / "test-artifacts"
A_WAITING = 13  # A's waitlist: a count no other practice here has, so it can be searched for
A_PASSWORD = "een heel ander lang wachtwoord"
HUGE = "Zz0 " * 25_000  # 100 KB. Spaces keep the log masking linear (its own test covers that)
SURROGATE = "\ud800 x"  # a lone surrogate: valid JSON, not encodable as UTF-8
WRONG: list[tuple[str, Any]] = [
    ("str", "abc"),
    ("dict", {"x": 1}),
    ("list", [1, "2"]),
    ("huge", HUGE),
    ("surrogate", SURROGATE),
    ("null", None),
    ("bool", True),
    ("negative", -1),
    ("bigint", 2**64),
    ("float", 1.5),
]
# every field name a form handler reads today; each gets the same wrong type in one payload
FORM_KEYS = [
    *("name", "email", "password", "password_repeat", "practice_name", "current", "new"),
    *("new_repeat", "date_from", "date_to", "kind", "user", "day", "start", "duration"),
    *("treatment", "practitioner", "request_id", "status", "resolution", "immediately"),
    *("product_emails", "usage_statistics", "new_email", "email_password", "phone"),
    *("urgency", "note", "consent", "wave_size", "wave_interval", "quiet_start", "quiet_end"),
    *("min_notice", "max_offers", "sender", "role", "id", "patient_id", "slot_id", "user_id"),
]
ERROR_TOAST = "An error occurred"
WORKERS = 4  # sockets at work at once


def _engine(app: App):  # type: ignore[no-untyped-def]
    from pakjeplekje.db import make_engine

    return make_engine(f"sqlite:///{app.data_dir / 'pakjeplekje.db'}")


def _tag() -> str:
    """Letters no frame contains by chance (no hex digits, no vowels), to find A by."""
    return "".join(random.choices("ghjklmnpqrstvwxz", k=8))


# --- practice A: everything a leak could carry --------------------------------------------


@dataclass
class PracticeA:
    practice_id: int
    user_ids: list[int]
    patient_ids: list[int]
    slot_ids: list[int]
    treatment_id: int
    practitioner_id: int
    request_ids: list[int]
    slot_day: str
    words: list[str]  # names, e-mail addresses, texts: searched case-insensitively
    phones: set[str]  # national significant numbers (612345678), found in any notation
    counts: list[re.Pattern[str]]  # A's waitlist size, as pages would show it


def seed_practice_a(app: App) -> PracticeA:
    """Practice A with an owner and a colleague, 13 waiting patients, a treatment and a
    practitioner of its own, a slot offered to five (one claimed it), an open slot offered to
    three, and a privacy request. Set-up goes straight into the app's database, as
    `flows.seed_patients` does; the claim goes through the claim API."""
    from pakjeplekje import clock
    from pakjeplekje.demo import waiting_patient
    from pakjeplekje.domain import auth, claims, patients
    from pakjeplekje.domain.dutch_dates import short_moment
    from pakjeplekje.models import Practitioner as PractitionerRow
    from pakjeplekje.models import PrivacyRequest, Slot, Treatment, User

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
        tokens = [claims.create_offer(db, slots[0], p.id, wave=1, now=now)[1] for p in people[:5]]  # type: ignore[arg-type]
        for p in people[5:8]:
            claims.create_offer(db, slots[1], p.id, wave=1, now=now)  # type: ignore[arg-type]
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
    from pakjeplekje.session_cookie import COOKIE_NAME

    email = signed_up_owner(page, app, f"Tandartspraktijk Buurman {_tag()}")
    token = next(c["value"] for c in page.context.cookies() if c["name"] == COOKIE_NAME)
    engine = _engine(app)
    with Session(engine) as db:
        practice_id = db.exec(select(User.practice_id).where(User.email == email)).one()
    engine.dispose()
    return PracticeB(practice_id=practice_id, cookie=cookie_header(token))


# --- what a stranger sends ------------------------------------------------------------------


@dataclass(frozen=True)
class Call:
    identity: str
    event: str
    payload: Any
    label: str  # how the report names the payload

    @property
    def handler(self) -> str:
        """`slots_state.reload`: short, and unique in this app."""
        state, _, handler = self.event.rpartition(".")
        return f"{state.rpartition('____')[2]}.{handler}"


def _forms(a: PracticeA) -> list[tuple[str, dict[str, Any]]]:
    """Forms that name A's records, each shaped for the handlers that read such fields."""
    return [
        (
            "form(A's request)",
            {"request_id": a.request_ids[0], "status": "done", "resolution": "x"},
        ),
        (
            "form(slot with A's treatment)",
            {
                "day": a.slot_day,
                "start": "10:35",
                "duration": "30",
                "treatment": str(a.treatment_id),
                "practitioner": str(a.practitioner_id),
            },
        ),
        ("form(audit of A's user)", {"user": str(a.user_ids[0]), "kind": "", "date_from": ""}),
        (
            "form(patient with A's treatment)",
            {
                "name": "Stranger Probe",
                "phone": "+31687654321",
                "duration": "30",
                f"treatment-{a.treatment_id}": "on",
                "cell-0": "on",
                "practitioner": str(a.practitioner_id),
                "consent": "balie",
                "urgency": "normaal",
                "status": "waiting",
            },
        ),
        (
            "form(A's ids)",
            {
                "practice_id": a.practice_id,
                "patient_id": a.patient_ids[0],
                "slot_id": a.slot_ids[0],
                "user_id": a.user_ids[1],
                "id": a.patient_ids[0],
            },
        ),
    ]


def _guesses(param: str, a: PracticeA, practice_ids: list[int]) -> list[tuple[str, Any]]:
    """Values of A a stranger would try for a parameter of this name (ids count up from 1)."""
    ids = {
        "practice_id": practice_ids,
        "slot_id": a.slot_ids,
        "patient_id": a.patient_ids[:3],
        "user_id": a.user_ids,
        "treatment_id": [a.treatment_id],
        "practitioner_id": [a.practitioner_id],
        "request_id": a.request_ids,
    }
    if param in ids:
        return [(f"A's {param}={i}", v) for i in ids[param] for v in (i, str(i))]
    if param == "form":
        return _forms(a)
    if param == "vars":  # forged client storage, naming a state that does not exist
        return [("A's id as client storage", {"x.y": a.practice_id})]
    return []


PLAUSIBLE: dict[str, Any] = {
    "reason": "gaat_niet_door",
    "role": "owner",
    "active": False,
    "duration": "45",
    "name": "treatment",
    "page": 2,
    "info": "stranger",
    "component_stack": "",
    "vars": {},
    "hashes": [],
    "files": [],
    "form": {},
    "var_name": "error",
}


def _plausible(param: str, a: PracticeA) -> Any:
    """The value that gets a call furthest: A's id where the parameter names a record."""
    if param == "value":
        return str(a.treatment_id)  # set_filter(name="treatment", value=<A's treatment>)
    guesses = _guesses(param, a, [a.practice_id])
    if guesses and param != "form":
        return guesses[0][1]
    return PLAUSIBLE.get(param, "1")


def calls_for(
    handler: dict[str, Any], identity: str, a: PracticeA, practice_ids: list[int]
) -> list[Call]:
    """No payload; A's ids in each parameter (the others at their most useful); each wrong type
    in each parameter; for forms, every field wrong at once."""
    event, params = handler["event"], [p["name"] for p in handler["params"]]
    calls = [Call(identity, event, {}, "no payload")]

    def with_(name: str, value: Any) -> dict[str, Any]:
        return {**{p: _plausible(p, a) for p in params}, name: value}

    if handler["handler"] == "setvar":
        for var in handler["vars"]:
            for label, value in [("A's practice id", a.practice_id), *WRONG[:2]]:
                calls.append(
                    Call(identity, event, {"var_name": var, "value": value}, f"{var}={label}")
                )
        for var in ["nope", *handler["backend_vars"]]:
            calls.append(Call(identity, event, {"var_name": var, "value": 1}, f"{var}=1"))
        for label, value in WRONG:
            if not isinstance(value, str) or label in ("huge", "surrogate"):
                calls.append(
                    Call(identity, event, {"var_name": value, "value": 1}, f"var_name={label}")
                )
        return calls
    for name in params:
        for label, value in _guesses(name, a, practice_ids):
            calls.append(Call(identity, event, with_(name, value), label))
        if name == "value":  # set_search and the like
            calls.append(Call(identity, event, with_(name, "Quakkelaar"), "search for A's name"))
        for label, value in WRONG:
            calls.append(Call(identity, event, with_(name, value), f"{name}={label}"))
        if name == "form":
            for label, value in WRONG:
                if label not in ("str", "bool", "float", "negative"):
                    if label == "huge":  # 20 KB each: the whole frame stays under the 1 MB the
                        value = value[:20_000]  # server accepts (a bigger one drops the socket)
                    fields = {k: value for k in FORM_KEYS}
                    calls.append(Call(identity, event, with_(name, fields), f"form fields={label}"))
    if len(params) > 1:  # every parameter at A's value at once
        calls.append(Call(identity, event, {p: _plausible(p, a) for p in params}, "all A's"))
    return calls


def chains(identity: str, names: dict[str, str], a: PracticeA) -> list[list[Call]]:
    """Tamper first, then act, on one tab: a handler that trusts its own state is only as safe
    as the handler that set it."""
    waitlist = names["WaitlistState"]
    slots = names["SlotsState"]
    form = dict(_forms(a))["form(patient with A's treatment)"]
    return [
        [
            Call(identity, f"{waitlist}.open_edit", {"patient_id": str(a.patient_ids[0])}, "A's"),
            Call(identity, f"{waitlist}.save", {"form": form}, "after open_edit(A's patient)"),
        ],
        [
            Call(
                identity,
                f"{slots}.preview",
                {"form": dict(_forms(a))["form(slot with A's treatment)"]},
                "A's treatment",
            ),
            Call(identity, f"{slots}.open_slot", {}, "after preview(A's treatment)"),
        ],
    ]


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


def inspect_reply(
    call: Call, reply: Reply, a: PracticeA, other_phones: set[str], other_emails: set[str]
) -> tuple[list[Finding], list[Finding]]:
    leaks, errors = [], []
    if reply.timed_out:
        errors.append(Finding(call, "no answer within 20 s"))
    if reply.closed:
        errors.append(Finding(call, "socket closed by the server"))
    for frame in reply.frames:
        text = frame.readable
        lowered = text.lower()
        if ERROR_TOAST in text:
            errors.append(Finding(call, "error toast", "'An error occurred.'"))
        for word in a.words:
            if word.lower() in lowered:
                leaks.append(Finding(call, "carries A's", repr(word)))
        for phone in {re.sub(r"\D", "", m) for m in _PHONE.findall(text)}:
            if phone in a.phones:
                leaks.append(Finding(call, "carries A's phone number", phone))
            elif phone in other_phones:
                leaks.append(Finding(call, "carries another practice's phone number", phone))
        for email in {m.lower() for m in _EMAIL.findall(text)}:
            if email in other_emails:
                leaks.append(Finding(call, "carries another practice's e-mail", email))
        for pattern in a.counts:
            if m := pattern.search(text):
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


_TRACEBACK = "Traceback (most recent call last)"
_EXCEPTION_LINE = re.compile(
    r"^([A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt|Warning|Iteration)\b.*)$", re.M
)


def log_from(log: Path, offset: int) -> bytes:
    """What the app logged since `offset`, once it has stopped writing."""
    size = -1
    for _ in range(20):
        if log.stat().st_size == size:
            break
        size = log.stat().st_size
        time.sleep(0.25)
    with log.open("rb") as f:
        f.seek(offset)
        return f.read()


@dataclass(frozen=True)
class Traceback:
    at: int  # offset in app.log
    text: str

    @property
    def summary(self) -> str:
        """The exception and the innermost frame of our code (else of any code)."""
        flat = re.sub(r"\n(?!\s*File |Traceback|\S+(?:Error|Exception)\b)", "", self.text)
        frames = re.findall(r'File\s+"([^"]+)",\s+line\s+(\d+),\s+in\s+(\w+)', flat)
        ours = [f for f in frames if "/pakjeplekje/" in f[0]] or frames
        where = f"{Path(ours[-1][0]).name}:{ours[-1][1]} in {ours[-1][2]}" if ours else "?"
        failed, _, call_stack = self.text.partition("Call stack:")  # a log handler that
        last_frame = failed.rfind("File ")  # failed prints what it could not log after that
        exception = _EXCEPTION_LINE.search(failed, max(last_frame, 0))
        message = (
            "".join(failed[exception.start() :].split("\n\n")[0].splitlines()[:2])
            if exception
            else "?"
        )
        if dropped := re.search(r"^Message: (.*)$", call_stack, re.M):
            message = f"logging {dropped.group(1)[:80]} failed: {message}"
        return f"{message[:160]} ({where})"


def tracebacks(logged: bytes, offset: int) -> list[Traceback]:
    """Every traceback the app logged, with where it starts in app.log."""
    marker = _TRACEBACK.encode()
    starts = [m.start() for m in re.finditer(re.escape(marker), logged)]
    ends = [*starts[1:], len(logged)]
    found: list[Traceback] = []
    for s, e in zip(starts, ends, strict=True):
        text = logged[s:e].decode("utf-8", "replace")
        if found and found[-1].text.rstrip().endswith("exception:"):  # a chained one: the
            found[-1] = Traceback(found[-1].at, found[-1].text + text)  # same failure
        else:
            found.append(Traceback(offset + s, text))
    return found


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
    from pakjeplekje.domain import auth

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
    from pakjeplekje.domain.auth import INVALID_LOGIN
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
