"""Two hundred patients answer `JA` at once: one wins, every other one is told at once that
the slot is gone, and every text in and out is in the practice's message log — the losers'
log rows committed together, not one transaction each."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event, text
from sqlmodel import col, select
from starlette.applications import Starlette
from starlette.testclient import TestClient
from twilio.request_validator import RequestValidator

from pakjeplekje import clock, routes
from pakjeplekje.db import get_engine, session_scope
from pakjeplekje.domain.core_loop import replies
from pakjeplekje.models import Message, Offer, Patient, Slot
from pakjeplekje.services import claiming, sms_replies
from pakjeplekje.services.group_commit import GroupCommit
from pakjeplekje.web import twilio_webhooks
from tests.conftest import AppEnv, Factory
from tests.test_claims import make_slot

TOKEN = "twilio-test-auth-token"
BASE = "https://app.pakjeplekje.test"


def texted_slot(factory: Factory, name: str, count: int) -> tuple[int, list[str]]:
    setup = make_slot(factory, name, count)
    with session_scope() as db:
        db.exec(Offer.__table__.update().values(status="sent", sent_at=clock.now()))  # type: ignore[attr-defined]
        phones = list(
            db.exec(select(Patient.phone).where(col(Patient.id).in_(setup.patient_ids))).all()
        )
    return setup.slot_id, phones


@contextmanager
def slot_races() -> Iterator[list[str]]:
    """The conditional UPDATEs of the slot row: each is a claim racing in the database."""
    seen: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        if statement.lstrip().upper().startswith("UPDATE SLOT"):
            seen.append(statement)

    engine = get_engine()
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def test_a_ja_storm_has_one_winner_and_logs_every_text(factory: Factory, app_env: AppEnv) -> None:
    """Only one of the twenty races in the database: the others wait at the slot's gate and
    are answered from the win, or see it in their first read."""
    slot_id, phones = texted_slot(factory, "JaStorm", 20)
    barrier = threading.Barrier(len(phones))
    answers: dict[str, str] = {}
    errors: list[BaseException] = []

    def answer(phone: str) -> None:
        barrier.wait()
        try:
            answers[phone] = sms_replies.handle(phone, "Ja!").text
        except BaseException as exc:
            errors.append(exc)

    with slot_races() as races:
        threads = [threading.Thread(target=answer, args=(p,)) for p in phones]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    assert errors == []
    assert len(races) == 1
    won = [p for p, t in answers.items() if "is bevestigd" in t]
    assert len(won) == 1
    assert sorted(t for p, t in answers.items() if p not in won) == [replies.TAKEN] * 19
    with session_scope() as db:
        slot = db.get(Slot, slot_id)
        assert slot is not None and slot.status == "claimed" and slot.claimed_via == "sms"
        log = db.exec(select(Message.phone, Message.direction, Message.body)).all()
    assert sorted((p, d) for p, d, _ in log) == sorted(
        [(p, "in") for p in phones] + [(p, "out") for p in phones]
    )
    assert {b for p, d, b in log if d == "out" and p not in won} == {replies.TAKEN}


def test_a_link_storm_races_once_in_the_database(factory: Factory, app_env: AppEnv) -> None:
    setup = make_slot(factory, "LinkStorm", 20)
    barrier = threading.Barrier(20)
    results: list[str] = []

    def claim(token: str) -> None:
        barrier.wait()
        results.append(claiming.claim_by_link(token, "api", "10.0.0.1").result)

    with slot_races() as races:
        threads = [threading.Thread(target=claim, args=(t,)) for t in setup.tokens]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    assert sorted(results) == ["claimed"] + ["taken"] * 19
    assert len(races) == 1


def test_a_late_ja_over_the_webhook_is_answered_and_logged(
    factory: Factory, app_env: AppEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", TOKEN)
    monkeypatch.setenv("PUBLIC_BASE_URL", BASE)
    app_env.reload()
    client = TestClient(Starlette(routes=twilio_webhooks.routes()))
    _, phones = texted_slot(factory, "JaLaat", 2)

    def ja(phone: str) -> str:
        params = {"From": phone, "Body": "JA"}
        signature = RequestValidator(TOKEN).compute_signature(BASE + routes.TWILIO_INBOUND, params)
        response = client.post(
            routes.TWILIO_INBOUND, data=params, headers={"X-Twilio-Signature": signature}
        )
        assert response.status_code == 200
        return response.text

    assert "is bevestigd" in ja(phones[0])
    assert "al vergeven" in ja(phones[1])
    with session_scope() as db:
        late = db.exec(select(Message.direction).where(Message.phone == phones[1])).all()
    assert sorted(late) == ["in", "out"]


def test_writers_that_arrive_during_a_commit_share_the_next_one(
    factory: Factory, app_env: AppEnv
) -> None:
    """The first writer's commit is held up (another transaction holds the lock it needs);
    the 19 writers arriving meanwhile are committed in one transaction after it."""
    slot_id, phones = texted_slot(factory, "Groep", 1)
    with session_scope() as db:
        slot = db.get(Slot, slot_id)
        assert slot is not None
        practice_id = slot.practice_id
    group = GroupCommit()
    commits: list[int] = []

    def count(*_: object) -> None:
        commits.append(1)

    engine = get_engine()
    event.listen(engine, "commit", count)
    errors: list[BaseException] = []

    def write(i: int) -> None:
        try:
            group.write([replies.log_row(practice_id, phones[0], "in", f"JA {i}", clock.now())])
        except BaseException as exc:
            errors.append(exc)

    blocker = engine.connect()
    try:
        if engine.dialect.name == "sqlite":  # the app's engine begins with the write lock
            blocker.execute(text("SELECT 1"))
        else:
            blocker.execute(text("LOCK TABLE message IN EXCLUSIVE MODE"))
        first = threading.Thread(target=write, args=(0,))
        first.start()
        while not group.flushing:
            first.join(timeout=0.01)
        rest = [threading.Thread(target=write, args=(i,)) for i in range(1, 20)]
        for thread in rest:
            thread.start()
        while group.waiting < 19:
            first.join(timeout=0.01)
        commits.clear()
        blocker.rollback()
    finally:
        blocker.close()
    for thread in [first, *rest]:
        thread.join(timeout=30)
    event.remove(engine, "commit", count)
    assert errors == []
    assert len(commits) == 2  # the held-up one, then all nineteen together
    with session_scope() as db:
        bodies = db.exec(select(Message.body).where(Message.phone == phones[0])).all()
    assert sorted(bodies) == sorted(f"JA {i}" for i in range(20))


def test_a_failed_group_commit_fails_every_writer_in_it(app_env: AppEnv) -> None:
    group = GroupCommit()
    orphan = replies.log_row(987_654, "+31612345678", "in", "JA", clock.now())  # no practice
    with pytest.raises(Exception, match=r"(?i)foreign key|violates"):
        group.write([orphan])
    with session_scope() as db:
        assert db.exec(select(Message)).all() == []
