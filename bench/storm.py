"""The claim storm from outside the process: N patients released at once against a running
server, over HTTP, on both claim paths, then checked in the server's database.

- `link`: `POST /api/claim/{token}` (web/claim.py). The winner gets 200 `claimed`, every loser
  409 `taken`; anything else is an error.
- `ja`: the patient's `JA` reply, as Twilio delivers it: `POST` routes.TWILIO_INBOUND with
  `From`/`Body`/`To`, signed with `X-Twilio-Signature` over PUBLIC_BASE_URL + path (what the
  app verifies). Every answer is 200 TwiML: the winner's carries the confirmation
  ("bevestigd"), every loser's the "al vergeven" text; anything else is an error.

Each run seeds one open slot of a new practice with N offers in status `sent` (distinct new
patients, each with a real `Message` row as the send job leaves it) through the domain
constructors (`offered_slot`, `dispatch.record_sent`), straight into the server's database.
All N requests wait on one gate in one asyncio process (aiohttp, a connection limit above N:
every patient has a connection of its own, as N phones would) and are released together.
(The module's CLI and `run_storms` are the entry points; `storm()` is one run.)

The seeding skips what only the send job does besides `record_sent`: texting, and telling
`settled_claims` that the number was texted (a `JA` claims again after a new text). The numbers
are new in every run, so no earlier "taken" for them can be remembered.

Afterwards the database must show exactly one claimed offer, the other N-1 `lost`, the slot
claimed by the winner, and the HTTP winner must be that same patient. Every request must be
answered within 15 s of the release (Twilio gives up on a webhook after 15 s).

Latency is counted per request from the moment the generator sent it (what the patient
waits); "release spread" says how long the generator took to send all N after the release,
and "generator CPU" how much CPU this process used during the storm: if either is large, the
generator, not the server, is the bottleneck and the numbers are not to be trusted.

    python -m bench.storm --base-url http://127.0.0.1:8080 \
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/db \
        --public-base-url http://localhost:8080 --auth-token … --n 200 --path ja --runs 3
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import statistics
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import aiohttp
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from twilio.request_validator import RequestValidator

from pakjeplekje import routes
from pakjeplekje.db import make_engine
from pakjeplekje.domain.core_loop import dispatch
from pakjeplekje.domain.offers import OfferStatus
from pakjeplekje.models import Offer, Patient, Practice, Slot
from pakjeplekje.services.demo import offered_slot

PATHS = ("link", "ja")
TWILIO_TIMEOUT_S = 15.0
TWILIO_TO = "+3197010000000"  # the practice's shared number the patient answers


def server_now(env: dict[str, str]) -> datetime:
    """The server's clock as well as we know it: its CLOCK_START (a test or bench server runs
    from a fixed instant, then ticks on) or the wall clock."""
    raw = (env.get("CLOCK_START") or "").strip()
    if not raw:
        return datetime.now(UTC)
    start = datetime.fromisoformat(raw)
    return start if start.tzinfo else start.replace(tzinfo=UTC)


@dataclass
class Seeded:
    practice_id: int
    slot_id: int
    tokens: list[str]  # per patient, in order: the raw claim token
    phones: list[str]  # per patient, in order
    sids: list[str]  # the provider ids of the offer texts (empty without messages)


def new_practice(db: Session, now: datetime, tag: str) -> Practice:
    """A practice made by hand (not signed up): active, on the local trial's terms."""
    practice = Practice(
        name=f"{tag} Praktijk",
        slug=f"{tag.lower().replace(' ', '-')}-{time.time_ns()}",
        sms_sender_name=tag[:11],
        created_at=now,
        email_confirmed_at=now,  # nothing to confirm
    )
    db.add(practice)
    db.flush()
    return practice


