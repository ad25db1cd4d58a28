"""The Alembic history builds exactly the schema the models describe, and can be walked back.

A model change without a migration shows up here as an autogenerate difference.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import Engine, create_engine, inspect, text
from sqlalchemy.pool import NullPool
from sqlmodel import SQLModel

from alembic import autogenerate, command, migration
from pakjeplekje import migrations

if TYPE_CHECKING:
    from conftest import AppEnv

APP_TABLES = {table.name for table in SQLModel.metadata.sorted_tables}


def schema_diff(engine: Engine) -> list[object]:
    """What `alembic revision --autogenerate` would write, with the options env.py uses."""
    with engine.connect() as conn:
        context = migration.MigrationContext.configure(
            conn, opts={"compare_type": True, "render_as_batch": True}
        )
        return list(autogenerate.compare_metadata(context, SQLModel.metadata))


def test_head_matches_the_models(test_engine: Engine, backend_url: str) -> None:
    """After upgrading from zero (conftest), autogenerate finds nothing left to migrate."""
    assert schema_diff(test_engine) == []
    command.check(migrations.alembic_config(backend_url))  # the same check through env.py


@pytest.fixture
def fresh_url(backend_url: str, app_env: AppEnv) -> Iterator[str]:
    """An empty database of the same backend: a new SQLite file, or a new PostgreSQL schema."""
    if backend_url.startswith("sqlite"):
        yield f"sqlite:///{app_env.data_dir.parent / 'fresh.db'}"
        return
    schema = f"fresh_{uuid.uuid4().hex[:10]}"
    admin = create_engine(backend_url, poolclass=NullPool)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in backend_url else "?"
    try:
        yield f"{backend_url}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def test_downgrade_to_base_and_upgrade_again(fresh_url: str) -> None:
    """Every revision's downgrade must undo its upgrade, so a bad deploy can be rolled back."""
    config = migrations.alembic_config(fresh_url)
    engine = create_engine(fresh_url, poolclass=NullPool)
    try:
        migrations.upgrade(fresh_url)
        assert set(inspect(engine).get_table_names()) >= APP_TABLES
        command.downgrade(config, "base")
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        migrations.upgrade(fresh_url)
        assert set(inspect(engine).get_table_names()) >= APP_TABLES
        assert schema_diff(engine) == []
    finally:
        engine.dispose()


def test_database_url_with_percent_encoding_is_accepted() -> None:
    """Passwords with special characters are percent-encoded in DATABASE_URL."""
    url = "postgresql+psycopg://pjp:p%40ss@db.internal/pjp"
    assert migrations.alembic_config(url).get_main_option("sqlalchemy.url") == url


def test_practices_from_before_email_confirmation_count_as_confirmed(fresh_url: str) -> None:
    """They signed up before the rule existed: no practice loses its texts on deploy."""
    engine = create_engine(fresh_url, poolclass=NullPool)
    try:
        command.upgrade(migrations.alembic_config(fresh_url), "0008")
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO practice (name, slug, timezone, sms_sender_name, status, "
                    "created_at) VALUES ('Oud', 'oud', 'Europe/Amsterdam', 'Oud', 'active', "
                    "'2026-01-02 03:04:05+00:00')"
                )
            )
        migrations.upgrade(fresh_url)
        with engine.connect() as conn:
            confirmed, created = conn.execute(
                text("SELECT email_confirmed_at, created_at FROM practice")
            ).one()
        assert confirmed is not None and confirmed == created
    finally:
        engine.dispose()


def test_practices_that_already_released_a_slot_skip_the_first_steps(fresh_url: str) -> None:
    """0010: a practice past its first day (it opened a slot) gets no checklist on deploy; one
    that never did gets it, settings step open."""
    engine = create_engine(fresh_url, poolclass=NullPool)
    try:
        command.upgrade(migrations.alembic_config(fresh_url), "0009")
        with engine.begin() as conn:
            for slug in ("bezig", "nieuw"):
                conn.execute(
                    text(
                        "INSERT INTO practice (name, slug, timezone, sms_sender_name, status, "
                        "created_at) VALUES (:slug, :slug, 'Europe/Amsterdam', 'Oud', 'active', "
                        "'2026-01-02 03:04:05+00:00')"
                    ),
                    {"slug": slug},
                )
            conn.execute(
                text(
                    "INSERT INTO slot (practice_id, starts_at, duration_minutes, status, "
                    "created_at) SELECT id, '2026-02-02 09:00:00+00:00', 30, 'claimed', "
                    "'2026-02-01 09:00:00+00:00' FROM practice WHERE slug = 'bezig'"
                )
            )
        migrations.upgrade(fresh_url)
        with engine.connect() as conn:
            checked = dict(
                conn.execute(text("SELECT slug, settings_checked_at FROM practice")).all()
            )
        assert checked["bezig"] is not None and checked["nieuw"] is None
    finally:
        engine.dispose()
