"""Each webhook event comes from its one domain place, whatever the way in: a claim through
the page, the API or an SMS `JA`; an opt-out by STOP or the claim page's "Afmelden"; a staff
member adding an entry or importing a CSV. Checked at the receiver, after the jobs ran."""

from __future__ import annotations

from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from sqlmodel import select
from starlette.applications import Starlette
from starlette.testclient import TestClient

from pakjeplekje import clock
from pakjeplekje.config import get_settings
from pakjeplekje.db import session_scope
from pakjeplekje.domain.accounts.practice_settings import create_default_treatments
from pakjeplekje.domain.actor import Actor
from pakjeplekje.domain.waitlist import patients
from pakjeplekje.domain.waitlist.patients import PatientInput
from pakjeplekje.models import Patient, Treatment
from pakjeplekje.services import unit_of_work, waitlist_import, webhooks
from pakjeplekje.web import claim as claim_routes
from pakjeplekje.web import twilio_webhooks
from tests.conftest import AppEnv, Factory
from tests.job_queue import JobQueue, job_queue_fixture  # noqa: F401  (fixture)
from tests.test_claims import make_slot
from tests.test_webhook_delivery import owner_of, practice_of, subscribe
from tests.test_webhooks import BASE, TOKEN, sms, texted
from tests.webhook_receiver import Receiver


@pytest.fixture
def pages(app_env: AppEnv, monkeypatch: pytest.MonkeyPatch) -> TestClient:
    """The claim page, the claim API and the Twilio webhook, as the app mounts them."""
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", TOKEN)
    monkeypatch.setenv("PUBLIC_BASE_URL", BASE)
    app_env.reload()
    return TestClient(Starlette(routes=claim_routes.routes() + twilio_webhooks.routes()))


def received(receiver: Receiver, job_queue: JobQueue) -> dict[str, list[dict[str, Any]]]:
    """The events the practice's software got once the after-commit jobs ran, by type."""
    job_queue.run()
    by_type: dict[str, list[dict[str, Any]]] = {}
    for event in receiver.verified():
        by_type.setdefault(event["type"], []).append(event["data"])
    return by_type


@pytest.mark.parametrize("way", ["page", "api", "sms"])
def test_a_claim_emits_slot_filled_and_offer_claimed_on_every_way_in(
    pages: TestClient, factory: Factory, httpserver: HTTPServer, job_queue: JobQueue, way: str
) -> None:
    # texting gives each offer a new link: the sms way texts, the others claim the made links
    setup, phones = (
        texted(factory, f"Weg{way}", 2)
        if way == "sms"
        else (make_slot(factory, f"Weg{way}", 2), [])
    )
    receiver = Receiver(httpserver, f"/{way}")
    subscribe(owner_of(factory, practice_of(setup), f"eigenaar@{way}.nl"), receiver)
    if way == "page":
        assert pages.post(f"/c/{setup.tokens[0]}").status_code == 200
    elif way == "api":
        assert pages.post(f"/api/claim/{setup.tokens[0]}").status_code == 200
    else:
        assert sms(pages, phones[0], "JA").status_code == 200
    events = received(receiver, job_queue)
    assert set(events) == {"slot.filled", "offer.claimed"}
    [filled], [claimed] = events["slot.filled"], events["offer.claimed"]
    assert filled["slot"]["claimed_via"] == way
    assert filled["patient"]["id"] == claimed["patient"]["id"] == setup.patient_ids[0]
    with session_scope() as db:
        winner = db.get(Patient, setup.patient_ids[0])
        assert winner is not None and filled["patient"]["phone"] == winner.phone
    # a later claim wins nothing and says nothing
    if way == "sms":
        sms(pages, phones[1], "JA")
    else:
        pages.post(f"/api/claim/{setup.tokens[1]}")
    job_queue.run()
    assert len(receiver.received) == 2


def test_stop_by_sms_emits_patient_opted_out_once(
    pages: TestClient, factory: Factory, httpserver: HTTPServer, job_queue: JobQueue
) -> None:
    setup, phones = texted(factory, "Stop", 1)
    receiver = Receiver(httpserver, "/stop")
    subscribe(
        owner_of(factory, practice_of(setup), "eigenaar@stop.nl"), receiver, ["patient.opted_out"]
    )
    sms(pages, phones[0], "STOP")
    sms(pages, phones[0], "stop")  # already out: no second event
    events = received(receiver, job_queue)
    assert list(events) == ["patient.opted_out"]
    [data] = events["patient.opted_out"]
    assert data["patient"] == {"id": setup.patient_ids[0]}  # an id, no name or number
    assert data["via"] == "sms"
    # START and STOP again: a new opt-out, a new event
    sms(pages, phones[0], "START")
    sms(pages, phones[0], "STOP")
    assert len(received(receiver, job_queue)["patient.opted_out"]) == 2


