"""Twilio webhooks, signed exactly as Twilio signs them (RequestValidator's algorithm)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlmodel import select
from starlette.applications import Starlette
from starlette.testclient import TestClient
from twilio.request_validator import RequestValidator

from pakjeplekje import clock
from pakjeplekje.db import session_scope
from pakjeplekje.domain.core_loop import replies
from pakjeplekje.models import Message, Offer, Patient, Practice, Slot
from pakjeplekje.services import jobs
from pakjeplekje.services.demo import OfferedSlot
from pakjeplekje.web import twilio_webhooks as api_webhooks
from tests.conftest import AppEnv, Factory
from tests.test_claims import make_slot

TOKEN = "twilio-test-auth-token"
BASE = "https://app.pakjeplekje.test"


@pytest.fixture
def client(app_env: AppEnv, monkeypatch: pytest.MonkeyPatch) -> TestClient:
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", TOKEN)
    monkeypatch.setenv("PUBLIC_BASE_URL", BASE)
    app_env.reload()
    return TestClient(Starlette(routes=api_webhooks.routes()))


def post(
    client: TestClient,
    path: str,
    params: dict[str, str],
    *,
    url: str | None = None,
    token: str = TOKEN,
    tamper: bool = False,
) -> object:
    signature = RequestValidator(token).compute_signature(url or BASE + path, params)
    body = {**params, "Body": params.get("Body", "") + " extra"} if tamper else params
    return client.post(path, data=body, headers={"X-Twilio-Signature": signature})


def texted(factory: Factory, name: str, count: int) -> tuple[OfferedSlot, list[str]]:
    """A slot whose offers were really texted (console backend), and the patients' numbers."""
    setup = make_slot(factory, name, count)
    with session_scope() as db:
        db.exec(Offer.__table__.update().values(status="queued"))  # type: ignore[attr-defined]
        offer_ids = list(db.exec(select(Offer.id).where(Offer.slot_id == setup.slot_id)).all())
    jobs.send_offers(offer_ids)  # type: ignore[arg-type]
    with session_scope() as db:
        phones = [db.get(Patient, pid).phone for pid in setup.patient_ids]  # type: ignore[union-attr]
    return setup, phones


def sms(client: TestClient, phone: str, body: str):  # type: ignore[no-untyped-def]
    return post(
        client, "/api/webhooks/twilio/sms", {"From": phone, "Body": body, "To": "+3197000000000"}
    )


def test_ja_claims_and_later_ja_hears_it_is_gone(client: TestClient, factory: Factory) -> None:
    setup, phones = texted(factory, "Antwoord", 2)
    first = sms(client, phones[0], " ja! ")
    assert first.status_code == 200 and first.headers["content-type"].startswith("application/xml")
    assert "bevestigd" in first.text
    second = sms(client, phones[1], "Ja")
    assert "al vergeven" in second.text
    with session_scope() as db:
        slot = db.get(Slot, setup.slot_id)
        assert slot is not None and (slot.status, slot.claimed_via) == ("claimed", "sms")
        assert slot.claimed_patient_id == setup.patient_ids[0]
        inbound = db.exec(select(Message).where(Message.direction == "in")).all()
        assert len(inbound) == 2


def test_stop_and_start(client: TestClient, factory: Factory) -> None:
    setup, phones = texted(factory, "Stop", 1)
    for word in ("stop", "STOPPEN", "Afmelden.", "stopall", "UNSUBSCRIBE"):
        assert "afgemeld" in sms(client, phones[0], word).text
        with session_scope() as db:
            patient = db.get(Patient, setup.patient_ids[0])
            assert patient is not None and patient.opted_out_at is not None
    assert "weer aangemeld" in sms(client, phones[0], "start").text
    with session_scope() as db:
        patient = db.get(Patient, setup.patient_ids[0])
        assert patient is not None and patient.opted_out_at is None


def test_unknown_text_gets_one_help_reply_a_day(client: TestClient, factory: Factory) -> None:
    _, phones = texted(factory, "Hulp", 1)
    assert "antwoord JA" in sms(client, phones[0], "hoe laat?").text
    assert "<Message>" not in sms(client, phones[0], "hallo??").text


