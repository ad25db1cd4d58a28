"""SMS pumping and the timing leak of /privacy/verzoek, tried as an attacker would: through
the real HTTP route, with the real twilio SDK against a local fake of its API, and the huey
job run the way the consumer runs it.

- The code leaves from a job, never inside the request: a known and an unknown number get
  the same response after the same work (one queued job each), so neither the answer nor its
  timing says whether a number is on some waitlist.
- Code texts go only to numbers of SMS_ALLOWED_COUNTRIES (default NL).
- Hourly caps (all code texts, and per practice whose waitlist holds the number) stop a pump;
  a refused text is logged as a warning without the number, the requester sees nothing.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from datetime import timedelta
from typing import TYPE_CHECKING

import pytest
import time_machine
from sqlmodel import select
from starlette.testclient import TestClient

from pakjeplekje import clock, routes
from pakjeplekje.adapters.mail import ConsoleOutbox
from pakjeplekje.db import session_scope
from pakjeplekje.domain.accounts.practice_settings import create_default_treatments
from pakjeplekje.domain.privacy import request_codes
from pakjeplekje.domain.waitlist import patients
from pakjeplekje.models import CodeSms, Treatment
from pakjeplekje.services.demo import waiting_patient
from pakjeplekje.web.api import create_api
from tests.fake_twilio import twilio_texts_fixture  # noqa: F401  (fixture)
from tests.job_queue import JobQueue, job_queue_fixture  # noqa: F401  (fixture)

if TYPE_CHECKING:
    from conftest import AppEnv, Factory

KNOWN = "+31612345678"
UNKNOWN = "+31612340000"
BELGIAN = "+32470123456"
SEND_TASK = "send_privacy_code_task"


@pytest.fixture
def client(app_env: AppEnv) -> Iterator[TestClient]:
    with TestClient(create_api()) as test_client:
        yield test_client


def waitlist(factory: Factory, name: str, *numbers: str) -> int:
    """A practice (committed) with these numbers waiting on its list; returns its id."""
    with session_scope() as db:
        practice = factory.practice(db, f"Tandartspraktijk {name}")
        assert practice.id is not None
        factory.user(db, practice, f"eigenaar@{name.lower()}.nl", role="owner")
        create_default_treatments(db, practice.id)
        db.flush()
        first = db.exec(select(Treatment.id).where(Treatment.practice_id == practice.id)).first()
        assert first is not None
        for i, number in enumerate(numbers):
            patients.insert(
                db, practice.id, waiting_patient(f"{name} {i}", number, first), clock.now()
            )
        return practice.id


def ask(client: TestClient, value: str, kind: str = "inzage", channel: str = "sms") -> str:
    response = client.post(
        routes.PRIVACY_REQUEST, data={"kind": kind, "value": value, "channel": channel}
    )
    assert response.status_code == 200, response.text
    return response.text


def neutral(page: str) -> str:
    """The page without its form values (the request's own ref and the number typed)."""
    return re.sub(r'value="[^"]*"', 'value=""', page)


def no_numbers_in(caplog: pytest.LogCaptureFixture, *numbers: str) -> None:
    for number in numbers:
        digits = number.lstrip("+")
        assert all(digits not in r.getMessage() for r in caplog.records), number


def test_the_code_leaves_from_a_job_and_known_and_unknown_look_the_same(
    client: TestClient, twilio_texts: list[dict], job_queue: JobQueue, factory: Factory
) -> None:
    practice_id = waitlist(factory, "Alfa", KNOWN)
    known = ask(client, "06-12345678")
    unknown = ask(client, "06-12340000")

    assert twilio_texts == []  # no provider call inside either request
    assert neutral(known) == neutral(unknown)
    assert job_queue.pending() == [SEND_TASK, SEND_TASK]  # the same work for both numbers

    assert job_queue.run() == 2
    assert [t["to"] for t in twilio_texts] == [KNOWN]
    code = re.search(r"\b(\d{6})\b", twilio_texts[0]["body"]).group(1)  # type: ignore[union-attr]
    ref = re.search(r'name="ref" value="([^"]+)"', known).group(1)  # type: ignore[union-attr]
    done = client.post(
        routes.PRIVACY_REQUEST_CONFIRM,
        data={"ref": ref, "value": KNOWN, "kind": "inzage", "channel": "sms", "code": code},
    )
    assert done.status_code == 200 and "Tandartspraktijk Alfa" in done.text
    with session_scope() as db:  # every code text is counted, against the practice concerned
        assert [row.practice_id for row in db.exec(select(CodeSms)).all()] == [practice_id]


def test_the_mail_code_leaves_from_a_job_too(
    client: TestClient, app_env: AppEnv, job_queue: JobQueue, factory: Factory
) -> None:
    waitlist(factory, "Beta")
    known = ask(client, "eigenaar@beta.nl", channel="email")
    unknown = ask(client, "niemand@beta.nl", channel="email")
    assert ConsoleOutbox(app_env.data_dir).messages() == []
    assert neutral(known) == neutral(unknown)
    assert job_queue.pending() == [SEND_TASK, SEND_TASK]
    job_queue.run()
    assert [m["to"] for m in ConsoleOutbox(app_env.data_dir).messages()] == ["eigenaar@beta.nl"]


def test_a_foreign_number_gets_the_neutral_answer_and_no_text(
    client: TestClient,
    twilio_texts: list[dict],
    job_queue: JobQueue,
    factory: Factory,
    app_env: AppEnv,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    waitlist(factory, "Gamma", BELGIAN)
    belgian = ask(client, "+32 470 12 34 56")
    unknown = ask(client, "06-12340000")
    assert neutral(belgian) == neutral(unknown)
    assert "Nederland" in belgian  # the form says where codes go, the same for every number
    job_queue.run()
    assert twilio_texts == []

    monkeypatch.setenv("SMS_ALLOWED_COUNTRIES", "NL,BE")
    app_env.reload()
    ask(client, "+32470123456")
    job_queue.run()
    assert [t["to"] for t in twilio_texts] == [BELGIAN]
    no_numbers_in(caplog, BELGIAN, UNKNOWN)


def test_the_hourly_cap_on_all_code_texts_stops_a_pump(
    client: TestClient,
    twilio_texts: list[dict],
    job_queue: JobQueue,
    factory: Factory,
    app_env: AppEnv,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    frozen_clock: time_machine.Coordinates,
) -> None:
    monkeypatch.setenv("CODE_SMS_PER_HOUR", "2")
    app_env.reload()
    numbers = [f"+3161234000{i}" for i in range(1, 4)]
    waitlist(factory, "Delta", *numbers[:2])
    waitlist(factory, "Epsilon", numbers[2])
    pages = [ask(client, number) for number in numbers]
    assert len({neutral(page) for page in pages}) == 1  # the cap shows nothing to anyone
    job_queue.run()
    assert [t["to"] for t in twilio_texts] == numbers[:2]
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("CODE_SMS_PER_HOUR" in w for w in warnings), warnings
    no_numbers_in(caplog, *numbers)

    frozen_clock.shift(timedelta(minutes=61))  # an hour later the cap has room again
    ask(client, numbers[2])
    job_queue.run()
    assert [t["to"] for t in twilio_texts] == numbers


def test_the_hourly_cap_per_practice_stops_a_pump_through_one_waitlist(
    client: TestClient,
    twilio_texts: list[dict],
    job_queue: JobQueue,
    factory: Factory,
    app_env: AppEnv,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A practice that fills its list with numbers to pump is stopped; a number that another
    practice also holds still gets its code (that practice has room), and other practices'
    patients are not hit by one practice's cap."""
    monkeypatch.setenv("CODE_SMS_PER_PRACTICE_PER_HOUR", "1")
    app_env.reload()
    own, shared, second, other = (f"+3161234100{i}" for i in range(4))
    pump = waitlist(factory, "Pomp", own, shared, second)
    waitlist(factory, "Zeta", shared, other)
    for number in (own, second, shared, other):
        ask(client, number)
    job_queue.run()
    assert [t["to"] for t in twilio_texts] == [own, shared]
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("CODE_SMS_PER_PRACTICE_PER_HOUR" in w and f"{pump}" in w for w in warnings)
    no_numbers_in(caplog, own, shared, second, other)
    with session_scope() as db:
        assert len(db.exec(select(CodeSms)).all()) == 3  # `shared` counts at both practices


def test_a_job_that_runs_after_the_code_expired_sends_nothing(
    client: TestClient,
    twilio_texts: list[dict],
    job_queue: JobQueue,
    factory: Factory,
    frozen_clock: time_machine.Coordinates,
) -> None:
    waitlist(factory, "Eta", KNOWN)
    ask(client, KNOWN)
    frozen_clock.shift(request_codes.CODE_VALIDITY + timedelta(seconds=1))
    job_queue.run()
    assert twilio_texts == []