def seed_slot(
    db: Session, practice_id: int, n: int, now: datetime, tag: str, *, messages: bool = True
) -> Seeded:
    """One open slot, two days ahead, offered to `n` new patients of the practice (numbers no
    earlier run used); every offer `sent`, with its Message row (a provider sid) when
    `messages`, as the send job leaves it."""
    first_phone = 10_000_000 + (time.time_ns() // 1000) % 80_000_000
    offered = offered_slot(
        db,
        practice_id,
        n,
        now,
        starts_at=now + timedelta(days=2),
        name=tag,
        first_phone=first_phone,
    )
    rows = db.exec(
        select(Offer, Patient)
        .join(Patient, col(Patient.id) == Offer.patient_id)
        .where(Offer.slot_id == offered.slot_id)
        .order_by(col(Offer.id))
    ).all()
    sids = []
    for i, (offer, patient) in enumerate(rows):
        sms = dispatch.OutgoingSms(offer.id, practice_id, patient.id, patient.phone, f"{tag}: plek")
        sid = f"SM{time.time_ns():x}{i:06d}"
        if messages:
            dispatch.record_sent(db, sms, sid, "sent", now)
            sids.append(sid)
        else:
            offer.status, offer.sent_at = OfferStatus.SENT, now
            db.add(offer)
    phones = {p.id: p.phone for _, p in rows}
    return Seeded(
        practice_id,
        offered.slot_id,
        offered.tokens,
        [phones[pid] for pid in offered.patient_ids],
        sids,
    )


def seed(engine: Engine, n: int, now: datetime, tag: str = "Storm") -> Seeded:
    """A new practice with one open slot offered to `n` patients, committed."""
    with Session(engine, expire_on_commit=False) as db:
        practice = new_practice(db, now, tag)
        seeded = seed_slot(db, practice.id, n, now, tag)
        db.commit()
        return seeded


@dataclass
class StormResult:
    path: str
    n: int
    latencies_ms: list[float] = field(default_factory=list)  # from each request's own send
    since_release_ms: list[float] = field(default_factory=list)  # from the common release
    answers: Counter[str] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    http_winners: list[int] = field(default_factory=list)  # indexes of the patients told "won"
    db_claimed: int = 0
    db_lost: int = 0
    db_other: Counter[str] = field(default_factory=Counter)
    db_winner_ok: bool = False
    release_spread_ms: float = 0.0
    generator_cpu_s: float = 0.0
    wall_s: float = 0.0

    def pct(self, q: float) -> float:
        """Nearest rank: the smallest latency that `q` of the requests did not exceed."""
        ordered = sorted(self.latencies_ms)
        return ordered[max(0, math.ceil(q * len(ordered)) - 1)]

    @property
    def over_deadline(self) -> int:
        return sum(ms > TWILIO_TIMEOUT_S * 1000 for ms in self.since_release_ms)

    @property
    def ok(self) -> bool:
        return (
            not self.errors
            and self.db_claimed == 1
            and self.db_lost == self.n - 1
            and self.db_winner_ok
            and self.over_deadline == 0
        )

    def rows(self) -> list[tuple[str, float, str]]:
        name = f"storm {self.path} N={self.n}"
        return [
            (f"{name}: p50", self.pct(0.50), "ms"),
            (f"{name}: p95", self.pct(0.95), "ms"),
            (f"{name}: p99", self.pct(0.99), "ms"),
            (f"{name}: max", max(self.latencies_ms), "ms"),
            (f"{name}: last answer after release", max(self.since_release_ms), "ms"),
            (f"{name}: errors", float(len(self.errors)), f"of {self.n}"),
            (f"{name}: winners", float(self.db_claimed), "in the database"),
            (f"{name}: lost", float(self.db_lost), f"of {self.n - 1}"),
            (f"{name}: over 15 s", float(self.over_deadline), "requests"),
            (f"{name}: release spread", self.release_spread_ms, "ms"),
            (f"{name}: generator CPU", self.generator_cpu_s, "s"),
        ]


def _classify(path: str, status: int, text: str) -> str:
    """claimed | taken | error:<why>."""
    if path == "link":
        if status == 200 and text.replace(" ", "") == '{"result":"claimed"}':
            return "claimed"
        if status == 409 and text.replace(" ", "") == '{"result":"taken"}':
            return "taken"
        return f"error:{status} {text[:80]}"
    if status != 200 or "<Response>" not in text:
        return f"error:{status} {text[:80]}"
    if "bevestigd" in text:
        return "claimed"
    if "al vergeven" in text:
        return "taken"
    return f"error:200 {text[:80]}"


@dataclass(frozen=True)
class _Request:
    path: str
    data: dict[str, str] | None = None
    headers: dict[str, str] | None = None


def _requests(path: str, seeded: Seeded, env: dict[str, str]) -> list[_Request]:
    """Built (and signed) before the release: only sending happens after it."""
    if path == "link":
        return [_Request(routes.CLAIM_API.format(token=token)) for token in seeded.tokens]
    public = env["PUBLIC_BASE_URL"].rstrip("/") + routes.TWILIO_INBOUND
    validator = RequestValidator(env["TWILIO_AUTH_TOKEN"])
    built = []
    for phone in seeded.phones:
        params = {"From": phone, "To": TWILIO_TO, "Body": "JA"}
        signature = validator.compute_signature(public, params)
        built.append(_Request(routes.TWILIO_INBOUND, params, {"X-Twilio-Signature": signature}))
    return built


async def _fire(base_url: str, path: str, seeded: Seeded, env: dict[str, str]) -> StormResult:
    """aiohttp, not httpx: httpx's connection pool costs the generator O(N) per request (22 s
    of CPU for N=1000 on this machine, the generator became the bottleneck); aiohttp's
    connector sends 1000 requests on ~1 s of CPU."""
    n = len(seeded.tokens)
    result = StormResult(path, n)
    requests = _requests(path, seeded, env)
    connector = aiohttp.TCPConnector(limit=n + 10, limit_per_host=n + 10, force_close=True)
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(
        base_url, connector=connector, timeout=timeout, cookie_jar=aiohttp.DummyCookieJar()
    ) as client:
        gate = asyncio.Event()
        started: list[float] = [0.0] * n
        outcome: list[tuple[str, float, float]] = [("", 0.0, 0.0)] * n

        async def one(i: int, request: _Request) -> None:
            await gate.wait()
            start = started[i] = time.perf_counter()
            try:
                async with client.post(
                    request.path, data=request.data, headers=request.headers
                ) as response:
                    answer = _classify(path, response.status, await response.text())
            except (aiohttp.ClientError, TimeoutError) as exc:
                answer = f"error:{type(exc).__name__}"
            end = time.perf_counter()
            outcome[i] = (answer, (end - start) * 1000, (end - release) * 1000)

        tasks = [asyncio.create_task(one(i, r)) for i, r in enumerate(requests)]
        await asyncio.sleep(0.05)  # every task is parked on the gate
        cpu = time.process_time()
        release = time.perf_counter()
        gate.set()
        await asyncio.gather(*tasks)
        result.wall_s = time.perf_counter() - release
        result.generator_cpu_s = time.process_time() - cpu
        result.release_spread_ms = (max(started) - release) * 1000
    for i, (answer, ms, since) in enumerate(outcome):
        result.latencies_ms.append(ms)
        result.since_release_ms.append(since)
        result.answers[answer.split(" ")[0]] += 1
        if answer.startswith("error"):
            result.errors.append(answer)
        elif answer == "claimed":
            result.http_winners.append(i)
    return result


def _verify(engine: Engine, seeded: Seeded, result: StormResult) -> None:
    """The database is the truth: one winner, the rest lost, and the HTTP winner is it."""
    with Session(engine) as db:
        slot = db.get(Slot, seeded.slot_id)
        offers = db.exec(select(Offer).where(Offer.slot_id == seeded.slot_id)).all()
        statuses = Counter(o.status for o in offers)
        winner = next((o for o in offers if o.status == "claimed"), None)
        winner_phone = db.get(Patient, winner.patient_id).phone if winner else None  # type: ignore[union-attr]
    result.db_claimed, result.db_lost = statuses.pop("claimed", 0), statuses.pop("lost", 0)
    result.db_other = statuses
    result.db_winner_ok = (
        slot is not None
        and slot.status == "claimed"
        and winner is not None
        and slot.claimed_patient_id == winner.patient_id
        and len(result.http_winners) == 1
        and seeded.phones[result.http_winners[0]] == winner_phone
    )
    if not result.db_winner_ok:
        result.errors.append(
            f"winner mismatch: slot {slot.status if slot else None}, http winners "
            f"{len(result.http_winners)}, offers {dict(Counter(o.status for o in offers))}"
        )


def storm(base_url: str, database_url: str, env: dict[str, str], n: int, path: str) -> StormResult:
    """One storm: seed, release N at once, verify in the database."""
    if path not in PATHS:
        raise ValueError(f"path must be one of {PATHS}")
    engine = make_engine(database_url)
    try:
        seeded = seed(engine, n, server_now(env))
        result = asyncio.run(_fire(base_url.rstrip("/"), path, seeded, env))
        _verify(engine, seeded, result)
    finally:
        engine.dispose()
    return result


def run_storms(
    base_url: str,
    database_url: str,
    env: dict[str, str],
    sizes: tuple[int, ...] = (50, 200),
    paths: tuple[str, ...] = PATHS,
    runs: int = 1,
) -> list[tuple[str, float, str]]:
    """Rows for `make bench`: every run's figures; with several runs, the p95 spread."""
    rows: list[tuple[str, float, str]] = []
    for n in sizes:
        for path in paths:
            results = [storm(base_url, database_url, env, n, path) for _ in range(runs)]
            for r in results:
                rows += r.rows() if runs == 1 else r.rows()[:2] + r.rows()[5:6]
            if runs > 1:
                p95s = [r.pct(0.95) for r in results]
                name = f"storm {path} N={n}"
                rows += [
                    (f"{name}: p95 median of {runs}", statistics.median(p95s), "ms"),
                    (f"{name}: p95 min", min(p95s), "ms"),
                    (f"{name}: p95 max", max(p95s), "ms"),
                    (f"{name}: errors in all runs", float(sum(len(r.errors) for r in results)), ""),
                    (f"{name}: runs with exactly 1 winner", float(sum(r.ok for r in results)), ""),
                ]
    return rows


def _summary(r: StormResult) -> str:
    errors = Counter(e[:60] for e in r.errors).most_common(3)
    return (
        f"{r.path:4} N={r.n:<5} p50 {r.pct(0.5):7.0f}  p95 {r.pct(0.95):7.0f}  "
        f"p99 {r.pct(0.99):7.0f}  max {max(r.latencies_ms):7.0f} ms  "
        f"last {max(r.since_release_ms):7.0f} ms  errors {len(r.errors)}  "
        f"winners {r.db_claimed} lost {r.db_lost}/{r.n - 1}  >15s {r.over_deadline}  "
        f"spread {r.release_spread_ms:5.0f} ms  gen-CPU {r.generator_cpu_s:5.2f} s "
        f"({r.generator_cpu_s / r.wall_s:4.0%} of wall)  {'OK' if r.ok else 'FAIL'}"
        + (f"  {errors}" if errors else "")
        + (f"  other {dict(r.db_other)}" if r.db_other else "")
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--base-url", required=True, help="where to send (nginx, or one app)")
    parser.add_argument("--database-url", required=True, help="the server's DATABASE_URL")
    parser.add_argument("--public-base-url", help="the server's PUBLIC_BASE_URL (signatures)")
    parser.add_argument("--auth-token", help="the server's TWILIO_AUTH_TOKEN (ja path)")
    parser.add_argument("--clock-start", help="the server's CLOCK_START, if it runs with one")
    parser.add_argument("--n", type=int, action="append", help="patients (repeatable)")
    parser.add_argument("--path", choices=[*PATHS, "both"], default="both")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    env = {
        "PUBLIC_BASE_URL": args.public_base_url or args.base_url,
        "TWILIO_AUTH_TOKEN": args.auth_token or os.environ.get("TWILIO_AUTH_TOKEN", ""),
        "CLOCK_START": args.clock_start or "",
    }
    paths = PATHS if args.path == "both" else (args.path,)
    failed = 0
    for n in args.n or [50, 200]:
        for path in paths:
            p95s = []
            for _ in range(args.runs):
                r = storm(args.base_url, args.database_url, env, n, path)
                print(_summary(r), flush=True)
                p95s.append(r.pct(0.95))
                failed += not r.ok
            if args.runs > 1:
                print(
                    f"  {path} N={n}: p95 median {statistics.median(p95s):.0f} ms "
                    f"({min(p95s):.0f}–{max(p95s):.0f}) over {args.runs} runs",
                    flush=True,
                )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