def test_unknown_numbers_are_answered_with_nothing(client: TestClient, factory: Factory) -> None:
    texted(factory, "Vreemd", 1)
    response = sms(client, "+31699999999", "JA")
    assert response.status_code == 200 and "<Message>" not in response.text
    with session_scope() as db:
        assert db.exec(select(Message).where(Message.phone == "+31699999999")).all() == []


@pytest.mark.parametrize("case", ["missing", "tampered", "other-url", "other-token"])
def test_badly_signed_requests_are_refused_and_change_nothing(
    client: TestClient, factory: Factory, case: str
) -> None:
    setup, phones = texted(factory, "Vals", 1)
    params = {"From": phones[0], "Body": "JA"}
    path = "/api/webhooks/twilio/sms"
    if case == "missing":
        response = client.post(path, data=params)
    else:
        response = post(
            client,
            path,
            params,
            tamper=case == "tampered",
            url="http://internal:8000" + path if case == "other-url" else None,
            token="wrong-token" if case == "other-token" else TOKEN,
        )
    assert response.status_code == 403  # type: ignore[attr-defined]
    with session_scope() as db:
        slot = db.get(Slot, setup.slot_id)
        assert slot is not None and slot.status == "open"


def test_no_auth_token_configured_refuses_everything(
    client: TestClient, app_env: AppEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "")
    app_env.reload()
    response = post(client, "/api/webhooks/twilio/status", {"MessageSid": "SM1"}, token="")
    assert response.status_code == 403  # type: ignore[attr-defined]


def test_status_callbacks_only_move_forward(client: TestClient, factory: Factory) -> None:
    texted(factory, "Status", 1)
    with session_scope() as db:
        message = db.exec(select(Message).where(Message.direction == "out")).one()
        provider_id, offer_id = message.provider_id, message.offer_id
    path = "/api/webhooks/twilio/status"
    for status in ("delivered", "sent", "queued"):  # out of order: the later ones are older
        response = post(client, path, {"MessageSid": provider_id, "MessageStatus": status})
        assert response.status_code == 204  # type: ignore[attr-defined]
    with session_scope() as db:
        message = db.exec(select(Message).where(Message.provider_id == provider_id)).one()
        offer = db.get(Offer, offer_id)
        assert message.status == "delivered" and offer is not None
        assert offer.status == "delivered"


def test_an_unsubscribed_error_opts_the_patient_out(factory: Factory, app_env: AppEnv) -> None:
    setup, _ = texted(factory, "Fout", 1)
    with session_scope() as db:
        message = db.exec(select(Message).where(Message.direction == "out")).one()
        assert replies.apply_status(
            db,
            message.provider_id,
            "failed",
            21610,  # type: ignore[arg-type]
            message.created_at,
        )
    with session_scope() as db:
        patient = db.get(Patient, setup.patient_ids[0])
        offer = db.exec(select(Offer)).one()
        assert patient is not None and patient.opted_out_at is not None
        assert offer.status == "failed"


def test_a_reply_only_touches_the_practice_it_answers(client: TestClient, factory: Factory) -> None:
    """The same number on two waitlists: STOP after practice B's text opts out at B only."""
    alfa, alfa_phones = texted(factory, "Alfa", 1)
    with session_scope() as db:
        shared = alfa_phones[0]
    beta = make_slot(factory, "Beta", 1)
    with session_scope() as db:
        beta_patient = db.get(Patient, beta.patient_ids[0])
        assert beta_patient is not None
        beta_patient.phone = shared
        db.exec(
            Offer.__table__.update()
            .where(  # type: ignore[attr-defined]
                Offer.slot_id == beta.slot_id
            )
            .values(status="queued")
        )
        beta_offer = db.exec(select(Offer.id).where(Offer.slot_id == beta.slot_id)).one()
    jobs.send_offers([beta_offer])  # type: ignore[list-item]
    sms(client, shared, "STOP")
    with session_scope() as db:
        alfa_patient = db.get(Patient, alfa.patient_ids[0])
        beta_patient = db.get(Patient, beta.patient_ids[0])
        assert alfa_patient is not None and beta_patient is not None
        assert alfa_patient.opted_out_at is None and beta_patient.opted_out_at is not None


def _offers_to(slot_id: int, status: str, created_at: datetime) -> None:
    with session_scope() as db:
        for offer in db.exec(select(Offer).where(Offer.slot_id == slot_id)).all():
            offer.status, offer.created_at = status, created_at
            db.add(offer)


