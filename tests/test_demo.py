"""`make run` seeds a demo a newcomer can use at once: log in, open a slot, see it fill."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from pakjeplekje import clock
from pakjeplekje.config import get_settings
from pakjeplekje.db import session_scope
from pakjeplekje.domain.accounts import auth
from pakjeplekje.domain.core_loop import matching
from pakjeplekje.models import Patient, Treatment, User
from pakjeplekje.services import demo
from tests.conftest import AppEnv


def test_demo_practice_has_a_working_login_and_a_waitlist(app_env: AppEnv) -> None:
    with session_scope() as db:
        password = demo.seed_demo(db)
    assert password
    with session_scope() as db:
        assert demo.seed_demo(db) is None  # only ever on an empty database
        result = auth.log_in(
            db,
            email=demo.DEMO_EMAIL,
            password=password,
            client="c",
            secret=get_settings().secret_key,
            now=clock.now(),
        )
        assert result.user is not None
        owner = db.exec(select(User).where(User.email == demo.DEMO_EMAIL)).one()
        waiting = db.exec(
            select(Patient).where(
                Patient.practice_id == owner.practice_id, Patient.status == "waiting"
            )
        ).all()
        assert len(waiting) == len(demo.DEMO_PATIENTS)
        controle = db.exec(
            select(Treatment.id).where(
                Treatment.practice_id == owner.practice_id, Treatment.name == "controle"
            )
        ).one()
        start = (clock.now() + timedelta(days=1)).replace(hour=9, minute=0)
        if start.weekday() == 6:  # nobody can mark Sunday as available
            start += timedelta(days=1)
        shape = matching.SlotShape(owner.practice_id, start, 30, controle, None)
        assert matching.count(db, shape, clock.now()) >= 5  # a full first wave (and 'overig')


def test_no_demo_in_production(app_env: AppEnv, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APP_ENV", "prod")
    app_env.reload()
    with session_scope() as db, pytest.raises(RuntimeError):
        demo.seed_demo(db)
