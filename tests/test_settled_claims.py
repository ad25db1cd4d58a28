"""After a win the losing links are answered without the database: in a claim storm nearly
every request is a loser, and none of them may take a pooled connection from the claims that
still race. The answer is the one the database would give, in this process and (through
Redis) in every other app process."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
import redis
from sqlalchemy import event
from sqlmodel import select
from starlette.applications import Starlette
from starlette.testclient import TestClient
from twilio.request_validator import RequestValidator

from pakjeplekje import clock, routes
from pakjeplekje.adapters.settled_claims import SettledClaims, settled_claims
from pakjeplekje.db import get_engine, session_scope
from pakjeplekje.domain.offers import add_offers
from pakjeplekje.domain.tokens import hash_token
from pakjeplekje.models import Message, Offer, Patient, Slot
from pakjeplekje.services import claiming, jobs
from pakjeplekje.web import claim as api_claim
from pakjeplekje.web import twilio_webhooks
from tests.conftest import AppEnv, Factory
from tests.local_services import empty_redis_db
from tests.test_claims import make_slot

TOKEN = "twilio-test-auth-token"
BASE = "https://app.pakjeplekje.test"


@contextmanager
def pool_checkouts() -> Iterator[list[int]]:
    """Counts the connections taken from the app's pool inside the block."""
    taken: list[int] = []

    def count(*_: object) -> None:
        taken.append(1)

    engine = get_engine()
    event.listen(engine, "checkout", count)
    try:
        yield taken
    finally:
        event.remove(engine, "checkout", count)


@pytest.fixture
def client(app_env: AppEnv, monkeypatch: pytest.MonkeyPatch) -> TestClient:
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", TOKEN)
    monkeypatch.setenv("PUBLIC_BASE_URL", BASE)
    app_env.reload()
    return TestClient(Starlette(routes=api_claim.routes() + twilio_webhooks.routes()))


def test_losers_of_a_link_win_are_answered_without_a_connection(
    client: TestClient, factory: Factory
) -> None:
    setup = make_slot(factory, "Storm", 4)
    won = client.post(f"/api/claim/{setup.tokens[0]}")
    assert won.json() == {"result": "claimed"}
    with pool_checkouts() as taken:
        late = client.post(f"/api/claim/{setup.tokens[1]}")
        page = client.get(routes.claim(setup.tokens[2]))
        posted = client.post(routes.claim(setup.tokens[3]))
    assert (late.status_code, late.json()) == (409, {"result": "taken"})
    assert page.status_code == 200 and "al vergeven" in page.text
    assert posted.status_code == 200 and "al vergeven" in posted.text
    assert taken == []
    with pool_checkouts() as taken:  # the winner is never kept: her page comes from the database
        again = client.post(f"/api/claim/{setup.tokens[0]}")
    assert again.json() == {"result": "claimed"} and taken != []


def test_the_kept_answer_is_the_one_the_database_gives(factory: Factory, app_env: AppEnv) -> None:
    setup = make_slot(factory, "Zelfde", 2)
    assert claiming.claim_by_link(setup.tokens[0], "api", "10.0.0.1").result == "claimed"
    kept = settled_claims().answer(hash_token(setup.tokens[1]))
    settled_claims.cache_clear()  # a process that never heard of the win asks the database
    from_database = claiming.view_offer(setup.tokens[1])
    assert kept is not None and kept == from_database and kept.state == "taken"


def test_a_ja_win_settles_the_links_too(client: TestClient, factory: Factory) -> None:
    setup = make_slot(factory, "Sms", 3)
    with session_scope() as db:
        db.exec(Offer.__table__.update().values(status="sent"))  # type: ignore[attr-defined]
        winner = db.get(Patient, setup.patient_ids[0])
        assert winner is not None
        params = {"From": winner.phone, "Body": "JA"}
    signature = RequestValidator(TOKEN).compute_signature(BASE + routes.TWILIO_INBOUND, params)
    reply = client.post(
        routes.TWILIO_INBOUND, data=params, headers={"X-Twilio-Signature": signature}
    )
    assert "is bevestigd" in reply.text
    with pool_checkouts() as taken:
        late = client.post(f"/api/claim/{setup.tokens[2]}")
    assert late.json() == {"result": "taken"} and taken == []


def test_another_app_process_hears_of_the_win_through_redis(
    factory: Factory, app_env: AppEnv
) -> None:
    setup = make_slot(factory, "Twee", 2)
    result = claiming.claim_by_link(setup.tokens[0], "api", "10.0.0.1")
    assert result.settled is not None
    url = empty_redis_db()
    here, there = SettledClaims(url, "s"), SettledClaims(url, "s")  # two processes' stores
    here.remember(result.settled, clock.now())
    loser = hash_token(setup.tokens[1])
    phone = result.settled.phones[0]
    try:
        kept = there.answer(loser)
        assert kept is not None and kept.state == "taken" and kept.practice_name.endswith("Twee")
        assert there.answer(hash_token(setup.tokens[0])) is None  # the winner's link: not kept
        assert there.lost_by_sms(phone) == result.settled.practice_id
        SettledClaims(url, "s").texted(phone)  # a worker process texts this number a new offer
        assert there.lost_by_sms(phone) is None
        assert phone not in str(redis.Redis.from_url(url).keys("pjp:*"))  # hashed, never plain
    finally:
        client = redis.Redis.from_url(url)
        for key in client.keys("pjp:*"):
            client.delete(key)