def _share_phone(source: OfferedSlot, target: OfferedSlot) -> str:
    """Give target's patient the number of source's patient (one person, two waitlists)."""
    with session_scope() as db:
        phone = db.get(Patient, source.patient_ids[0]).phone  # type: ignore[union-attr]
        patient = db.get(Patient, target.patient_ids[0])
        assert patient is not None
        patient.phone = phone
        db.add(patient)
    return phone


def test_ja_is_logged_only_at_the_practice_whose_offer_it_claims(
    app_env: AppEnv, factory: Factory
) -> None:
    """B's newer offer is lost, A's older one still open: JA claims A, and neither the text
    nor A's confirmation may end up in B's message log."""
    alfa, beta = make_slot(factory, "LogAlfa", 1), make_slot(factory, "LogBeta", 1)
    now = clock.now()
    _offers_to(alfa.slot_id, "sent", now - timedelta(hours=2))
    _offers_to(beta.slot_id, "lost", now - timedelta(hours=1))
    phone = _share_phone(alfa, beta)
    with session_scope() as db:
        reply = replies.handle_reply(db, phone, "JA", now)
    with session_scope() as db:
        alfa_slot = db.get(Slot, alfa.slot_id)
        assert alfa_slot is not None and alfa_slot.status == "claimed"
        assert reply.practice_id == alfa_slot.practice_id and "bevestigd" in reply.text
        logged = {m.practice_id for m in db.exec(select(Message)).all()}
        assert logged == {alfa_slot.practice_id}


def test_a_started_slot_does_not_hide_an_older_open_offer(
    app_env: AppEnv, factory: Factory
) -> None:
    alfa = make_slot(factory, "StartAlfa", 1)
    beta = make_slot(factory, "StartBeta", 1, starts_at=clock.now() + timedelta(hours=2))
    now = clock.now()
    _offers_to(alfa.slot_id, "sent", now - timedelta(hours=2))
    _offers_to(beta.slot_id, "sent", now - timedelta(hours=1))
    phone = _share_phone(alfa, beta)
    with session_scope() as db:  # beta has started; the expiry job has not run yet
        replies.handle_reply(db, phone, "ja", now + timedelta(hours=3))
    with session_scope() as db:
        assert db.get(Slot, alfa.slot_id).status == "claimed"  # type: ignore[union-attr]
        assert db.get(Slot, beta.slot_id).status == "open"  # type: ignore[union-attr]


def test_stop_is_honoured_at_a_suspended_practice(app_env: AppEnv, factory: Factory) -> None:
    setup = make_slot(factory, "Geschorst", 1)
    _offers_to(setup.slot_id, "sent", clock.now())
    with session_scope() as db:
        slot = db.get(Slot, setup.slot_id)
        practice = db.get(Practice, slot.practice_id)  # type: ignore[union-attr]
        assert practice is not None
        practice.status = "suspended"
        db.add(practice)
        phone = db.get(Patient, setup.patient_ids[0]).phone  # type: ignore[union-attr]
    with session_scope() as db:
        assert "afgemeld" in replies.handle_reply(db, phone, "STOP", clock.now()).text
    with session_scope() as db:
        assert db.get(Patient, setup.patient_ids[0]).opted_out_at is not None  # type: ignore[union-attr]


def test_stop_without_any_offer_opts_the_number_out_everywhere(
    app_env: AppEnv, factory: Factory
) -> None:
    alfa, beta = make_slot(factory, "ZonderAlfa", 1), make_slot(factory, "ZonderBeta", 1)
    other = make_slot(factory, "ZonderGamma", 1)
    phone = _share_phone(alfa, beta)
    with session_scope() as db:
        db.exec(Offer.__table__.delete())  # type: ignore[attr-defined]
    with session_scope() as db:
        assert replies.handle_reply(db, phone, "afmelden", clock.now()).text == ""
    with session_scope() as db:
        opted = {p.id for p in db.exec(select(Patient)).all() if p.opted_out_at is not None}
        assert opted == {alfa.patient_ids[0], beta.patient_ids[0]}
        assert other.patient_ids[0] not in opted
        assert db.exec(select(Message)).all() == []
