"""Which offer may win, at the boundaries a patient crosses: the claim page, the claim API and
the `JA` text. Only an offer that is still open wins (a reopened slot cannot be taken back with
an old link), and a read-only practice takes no claims on any path — one rule for all."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select
from starlette.applications import Starlette
from starlette.testclient import TestClient

from pakjeplekje import clock
from pakjeplekje.db import session_scope
from pakjeplekje.domain import billing
from pakjeplekje.domain.core_loop import replies, slots
from pakjeplekje.domain.offers import add_offers
from pakjeplekje.domain.waitlist import patients
from pakjeplekje.models import Message, Offer, Practice, Slot
from pakjeplekje.services.demo import waiting_patient
from pakjeplekje.web import claim as api_claim
from pakjeplekje.web import twilio_webhooks as api_webhooks
from tests.conftest import AppEnv, Factory
from tests.test_claims import make_slot
from tests.test_webhooks import BASE, TOKEN, sms, texted

BUTTON = "Ja, ik neem deze plek"
READ_ONLY_PAGE = "Via deze link kunt u de plek op dit moment niet aannemen"


@pytest.fixture
def client(app_env: AppEnv, monkeypatch: pytest.MonkeyPatch) -> TestClient:
    """The claim routes and the Twilio webhook, as the app mounts them."""
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", TOKEN)
    monkeypatch.setenv("PUBLIC_BASE_URL", BASE)
    app_env.reload()
    return TestClient(Starlette(routes=[*api_claim.routes(), *api_webhooks.routes()]))


def _slot(slot_id: int) -> Slot:
    with session_scope() as db:
        slot = db.get(Slot, slot_id)
        assert slot is not None
        db.expunge(slot)
        return slot


def _offer_status(slot_id: int, patient_id: int) -> str:
    with session_scope() as db:
        return db.exec(
            select(Offer.status).where(Offer.slot_id == slot_id, Offer.patient_id == patient_id)
        ).one()


def _reopen(factory: Factory, slot_id: int) -> None:
    """Staff press "opnieuw vrijgeven" after a no-show."""
    with session_scope() as db:
        slot = db.get(Slot, slot_id)
        assert slot is not None
        practice = db.get(Practice, slot.practice_id)
        assert practice is not None
        owner = factory.user(db, practice, f"eigenaar{slot_id}@heropen.nl", role="owner")
        _, actor = factory.login(db, owner)
        slots.reopen_slot(db, actor, slot_id=slot_id, now=clock.now())


def test_old_links_cannot_take_back_a_reopened_slot(client: TestClient, factory: Factory) -> None:
    setup = make_slot(factory, "Heropen", 3)
    no_show, loser, _ = setup.tokens
    assert client.post(f"/api/claim/{no_show}").status_code == 200
    assert client.post(f"/api/claim/{loser}").status_code == 409
    _reopen(factory, setup.slot_id)

    # the no-show: their appointment was given back; the page says so and has no button
    page = client.get(f"/c/{no_show}")
    assert page.status_code == 200 and BUTTON not in page.text
    assert "Deze plek is niet meer beschikbaar" in page.text
    again = client.post(f"/api/claim/{no_show}")
    assert (again.status_code, again.json()) == (410, {"result": "expired"})
    assert "niet meer beschikbaar" in client.post(f"/c/{no_show}").text
    # who lost the race before still lost it
    page = client.get(f"/c/{loser}")
    assert BUTTON not in page.text and "Helaas, deze plek is al vergeven" in page.text
    late = client.post(f"/api/claim/{loser}")
    assert (late.status_code, late.json()) == (409, {"result": "taken"})
    slot = _slot(setup.slot_id)
    assert (slot.status, slot.claimed_patient_id) == ("open", None)

    # the reopened slot goes to a new offer, which can win
    with session_scope() as db:
        slot_row = db.get(Slot, setup.slot_id)
        assert slot_row is not None
        entry = waiting_patient("Nieuw", "+31611112222", slot_row.treatment_id)
        [newcomer] = patients.insert_many(db, slot_row.practice_id, [entry], clock.now())
        [(_, fresh)] = add_offers(db, slot_row, [newcomer.id], wave=2, now=clock.now())  # type: ignore[list-item]
    assert client.post(f"/api/claim/{fresh}").json() == {"result": "claimed"}
    assert client.post(f"/api/claim/{no_show}").status_code == 410


@pytest.mark.parametrize("status", ["expired", "failed", "lost"])
def test_only_an_open_offer_can_win(client: TestClient, factory: Factory, status: str) -> None:
    setup = make_slot(factory, f"Status {status}", 2)
    with session_scope() as db:
        offer = db.exec(select(Offer).where(Offer.patient_id == setup.patient_ids[0])).one()
        offer.status = status
        db.add(offer)
    assert BUTTON not in client.get(f"/c/{setup.tokens[0]}").text
    answer = client.post(f"/api/claim/{setup.tokens[0]}")
    assert answer.status_code in (409, 410)
    assert _slot(setup.slot_id).status == "open"
    assert _offer_status(setup.slot_id, setup.patient_ids[0]) == status
    assert client.post(f"/api/claim/{setup.tokens[1]}").status_code == 200  # the open one wins


def _set_billing(slot_id: int, status: str) -> None:
    with session_scope() as db:
        billing.set_status(db, _slot(slot_id).practice_id, status, clock.now())


def test_a_read_only_practice_takes_no_claim_by_page_api_or_sms(
    client: TestClient, factory: Factory
) -> None:
    setup = make_slot(factory, "Alleenlezen", 2)
    by_sms, phones = texted(factory, "Alleenlezentwee", 1)  # texting gives new links
    _set_billing(setup.slot_id, "canceled")
    _set_billing(by_sms.slot_id, "canceled")

    page = client.get(f"/c/{setup.tokens[0]}")
    assert page.status_code == 200 and BUTTON not in page.text
    assert "Deze plek is niet meer beschikbaar" in page.text and READ_ONLY_PAGE in page.text
    assert "abonnement" not in page.text.lower()  # the patient needs no billing details
    assert "Afmelden voor deze praktijk" in page.text  # opting out still works
    api = client.post(f"/api/claim/{setup.tokens[0]}")
    assert (api.status_code, api.json()) == (410, {"result": "expired"})
    assert READ_ONLY_PAGE in client.post(f"/c/{setup.tokens[1]}").text
    assert replies.UNAVAILABLE in sms(client, phones[0], "JA").text
    assert _slot(setup.slot_id).status == "open" and _slot(by_sms.slot_id).status == "open"

    _set_billing(setup.slot_id, "active")  # subscribed again: the same links work
    assert client.post(f"/api/claim/{setup.tokens[0]}").json() == {"result": "claimed"}


def test_stopped_sending_does_not_stop_a_claim_by_link_or_by_sms(
    client: TestClient, factory: Factory
) -> None:
    """The SMS bundle used up stops new texts, not the patients who already have one."""
    by_link = make_slot(factory, "Bundel", 2)
    by_sms, phones = texted(factory, "Bundeltwee", 2)
    for setup in (by_link, by_sms):
        with session_scope() as db:
            practice_id = _slot(setup.slot_id).practice_id
            sub = billing.set_status(db, practice_id, "active", clock.now())
            sub.sms_included, sub.current_period_start = 1, clock.now() - timedelta(days=1)
            db.add(sub)
            db.add(
                Message(
                    practice_id=practice_id,
                    direction="out",
                    phone="+31600000000",
                    body="x",
                    status="sent",
                    created_at=clock.now(),
                    updated_at=clock.now(),
                )
            )
            found = billing.entitlement(db, practice_id, clock.now())
            assert not found.can_send_sms and not found.read_only
    assert client.post(f"/api/claim/{by_link.tokens[0]}").json() == {"result": "claimed"}
    assert "bevestigd" in sms(client, phones[0], "JA").text
    assert _slot(by_sms.slot_id).status == "claimed"
