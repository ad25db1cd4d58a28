"""The nested-connection guard must be able to fail: a deliberate nesting is caught."""

from __future__ import annotations

from sqlalchemy import Engine, text

from pakjeplekje import db as app_db
from tests import connection_guard
from tests.conftest import AppEnv


def test_a_second_connection_taken_while_holding_one_is_caught(app_env: AppEnv) -> None:
    engine: Engine = app_db.read_only(app_db.get_engine())  # SQLite: no write lock to wait on
    before = len(connection_guard.nested)
    with engine.connect() as first:
        first.execute(text("SELECT 1"))
        with engine.connect() as second:  # what the guard exists to catch
            second.execute(text("SELECT 1"))
    caught = connection_guard.nested[before:]
    del connection_guard.nested[before:]  # this test's own nesting is the point, not a failure
    assert len(caught) == 1


def test_connections_taken_one_after_another_are_fine(app_env: AppEnv) -> None:
    before = len(connection_guard.nested)
    with app_db.session_scope() as db:
        db.execute(text("SELECT 1"))
    with app_db.read_scope() as db:
        db.execute(text("SELECT 1"))
    assert connection_guard.nested[before:] == []