def test_an_unreachable_redis_sends_everyone_to_the_database(
    factory: Factory, app_env: AppEnv
) -> None:
    setup = make_slot(factory, "Weg", 2)
    result = claiming.claim_by_link(setup.tokens[0], "api", "10.0.0.1")
    assert result.settled is not None
    gone = SettledClaims("redis://127.0.0.1:1/0", "s")
    gone.remember(result.settled, clock.now())  # logged, not raised: the claim was committed
    other = SettledClaims("redis://127.0.0.1:1/0", "s")
    assert other.answer(hash_token(setup.tokens[1])) is None  # ask the database instead
    assert other.lost_by_sms(result.settled.phones[0]) is None
    other.texted(result.settled.phones[0])  # logged, not raised: the text must still go out


def _ja(client: TestClient, phone: str) -> str:
    params = {"From": phone, "Body": "ja"}
    signature = RequestValidator(TOKEN).compute_signature(BASE + routes.TWILIO_INBOUND, params)
    response = client.post(
        routes.TWILIO_INBOUND, data=params, headers={"X-Twilio-Signature": signature}
    )
    assert response.status_code == 200
    return response.text


def _phones(patient_ids: list[int]) -> list[str]:
    with session_scope() as db:
        return [db.get(Patient, pid).phone for pid in patient_ids]  # type: ignore[union-attr]


def test_a_losers_ja_is_answered_from_the_win_and_logged(
    client: TestClient, factory: Factory
) -> None:
    setup = make_slot(factory, "SmsVerloren", 2)
    with session_scope() as db:
        db.exec(Offer.__table__.update().values(status="sent"))  # type: ignore[attr-defined]
    assert client.post(f"/api/claim/{setup.tokens[0]}").json() == {"result": "claimed"}
    loser = _phones(setup.patient_ids)[1]
    with pool_checkouts() as taken:
        assert "al vergeven" in _ja(client, loser)
    assert len(taken) == 1  # the log rows' commit, nothing read
    with session_scope() as db:
        logged = db.exec(select(Message.direction).where(Message.phone == loser)).all()
    assert sorted(logged) == ["in", "out"]


def test_a_new_offer_texted_to_a_loser_can_be_claimed_by_ja(
    client: TestClient, factory: Factory
) -> None:
    first = make_slot(factory, "EersteRonde", 2)
    with session_scope() as db:
        db.exec(Offer.__table__.update().values(status="sent"))  # type: ignore[attr-defined]
    assert client.post(f"/api/claim/{first.tokens[0]}").json() == {"result": "claimed"}
    loser = _phones(first.patient_ids)[1]
    assert "al vergeven" in _ja(client, loser)
    with session_scope() as db:  # the same practice frees another slot for the loser
        patient = db.get(Patient, first.patient_ids[1])
        old_slot = db.get(Slot, first.slot_id)
        assert patient is not None and old_slot is not None
        later = Slot(
            practice_id=patient.practice_id,
            starts_at=old_slot.starts_at + timedelta(hours=2),
            duration_minutes=30,
            treatment_id=old_slot.treatment_id,
            created_at=clock.now(),
        )
        db.add(later)
        db.flush()
        new_offer_id = add_offers(db, later, [patient.id], wave=1, now=clock.now())[0][0].id
    assert jobs.send_offers([new_offer_id]) == 1  # texted: the settled answer is void
    assert "is bevestigd" in _ja(client, loser)
    with session_scope() as db:
        assert db.get(Slot, later.id).claimed_patient_id == first.patient_ids[1]  # type: ignore[union-attr]


def test_a_loser_with_another_open_offer_is_not_settled(
    client: TestClient, factory: Factory
) -> None:
    alfa, beta = make_slot(factory, "OpenAlfa", 2), make_slot(factory, "OpenBeta", 1)
    with session_scope() as db:
        db.exec(Offer.__table__.update().values(status="sent"))  # type: ignore[attr-defined]
        shared = db.get(Patient, alfa.patient_ids[1])
        other = db.get(Patient, beta.patient_ids[0])
        assert shared is not None and other is not None
        other.phone = shared.phone  # the same person on two practices' waitlists
        db.add(other)
    assert client.post(f"/api/claim/{alfa.tokens[0]}").json() == {"result": "claimed"}
    assert "is bevestigd" in _ja(client, shared.phone)  # beta's offer is still open: it wins
    with session_scope() as db:
        assert db.get(Slot, beta.slot_id).claimed_patient_id == beta.patient_ids[0]  # type: ignore[union-attr]
