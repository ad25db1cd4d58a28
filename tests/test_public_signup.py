"""/wachtlijst/<slug>: a patient signs up, proves the number with the SMS code, and only then
lands on that practice's list with a consent record — through the real HTTP routes, the code
job and the console SMS outbox. Bad input says why in Dutch and writes nothing."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

import pytest
import time_machine
from sqlalchemy import func
from sqlmodel import Session, select
from starlette.applications import Starlette
from starlette.testclient import TestClient

from pakjeplekje import clock, routes
from pakjeplekje.adapters.sms import ConsoleSms
from pakjeplekje.config import get_settings
from pakjeplekje.db import session_scope
from pakjeplekje.domain.core_loop import matching
from pakjeplekje.domain.dutch_dates import AMSTERDAM
from pakjeplekje.domain.errors import DomainError
from pakjeplekje.domain.privacy import fulfilment, inzage_view, request_codes, suppression
from pakjeplekje.domain.waitlist import patient_csv, patients, signup
from pakjeplekje.models import (
    AuditEvent,
    Patient,
    PatientTreatment,
    Practice,
    Treatment,
    VerificationCode,
    WebhookDelivery,
    WebhookEndpoint,
)
from pakjeplekje.services import scheduler
from pakjeplekje.services.demo import waiting_patient
from pakjeplekje.web import public_signup as api_public_signup
from tests import timeplan
from tests.job_queue import JobQueue, job_queue_fixture  # noqa: F401  (fixture)

if TYPE_CHECKING:
    from conftest import AppEnv, Factory

NUMBER = "+31612345678"
TYPED = "06-12345678"


@dataclass(frozen=True)
class Place:
    practice_id: int
    slug: str
    treatment_ids: tuple[int, int]


@pytest.fixture
def client(app_env: AppEnv, job_queue: JobQueue) -> Iterator[TestClient]:
    with TestClient(Starlette(routes=api_public_signup.routes())) as test_client:
        yield test_client


def _place(db: Session, factory: Factory, name: str, mode: str) -> Place:
    practice = factory.practice(db, name)
    practice.signup_mode = mode
    db.add(practice)
    cleaning = Treatment(practice_id=practice.id, name=f"Controle {name[-4:]}")
    filling = Treatment(
        practice_id=practice.id, name=f"Vulling {name[-4:]}", default_duration_minutes=45
    )
    off = Treatment(practice_id=practice.id, name="Uitgezet", active=False)
    db.add_all([cleaning, filling, off])
    db.flush()
    return Place(practice.id, practice.slug, (cleaning.id, filling.id))


@pytest.fixture
def places(app_env: AppEnv, factory: Factory) -> tuple[Place, Place]:
    """Alfa accepts sign-ups automatically; Beta reviews them first."""
    with session_scope() as db:
        return (
            _place(db, factory, "Tandartspraktijk Alfa", "automatisch"),
            _place(db, factory, "Tandartspraktijk Beta", "beoordelen"),
        )


def _form(place: Place, **changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "name": "Sanne de Vries",
        "phone": TYPED,
        "behandeling": [str(place.treatment_ids[0]), str(place.treatment_ids[1])],
        "dagdeel": ["ma-ochtend", "wo-avond"],
        "toestemming": "ja",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def _start(client: TestClient, place: Place, **changes: object):  # type: ignore[no-untyped-def]
    return client.post(routes.public_signup(place.slug), data=_form(place, **changes))


def _carried(page: str) -> str:
    found = re.search(r'name="gegevens" value="([^"]+)"', page)
    assert found, page
    return found.group(1)


def _texts(app_env: AppEnv, number: str = NUMBER) -> list[str]:
    JobQueue(scheduler.huey).run()
    return [m["body"] for m in ConsoleSms(app_env.data_dir).messages(number)]


def _code(app_env: AppEnv, number: str = NUMBER) -> str:
    [newest, *_] = _texts(app_env, number)
    found = re.search(r"\b(\d{6})\b", newest)
    assert found
    return found.group(1)


def _confirm(client: TestClient, place: Place, page: str, code: str):  # type: ignore[no-untyped-def]
    return client.post(
        routes.PUBLIC_SIGNUP_CONFIRM.format(slug=place.slug),
        data={"gegevens": _carried(page), "code": code},
    )


def _count(model: type) -> int:
    with session_scope() as db:
        return db.exec(select(func.count()).select_from(model)).one()


def test_the_form_shows_this_practices_active_treatments_only(
    client: TestClient, places: tuple[Place, Place]
) -> None:
    a, _ = places
    page = client.get(routes.public_signup(a.slug))
    assert page.status_code == 200
    assert "Tandartspraktijk Alfa" in page.text and "Controle Alfa" in page.text
    assert "Controle Beta" not in page.text and "Uitgezet" not in page.text
    assert 'name="dagdeel" value="za-avond"' in page.text
    assert signup.consent_text("Tandartspraktijk Alfa") in page.text
    assert "<script" not in page.text  # a plain form: works without JavaScript


def test_unknown_or_deleted_practice_is_a_plain_404(
    client: TestClient, places: tuple[Place, Place]
) -> None:
    a, _ = places
    assert client.get(routes.public_signup("bestaat-niet")).status_code == 404
    with session_scope() as db:
        practice = signup.open_practice(db, a.slug)
        assert practice is not None
        practice.status = "deleted"
        db.add(practice)
    for response in (
        client.get(routes.public_signup(a.slug)),
        _start(client, a),
        client.post(routes.PUBLIC_SIGNUP_CONFIRM.format(slug=a.slug), data={"code": "1"}),
    ):
        assert response.status_code == 404
        assert "bestaat niet" in response.text
    assert _count(VerificationCode) == 0


def test_sign_up_with_the_code_joins_the_list_with_a_consent_record(
    client: TestClient, app_env: AppEnv, places: tuple[Place, Place]
) -> None:
    a, b = places
    with session_scope() as db:  # Alfa's integration listens for new patients
        db.add(
            WebhookEndpoint(
                practice_id=a.practice_id,
                url="https://alfa.example/hook",
                secret="s",
                events="patient.joined",
                created_at=clock.now(),
            )
        )
    page = _start(client, a)
    assert page.status_code == 200, page.text
    assert "Vul uw code in" in page.text and "06-12345678" in page.text
    assert _count(Patient) == 0  # nothing stored before the code
    assert "Sanne" not in json.dumps([c.model_dump(mode="json") for c in _codes()])
    code = _code(app_env)
    confirmed_at = clock.now()
    done = _confirm(client, a, page.text, code)
    assert done.status_code == 200, done.text
    assert "U staat op de wachtlijst" in done.text
    with session_scope() as db:
        patient = db.exec(select(Patient)).one()
        assert patient.practice_id == a.practice_id != b.practice_id  # never at Beta
        assert (patient.name, patient.phone) == ("Sanne de Vries", NUMBER)
        assert patient.status == "waiting"
        assert patient.consent_method == "online"
        assert patient.consent_text_version == signup.CONSENT_TEXT_VERSION
        assert abs(patient.consent_at - confirmed_at) < timedelta(seconds=5)
        assert patient.duration_minutes == 45  # the longest chosen treatment
        assert patient.availability == patients.CELLS["ma-ochtend"] | patients.CELLS["wo-avond"]
        treatments = db.exec(
            select(PatientTreatment.treatment_id).where(PatientTreatment.patient_id == patient.id)
        ).all()
        assert sorted(treatments) == sorted(a.treatment_ids)
        event = db.exec(select(AuditEvent).where(AuditEvent.action == "patient.signed_up")).one()
        assert (event.practice_id, event.target_id, event.detail) == (
            a.practice_id,
            patient.id,
            "waiting",
        )
        [delivery] = db.exec(select(WebhookDelivery)).all()
        payload = json.loads(delivery.payload)
        assert payload["type"] == "patient.joined"
        assert payload["data"] == {
            "patient": {"id": patient.id, "status": "waiting"},
            "source": "aanmelding",
        }
        assert NUMBER not in delivery.payload and "Sanne" not in delivery.payload
        # the consent record goes along in the CSV export and the patient's inzage
        exported = "".join(
            patient_csv.export_csv(db, a.practice_id, patients.PatientQuery(status=""))
        )
        assert exported.splitlines()[1].endswith(
            ";online;wacht;"
            + confirmed_at.astimezone(AMSTERDAM).strftime("%Y-%m-%d %H:%M")
            + ";2026-12"
        )
        [shown] = inzage_view.patient_view(fulfilment.patient_data(db, NUMBER, clock.now()))
        facts = dict(shown.sections[0].facts)
        assert facts["Toestemming voor SMS"] == "Online aangemeld (sms-code)"
        assert facts["Versie van de toestemmingstekst"] == "2026-12"
    # the same page again: the code is spent
    again = _confirm(client, a, page.text, code)
    assert again.status_code == 400 and request_codes.USED in again.text
    assert _count(Patient) == 1


def _codes() -> list[VerificationCode]:
    with session_scope() as db:
        return list(db.exec(select(VerificationCode)).all())


def _monday_morning_slot(place: Place) -> matching.SlotShape:
    starts = timeplan.weekday_at(clock.now(), 10, 0)
    while starts.astimezone(AMSTERDAM).weekday() != 0:
        starts += timedelta(days=1)
    return matching.SlotShape(place.practice_id, starts, 60, place.treatment_ids[0], None)


def test_review_mode_leaves_the_entry_pending_and_matching_never_offers_it(
    client: TestClient, app_env: AppEnv, places: tuple[Place, Place], factory: Factory
) -> None:
    a, b = places
    page = _start(client, b)
    done = _confirm(client, b, page.text, _code(app_env))
    assert done.status_code == 200 and "bekijkt uw aanmelding" in done.text
    with session_scope() as db:
        patient = db.exec(select(Patient)).one()
        assert (patient.practice_id, patient.status) == (b.practice_id, "pending")
        assert matching.count(db, _monday_morning_slot(b), clock.now()) == 0
        practice_a = db.get(Practice, a.practice_id)
        practice_b = db.get(Practice, b.practice_id)
        assert practice_a and practice_b
        _, staff_a = factory.login(db, factory.user(db, practice_a, "balie@alfa.nl"))
        _, staff_b = factory.login(db, factory.user(db, practice_b, "balie@beta.nl"))
        with pytest.raises(DomainError):  # Alfa's staff cannot accept Beta's sign-up
            signup.accept(db, staff_a, patient.id, clock.now())
        signup.accept(db, staff_b, patient.id, clock.now())
        assert patient.status == "waiting"
        assert matching.count(db, _monday_morning_slot(b), clock.now()) == 1
        with pytest.raises(DomainError):  # reviewed once
            signup.refuse(db, staff_b, patient.id, clock.now())


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"phone": "020-1234567"}, "phone", "geen mobiel nummer"),
        ({"phone": "12"}, "phone", "geldig mobiel nummer"),
        ({"phone": "+32 470 12 34 56"}, "phone", "alleen naar mobiele nummers uit Nederland"),
        ({"toestemming": None}, "consent", "toestemming"),
        ({"behandeling": None}, "treatments", "minstens één behandeling"),
        ({"behandeling": ["999999"]}, "treatments", "lijst van de praktijk"),
        ({"dagdeel": None}, "availability", "dagdeel waarop u kunt"),
        ({"dagdeel": ["zo-ochtend"]}, "availability", "Onbekend dagdeel"),
        ({"name": "  "}, "name", "Vul de naam in"),
    ],
)
def test_bad_input_says_why_and_writes_nothing(
    client: TestClient,
    app_env: AppEnv,
    places: tuple[Place, Place],
    changes: dict[str, object],
    field: str,
    message: str,
) -> None:
    a, _ = places
    response = _start(client, a, **changes)
    assert response.status_code == 400
    error = re.search(rf'id="fout-{field}">([^<]+)<', response.text)
    assert error and message in error.group(1), response.text
    assert _count(Patient) == 0 and _count(VerificationCode) == 0
    assert _texts(app_env) == []


def test_treatment_of_another_practice_is_refused(
    client: TestClient, app_env: AppEnv, places: tuple[Place, Place]
) -> None:
    a, b = places
    response = _start(client, a, behandeling=[str(b.treatment_ids[0])])
    assert response.status_code == 400 and "lijst van de praktijk" in response.text
    assert _count(VerificationCode) == 0


def test_a_wrong_code_is_counted_and_the_right_one_still_works(
    client: TestClient, app_env: AppEnv, places: tuple[Place, Place]
) -> None:
    a, _ = places
    page = _start(client, a)
    code = _code(app_env)
    wrong = _confirm(client, a, page.text, "000000" if code != "000000" else "111111")
    assert wrong.status_code == 400 and request_codes.WRONG_CODE in wrong.text
    assert _count(Patient) == 0
    assert _codes()[0].attempts == 1
    assert _confirm(client, a, wrong.text, code).status_code == 200  # the page kept the data
    assert _count(Patient) == 1


def test_an_expired_code_writes_nothing(
    client: TestClient,
    app_env: AppEnv,
    places: tuple[Place, Place],
    frozen_clock: time_machine.Coordinates,
) -> None:
    a, _ = places
    page = _start(client, a)
    code = _code(app_env)
    frozen_clock.shift(request_codes.CODE_VALIDITY + timedelta(seconds=1))
    response = _confirm(client, a, page.text, code)
    assert response.status_code == 400 and request_codes.EXPIRED in response.text
    assert _count(Patient) == 0


def test_at_most_three_codes_per_number_per_hour(
    client: TestClient, app_env: AppEnv, places: tuple[Place, Place]
) -> None:
    a, b = places
    for place in (a, b, a):
        assert _start(client, place).status_code == 200
    refused = _start(client, b)
    assert refused.status_code == 429
    assert "al 3 codes" in refused.text
    assert len(_texts(app_env)) == 3
    assert _count(Patient) == 0


def test_per_client_limit(client: TestClient, app_env: AppEnv, places: tuple[Place, Place]) -> None:
    a, _ = places
    for i in range(request_codes.CLIENT_LIMIT):
        assert _start(client, a, phone=f"06-1234{i:04d}").status_code == 200
    refused = _start(client, a, phone="06-87654321")
    assert refused.status_code == 429 and request_codes.TOO_MANY_CLIENT in refused.text


def test_a_suppressed_number_gets_a_kind_no_and_no_text(
    client: TestClient, app_env: AppEnv, places: tuple[Place, Place]
) -> None:
    a, _ = places
    with session_scope() as db:
        suppression.suppress(db, get_settings().secret_key, NUMBER, "verwijdering", clock.now())
    response = _start(client, a)
    assert response.status_code == 400
    assert "eerder gevraagd om niet meer benaderd te worden" in response.text
    assert _count(VerificationCode) == 0 and _count(Patient) == 0
    assert _texts(app_env) == []


def test_a_tampered_or_foreign_hidden_field_is_refused(
    client: TestClient, app_env: AppEnv, places: tuple[Place, Place]
) -> None:
    a, b = places
    page = _start(client, a)
    code = _code(app_env)
    carried = _carried(page.text)
    body, mac = carried.split(".")
    data = json.loads(base64.urlsafe_b64decode(body))
    data["n"] = "Iemand Anders"
    forged = base64.urlsafe_b64encode(json.dumps(data).encode()).decode()
    for slug, value in (
        (a.slug, f"{forged}.{mac}"),
        (a.slug, "rommel"),
        (b.slug, carried),  # Alfa's sign-up posted to Beta
    ):
        response = client.post(
            routes.PUBLIC_SIGNUP_CONFIRM.format(slug=slug), data={"gegevens": value, "code": code}
        )
        assert response.status_code == 400
        assert "verlopen of niet geldig" in response.text
    assert _count(Patient) == 0
    assert _confirm(client, a, page.text, code).status_code == 200  # the real one still works


def test_a_number_already_listed_learns_it_only_after_the_code(
    client: TestClient, app_env: AppEnv, places: tuple[Place, Place]
) -> None:
    a, _ = places
    with session_scope() as db:
        patients.insert(
            db, a.practice_id, waiting_patient("Al Bekend", NUMBER, a.treatment_ids[0]), clock.now()
        )
    page = _start(client, a)
    assert page.status_code == 200 and "Vul uw code in" in page.text  # same as a new number
    done = _confirm(client, a, page.text, _code(app_env))
    assert done.status_code == 200 and "staat al op de wachtlijst" in done.text
    with session_scope() as db:
        assert [p.name for p in db.exec(select(Patient)).all()] == ["Al Bekend"]


def test_a_privacy_code_does_not_confirm_a_sign_up(
    client: TestClient, app_env: AppEnv, places: tuple[Place, Place]
) -> None:
    a, _ = places
    page = _start(client, a)
    code = _code(app_env)
    with session_scope() as db:
        wrong_form = request_codes.verify(
            db,
            ref=re.search(r'"r":"([^"]+)"', _decoded(page.text)).group(1),  # type: ignore[union-attr]
            raw=NUMBER,
            code=code,
            secret=get_settings().secret_key,
            now=clock.now(),
        )
    assert not wrong_form.ok  # the privacy form's kinds only
    assert _confirm(client, a, page.text, code).status_code == 200


def _decoded(page: str) -> str:
    body = _carried(page).split(".")[0]
    return base64.urlsafe_b64decode(body).decode()


def test_every_mistake_is_named_at_once(
    client: TestClient, app_env: AppEnv, places: tuple[Place, Place]
) -> None:
    a, _ = places
    response = _start(client, a, phone="+32 470 12 34 56", behandeling=None, toestemming=None)
    assert response.status_code == 400
    for field in ("phone", "treatments", "consent"):
        assert f'id="fout-{field}"' in response.text
    assert 'value="+32 470 12 34 56"' in response.text  # what was typed stays
    assert _count(VerificationCode) == 0
