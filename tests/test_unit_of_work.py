"""The one after-commit mechanism, seen through a real use case (deleting a practice): the mail
leaves only when the transaction committed, a refused request sends nothing, and an effect
that fails neither undoes the commit nor stops the effects after it."""

from __future__ import annotations

import logging
from datetime import datetime

import pytest
from sqlmodel import select

from pakjeplekje.adapters.mail import ConsoleOutbox
from pakjeplekje.db import session_scope
from pakjeplekje.domain.accounts.sessions import resolve_session, start_session
from pakjeplekje.domain.actor import Actor
from pakjeplekje.domain.errors import DomainError
from pakjeplekje.models import Practice, User
from pakjeplekje.services import practice_deletion, unit_of_work
from tests.conftest import AppEnv, Factory

PASSWORD = "een lang genoeg wachtwoord"


def _owner(factory: Factory, now: datetime) -> tuple[Actor, int]:
    with session_scope() as db:
        practice = factory.practice(db, "Praktijk Weg")
        owner = factory.user(db, practice, "weg@weg.nl", role="owner", password=PASSWORD)
        assert practice.id is not None
        practice_id = practice.id
    with session_scope() as db:
        user = db.get(User, owner.id)
        assert user is not None
        actor = resolve_session(db, start_session(db, user, now), now)
    assert actor is not None
    return actor, practice_id


def _status(practice_id: int) -> str:
    with session_scope() as db:
        practice = db.get(Practice, practice_id)
        assert practice is not None
        return practice.status


def test_a_refused_request_changes_nothing_and_mails_nobody(
    app_env: AppEnv, factory: Factory, now: datetime
) -> None:
    actor, practice_id = _owner(factory, now)
    with pytest.raises(DomainError, match="wachtwoord klopt niet"):
        practice_deletion.request(
            actor, password="fout", typed_name="Praktijk Weg", immediately=False
        )
    assert ConsoleOutbox(app_env.data_dir).messages() == []
    assert _status(practice_id) != "deleted"


def test_the_mail_leaves_after_the_commit_with_a_working_undo_link(
    app_env: AppEnv, factory: Factory, now: datetime
) -> None:
    actor, practice_id = _owner(factory, now)
    practice_deletion.request(
        actor, password=PASSWORD, typed_name="praktijk weg", immediately=False
    )
    [mail] = ConsoleOutbox(app_env.data_dir).messages()
    assert mail["to"] == "weg@weg.nl" and "/privacy/herstel?token=" in mail["body"]
    assert _status(practice_id) == "deleted"
    token = mail["body"].split("/privacy/herstel?token=")[1].split()[0]
    assert practice_deletion.undo(token, confirmed=True).id == practice_id
    assert _status(practice_id) != "deleted"


def test_a_failing_effect_keeps_the_commit_and_the_effects_after_it(
    app_env: AppEnv, factory: Factory, caplog: pytest.LogCaptureFixture
) -> None:
    ran: list[str] = []

    def boom() -> None:
        raise RuntimeError("de mailserver is weg")

    def work(uow: unit_of_work.UnitOfWork) -> int:
        practice = factory.practice(uow.db, "Praktijk Blijft")
        uow.after_commit(boom)
        uow.after_commit(lambda: ran.append("daarna"))
        assert practice.id is not None
        return practice.id

    with caplog.at_level(logging.ERROR):
        practice_id = unit_of_work.run(work)
    assert ran == ["daarna"]
    assert "after-commit effect failed" in caplog.text
    with session_scope() as db:
        assert db.exec(select(Practice.id).where(Practice.id == practice_id)).one() == practice_id


def test_a_rolled_back_unit_runs_no_effect(app_env: AppEnv, factory: Factory) -> None:
    ran: list[str] = []

    def work(uow: unit_of_work.UnitOfWork) -> None:
        factory.practice(uow.db, "Praktijk Nooit")
        uow.after_commit(lambda: ran.append("mail"))
        raise DomainError("Er ging iets mis.")

    with pytest.raises(DomainError):
        unit_of_work.run(work)
    assert ran == []
    with session_scope() as db:
        assert db.exec(select(Practice).where(Practice.name == "Praktijk Nooit")).all() == []
