"""/privacy/verzoek: codes, limits, the same answer for unknown numbers, and what each right
does at every practice — through the real HTTP routes and the console SMS/mail outboxes."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

import pytest
from sqlmodel import Session, select
from starlette.applications import Starlette
from starlette.testclient import TestClient

from pakjeplekje import clock, routes
from pakjeplekje.adapters.mail import ConsoleOutbox
from pakjeplekje.adapters.sms import ConsoleSms
from pakjeplekje.config import get_settings
from pakjeplekje.db import session_scope
from pakjeplekje.domain.accounts.practice_settings import create_default_treatments
from pakjeplekje.domain.accounts.sessions import resolve_session, start_session
from pakjeplekje.domain.errors import DomainError, NotFound
from pakjeplekje.domain.privacy import inbox as privacy_inbox
from pakjeplekje.domain.privacy import request_codes, suppression
from pakjeplekje.domain.privacy import requests as privacy_requests
from pakjeplekje.domain.waitlist import patient_csv, patients
from pakjeplekje.domain.waitlist.patients import PatientInput, ValidationFailed
from pakjeplekje.models import (
    Message,
    Patient,
    PrivacyRequest,
    Suppression,
    Treatment,
    User,
)
from pakjeplekje.services import scheduler
from pakjeplekje.services.demo import waiting_patient
from pakjeplekje.web import privacy as api_privacy
from tests import timeplan
from tests.job_queue import JobQueue, job_queue_fixture  # noqa: F401  (fixture)

if TYPE_CHECKING:
    from conftest import AppEnv, Factory

NUMBER = "+31612345678"
TYPED = "06-12345678"
SECRET = "test-secret-key-niet-voor-productie"


@dataclass(frozen=True)
class Place:
    practice_id: int
    owner_token: str
    treatment_id: int


@pytest.fixture
def client(app_env: AppEnv, job_queue: JobQueue) -> Iterator[TestClient]:
    """The routes, with the code jobs held in a private queue until `_sent()` runs them."""
    with TestClient(Starlette(routes=api_privacy.routes())) as test_client:
        yield test_client


def _sent() -> None:
    """What the job consumer does a moment after the answer: send the queued codes."""
    JobQueue(scheduler.huey).run()


def _place(db: Session, factory: Factory, name: str, email: str) -> Place:
    practice = factory.practice(db, name)
    owner = factory.user(db, practice, email, role="owner")
    assert practice.id
    create_default_treatments(db, practice.id)
    db.flush()
    treatment = db.exec(select(Treatment.id).where(Treatment.practice_id == practice.id)).first()
    assert treatment
    return Place(practice.id, start_session(db, owner, clock.now()), treatment)


@pytest.fixture
def places(app_env: AppEnv, factory: Factory) -> tuple[Place, Place]:
    """Two practices that both have NUMBER on their waitlist, each with one message to it."""
    with session_scope() as db:
        a = _place(db, factory, "Tandartspraktijk Alfa", "eigenaar@alfa.nl")
        b = _place(db, factory, "Tandartspraktijk Beta", "eigenaar@beta.nl")
        for place, name in ((a, "Alfa Patiënt"), (b, "Beta Patiënt")):
            patient = patients.insert(
                db,
                place.practice_id,
                waiting_patient(name, NUMBER, place.treatment_id),
                clock.now(),
            )
            db.add(
                Message(
                    practice_id=place.practice_id,
                    patient_id=patient.id,
                    direction="out",
                    phone=NUMBER,
                    body=f"Bericht van {name}",
                    status="delivered",
                    created_at=clock.now(),
                    updated_at=clock.now(),
                )
            )
        patients.insert(
            db, a.practice_id, waiting_patient("Ander", "+31687654321", a.treatment_id), clock.now()
        )
    return a, b


def _ref(html: str) -> str:
    found = re.search(r'name="ref" value="([^"]+)"', html)
    assert found, html
    return found.group(1)


def _code(app_env: AppEnv, number: str = NUMBER) -> str:
    _sent()
    [newest, *_] = ConsoleSms(app_env.data_dir).messages(number)
    found = re.search(r"\b(\d{6})\b", newest["body"])
    assert found
    return found.group(1)


def _ask(client: TestClient, kind: str, value: str = TYPED, channel: str = "sms") -> str:
    response = client.post(
        routes.PRIVACY_REQUEST, data={"kind": kind, "value": value, "channel": channel}
    )
    assert response.status_code == 200, response.text
    return response.text


def _confirm(client: TestClient, page: str, code: str, kind: str, **extra: str):  # type: ignore[no-untyped-def]
    value = re.search(r'name="value" value="([^"]+)"', page)
    assert value
    channel = re.search(r'name="channel" value="([^"]+)"', page)
    assert channel
    data = {
        "ref": _ref(page),
        "value": value.group(1),
        "kind": kind,
        "channel": channel.group(1),
        "code": code,
        **extra,
    }
    return client.post(routes.PRIVACY_REQUEST_CONFIRM, data=data)


def test_form_is_public_and_links_back(client: TestClient) -> None:
    page = client.get(routes.PRIVACY_REQUEST)
    assert page.status_code == 200
    for kind in privacy_requests.KINDS:
        assert f'value="{kind}"' in page.text
    assert "/privacybeleid" in page.text


def test_verwijdering_removes_the_number_everywhere_and_suppresses_it(
    client: TestClient, app_env: AppEnv, places: tuple[Place, Place]
) -> None:
    a, b = places
    page = _ask(client, "verwijdering")
    response = _confirm(client, page, _code(app_env), "verwijdering")
    assert response.status_code == 200, response.text
    assert "Tandartspraktijk Alfa" in response.text and "Tandartspraktijk Beta" in response.text
    with session_scope() as db:
        assert db.exec(select(Patient).where(Patient.phone == NUMBER)).all() == []
        assert db.exec(select(Patient).where(Patient.phone == "+31687654321")).one()
        assert db.exec(select(Message).where(Message.phone == NUMBER)).all() == []
        assert all(m.body == "" for m in db.exec(select(Message)).all())  # record kept, blanked
        requests = db.exec(select(PrivacyRequest)).all()
        assert {(r.practice_id, r.kind, r.status) for r in requests} == {
            (a.practice_id, "verwijdering", "done"),
            (b.practice_id, "verwijdering", "done"),
        }
        assert requests[0].due_at == privacy_requests.add_month(requests[0].received_at)
        [filed] = privacy_inbox.inbox(db, a.practice_id, clock.now())
        assert (filed.requester_name, filed.requester_contact) == (privacy_inbox.ERASED, "")
        assert len(db.exec(select(Suppression)).all()) == 1
        assert NUMBER not in db.exec(select(Suppression)).one().key

        # Re-adding by hand or by CSV is refused, with a message to the practice.
        owner = resolve_session(db, a.owner_token, clock.now())
        assert owner is not None
        with pytest.raises(ValidationFailed) as refused:
            patients.add(
                db,
                owner,
                PatientInput(
                    name="Weer Terug",
                    phone=TYPED,
                    treatment_ids=[a.treatment_id],
                    duration_minutes=30,
                    availability=["ma-ochtend"],
                    consent_method="balie",
                ),
                clock.now(),
                secret=get_settings().secret_key,
            )
        assert "AVG" in refused.value.errors["phone"]
        name = db.get(Treatment, a.treatment_id).name  # type: ignore[union-attr]
        csv_file = (
            "Naam;Telefoon;Behandelingen;Beschikbaarheid;Toestemming\n"
            f"Weer Terug;{TYPED};{name};ma-ochtend;balie\n"
            f"Nieuw Iemand;06-11223344;{name};ma-ochtend;balie\n"
        ).encode()
        preview = patient_csv.parse(db, a.practice_id, csv_file, secret=get_settings().secret_key)
        assert [c.name for c in preview.valid] == ["Nieuw Iemand"]
        assert [d.message for d in preview.duplicates] == [suppression.SUPPRESSED]


def test_bezwaar_takes_the_number_off_every_waitlist_and_opts_out(
    client: TestClient, app_env: AppEnv, places: tuple[Place, Place]
) -> None:
    page = _ask(client, "bezwaar")
    assert _confirm(client, page, _code(app_env), "bezwaar").status_code == 200
    with session_scope() as db:
        rows = db.exec(select(Patient).where(Patient.phone == NUMBER)).all()
        assert len(rows) == 2
        assert all(p.status == "removed" and p.opted_out_at for p in rows)
        assert db.exec(select(Suppression)).one().reason == "bezwaar"


def test_inzage_shows_every_practice_and_offers_json(
    client: TestClient, app_env: AppEnv, places: tuple[Place, Place]
) -> None:
    page = _ask(client, "inzage")
    response = _confirm(client, page, _code(app_env), "inzage")
    assert response.status_code == 200
    text = response.text
    assert "Alfa Patiënt" in text and "Beta Patiënt" in text and "Bericht van Alfa" in text
    assert "Ander" not in text
    assert "Download als JSON" in text
    with session_scope() as db:
        assert (
            len(db.exec(select(PrivacyRequest).where(PrivacyRequest.kind == "inzage")).all()) == 2
        )


def test_correctie_lands_in_each_inbox_and_b_sees_only_its_own(
    client: TestClient, app_env: AppEnv, places: tuple[Place, Place]
) -> None:
    a, b = places
    page = _ask(client, "correctie")
    response = _confirm(client, page, _code(app_env), "correctie", message="Mijn naam is Bèta")
    assert response.status_code == 200
    with session_scope() as db:
        for own in (a, b):
            rows = privacy_inbox.inbox(db, own.practice_id, clock.now())
            assert [(r.kind, r.status, r.message) for r in rows] == [
                ("correctie", "open", "Mijn naam is Bèta")
            ]
            assert not rows[0].overdue
            assert privacy_inbox.inbox(db, own.practice_id, clock.now() + timedelta(days=32))[
                0
            ].overdue
        # staff see who asked, to check it: each practice its own entry's name and the number
        assert [
            (r.requester_name, r.requester_contact)
            for own in (a, b)
            for r in privacy_inbox.inbox(db, own.practice_id, clock.now())
        ] == [("Alfa Patiënt", TYPED), ("Beta Patiënt", TYPED)]


def test_unknown_number_gets_the_same_answer_and_no_text(
    client: TestClient, app_env: AppEnv, places: tuple[Place, Place]
) -> None:
    known = _ask(client, "inzage")
    unknown = _ask(client, "inzage", "06-12340000")
    _sent()

    def strip(html: str) -> str:
        return re.sub(r'value="[^"]*"', 'value=""', html)

    assert strip(known) == strip(unknown)
    assert ConsoleSms(app_env.data_dir).messages("+31612340000") == []
    assert len(ConsoleSms(app_env.data_dir).messages(NUMBER)) == 1


def test_wrong_code_then_too_many_attempts(
    client: TestClient, app_env: AppEnv, places: tuple[Place, Place]
) -> None:
    page = _ask(client, "verwijdering")
    code = _code(app_env)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    first = _confirm(client, page, wrong, "verwijdering")
    assert first.status_code == 400 and request_codes.WRONG_CODE in first.text
    for _ in range(4):
        last = _confirm(client, page, wrong, "verwijdering")
    assert request_codes.LOCKED in last.text
    locked = _confirm(client, page, code, "verwijdering")
    assert locked.status_code == 400 and request_codes.LOCKED in locked.text
    with session_scope() as db:
        assert len(db.exec(select(Patient).where(Patient.phone == NUMBER)).all()) == 2


def test_code_is_bound_to_its_number(
    client: TestClient, app_env: AppEnv, places: tuple[Place, Place]
) -> None:
    page = _ask(client, "verwijdering")
    forged = page.replace(f'value="{NUMBER}"', 'value="+31687654321"')
    response = _confirm(client, forged, _code(app_env), "verwijdering")
    assert response.status_code == 400
    with session_scope() as db:
        assert db.exec(select(Patient).where(Patient.phone == "+31687654321")).one()


def test_staff_request_by_email(
    client: TestClient, app_env: AppEnv, places: tuple[Place, Place]
) -> None:
    a, _ = places
    page = _ask(client, "inzage", "Eigenaar@Alfa.nl", channel="email")
    _sent()
    [mail] = ConsoleOutbox(app_env.data_dir).messages()
    assert mail["to"] == "eigenaar@alfa.nl"
    code = re.search(r"\b(\d{6})\b", mail["body"]).group(1)  # type: ignore[union-attr]
    response = _confirm(client, page, code, "inzage")
    assert response.status_code == 200 and "eigenaar@alfa.nl" in response.text
    page = _ask(client, "verwijdering", "eigenaar@alfa.nl", channel="email")
    _sent()
    code = re.search(r"\b(\d{6})\b", ConsoleOutbox(app_env.data_dir).messages()[0]["body"]).group(1)  # type: ignore[union-attr]
    assert _confirm(client, page, code, "verwijdering", message="Weg ermee").status_code == 200
    with session_scope() as db:
        kinds = [(r.kind, r.status) for r in privacy_inbox.inbox(db, a.practice_id, clock.now())]
        assert ("verwijdering", "open") in kinds and ("inzage", "done") in kinds
        asked = privacy_inbox.inbox(db, a.practice_id, clock.now())
        assert {r.requester_contact for r in asked} == {"eigenaar@alfa.nl"}
        assert db.exec(select(User).where(User.email == "eigenaar@alfa.nl")).one()


# --- domain: expiry and limits with a controllable clock -------------------------------------


def _request(db: Session, now: datetime, raw: str = TYPED, client: str = "1.2.3.4"):  # type: ignore[no-untyped-def]
    return request_codes.request_code(
        db, kind="inzage", channel="sms", raw=raw, client=client, secret=SECRET, now=now
    )


def test_code_expires_after_ten_minutes(db: Session, now: datetime) -> None:
    sent = _request(db, now)
    code = sent.code or "000000"
    late = request_codes.verify(
        db, ref=sent.ref, raw=TYPED, code=code, secret=SECRET, now=now + timedelta(minutes=10)
    )
    assert late.error == request_codes.EXPIRED


def test_code_works_once(db: Session, factory: Factory, now: datetime) -> None:
    place = _place(db, factory, "Praktijk Eenmaal", "e@eenmaal.nl")
    patients.insert(db, place.practice_id, waiting_patient("X", NUMBER, place.treatment_id), now)
    sent = _request(db, now)
    assert sent.code is not None
    ok = request_codes.verify(db, ref=sent.ref, raw=TYPED, code=sent.code, secret=SECRET, now=now)
    assert ok.ok and ok.value == NUMBER and ok.kind == "inzage"
    again = request_codes.verify(
        db, ref=sent.ref, raw=TYPED, code=sent.code, secret=SECRET, now=now
    )
    assert again.error == request_codes.USED


def test_three_codes_per_number_per_hour(db: Session, now: datetime) -> None:
    for minute in range(3):
        _request(db, now + timedelta(minutes=minute), client=f"10.0.0.{minute}")
    with pytest.raises(DomainError, match="al 3 codes"):
        _request(db, now + timedelta(minutes=5), client="10.0.0.9")
    _request(db, now + timedelta(minutes=61), client="10.0.0.9")  # an hour later: fine


def test_per_client_limit(db: Session, now: datetime) -> None:
    for i in range(request_codes.CLIENT_LIMIT):
        _request(db, now, raw=f"06-{10000000 + i}")
    with pytest.raises(DomainError, match="Te veel aanvragen"):
        _request(db, now, raw="06-19999999")


def test_due_date_is_one_calendar_month() -> None:
    from datetime import UTC

    assert privacy_requests.add_month(datetime(2026, 1, 31, 9, tzinfo=UTC)) == datetime(
        2026, 2, 28, 9, tzinfo=UTC
    )
    assert privacy_requests.add_month(datetime(2026, 12, 15, tzinfo=UTC)).year == 2027


@pytest.mark.parametrize(
    ("received", "due"),
    [
        # 30 January 23:30 UTC is 31 January in Amsterdam: due 28 February, not 1 March
        ((2027, 1, 31, 0, 30), (2027, 2, 28, 0, 30)),
        # 31 March 00:30 summer time (30 March in UTC): due 30 April, not 1 May
        ((2027, 3, 31, 0, 30), (2027, 4, 30, 0, 30)),
        # New Year's Eve 23:10 UTC is 1 January there: due 1 February
        ((2027, 1, 1, 0, 10), (2027, 2, 1, 0, 10)),
    ],
)
def test_the_month_is_counted_on_the_amsterdam_calendar(
    received: tuple[int, ...], due: tuple[int, ...]
) -> None:
    def wall(y: int, m: int, d: int, hh: int, mm: int) -> datetime:
        return timeplan.at_local(date(y, m, d), hh, mm)

    assert privacy_requests.add_month(wall(*received)) == wall(*due)


def test_resolve_needs_a_reason_to_reject_and_stays_in_practice(
    db: Session, factory: Factory, now: datetime
) -> None:
    place = _place(db, factory, "Praktijk Inbox", "e@inbox.nl")
    other = _place(db, factory, "Praktijk Anders", "e@anders.nl")
    owner = resolve_session(db, place.owner_token, now)
    intruder = resolve_session(db, other.owner_token, now)
    assert owner and intruder
    request = PrivacyRequest(
        practice_id=place.practice_id,
        kind="correctie",
        subject="patient",
        verified_by="sms",
        message="Naam fout",
        received_at=now,
        due_at=privacy_requests.add_month(now),
    )
    db.add(request)
    db.flush()
    assert request.id
    with pytest.raises(DomainError):
        privacy_inbox.resolve(
            db, owner, request_id=request.id, status="rejected", resolution="", now=now
        )
    with pytest.raises(NotFound):
        privacy_inbox.resolve(
            db, intruder, request_id=request.id, status="done", resolution="", now=now
        )
    done = privacy_inbox.resolve(
        db, owner, request_id=request.id, status="done", resolution="Aangepast", now=now
    )
    assert (done.status, done.resolution, done.resolved_at) == ("done", "Aangepast", now)