def test_afmelden_on_the_claim_page_emits_patient_opted_out(
    pages: TestClient, factory: Factory, httpserver: HTTPServer, job_queue: JobQueue
) -> None:
    setup = make_slot(factory, "Afmelden", 1)
    receiver = Receiver(httpserver, "/afmelden")
    subscribe(owner_of(factory, practice_of(setup), "eigenaar@afmelden.nl"), receiver)
    assert pages.post(f"/c/{setup.tokens[0]}/afmelden").status_code == 200
    events = received(receiver, job_queue)
    assert events == {
        "patient.opted_out": [
            {
                "patient": {"id": setup.patient_ids[0]},
                "via": "claimpagina",
                "opted_out_at": events["patient.opted_out"][0]["opted_out_at"],
            }
        ]
    }
    with session_scope() as db:
        patient = db.get(Patient, setup.patient_ids[0])
        assert patient is not None and patient.opted_out_at is not None


def _practice_with_owner(factory: Factory, name: str) -> tuple[int, Actor]:
    with session_scope() as db:
        practice = factory.practice(db, f"Tandartspraktijk {name}")
        create_default_treatments(db, practice.id)  # type: ignore[arg-type]
        practice_id: int = practice.id  # type: ignore[assignment]
    return practice_id, owner_of(factory, practice_id, f"eigenaar@{name.lower()}.nl")


def test_staff_adding_an_entry_emits_patient_joined(
    factory: Factory, httpserver: HTTPServer, job_queue: JobQueue, app_env: AppEnv
) -> None:
    practice_id, owner = _practice_with_owner(factory, "Nieuw")
    receiver = Receiver(httpserver, "/nieuw")
    subscribe(owner, receiver, ["patient.joined"])

    def add(work: unit_of_work.UnitOfWork) -> int:
        treatment = work.db.exec(
            select(Treatment.id).where(Treatment.practice_id == practice_id)
        ).first()
        data = PatientInput(
            name="Nieuwe Patiënt",
            phone="0612121212",
            treatment_ids=[treatment],  # type: ignore[list-item]
            duration_minutes=30,
            availability=["ma-ochtend"],
            consent_method="balie",
        )
        added = patients.add(work.db, owner, data, clock.now(), secret=get_settings().secret_key)
        return added.id

    patient_id = unit_of_work.run(add)  # as the waitlist form's handler does (in_transaction)
    events = received(receiver, job_queue)
    assert events == {
        "patient.joined": [
            {"patient": {"id": patient_id, "status": "waiting"}, "source": "medewerker"}
        ]
    }


def test_a_csv_import_emits_patient_joined_per_entry(
    factory: Factory, httpserver: HTTPServer, job_queue: JobQueue, app_env: AppEnv
) -> None:
    practice_id, owner = _practice_with_owner(factory, "Import")
    receiver = Receiver(httpserver, "/import")
    subscribe(owner, receiver, ["patient.joined"])
    header = (
        "Naam;Telefoon;Behandelingen;Duur (minuten);Beschikbaarheid;Behandelaar;Urgentie;"
        "Notitie;Toestemming;Status"
    )
    rows = [
        "Een;0611111111;controle;15;ma-ochtend;;;;balie;",
        "Twee;0622222222;controle;15;di-middag;;;;balie;",
    ]
    data = ("\r\n".join([header, *rows]) + "\r\n").encode()
    key, preview, _ = waitlist_import.preview(owner, data)
    assert len(preview.valid) == 2
    assert waitlist_import.confirm(owner, key) == 2
    events = received(receiver, job_queue)
    with session_scope() as db:
        ids = set(db.exec(select(Patient.id).where(Patient.practice_id == practice_id)).all())
    assert {e["patient"]["id"] for e in events["patient.joined"]} == ids
    assert {e["source"] for e in events["patient.joined"]} == {"import"}


def test_no_endpoint_no_delivery_no_job(
    pages: TestClient, factory: Factory, job_queue: JobQueue
) -> None:
    """A practice without webhooks pays nothing for them: no rows, no job."""
    setup = make_slot(factory, "Zonder", 1)
    pages.post(f"/api/claim/{setup.tokens[0]}")
    assert "deliver_webhooks_task" not in job_queue.pending()
    assert webhooks.sweep() == 0


def test_leaving_through_the_preferences_link_emits_patient_opted_out(
    factory: Factory, httpserver: HTTPServer, job_queue: JobQueue, app_env: AppEnv
) -> None:
    from pakjeplekje.web import preferences as preference_routes
    from tests.test_preferences_link import link_on_claim_page

    client = TestClient(Starlette(routes=claim_routes.routes() + preference_routes.routes()))
    setup = make_slot(factory, "Voorkeur", 1)
    receiver = Receiver(httpserver, "/voorkeur")
    subscribe(owner_of(factory, practice_of(setup), "eigenaar@voorkeur.nl"), receiver)
    link = link_on_claim_page(client, setup.tokens[0])
    assert client.post(link, data={"actie": "afmelden"}).status_code == 200
    [data] = received(receiver, job_queue)["patient.opted_out"]
    assert data["patient"] == {"id": setup.patient_ids[0]} and data["via"] == "voorkeuren"
