"""Claiming a slot through the page, the API and the domain: exactly one winner, always."""

from __future__ import annotations

import json
import threading
from datetime import datetime, timedelta

import pytest
from sqlmodel import col, select, update
from starlette.applications import Starlette
from starlette.testclient import TestClient

from pakjeplekje import clock
from pakjeplekje.db import get_engine, session_scope
from pakjeplekje.domain.core_loop import claims
from pakjeplekje.models import Offer, Patient, Slot
from pakjeplekje.services import claiming
from pakjeplekje.services.demo import OfferedSlot, offered_slot
from pakjeplekje.web import claim as api_claim
from tests import timeplan
from tests.conftest import AppEnv, Factory
from tests.job_queue import JobQueue, job_queue_fixture  # noqa: F401  (fixture)


def make_slot(
    factory: Factory, name: str, offers: int, *, starts_at: datetime | None = None
) -> OfferedSlot:
    """A practice with `offers` waiting patients, one open slot and an offer for each. The
    slot starts on a weekday morning ahead (its patients match it, later waves can follow)
    unless the test says when."""
    now = clock.now()
    with session_scope() as db:
        practice = factory.practice(db, f"Tandartspraktijk {name}")
        return offered_slot(
            db,
            practice.id,  # type: ignore[arg-type]
            offers,
            now,
            starts_at=starts_at or timeplan.weekday_at(now),
            name=f"Patiënt {name}",
            first_phone=10_000_000 + sum(map(ord, name)) % 1000 * 10_000,
        )


def claim(token: str, client: str = "10.0.0.1") -> str:
    """A claim exactly as the page and the API make one (read first, then race)."""
    return claiming.claim_by_link(token, "api", client).result


@pytest.fixture
def client(app_env: AppEnv) -> TestClient:
    return TestClient(Starlette(routes=api_claim.routes()))


def test_first_claim_wins_and_the_rest_is_told_it_is_taken(
    client: TestClient, factory: Factory
) -> None:
    setup = make_slot(factory, "Alfa", 3)
    first = client.post(f"/api/claim/{setup.tokens[0]}")
    assert (first.status_code, first.json()) == (200, {"result": "claimed"})
    second = client.post(f"/api/claim/{setup.tokens[1]}")
    assert (second.status_code, second.json()) == (409, {"result": "taken"})
    again = client.post(f"/api/claim/{setup.tokens[0]}")
    assert again.json() == {"result": "claimed"}  # the winner asking twice still has it
    assert client.post("/api/claim/niet-bestaand-token").status_code == 404
    with session_scope() as db:
        slot = db.get(Slot, setup.slot_id)
        assert slot is not None and slot.status == "claimed" and slot.claimed_via == "api"
        assert slot.claimed_patient_id == setup.patient_ids[0]
        statuses = {
            o.patient_id: o.status
            for o in db.exec(select(Offer).where(Offer.slot_id == setup.slot_id))
        }
        assert statuses == {
            setup.patient_ids[0]: "claimed",
            setup.patient_ids[1]: "lost",
            setup.patient_ids[2]: "lost",
        }
        winner = db.get(Patient, setup.patient_ids[0])
        assert winner is not None and winner.status == "booked" and winner.last_claim_at
        loser = db.get(Patient, setup.patient_ids[1])
        assert loser is not None and loser.status == "waiting"


def test_expired_and_closed_slots_answer_410(client: TestClient, factory: Factory) -> None:
    past = make_slot(factory, "Verleden", 1, starts_at=clock.now() - timedelta(minutes=5))
    assert client.post(f"/api/claim/{past.tokens[0]}").status_code == 410
    closed = make_slot(factory, "Gesloten", 1)
    with session_scope() as db:
        slot = db.get(Slot, closed.slot_id)
        assert slot is not None
        slot.status, slot.closed_reason = "closed", "zelf ingevuld"
    response = client.post(f"/api/claim/{closed.tokens[0]}")
    assert (response.status_code, response.json()) == (410, {"result": "expired"})


@pytest.mark.parametrize("clients", [20])
def test_a_claim_storm_has_exactly_one_winner(
    factory: Factory, app_env: AppEnv, clients: int
) -> None:
    """Real threads, separate connections, released together: one `claimed`, the rest
    `taken`, no errors — on SQLite and on PostgreSQL."""
    setup = make_slot(factory, "Storm", clients)
    barrier = threading.Barrier(clients)
    results: list[str] = []
    errors: list[BaseException] = []

    def run(token: str) -> None:
        barrier.wait()
        try:
            results.append(claim(token))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(t,)) for t in setup.tokens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sorted(results) == ["claimed"] + ["taken"] * (clients - 1)


def test_latecomers_are_answered_without_waiting_for_a_writer(
    factory: Factory, app_env: AppEnv
) -> None:
    """Once a slot is claimed, a later claim is answered from a read: it does not queue behind
    a transaction that holds the write lock (SQLite) or the slot's row (PostgreSQL)."""
    setup = make_slot(factory, "Laat", 3)
    assert claim(setup.tokens[0]) == "claimed"
    with get_engine().connect() as writer:  # e.g. staff reopening or closing at that moment
        writer.execute(update(Slot).where(col(Slot.id) == setup.slot_id).values(status=Slot.status))
        answer: list[str] = []
        late = threading.Thread(target=lambda: answer.append(claim(setup.tokens[1])))
        late.start()
        late.join(timeout=3)
        still_waiting = late.is_alive()
        writer.rollback()
    late.join(timeout=30)
    assert not still_waiting and answer == ["taken"]


