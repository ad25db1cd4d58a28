"""Overdracht: the practice's ZIP export holds every row of that practice, nothing of another,
no secrets, and its JSON validates against the published, versioned schema."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import jsonschema
import pytest
from sqlmodel import Session, select
from starlette.applications import Starlette
from starlette.testclient import TestClient

from pakjeplekje import clock
from pakjeplekje.db import session_scope
from pakjeplekje.domain import audit
from pakjeplekje.domain.accounts.passwords import hash_password
from pakjeplekje.domain.accounts.sessions import resolve_session, start_session
from pakjeplekje.domain.errors import PermissionDenied
from pakjeplekje.domain.privacy import export as privacy_export
from pakjeplekje.models import (
    AuditEvent,
    AuthSession,
    Message,
    Offer,
    OneTimeToken,
    User,
)
from pakjeplekje.web import privacy as api_privacy
from pakjeplekje.web.session_cookie import COOKIE_NAME
from tests.test_tenant_isolation import Tenant, make_tenant

if TYPE_CHECKING:
    from conftest import AppEnv, Factory


def _messages(db: Session, tenant: Tenant, now: datetime, count: int = 3) -> None:
    offer = db.exec(select(Offer).where(Offer.practice_id == tenant.practice_id)).first()
    assert offer is not None
    for i in range(count):
        db.add(
            Message(
                practice_id=tenant.practice_id,
                offer_id=offer.id,
                patient_id=tenant.patient_id,
                direction="out",
                phone="+31612345678",
                body=f"=HYPERLINK bericht {i} van {tenant.patient_name}",
                provider_id=f"SM{tenant.practice_id}x{i}",
                status="delivered",
                created_at=now,
                updated_at=now,
            )
        )
    db.flush()


def _unzip(chunks: Iterator[bytes]) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(b"".join(chunks)))


def _secrets(db: Session) -> list[str]:
    """Every stored hash of every practice: none may appear in any export."""
    values = [u.password_hash for u in db.exec(select(User)).all() if u.password_hash]
    for model in (AuthSession, OneTimeToken, Offer):
        values += [row.token_hash for row in db.exec(select(model)).all()]  # type: ignore[attr-defined]
    return values


@pytest.fixture
def two(db: Session, factory: Factory, now: datetime) -> tuple[Tenant, Tenant]:
    a, b = make_tenant(db, factory, "Alfa"), make_tenant(db, factory, "Beta")
    for tenant in (a, b):
        _messages(db, tenant, now)
        owner = db.get(User, tenant.owner_id)
        assert owner is not None
        owner.password_hash = hash_password("een lang geheim wachtwoord")
        db.add(owner)
    db.flush()
    return a, b


def test_export_holds_every_row_of_the_practice_and_nothing_else(
    db: Session, two: tuple[Tenant, Tenant], now: datetime
) -> None:
    a, b = two
    archive = _unzip(privacy_export.export_zip(db, a.practice_id, now))
    names = set(archive.namelist())
    tables = [t.name for t in privacy_export.practice_tables()]
    assert {"LEESMIJ.txt", "schema.json", "pakjeplekje-export.json"} <= names
    assert {f"csv/{t}.csv" for t in tables} <= names

    data = json.loads(archive.read("pakjeplekje-export.json"))
    schema = json.loads(archive.read("schema.json"))
    jsonschema.validate(data, schema, format_checker=jsonschema.FormatChecker())
    assert (data["format"], data["schema_version"]) == ("pakjeplekje-export", 1)

    counts = {c.table: c.rows for c in privacy_export.inventory(db, a.practice_id)}
    for table in tables:
        rows = data["tables"][table]
        assert len(rows) == counts[table], table
        text = archive.read(f"csv/{table}.csv").decode("utf-8-sig")
        assert len(list(csv.reader(io.StringIO(text), delimiter=";"))) == counts[table] + 1
    for table in ("practice", "app_user", "patient", "slot", "offer", "message", "auditevent"):
        assert counts[table] > 0, table
    assert {p["id"] for p in data["tables"]["patient"]} == {a.patient_id, a.own_number_patient_id}

    everything = b"".join(archive.read(n) for n in names).decode("utf-8")
    assert b.patient_name not in everything and "Beta" not in everything
    assert a.patient_name in everything
    for secret in _secrets(db):
        assert secret not in everything
    assert "_hash" not in "".join(archive.read(n).decode("utf-8-sig")[:300] for n in names)
    # Formula-looking text is defused in CSV, kept exact in JSON.
    assert "'=HYPERLINK" in archive.read("csv/message.csv").decode("utf-8-sig")
    assert data["tables"]["message"][0]["body"].startswith("=HYPERLINK")
    assert "+31612345678" in archive.read("csv/message.csv").decode("utf-8-sig")


def test_published_schema_matches_the_tables() -> None:
    """A model change must come with a new schema file (and a version bump if incompatible)."""
    assert json.loads(privacy_export.published_schema()) == privacy_export.build_schema()


def test_every_table_is_practice_data_or_declared_global() -> None:
    from sqlmodel import SQLModel

    for table in SQLModel.metadata.sorted_tables:
        if table.name not in privacy_export.GLOBAL_TABLES:
            privacy_export.scope(table, 1)  # raises for a table nobody thought about


def test_inventory_of_b_shows_nothing_of_a(db: Session, two: tuple[Tenant, Tenant]) -> None:
    a, b = two
    for own in (a, b):
        counts = {c.table: c.rows for c in privacy_export.inventory(db, own.practice_id)}
        assert counts["patient"] == 2 and counts["practice"] == 1 and counts["app_user"] == 2


def test_only_the_owner_gets_a_download_token(
    db: Session, two: tuple[Tenant, Tenant], now: datetime
) -> None:
    a, _ = two
    staff = resolve_session(db, a.staff_token, now)
    assert staff is not None
    with pytest.raises(PermissionDenied):
        privacy_export.start_export(db, staff, now)
    token = privacy_export.start_export(db, a.owner, now)
    assert privacy_export.redeem_export(db, token, a.owner, now) == a.practice_id
    with pytest.raises(Exception, match="al gebruikt"):
        privacy_export.redeem_export(db, token, a.owner, now)


def test_a_token_of_a_cannot_be_spent_by_b(
    db: Session, two: tuple[Tenant, Tenant], now: datetime
) -> None:
    a, b = two
    token = privacy_export.start_export(db, a.owner, now)
    with pytest.raises(PermissionDenied):
        privacy_export.redeem_export(db, token, b.owner, now)
    late = privacy_export.start_export(db, a.owner, now)
    with pytest.raises(Exception, match="verlopen"):
        privacy_export.redeem_export(db, late, a.owner, now + timedelta(minutes=3))


# --- the HTTP route ------------------------------------------------------------------------


@pytest.fixture
def client(app_env: AppEnv) -> Iterator[TestClient]:
    with TestClient(Starlette(routes=api_privacy.routes())) as test_client:
        yield test_client


def test_route_streams_the_zip_once_for_the_owner(
    client: TestClient, factory: Factory, app_env: AppEnv
) -> None:
    with session_scope() as db:
        practice = factory.practice(db, "Tandartspraktijk Route")
        owner = factory.user(db, practice, "eigenaar@route.nl", role="owner")
        cookie = start_session(db, owner, clock.now())
    with session_scope() as db:
        actor = resolve_session(db, cookie, clock.now())
        assert actor is not None
        token = privacy_export.start_export(db, actor, clock.now())

    assert client.get(api_privacy.EXPORT_PATH, params={"token": token}).status_code == 403
    client.cookies.set(COOKIE_NAME, cookie)
    response = client.get(api_privacy.EXPORT_PATH, params={"token": token})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/zip"
    assert "attachment" in response.headers["content-disposition"]
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    data = json.loads(archive.read("pakjeplekje-export.json"))
    assert data["tables"]["practice"][0]["name"] == "Tandartspraktijk Route"
    again = client.get(api_privacy.EXPORT_PATH, params={"token": token})
    assert again.status_code == 403 and "al gebruikt" in again.json()["error"]
    with session_scope() as db:
        actions = db.exec(select(AuditEvent.action)).all()
    assert "privacy.exported" in actions


def test_audit_rows_in_export_carry_no_personal_data(
    db: Session, two: tuple[Tenant, Tenant], now: datetime
) -> None:
    a, _ = two
    audit.by_actor(db, a.owner, "patient.viewed", "patient", a.patient_id, now)
    data = json.loads(
        _unzip(privacy_export.export_zip(db, a.practice_id, now)).read("pakjeplekje-export.json")
    )
    assert any(e["action"] == "patient.viewed" for e in data["tables"]["auditevent"])
