"""A patient's "Nee": the button on the claim page and `NEE` by SMS (a signed Twilio webhook).
The offer ends declined, the next patient is texted at once (fixed and adaptive waves), and
nothing happens for a link that can no longer say no, a stranger's token or another practice.
"""

from __future__ import annotations

from datetime import datetime

import pytest
import time_machine
from sqlmodel import Session, col, select
from starlette.applications import Starlette
from starlette.testclient import TestClient

from pakjeplekje import clock
from pakjeplekje.db import session_scope
from pakjeplekje.domain.core_loop.quiet_hours import quiet_period_end
from pakjeplekje.domain.privacy import fulfilment
from pakjeplekje.domain.waitlist import patients
from pakjeplekje.models import Message, Offer, Patient, Practice, Slot
from pakjeplekje.services.demo import OfferedSlot, waiting_patient
from pakjeplekje.web import claim as claim_web
from pakjeplekje.web import twilio_webhooks
from tests import timeplan
from tests.conftest import AppEnv, Factory
from tests.job_queue import JobQueue, job_queue_fixture  # noqa: F401  (fixture)
from tests.test_claims import make_slot
from tests.test_webhooks import TOKEN, sms, texted


@pytest.fixture
def client(app_env: AppEnv, monkeypatch: pytest.MonkeyPatch) -> TestClient:
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", TOKEN)
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://app.pakjeplekje.test")
    app_env.reload()
    return TestClient(Starlette(routes=claim_web.routes() + twilio_webhooks.routes()))


@pytest.fixture
def working_hours(frozen_clock: time_machine.Coordinates) -> datetime:
    """A weekday at 10:00 in Amsterdam: a "Nee" releases the next patient at once only outside
    quiet hours (the quiet-hours case has its own test)."""
    morning = timeplan.weekday_at(clock.now(), 10, 0, days_ahead=0)
    frozen_clock.move_to(morning)
    return morning


def one_more_waiting(setup: OfferedSlot, name: str = "Volgende") -> int:
    """A patient who matches the slot but was not offered it yet: who a "Nee" releases."""
    with session_scope() as db:
        slot = db.get(Slot, setup.slot_id)
        assert slot is not None and slot.treatment_id is not None
        [person] = patients.insert_many(
            db,
            slot.practice_id,
            [
                waiting_patient(
                    f"Patiënt {name}", f"+31687{sum(map(ord, name)):06d}", slot.treatment_id
                )
            ],
            clock.now(),
        )
        return person.id  # type: ignore[return-value]


def set_mode(setup: OfferedSlot, mode: str) -> None:
    with session_scope() as db:
        slot = db.get(Slot, setup.slot_id)
        practice = db.get(Practice, slot.practice_id)  # type: ignore[union-attr]
        assert practice is not None
        practice.wave_mode = mode


def offers_of(db: Session, slot_id: int) -> list[Offer]:
    return list(db.exec(select(Offer).where(Offer.slot_id == slot_id).order_by(col(Offer.id))))


@pytest.mark.parametrize("mode", ["vast", "adaptief"])
def test_nee_on_the_page_declines_and_texts_the_next_patient_at_once(
    client: TestClient, factory: Factory, working_hours: datetime, job_queue: JobQueue, mode: str
) -> None:
    setup = make_slot(factory, f"Nee{mode}", 1)
    set_mode(setup, mode)
    next_patient = one_more_waiting(setup)
    page = client.get(f"/c/{setup.tokens[0]}").text
    assert "Nee, dank u" in page and f"/c/{setup.tokens[0]}/nee" in page

    answer = client.post(f"/c/{setup.tokens[0]}/nee")
    assert answer.status_code == 200
    assert "Dank u voor uw antwoord" in answer.text and "afgeslagen" in answer.text
    with session_scope() as db:
        first, second = offers_of(db, setup.slot_id)
        assert first.status == "declined"
        assert first.declined_at is not None and working_hours <= first.declined_at <= clock.now()
        assert (second.patient_id, second.wave, second.status) == (next_patient, 2, "queued")
        assert second.reason  # staff see why this patient was next
    assert job_queue.run() >= 1  # the texts go out from the job queue, after the commit
    with session_scope() as db:
        phone = db.get(Patient, next_patient).phone  # type: ignore[union-attr]
        texts = db.exec(select(Message.body).where(Message.phone == phone)).all()
    assert len(texts) == 1 and "JA of NEE" in texts[0]
    # the patient's inzage shows the no, and why the next one was chosen (AVG art. 15)
    with session_scope() as db:
        phone_of_first = db.get(Patient, first.patient_id).phone  # type: ignore[union-attr]
        phone_of_next = db.get(Patient, next_patient).phone  # type: ignore[union-attr]
        [mine] = fulfilment.patient_data(db, phone_of_first, clock.now())["praktijken"]
        [theirs] = fulfilment.patient_data(db, phone_of_next, clock.now())["praktijken"]
    assert mine["aanbiedingen"][0]["afgeslagen_op"] is not None
    assert theirs["aanbiedingen"][0]["waarom_gekozen"] == second.reason
    # the link stays declined: no claim through it, the API calls it expired
    again = client.post(f"/api/claim/{setup.tokens[0]}")
    assert (again.status_code, again.json()) == (410, {"result": "expired"})
    assert "afgeslagen" in client.get(f"/c/{setup.tokens[0]}").text