def test_claim_page_shows_the_slot_and_claims_with_one_button(
    client: TestClient, factory: Factory
) -> None:
    setup = make_slot(factory, "Pagina", 2)
    page = client.get(f"/c/{setup.tokens[0]}")
    assert page.status_code == 200
    assert "Tandartspraktijk Pagina" in page.text and "Ja, ik neem deze plek" in page.text
    assert "Patiënt Pagina" not in page.text  # nothing about any patient, not even this one
    with session_scope() as db:
        offer = db.exec(select(Offer).where(Offer.patient_id == setup.patient_ids[0])).one()
        assert offer.status == "clicked" and offer.clicked_at is not None

    won = client.post(f"/c/{setup.tokens[0]}")
    assert "De afspraak is van u!" in won.text
    calendar = client.get(f"/c/{setup.tokens[0]}/afspraak.ics")
    assert calendar.status_code == 200 and "BEGIN:VEVENT" in calendar.text
    assert "Tandartspraktijk Pagina" in calendar.text

    late = client.post(f"/c/{setup.tokens[1]}")
    assert "Helaas, deze plek is al vergeven" in late.text
    assert client.get(f"/c/{setup.tokens[1]}/afspraak.ics").status_code == 404


@pytest.mark.parametrize("token", ["onbekend", "x" * 500, "%00", "..%5C..%5Cwin.ini"])
def test_unknown_or_malformed_tokens_get_a_plain_404(client: TestClient, token: str) -> None:
    response = client.get(f"/c/{token}")
    assert response.status_code == 404 and "Deze link bestaat niet" in response.text


def test_guessing_tokens_gets_a_client_locked_out(client: TestClient, factory: Factory) -> None:
    setup = make_slot(factory, "Raden", 1)
    answers = [client.post(f"/api/claim/gok-{i}").status_code for i in range(claims.GUESS_LIMIT)]
    assert set(answers) == {404}
    assert client.post("/api/claim/nog-een-gok").status_code == 429
    # a real token still wins: the limit is against guessing, and guessing is what failed
    assert client.post(f"/api/claim/{setup.tokens[0]}").status_code == 200


def test_a_token_only_ever_shows_its_own_practice(client: TestClient, factory: Factory) -> None:
    alfa = make_slot(factory, "Alfa", 1)
    make_slot(factory, "Beta", 1)
    page = client.get(f"/c/{alfa.tokens[0]}")
    assert "Tandartspraktijk Alfa" in page.text and "Beta" not in page.text


def test_a_claim_over_http_texts_the_winner_from_the_job_queue_after_the_commit(
    client: TestClient, factory: Factory, app_env: AppEnv, job_queue: JobQueue
) -> None:
    """The page answers before the provider is called: the confirmation is a queued job, and
    it texts the winner only (the loser's claim queues nothing)."""
    setup = make_slot(factory, "Wachtrij", 2)
    assert "is van u" in client.post(f"/c/{setup.tokens[0]}").text
    assert client.post(f"/c/{setup.tokens[1]}").status_code == 200  # too late: taken
    assert job_queue.pending() == ["send_confirmation_task"]
    outbox = app_env.data_dir / "outbox" / "sms.jsonl"
    assert not outbox.exists() or "bevestigd" not in outbox.read_text()
    assert job_queue.run() == 1
    texts = [json.loads(line) for line in outbox.read_text().splitlines()]
    with session_scope() as db:
        winner = db.get(Patient, setup.patient_ids[0])
    assert winner is not None
    assert [t["to"] for t in texts if "bevestigd" in t["body"]] == [winner.phone]


def test_the_winner_gets_a_confirmation_text(
    client: TestClient, factory: Factory, app_env: AppEnv
) -> None:
    from pakjeplekje.domain.core_loop.sms_texts import fits
    from pakjeplekje.services import jobs

    setup = make_slot(factory, "Bevestiging", 2)
    with session_scope() as db:
        result = claims.claim(
            db, setup.tokens[0], channel="page", client="1.2.3.4", secret="s", now=clock.now()
        )
    assert result.offer_id is not None
    assert jobs.send_confirmation(result.offer_id)
    with session_scope() as db:
        loser = db.exec(select(Offer.id).where(Offer.patient_id == setup.patient_ids[1])).one()
    assert not jobs.send_confirmation(loser)  # only the winner is ever confirmed
    outbox = (app_env.data_dir / "outbox" / "sms.jsonl").read_text()
    assert outbox.count("bevestigd") == 1 and fits(json.loads(outbox.splitlines()[0])["body"])


def test_opting_out_from_the_claim_page_stops_texts_from_that_practice_only(
    client: TestClient, factory: Factory
) -> None:
    alfa = make_slot(factory, "Afmeld", 1)
    page = client.get(f"/c/{alfa.tokens[0]}")
    assert "Afmelden voor deze praktijk" in page.text
    response = client.post(f"/c/{alfa.tokens[0]}/afmelden")
    assert response.status_code == 200 and "U bent afgemeld" in response.text
    with session_scope() as db:
        patient = db.get(Patient, alfa.patient_ids[0])
        assert patient is not None and patient.opted_out_at is not None
    assert client.post("/c/onbekend/afmelden").status_code == 404
