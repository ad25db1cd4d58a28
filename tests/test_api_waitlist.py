"""The waitlist download routes (CSV export and template) over HTTP, with real sessions.

Rows are committed through the app's own `session_scope()` (`app_env` empties the tables
afterwards); the cookie is a real session token, checked against the real clock.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pytest
from sqlmodel import Session, select
from starlette.applications import Starlette
from starlette.testclient import TestClient

from pakjeplekje import clock
from pakjeplekje.config import get_settings
from pakjeplekje.db import session_scope
from pakjeplekje.domain.accounts import auth
from pakjeplekje.domain.accounts.practice_settings import create_default_treatments
from pakjeplekje.domain.accounts.sessions import resolve_session, start_session
from pakjeplekje.domain.actor import Actor
from pakjeplekje.domain.waitlist import patients
from pakjeplekje.domain.waitlist.patients import PatientInput
from pakjeplekje.models import AuditEvent, Treatment
from pakjeplekje.web import waitlist_downloads as api_waitlist
from pakjeplekje.web.session_cookie import COOKIE_NAME

if TYPE_CHECKING:
    from conftest import AppEnv, Factory

EXPORT = "/api/wachtlijst/export.csv"
TEMPLATE = "/api/wachtlijst/sjabloon.csv"


@dataclass(frozen=True)
class Practice:
    id: int
    token: str
    treatments: dict[str, int]


@dataclass(frozen=True)
class World:
    a: Practice
    b: Practice


@pytest.fixture
def client(app_env: AppEnv) -> Iterator[TestClient]:
    with TestClient(Starlette(routes=api_waitlist.routes())) as test_client:
        yield test_client


def _add(db: Session, actor: Actor, treatments: dict[str, int], name: str, phone: str, **kw):  # type: ignore[no-untyped-def]
    data = PatientInput(
        name=name,
        phone=phone,
        treatment_ids=[treatments[kw.pop("treatment", "controle")]],
        duration_minutes=30,
        availability=kw.pop("availability", ["ma-ochtend"]),
        urgency=kw.pop("urgency", "normaal"),
        consent_method="balie",
    )
    patient = patients.add(db, actor, data, clock.now(), secret=get_settings().secret_key)
    if status := kw.pop("status", None):
        patients.set_status(db, actor, patient.id, status, clock.now())  # type: ignore[arg-type]
    assert not kw
    return patient


def _practice(db: Session, factory: Factory, name: str) -> tuple[Practice, Actor]:
    practice = factory.practice(db, f"Tandartspraktijk {name}")
    assert practice.id is not None
    create_default_treatments(db, practice.id)
    db.flush()
    user = factory.user(db, practice, f"balie@{name.lower()}.nl")
    token = start_session(db, user, clock.now())
    actor = resolve_session(db, token, clock.now())
    assert actor is not None
    treatments = dict(
        db.exec(
            select(Treatment.name, Treatment.id).where(Treatment.practice_id == practice.id)
        ).all()
    )
    return Practice(practice.id, token, treatments), actor  # type: ignore[arg-type]


@pytest.fixture
def world(app_env: AppEnv, factory: Factory) -> World:
    """Practice A with five patients, practice B with one; both with a logged-in staff member."""
    with session_scope() as db:
        a, alfa = _practice(db, factory, "Alfa")
        t = a.treatments
        _add(db, alfa, t, "Anna Alfa", "0611111111", urgency="hoog")
        _add(db, alfa, t, "Bert Alfa", "0622222222", treatment="kroon", availability=["wo-avond"])
        _add(db, alfa, t, "Cees Alfa", "0633333333", availability=["wo-ochtend", "vr-middag"])
        _add(db, alfa, t, "Dirk Alfa", "0644444444", status="booked")
        _add(db, alfa, t, "Eva Alfa", "0655555555", status="removed")
        b, beta = _practice(db, factory, "Beta")
        _add(db, beta, b.treatments, "Bea Beta", "0611111111")
    return World(a, b)


def cookie(token: str) -> dict[str, str]:
    return {"cookie": f"{COOKIE_NAME}={token}"}


def names(response: object) -> list[str]:
    """The Naam column of a CSV response, read the way a spreadsheet would."""
    body = response.content.decode("utf-8")  # type: ignore[attr-defined]
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body[1:], newline=""), delimiter=";"))
    assert rows[0][:2] == ["Naam", "Telefoon"]
    return [row[0] for row in rows[1:]]


@pytest.mark.parametrize("path", [EXPORT, TEMPLATE])
def test_downloads_need_a_valid_session(client: TestClient, world: World, path: str) -> None:
    """No cookie, a made-up token or a revoked session: 401 JSON, never a file."""
    with session_scope() as db:
        auth.log_out(db, resolve_session(db, world.a.token, clock.now()), clock.now())  # type: ignore[arg-type]
    for headers in ({}, cookie("verzonnen-token"), cookie(world.a.token), {"cookie": "x=\x7f;"}):
        response = client.get(path, headers=headers)
        assert response.status_code == 401, headers
        assert response.headers["content-type"].startswith("application/json")
        assert response.headers["cache-control"] == "no-store"
        assert "content-disposition" not in response.headers
    assert client.get(path, headers=cookie(world.b.token)).status_code == 200


def test_export_is_a_dated_csv_attachment(client: TestClient, world: World) -> None:
    response = client.get(EXPORT, headers=cookie(world.a.token))
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["cache-control"] == "no-store"
    assert re.fullmatch(
        r'attachment; filename="wachtlijst-\d{4}-\d{2}-\d{2}\.csv"',
        response.headers["content-disposition"],
    )
    # Default filter is the grid's: status "waiting", oldest first.
    assert names(response) == ["Anna Alfa", "Bert Alfa", "Cees Alfa"]


def test_each_practice_exports_only_its_own_patients(client: TestClient, world: World) -> None:
    """B's cookie never yields A's patients, whatever filter it sends (same phone in both)."""
    for params in ({}, {"status": "alle"}, {"q": "Alfa"}, {"q": "0611"}):
        got = names(client.get(EXPORT, params=params, headers=cookie(world.b.token)))
        assert not any(name.endswith("Alfa") for name in got), params
    assert names(client.get(EXPORT, headers=cookie(world.b.token))) == ["Bea Beta"]
    # A treatment id of practice A used in B's export matches nothing of A's.
    kroon_a = world.a.treatments["kroon"]
    assert (
        names(client.get(EXPORT, params={"treatment": kroon_a}, headers=cookie(world.b.token)))
        == []
    )


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"status": "alle", "sort": "name", "desc": "1"}, ["Eva", "Dirk", "Cees", "Bert", "Anna"]),
        ({"status": ""}, ["Anna", "Bert", "Cees", "Dirk", "Eva"]),
        ({"status": "booked"}, ["Dirk"]),
        ({"status": "removed"}, ["Eva"]),
        ({"urgency": "hoog"}, ["Anna"]),
        ({"q": "cees"}, ["Cees"]),
        ({"q": "06-2222"}, ["Bert"]),
        ({"day": "wo"}, ["Bert", "Cees"]),
        ({"day": "4"}, ["Cees"]),
        ({"sort": "urgency"}, ["Anna", "Bert", "Cees"]),
    ],
)
def test_export_applies_the_grid_filters(
    client: TestClient, world: World, params: dict[str, str], expected: list[str]
) -> None:
    got = names(client.get(EXPORT, params=params, headers=cookie(world.a.token)))
    assert got == [f"{first} Alfa" for first in expected]


def test_export_filters_on_treatment(client: TestClient, world: World) -> None:
    params = {"treatment": str(world.a.treatments["kroon"])}
    assert names(client.get(EXPORT, params=params, headers=cookie(world.a.token))) == ["Bert Alfa"]


@pytest.mark.parametrize(
    "params",
    [
        {"treatment": "99999999999999999999"},
        {"treatment": "abc"},
        {"treatment": "-1"},
        {"treatment": "²"},
        {"day": "-1"},
        {"day": "99999999999"},
        {"day": "zo"},
        {"urgency": "spoed"},
        {"status": "'; drop table patient; --"},
        {"sort": "phone; drop"},
        {"desc": "misschien"},
        {"q": "\x00nul"},
        {"q": "%_\\" * 200},
        {"page": "-5", "page_size": "1000000"},
    ],
)
def test_garbage_parameters_are_ignored_not_500(
    client: TestClient, world: World, params: dict[str, str]
) -> None:
    """Every bad value falls back to its default; the export still answers with a CSV."""
    response = client.get(EXPORT, params=params, headers=cookie(world.a.token))
    assert response.status_code == 200, response.text
    assert response.content.startswith("\ufeffNaam;".encode())


def test_garbage_filters_fall_back_to_defaults(client: TestClient, world: World) -> None:
    params = {"treatment": "x", "day": "zo", "status": "??", "urgency": "?", "sort": "??"}
    assert names(client.get(EXPORT, params=params, headers=cookie(world.a.token))) == [
        "Anna Alfa",
        "Bert Alfa",
        "Cees Alfa",
    ]


def test_export_is_audited_without_filters(client: TestClient, world: World) -> None:
    """Who exported is recorded; the search text (it can be a name) is not."""
    client.get(EXPORT, params={"q": "Anna Alfa"}, headers=cookie(world.a.token))
    with session_scope() as db:
        events = db.exec(select(AuditEvent).where(AuditEvent.action == "patient.exported")).all()
    assert [(e.practice_id, e.detail) for e in events] == [(world.a.id, None)]


def test_template_download(client: TestClient, world: World) -> None:
    response = client.get(TEMPLATE, headers=cookie(world.a.token))
    assert response.status_code == 200
    assert response.headers["content-disposition"] == (
        'attachment; filename="wachtlijst-sjabloon.csv"'
    )
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert names(response) == ["Sanne de Vries"]