def test_nee_by_sms_declines_the_newest_open_offer_and_texts_the_next(
    client: TestClient, factory: Factory, working_hours: datetime, job_queue: JobQueue
) -> None:
    setup, phones = texted(factory, "SmsNee", 1)
    next_patient = one_more_waiting(setup, "SmsVolgende")
    answer = sms(client, phones[0], " Nee! ")
    assert answer.status_code == 200 and "Dank u voor uw antwoord" in answer.text
    job_queue.run()
    with session_scope() as db:
        first, second = offers_of(db, setup.slot_id)
        assert first.status == "declined"
        assert second.patient_id == next_patient and second.status == "sent"
        logged = db.exec(
            select(Message.direction, Message.body).where(Message.phone == phones[0])
        ).all()
    assert ("in", " Nee! ") in logged
    # a later JA of the same patient finds nothing open for them
    late = sms(client, phones[0], "ja")
    assert "geen vrije plek" in late.text
    with session_scope() as db:
        assert db.get(Slot, setup.slot_id).status == "open"  # type: ignore[union-attr]


def test_nee_after_the_slot_was_won_changes_nothing(
    client: TestClient, factory: Factory, working_hours: datetime, job_queue: JobQueue
) -> None:
    setup = make_slot(factory, "NeeTeLaat", 2)
    one_more_waiting(setup, "NeeTeLaatVolgende")
    assert "is van u" in client.post(f"/c/{setup.tokens[0]}").text
    job_queue.run()
    late = client.post(f"/c/{setup.tokens[1]}/nee")
    assert late.status_code == 200 and "al vergeven" in late.text
    won = client.post(f"/c/{setup.tokens[0]}/nee")  # the winner cannot undo by saying no
    assert "is van u" in won.text
    with session_scope() as db:
        assert [o.status for o in offers_of(db, setup.slot_id)] == ["claimed", "lost"]
        assert db.get(Slot, setup.slot_id).status == "claimed"  # type: ignore[union-attr]


@pytest.mark.parametrize("token", ["onbekend-token-123", "x" * 101, "%00", "' OR 1=1 --"])
def test_a_stranger_token_gets_a_404_and_changes_nothing(
    client: TestClient, factory: Factory, working_hours: datetime, token: str
) -> None:
    setup = make_slot(factory, "NeeVreemd", 1)
    answer = client.post(f"/c/{token}/nee")
    assert answer.status_code == 404 and "bestaat niet" in answer.text
    assert client.get(f"/c/{setup.tokens[0]}/nee").status_code == 405  # only a POST says no
    with session_scope() as db:
        assert [o.status for o in offers_of(db, setup.slot_id)] == ["queued"]


def test_a_nee_only_touches_its_own_practice(
    client: TestClient, factory: Factory, working_hours: datetime, job_queue: JobQueue
) -> None:
    a = make_slot(factory, "NeePraktijkA", 1)
    b = make_slot(factory, "NeePraktijkB", 1)
    one_more_waiting(a, "NeeA2")
    b_next = one_more_waiting(b, "NeeB2")
    client.post(f"/c/{a.tokens[0]}/nee")
    with session_scope() as db:
        assert [o.status for o in offers_of(db, b.slot_id)] == ["queued"]
        assert not db.exec(select(Offer).where(Offer.patient_id == b_next)).all()
        assert len(offers_of(db, a.slot_id)) == 2


def test_nee_in_quiet_hours_waits_for_the_morning(
    client: TestClient, factory: Factory, frozen_clock: time_machine.Coordinates
) -> None:
    evening = timeplan.weekday_at(clock.now(), 22, 0, days_ahead=0)
    frozen_clock.move_to(evening)
    setup = make_slot(factory, "NeeAvond", 1, starts_at=timeplan.weekday_at(evening, 14, 0))
    one_more_waiting(setup, "NeeAvondVolgende")
    assert "Dank u voor uw antwoord" in client.post(f"/c/{setup.tokens[0]}/nee").text
    with session_scope() as db:
        assert [o.status for o in offers_of(db, setup.slot_id)] == ["declined"]
        practice = db.get(Practice, db.get(Slot, setup.slot_id).practice_id)  # type: ignore[union-attr]
        assert practice is not None and quiet_period_end(practice, clock.now()) is not None
