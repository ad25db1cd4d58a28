"""Integration API v1 over HTTP, through the app's own routes (`create_api`), with real keys
committed to the test database: tenant isolation, revocation, scopes, idempotency (in a row
and at the same moment), the rate limit, problem details and the Dutch validation messages."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest
from jsonschema import Draft202012Validator
from sqlmodel import func, select
from starlette.testclient import TestClient

from pakjeplekje import clock
from pakjeplekje.adapters import api_rate
from pakjeplekje.config import get_settings
from pakjeplekje.db import session_scope
from pakjeplekje.domain import billing
from pakjeplekje.domain.accounts.practice_settings import create_default_treatments
from pakjeplekje.domain.integrations import api_keys
from pakjeplekje.domain.privacy import suppression
from pakjeplekje.models import ApiKey, AuditEvent, IdempotentReply, Patient, Slot, Treatment
from pakjeplekje.web.api import create_api
from tests import timeplan

if TYPE_CHECKING:
    from conftest import AppEnv, Factory

PROBLEM = "application/problem+json"


@dataclass(frozen=True)
class Tenant:
    id: int
    write: str  # raw keys
    read: str
    write_key_id: int
    treatments: dict[str, int]

    def auth(self, *, read: bool = False) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.read if read else self.write}"}


@dataclass(frozen=True)
class World:
    a: Tenant
    b: Tenant
    client: TestClient


def _tenant(factory: Factory, name: str) -> Tenant:
    with session_scope() as db:
        practice = factory.practice(db, f"Tandartspraktijk {name}")
        assert practice.id is not None
        create_default_treatments(db, practice.id)
        billing.start_trial(db, practice.id, factory.now)
        owner = factory.user(db, practice, f"eigenaar@{name.lower()}.nl", role="owner")
        write_key, write = api_keys.create_key(
            db, practice.id, "Agenda", api_keys.WRITE, owner.id, factory.now
        )
        _, read = api_keys.create_key(
            db, practice.id, "Rapportage", api_keys.READ, owner.id, factory.now
        )
        db.flush()
        treatments = dict(
            db.exec(
                select(Treatment.name, Treatment.id).where(Treatment.practice_id == practice.id)
            ).all()
        )
        return Tenant(practice.id, write, read, write_key.id, treatments)


@pytest.fixture(autouse=True)
def fresh_rate_limits() -> Iterator[None]:
    """Key ids repeat after a table is emptied: each test starts with empty windows."""
    api_rate.forget()
    yield
    api_rate.forget()


@pytest.fixture
def now(office_now: datetime) -> datetime:
    """A working morning (10:00 Amsterdam on a weekday): slots open the next weekday."""
    return office_now


@pytest.fixture
def world(app_env: AppEnv, factory: Factory) -> Iterator[World]:
    a, b = _tenant(factory, "Alfa"), _tenant(factory, "Beta")
    with TestClient(create_api()) as client:
        yield World(a, b, client)


def _starts(now: datetime, hour: int = 10) -> str:
    return timeplan.local(timeplan.weekday_at(now, hour, 30, days_ahead=1)).isoformat()


def _slot_body(tenant: Tenant, now: datetime, **changes: Any) -> dict[str, Any]:
    return {
        "starts_at": _starts(now),
        "duration_minutes": 30,
        "treatment_id": tenant.treatments["vulling"],
        **changes,
    }


def _entry_body(tenant: Tenant, phone: str = "0612345678", **changes: Any) -> dict[str, Any]:
    return {
        "name": "Sanne de Vries",
        "phone": phone,
        "treatment_ids": [tenant.treatments["controle"]],
        "duration_minutes": 30,
        "availability": ["ma-ochtend", "wo-middag"],
        "consent": {
            "method": "balie",
            "at": "2026-01-05T09:12:00+01:00",
            "text_version": "2026-1",
        },
        **changes,
    }


def _count(model: type[Slot] | type[Patient], practice_id: int) -> int:
    with session_scope() as db:
        return db.exec(
            select(func.count()).select_from(model).where(model.practice_id == practice_id)
        ).one()


def _assert_problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    assert {"type", "title", "status", "detail", "instance"} <= set(body)
    assert body["status"] == status
    assert body["instance"] == response.request.url.path
    assert body["detail"]
    return body


def _open(world: World, now: datetime, tenant: Tenant | None = None, **changes: Any) -> Any:
    tenant = tenant or world.a
    return world.client.post(
        "/api/v1/slots", json=_slot_body(tenant, now, **changes), headers=tenant.auth()
    )


# --- slots ---------------------------------------------------------------------------------


def test_a_slot_opened_through_the_api_is_the_staff_forms_slot(world: World, now: datetime) -> None:
    response = _open(world, now)
    assert response.status_code == 201, response.text
    slot = response.json()
    assert response.headers["location"] == f"/api/v1/slots/{slot['id']}"
    assert slot["status"] == "open"
    assert slot["starts_at"] == _starts(now)  # Amsterdam time, with its offset
    assert datetime.fromisoformat(slot["starts_at"]).utcoffset() is not None

    got = world.client.get(f"/api/v1/slots/{slot['id']}", headers=world.a.auth(read=True))
    assert got.status_code == 200 and got.json() == slot
    listed = world.client.get("/api/v1/slots?status=open", headers=world.a.auth(read=True))
    assert [s["id"] for s in listed.json()["data"]] == [slot["id"]]

    with session_scope() as db:
        event = db.exec(select(AuditEvent).where(AuditEvent.action == "slot.opened")).one()
        assert event.actor_user_id is None  # the key acted, not a person
        assert event.detail is not None
        assert event.detail.startswith(f"API-sleutel #{world.a.write_key_id}")
        stored = db.get(Slot, slot["id"])
        assert stored is not None and stored.created_by_user_id is None


def test_closing_goes_through_the_staff_path(world: World, now: datetime) -> None:
    slot = _open(world, now).json()
    closed = world.client.post(
        f"/api/v1/slots/{slot['id']}/close",
        json={"reason": "zelf_ingevuld"},
        headers=world.a.auth(),
    )
    assert closed.status_code == 200, closed.text
    assert closed.json()["status"] == "closed"
    assert closed.json()["closed_reason"] == "zelf_ingevuld"
    again = world.client.post(f"/api/v1/slots/{slot['id']}/close", headers=world.a.auth())
    body = _assert_problem(again, 409)
    assert body["detail"] == "Deze plek is al gevuld of gesloten."


# (field → value, the field the problem names, its Dutch message)
SLOT_REFUSALS: list[tuple[dict[str, Any], str, str]] = [
    ({"duration_minutes": 241}, "duration_minutes", "Mag hoogstens 240 zijn."),
    ({"duration_minutes": 4}, "duration_minutes", "Moet minstens 5 zijn."),
    ({"duration_minutes": "30"}, "duration_minutes", "Moet een geheel getal zijn."),
    ({"duration_minutes": True}, "duration_minutes", "Moet een geheel getal zijn."),
    ({"duration_minutes": 10**40}, "duration_minutes", "Mag hoogstens 240 zijn."),
    ({"treatment_id": None}, "treatment_id", "Moet een geheel getal zijn."),
    ({"treatment_id": 2**31}, "treatment_id", "Mag hoogstens 2147483647 zijn."),
    ({"colour": "rood"}, "colour", "Onbekend veld."),
    (
        {"starts_at": "morgen om tien"},
        "starts_at",
        "Geef een tijdstip in ISO 8601, bijvoorbeeld 2026-11-25T10:30:00+01:00.",
    ),
    (
        {"starts_at": "2026-11-25T10:30:00"},
        "starts_at",
        "Geef het tijdstip met tijdzone, bijvoorbeeld +01:00 of Z.",
    ),
    ({"starts_at": "2020-01-06T10:30:00+01:00"}, "starts_at", "Deze tijd is al voorbij."),
    ({"starts_at": "x" * 41}, "starts_at", "Mag hoogstens 40 tekens zijn."),
]


@pytest.mark.parametrize(("changes", "field", "message"), SLOT_REFUSALS)
def test_every_slot_refusal_names_its_field_in_dutch(
    world: World, now: datetime, changes: dict[str, Any], field: str, message: str
) -> None:
    body = _assert_problem(_open(world, now, **changes), 422)
    assert {"field": field, "message": message} in body["errors"]
    assert _count(Slot, world.a.id) == 0


def test_slot_rules_of_the_form_apply(world: World, now: datetime) -> None:
    night = timeplan.local(timeplan.weekday_at(now, 23, 0, days_ahead=1)).isoformat()
    body = _assert_problem(_open(world, now, starts_at=night), 422)
    assert body["errors"] == [
        {"field": "starts_at", "message": "Een plek ligt tussen 07:00 en 22:00."}
    ]
    seconds = _starts(now).replace(":30:00", ":30:15")
    body = _assert_problem(_open(world, now, starts_at=seconds), 422)
    assert body["errors"][0]["message"] == "Een plek begint op een hele minuut."
    other = _assert_problem(_open(world, now, treatment_id=world.b.treatments["vulling"]), 422)
    assert other["errors"] == [
        {"field": "treatment_id", "message": "Kies een behandeling uit de lijst van de praktijk."}
    ]


def test_a_practice_that_may_not_open_slots_is_refused_as_from_the_page(
    world: World, now: datetime
) -> None:
    with session_scope() as db:
        from pakjeplekje.models import Practice

        practice = db.get(Practice, world.a.id)
        assert practice is not None
        practice.email_confirmed_at = None
        db.add(practice)
    body = _assert_problem(_open(world, now), 409)
    assert "e-mail" in body["detail"].lower()
    assert _count(Slot, world.a.id) == 0


# --- the waitlist ----------------------------------------------------------------------------


def test_an_entry_needs_the_patients_consent(world: World) -> None:
    missing = _entry_body(world.a)
    del missing["consent"]
    add = world.client.post("/api/v1/waitlist", json=missing, headers=world.a.auth())
    assert {"field": "consent", "message": "Dit veld is verplicht."} in _assert_problem(add, 422)[
        "errors"
    ]
    future = _entry_body(world.a)
    future["consent"] = {**future["consent"], "at": "2099-01-01T00:00:00Z"}
    add = world.client.post("/api/v1/waitlist", json=future, headers=world.a.auth())
    assert _assert_problem(add, 422)["errors"] == [
        {"field": "consent.at", "message": "De toestemming kan niet in de toekomst zijn gegeven."}
    ]
    partial = _entry_body(world.a)
    partial["consent"] = {"method": "telepathie", "at": "gisteren", "text_version": " "}
    errors = _assert_problem(
        world.client.post("/api/v1/waitlist", json=partial, headers=world.a.auth()), 422
    )["errors"]
    assert {e["field"] for e in errors} == {"consent.method"}  # the schema speaks first
    assert _count(Patient, world.a.id) == 0

    added = world.client.post("/api/v1/waitlist", json=_entry_body(world.a), headers=world.a.auth())
    assert added.status_code == 201, added.text
    entry = added.json()
    assert entry["phone"] == "+31612345678"  # E.164
    assert entry["consent"] == {
        "method": "balie",
        "at": "2026-01-05T09:12:00+01:00",
        "text_version": "2026-1",
    }
    with session_scope() as db:
        patient = db.get(Patient, entry["id"])
        assert patient is not None and patient.consent_text_version == "2026-1"


def test_waitlist_rules_of_the_staff_form_apply(world: World) -> None:
    body = _entry_body(
        world.a,
        phone="12345",
        name="   ",
        treatment_ids=[world.b.treatments["controle"]],
        availability=["zo-ochtend"],
    )
    errors = _assert_problem(
        world.client.post("/api/v1/waitlist", json=body, headers=world.a.auth()), 422
    )["errors"]
    assert {e["field"] for e in errors} == {"availability.0"}  # the schema's enum first
    body["availability"] = ["ma-avond"]
    errors = _assert_problem(
        world.client.post("/api/v1/waitlist", json=body, headers=world.a.auth()), 422
    )["errors"]
    fields = {e["field"]: e["message"] for e in errors}
    assert fields["name"] == "Vul de naam in."
    assert fields["treatment_ids"] == "Kies behandelingen uit de lijst van de praktijk."
    assert "phone" in fields
    assert _count(Patient, world.a.id) == 0


def test_a_suppressed_or_listed_number_is_refused(world: World) -> None:
    first = world.client.post("/api/v1/waitlist", json=_entry_body(world.a), headers=world.a.auth())
    assert first.status_code == 201
    twice = world.client.post("/api/v1/waitlist", json=_entry_body(world.a), headers=world.a.auth())
    assert _assert_problem(twice, 409)["detail"] == "Dit nummer staat al op de wachtlijst."
    with session_scope() as db:
        suppression.suppress(db, get_settings().secret_key, "+31687654321", "test", clock.now())
    erased = world.client.post(
        "/api/v1/waitlist", json=_entry_body(world.a, phone="0687654321"), headers=world.a.auth()
    )
    assert _assert_problem(erased, 422)["errors"][0]["field"] == "phone"
    assert _count(Patient, world.a.id) == 1


def test_update_delete_and_paging(world: World) -> None:
    ids = []
    for i in range(3):
        added = world.client.post(
            "/api/v1/waitlist",
            json=_entry_body(world.a, phone=f"061234567{i}"),
            headers=world.a.auth(),
        )
        ids.append(added.json()["id"])
    changed = world.client.patch(
        f"/api/v1/waitlist/{ids[0]}",
        json={"urgency": "hoog", "availability": ["di-avond"], "status": "removed"},
        headers=world.a.auth(),
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["urgency"] == "hoog"
    assert changed.json()["availability"] == ["di-avond"]
    assert changed.json()["name"] == "Sanne de Vries"  # untouched fields keep their value
    bad = world.client.patch(
        f"/api/v1/waitlist/{ids[0]}", json={"duration_minutes": 500}, headers=world.a.auth()
    )
    assert _assert_problem(bad, 422)["errors"] == [
        {"field": "duration_minutes", "message": "Mag hoogstens 240 zijn."}
    ]

    read = world.a.auth(read=True)
    first = world.client.get("/api/v1/waitlist?limit=2", headers=read).json()
    assert [e["id"] for e in first["data"]] == ids[:2]
    second = world.client.get(
        f"/api/v1/waitlist?limit=2&cursor={first['next_cursor']}", headers=read
    )
    assert [e["id"] for e in second.json()["data"]] == ids[2:]
    assert second.json()["next_cursor"] is None
    waiting = world.client.get("/api/v1/waitlist?status=waiting", headers=read).json()
    assert [e["id"] for e in waiting["data"]] == ids[1:]

    gone = world.client.delete(f"/api/v1/waitlist/{ids[1]}", headers=world.a.auth())
    assert gone.status_code == 204 and gone.content == b""
    _assert_problem(world.client.get(f"/api/v1/waitlist/{ids[1]}", headers=read), 404)
    bad_paging = world.client.get("/api/v1/waitlist?limit=0&cursor=abc&status=x", headers=read)
    assert {e["field"] for e in _assert_problem(bad_paging, 400)["errors"]} == {
        "limit",
        "cursor",
        "status",
    }


# --- keys: tenants, revocation, scopes --------------------------------------------------------


def test_a_key_of_practice_b_reaches_nothing_of_practice_a(world: World, now: datetime) -> None:
    slot = _open(world, now).json()
    entry = world.client.post(
        "/api/v1/waitlist", json=_entry_body(world.a), headers=world.a.auth()
    ).json()
    b = world.b.auth()
    s, e = slot["id"], entry["id"]
    attempts = [
        world.client.get(f"/api/v1/slots/{s}", headers=b),
        world.client.post(f"/api/v1/slots/{s}/close", headers=b),
        world.client.post(f"/api/v1/slots/{s}/close", json={"reason": "x"}, headers=b),
        world.client.get(f"/api/v1/waitlist/{e}", headers=b),
        world.client.patch(f"/api/v1/waitlist/{e}", json={"name": "Overgenomen"}, headers=b),
        world.client.patch(f"/api/v1/waitlist/{e}", json={"duration_minutes": 900}, headers=b),
        world.client.delete(f"/api/v1/waitlist/{e}", headers=b),
    ]
    for response in attempts:
        detail = _assert_problem(response, 404)["detail"]
        assert "niet (meer)" in detail
    for path in ("/api/v1/slots", "/api/v1/waitlist", "/api/v1/treatments"):
        rows = world.client.get(path, headers=b).json()["data"]
        assert {r["id"] for r in rows}.isdisjoint({s, e, *world.a.treatments.values()})
    # B using A's ids for a new slot or entry: A's treatments are not B's choices
    assert (
        _open(world, now, tenant=world.b, treatment_id=world.a.treatments["vulling"]).status_code
        == 422
    )
    # and A's rows are as they were
    assert world.client.get(f"/api/v1/slots/{s}", headers=world.a.auth()).json() == slot
    assert world.client.get(f"/api/v1/waitlist/{e}", headers=world.a.auth()).json() == entry


def test_a_revoked_key_stops_at_once(world: World) -> None:
    assert world.client.get("/api/v1/slots", headers=world.a.auth()).status_code == 200
    with session_scope() as db:
        api_keys.revoke_key(db, world.a.id, world.a.write_key_id, clock.now())
    refused = world.client.get("/api/v1/slots", headers=world.a.auth())
    _assert_problem(refused, 401)
    assert refused.headers["www-authenticate"].startswith("Bearer")
    assert world.client.get("/api/v1/slots", headers=world.a.auth(read=True)).status_code == 200
    for header in ({}, {"Authorization": "Basic eDp5"}, {"Authorization": "Bearer pjp_onbekend"}):
        _assert_problem(world.client.get("/api/v1/slots", headers=header), 401)


def test_last_used_is_recorded_at_most_once_a_minute(world: World) -> None:
    def last_used() -> datetime | None:
        with session_scope() as db:
            key = db.get(ApiKey, world.a.write_key_id)
            assert key is not None
            return key.last_used_at

    assert last_used() is None
    world.client.get("/api/v1/slots", headers=world.a.auth())
    first = last_used()
    assert first is not None
    world.client.get("/api/v1/slots", headers=world.a.auth())
    assert last_used() == first


def test_a_read_key_cannot_write(world: World, now: datetime) -> None:
    slot = _open(world, now).json()
    entry = world.client.post(
        "/api/v1/waitlist", json=_entry_body(world.a), headers=world.a.auth()
    ).json()
    read = world.a.auth(read=True)
    attempts = [
        world.client.post("/api/v1/slots", json=_slot_body(world.a, now), headers=read),
        world.client.post(f"/api/v1/slots/{slot['id']}/close", headers=read),
        world.client.post(
            "/api/v1/waitlist", json=_entry_body(world.a, phone="0611111111"), headers=read
        ),
        world.client.patch(f"/api/v1/waitlist/{entry['id']}", json={"name": "X"}, headers=read),
        world.client.delete(f"/api/v1/waitlist/{entry['id']}", headers=read),
    ]
    for response in attempts:
        assert "alleen lezen" in _assert_problem(response, 403)["detail"]
    assert _count(Slot, world.a.id) == 1
    assert _count(Patient, world.a.id) == 1
    assert world.client.get(f"/api/v1/slots/{slot['id']}", headers=read).json()["status"] == "open"
    assert world.client.get(f"/api/v1/waitlist/{entry['id']}", headers=read).json() == entry


# --- idempotency ---------------------------------------------------------------------------


def test_an_idempotent_retry_opens_one_slot(world: World, now: datetime) -> None:
    headers = {**world.a.auth(), "Idempotency-Key": "b6f5a1c2-retry"}
    body = _slot_body(world.a, now)
    first = world.client.post("/api/v1/slots", json=body, headers=headers)
    again = world.client.post("/api/v1/slots", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert _count(Slot, world.a.id) == 1

    other = world.client.post(
        "/api/v1/slots", json={**body, "duration_minutes": 45}, headers=headers
    )
    assert _assert_problem(other, 422)["type"].endswith("#idempotentie")
    assert _count(Slot, world.a.id) == 1
    # the same key of another practice's key is another request altogether
    b_headers = {**world.b.auth(), "Idempotency-Key": "b6f5a1c2-retry"}
    assert _open(world, now, tenant=world.b).status_code == 201
    assert (
        world.client.post(
            "/api/v1/slots", json=_slot_body(world.b, now, duration_minutes=20), headers=b_headers
        ).status_code
        == 201
    )
    # a refused request keeps no answer: corrected, the same key works
    fix = {**world.a.auth(), "Idempotency-Key": "fix-me"}
    refused = world.client.post("/api/v1/slots", json={**body, "duration_minutes": 1}, headers=fix)
    assert refused.status_code == 422
    assert world.client.post("/api/v1/slots", json=body, headers=fix).status_code == 201
    bad_key = {**world.a.auth(), "Idempotency-Key": "met spatie"}
    _assert_problem(world.client.post("/api/v1/slots", json=body, headers=bad_key), 400)


def test_concurrent_duplicates_open_one_slot(world: World, now: datetime) -> None:
    headers = {**world.a.auth(), "Idempotency-Key": "tegelijk-1"}
    body = json.dumps(_slot_body(world.a, now)).encode()
    results: list[tuple[int, dict[str, Any], bool]] = []
    barrier = threading.Barrier(6)

    def post() -> None:
        barrier.wait()
        response = world.client.post(
            "/api/v1/slots",
            content=body,
            headers={**headers, "Content-Type": "application/json"},
        )
        results.append(
            (response.status_code, response.json(), "idempotent-replayed" in response.headers)
        )

    threads = [threading.Thread(target=post) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [status for status, _, _ in results] == [201] * 6
    assert len({r["id"] for _, r, _ in results}) == 1
    assert sum(1 for _, _, replayed in results if not replayed) == 1
    assert _count(Slot, world.a.id) == 1
    with session_scope() as db:
        assert db.exec(select(func.count()).select_from(IdempotentReply)).one() == 1


def test_replies_are_kept_a_day(world: World, now: datetime, frozen_clock: Any) -> None:
    from pakjeplekje.services import privacy_purge

    headers = {**world.a.auth(), "Idempotency-Key": "dag-1"}
    body = _slot_body(world.a, now)
    assert world.client.post("/api/v1/slots", json=body, headers=headers).status_code == 201
    assert privacy_purge.run_daily(now + timedelta(hours=23))["api_replies"] == 0
    assert privacy_purge.run_daily(now + timedelta(hours=25))["api_replies"] == 1


# --- rate limit and problem shapes -------------------------------------------------------------


def test_the_rate_limit_answers_429_per_key(
    world: World, app_env: AppEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("API_REQUESTS_PER_MINUTE", "5")
    app_env.reload()
    for _ in range(5):
        assert world.client.get("/api/v1/slots", headers=world.a.auth()).status_code == 200
    limited = world.client.get("/api/v1/slots", headers=world.a.auth())
    body = _assert_problem(limited, 429)
    assert 1 <= int(limited.headers["retry-after"]) <= 60
    assert "5 per minuut" in body["detail"]
    # another key (also of the same practice) has its own window
    assert world.client.get("/api/v1/slots", headers=world.a.auth(read=True)).status_code == 200
    assert world.client.get("/api/v1/slots", headers=world.b.auth()).status_code == 200


def test_the_rate_limit_holds_across_processes_with_redis() -> None:
    """Two limiters on one Redis (as two app processes would have) share one window."""
    import redis

    from tests.local_services import redis_db

    with redis_db() as url:
        first = api_rate.ApiRate(
            api_rate._RedisKeyWindow(redis.Redis.from_url(url), 3, window=60.0, hold=0.0)
        )
        second = api_rate.ApiRate(
            api_rate._RedisKeyWindow(redis.Redis.from_url(url), 3, window=60.0, hold=0.0)
        )
        assert [first.admit(7), second.admit(7), first.admit(7)] == [0.0, 0.0, 0.0]
        assert second.admit(7) > 0
        assert first.admit(8) == 0.0  # another key


HOSTILE: list[tuple[str, bytes, str, int]] = [
    ("broken json", b'{"starts_at": ', "application/json", 400),
    ("not utf-8", b'{"name": "\xff\xfe"}', "application/json", 400),
    ("NaN", b'{"duration_minutes": NaN}', "application/json", 400),
    ("deep nesting", b"[" * 100_000 + b"]" * 100_000, "application/json", 413),
    ("deep but small", b"[" * 30_000 + b"]" * 30_000, "application/json", 400),
    ("array", b"[1, 2]", "application/json", 422),
    ("string", b'"hallo"', "application/json", 422),
    ("empty", b"", "application/json", 422),
    ("form", b"starts_at=morgen", "application/x-www-form-urlencoded", 415),
    ("huge number", b'{"duration_minutes": 1' + b"0" * 5000 + b"}", "application/json", 400),
    ("big float", b'{"duration_minutes": 1e400}', "application/json", 422),
    ("unicode", '{"starts_at": "🦷 morgen \u202e"}'.encode(), "application/json", 422),
    ("nul", b'{"starts_at": "2026-11-25T10:30:00\\u0000+01:00"}', "application/json", 422),
    ("lone surrogate", b'{"starts_at": "\\ud800"}', "application/json", 400),
    ("year one", b'{"starts_at": "0001-01-01T00:00:00+14:00"}', "application/json", 422),
    ("year 9999", b'{"starts_at": "9999-12-31T23:59:00-14:00"}', "application/json", 422),
]


@pytest.mark.parametrize(("case", "raw", "media", "status"), HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_bodies_get_a_problem_not_a_500(
    world: World, case: str, raw: bytes, media: str, status: int
) -> None:
    response = world.client.post(
        "/api/v1/slots", content=raw, headers={**world.a.auth(), "Content-Type": media}
    )
    _assert_problem(response, status)
    assert _count(Slot, world.a.id) == 0


def test_unknown_paths_methods_and_ids_are_problems(world: World) -> None:
    auth = world.a.auth()
    _assert_problem(world.client.get("/api/v1/bestaat-niet", headers=auth), 404)
    wrong = world.client.put("/api/v1/slots", headers=auth)
    _assert_problem(wrong, 405)
    assert set(wrong.headers["allow"].split(", ")) >= {"GET", "POST"}
    for ident in ("0", "-1", "abc", "99999999999999999999", "1e3", "٣"):
        _assert_problem(world.client.get(f"/api/v1/slots/{ident}", headers=auth), 404)
        _assert_problem(world.client.delete(f"/api/v1/waitlist/{ident}", headers=auth), 404)


def test_the_openapi_document_is_served(world: World) -> None:
    response = world.client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.1")
    assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    assert "/api/v1/slots/{id}/close" in document["paths"]
    for schema in document["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)  # OpenAPI 3.1's dialect
        for example in [schema["example"]] if "example" in schema else []:
            assert not list(Draft202012Validator(schema).iter_errors(example)), example


def test_racing_writers_with_one_key_open_one_slot(world: World, now: datetime) -> None:
    """The use case itself, from threads at once (no test client in between): the unique
    (key, Idempotency-Key) lets exactly one transaction through, the rest replay it."""
    from pakjeplekje.domain.core_loop.slot_api import NewSlot
    from pakjeplekje.domain.integrations import idempotency as rules
    from pakjeplekje.services import integration_api

    caller = integration_api.authenticate(world.a.write)
    assert caller is not None
    body = _slot_body(world.a, now)
    new = NewSlot(body["starts_at"], body["duration_minutes"], body["treatment_id"])
    idem = integration_api.Idempotency(
        "race-1", rules.request_hash("POST", "/api/v1/slots", json.dumps(body).encode())
    )
    barrier = threading.Barrier(8)
    replies: list[integration_api.Reply] = []

    def write() -> None:
        barrier.wait()
        replies.append(integration_api.open_slot(caller, new, idem))

    threads = [threading.Thread(target=write) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(replies) == 8
    assert len({r.body["id"] for r in replies if r.body}) == 1
    assert [r.replayed for r in replies].count(False) == 1
    assert _count(Slot, world.a.id) == 1


def test_hostile_waitlist_bodies_change_nothing(world: World) -> None:
    def consent_at(at: str) -> dict[str, Any]:
        body = _entry_body(world.a)
        body["consent"] = {**body["consent"], "at": at}
        return body

    cases: list[tuple[dict[str, Any], int, str]] = [
        (consent_at("0001-01-01T00:00:00+14:00"), 422, "consent.at"),
        (consent_at("2026-01-05"), 422, "consent.at"),
        (_entry_body(world.a, name="Jan\u0000"), 422, "name"),
        (_entry_body(world.a, note="x" * 501), 422, "note"),
        (_entry_body(world.a, treatment_ids=[]), 422, "treatment_ids"),
        (_entry_body(world.a, treatment_ids=["1"]), 422, "treatment_ids.0"),
        (_entry_body(world.a, preferred_practitioner_id=999999), 422, "preferred_practitioner_id"),
        (_entry_body(world.a, phone="06-1234"), 422, "phone"),
    ]
    for body, status, field in cases:
        response = world.client.post("/api/v1/waitlist", json=body, headers=world.a.auth())
        problem = _assert_problem(response, status)
        assert field in {e["field"] for e in problem["errors"]}, problem
    surrogate = b'{"name": "\\ud800"}'
    response = world.client.post(
        "/api/v1/waitlist",
        content=surrogate,
        headers={**world.a.auth(), "Content-Type": "application/json"},
    )
    _assert_problem(response, 400)
    assert _count(Patient, world.a.id) == 0


def test_an_entry_added_through_the_api_is_announced_once_to_its_own_practice(
    world: World, now: datetime
) -> None:
    from pakjeplekje.models import WebhookDelivery, WebhookEndpoint

    with session_scope() as db:
        for practice_id in (world.a.id, world.b.id):
            db.add(
                WebhookEndpoint(
                    practice_id=practice_id,
                    url=f"https://agenda.example/hook/{practice_id}",
                    secret="whsec_test",
                    events="patient.joined",
                    created_at=now,
                )
            )
    added = world.client.post("/api/v1/waitlist", json=_entry_body(world.a), headers=world.a.auth())
    assert added.status_code == 201
    with session_scope() as db:
        rows = db.exec(select(WebhookDelivery)).all()
        assert [(r.practice_id, r.event_type) for r in rows] == [(world.a.id, "patient.joined")]
        data = json.loads(rows[0].payload)["data"]
        assert data == {"patient": {"id": added.json()["id"], "status": "waiting"}, "source": "api"}
