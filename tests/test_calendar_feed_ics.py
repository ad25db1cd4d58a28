"""The practice's secret calendar feed (/agenda/<token>.ics): only its own filled slots, a
revoked or replaced link stops at once, valid RFC 5545, managed by the owner only."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import pytest
from sqlmodel import select
from starlette.testclient import TestClient

from pakjeplekje import clock, routes
from pakjeplekje.db import session_scope
from pakjeplekje.domain.accounts import practice_settings
from pakjeplekje.domain.actor import Actor
from pakjeplekje.domain.errors import PermissionDenied
from pakjeplekje.domain.integrations import calendar_feed
from pakjeplekje.domain.tokens import hash_token
from pakjeplekje.domain.waitlist import patients
from pakjeplekje.models import AuditEvent, Practice, Practitioner, Slot, Treatment
from pakjeplekje.services.demo import waiting_patient
from pakjeplekje.ui.state.calendar_feed import CalendarFeedState
from pakjeplekje.web.api import create_api
from tests.test_state_events import connected, run

if TYPE_CHECKING:
    from conftest import AppEnv, Factory


@dataclass(frozen=True)
class Tenant:
    practice_id: int
    name: str
    owner: Actor
    staff: Actor
    owner_token: str
    staff_token: str
    patient: str


def _slot(
    practice_id: int, starts_at: datetime, status: str, patient_id: int | None, **ids: int | None
) -> Slot:
    return Slot(
        practice_id=practice_id,
        starts_at=starts_at,
        duration_minutes=45,
        created_at=clock.now() - timedelta(hours=1),
        status=status,
        claimed_at=clock.now() if status == "claimed" else None,
        claimed_via="page" if status == "claimed" else None,
        claimed_patient_id=patient_id if status == "claimed" else None,
        **ids,
    )


@pytest.fixture
def tenants(app_env: AppEnv, factory: Factory) -> tuple[Tenant, Tenant]:
    """A and B, each with an owner, a staff member and a patient (phone on record) who won one
    slot in two days; plus slots that must not show: open, closed, and filled too long ago or
    too far ahead."""
    now = clock.now()
    made = []
    with session_scope() as db:
        for name, patient_name, phone in (
            ("alfa", "Anna de Vries", "+31611111111"),
            ("beta", "Bram Bakker", "+31622222222"),
        ):
            practice = factory.practice(db, f"Tandartspraktijk {name.title()}")
            owner = factory.user(db, practice, f"eigenaar@{name}.nl", role="owner")
            staff = factory.user(db, practice, f"assistent@{name}.nl")
            practice_settings.create_default_treatments(db, practice.id)
            db.flush()
            treatment = db.exec(
                select(Treatment).where(Treatment.practice_id == practice.id)
            ).first()
            assert treatment is not None
            practitioner = Practitioner(practice_id=practice.id, name=f"Dr. {name.title()}")
            db.add(practitioner)
            db.flush()
            patient = patients.insert(
                db, practice.id, waiting_patient(patient_name, phone, treatment.id), now
            )
            ids = {"treatment_id": treatment.id, "practitioner_id": practitioner.id}
            db.add(_slot(practice.id, now + timedelta(days=2), "claimed", patient.id, **ids))
            db.add(_slot(practice.id, now + timedelta(days=3), "open", None, **ids))
            db.add(_slot(practice.id, now + timedelta(days=4), "closed", None, **ids))
            db.add(_slot(practice.id, now - timedelta(days=40), "claimed", patient.id, **ids))
            db.add(_slot(practice.id, now + timedelta(days=200), "claimed", patient.id, **ids))
            owner_raw, owner_actor = factory.login(db, owner)
            staff_raw, staff_actor = factory.login(db, staff)
            made.append(
                Tenant(
                    practice_id=practice.id,
                    name=practice.name,
                    owner=owner_actor,
                    staff=staff_actor,
                    owner_token=owner_raw,
                    staff_token=staff_raw,
                    patient=patient_name,
                )
            )
    return made[0], made[1]


@pytest.fixture
def client(app_env: AppEnv) -> Iterator[TestClient]:
    with TestClient(create_api()) as test_client:
        yield test_client


def make_link(tenant: Tenant) -> str:
    with session_scope() as db:
        return calendar_feed.create_link(db, tenant.owner, clock.now())


def unfold(body: str) -> list[str]:
    """The content lines of an iCalendar text, after checking its wire form: CRLF only, no
    physical line over 75 octets, continuation lines starting with a space (RFC 5545 3.1)."""
    assert body.endswith("\r\n")
    physical = body[:-2].split("\r\n")
    assert "\n" not in "".join(physical) and "\r" not in "".join(physical)
    assert all(len(line.encode("utf-8")) <= 75 for line in physical)
    lines: list[str] = []
    for line in physical:
        if line.startswith(" "):
            lines[-1] += line[1:]
        else:
            lines.append(line)
    return lines


def events(body: str) -> list[dict[str, str]]:
    """Each VEVENT's properties, after checking that BEGIN/END pairs nest properly."""
    stack: list[str] = []
    found: list[dict[str, str]] = []
    for line in unfold(body):
        name, _, value = line.partition(":")
        if name == "BEGIN":
            stack.append(value)
            if value == "VEVENT":
                found.append({})
        elif name == "END":
            assert stack.pop() == value
        else:
            assert stack, f"property outside a component: {line}"
            if stack[-1] == "VEVENT":
                found[-1][name] = value
    assert stack == []
    return found


def test_feed_holds_only_this_practices_filled_slots(
    client: TestClient, tenants: tuple[Tenant, Tenant]
) -> None:
    a, b = tenants
    token_a, token_b = make_link(a), make_link(b)
    response = client.get(routes.calendar_feed(token_a))
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    assert response.headers["cache-control"] == "no-store"
    body = response.text
    assert body.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n")
    assert "X-WR-CALNAME:PakJePlekje – Tandartspraktijk Alfa" in unfold(body)
    [event] = events(body)  # not the open, closed, 40 days old or 200 days ahead ones
    with session_scope() as db:
        slot = db.exec(
            select(Slot).where(
                Slot.practice_id == a.practice_id,
                Slot.status == "claimed",
                Slot.starts_at > clock.now(),
                Slot.starts_at < clock.now() + timedelta(days=30),
            )
        ).one()
    starts = slot.starts_at
    assert event["UID"] == f"slot-{slot.id}@pakjeplekje"
    assert event["DTSTART"] == starts.strftime("%Y%m%dT%H%M%SZ")
    assert event["DTEND"] == (starts + timedelta(minutes=45)).strftime("%Y%m%dT%H%M%SZ")
    assert event["DTSTAMP"].endswith("Z")
    assert event["SUMMARY"].startswith("Gevuld via PakJePlekje: ")
    assert event["DESCRIPTION"] == "Patiënt: Anna de Vries\\nBehandelaar: Dr. Alfa"
    # Minimal: the name only, never the phone number; and nothing of practice B.
    assert "+3161" not in body and "611111111" not in body
    assert "Bram" not in body and "Beta" not in body
    feed_b = client.get(routes.calendar_feed(token_b)).text
    assert "Bram Bakker" in feed_b and "Anna" not in feed_b and "Alfa" not in feed_b
    again = events(client.get(routes.calendar_feed(token_a)).text)
    assert again[0]["UID"] == event["UID"]  # stable: calendars update, never duplicate


def test_only_the_hash_of_the_token_is_stored(tenants: tuple[Tenant, Tenant]) -> None:
    a, _ = tenants
    raw = make_link(a)
    assert len(raw) >= 43  # 256 bits, URL-safe
    with session_scope() as db:
        practice = db.get(Practice, a.practice_id)
        assert practice is not None and practice.calendar_token_hash == hash_token(raw)
        assert raw not in str(practice.model_dump())


def test_revoked_link_answers_404_at_once(
    client: TestClient, tenants: tuple[Tenant, Tenant]
) -> None:
    a, _ = tenants
    token = make_link(a)
    assert client.get(routes.calendar_feed(token)).status_code == 200
    with session_scope() as db:
        calendar_feed.revoke_link(db, a.owner, clock.now())
    assert client.get(routes.calendar_feed(token)).status_code == 404
    with session_scope() as db:
        actions = db.exec(
            select(AuditEvent.action)
            .where(AuditEvent.practice_id == a.practice_id)
            .where(AuditEvent.action.startswith("settings.calendar_feed"))  # type: ignore[attr-defined]
            .order_by(AuditEvent.id)  # type: ignore[arg-type]
        ).all()
    assert actions == ["settings.calendar_feed_created", "settings.calendar_feed_revoked"]


def test_new_link_replaces_the_old_one(client: TestClient, tenants: tuple[Tenant, Tenant]) -> None:
    a, _ = tenants
    old = make_link(a)
    new = make_link(a)
    assert old != new
    assert client.get(routes.calendar_feed(old)).status_code == 404
    assert client.get(routes.calendar_feed(new)).status_code == 200


@pytest.mark.parametrize("token", ["onbekend", "", "a" * 500, "..%2F..%2Fetc"])
def test_unknown_tokens_answer_404(
    client: TestClient, tenants: tuple[Tenant, Tenant], token: str
) -> None:
    make_link(tenants[0])
    assert client.get(f"/agenda/{token}.ics").status_code == 404


def test_a_deleted_practice_has_no_feed(client: TestClient, tenants: tuple[Tenant, Tenant]) -> None:
    a, _ = tenants
    token = make_link(a)
    with session_scope() as db:
        practice = db.get(Practice, a.practice_id)
        assert practice is not None
        practice.status = "deleted"
    assert client.get(routes.calendar_feed(token)).status_code == 404


def test_staff_cannot_make_or_revoke_a_link(tenants: tuple[Tenant, Tenant]) -> None:
    a, _ = tenants
    with session_scope() as db, pytest.raises(PermissionDenied):
        calendar_feed.create_link(db, a.staff, clock.now())
    token = make_link(a)
    with session_scope() as db, pytest.raises(PermissionDenied):
        calendar_feed.revoke_link(db, a.staff, clock.now())
    with session_scope() as db:
        assert calendar_feed.feed(db, token, clock.now()) is not None


def test_owner_handlers_make_and_revoke_the_link(
    client: TestClient, tenants: tuple[Tenant, Tenant]
) -> None:
    """Through the Reflex handlers as a browser calls them: the owner's link works and is
    shown once; staff are refused and change nothing."""
    a, b = tenants
    state = connected(CalendarFeedState, a.owner_token)
    run(state.load())
    assert (state.active, state.url) == (False, "")
    run(state.create())
    assert state.active and state.url.startswith("http")
    path = "/" + state.url.split("/", 3)[3]
    assert client.get(path).status_code == 200
    assert a.patient in client.get(path).text
    run(state.load())  # another visit: the link is live but never shown again
    assert (state.active, state.url) == (True, "")

    staff = connected(CalendarFeedState, a.staff_token)
    run(staff.load())
    assert staff.active is False  # staff see no card and learn nothing
    run(staff.revoke())
    assert staff.error == "Dit mag alleen de eigenaar van de praktijk."
    run(staff.create())
    assert staff.url == ""
    assert client.get(path).status_code == 200  # staff changed nothing

    other = connected(CalendarFeedState, b.owner_token)
    run(other.revoke())  # B's owner revokes B's (absent) link, never A's
    assert client.get(path).status_code == 200

    run(state.revoke())
    assert (state.active, state.url) == (False, "")
    assert client.get(path).status_code == 404


def test_events_without_a_session_change_nothing(
    client: TestClient, tenants: tuple[Tenant, Tenant]
) -> None:
    a, _ = tenants
    token = make_link(a)
    stranger = connected(CalendarFeedState, None)
    run(stranger.revoke())
    run(stranger.create())
    assert stranger.url == ""
    assert client.get(routes.calendar_feed(token)).status_code == 200


def test_long_text_folds_at_75_octets(tenants: tuple[Tenant, Tenant]) -> None:
    item = calendar_feed.FeedEvent(
        slot_id=1,
        starts_at=clock.now(),
        duration_minutes=30,
        treatment="wortelkanaalbehandeling; " * 4,
        practitioner="Dr. Ëlla van den Bergh-Österreicher, tandarts-implantoloog",
        patient="Zoë ’t Hart-van Ëssen, Loïs",
    )
    body = calendar_feed.calendar("Praktijk Één, Twee", [item], clock.now())
    [event] = events(body)
    assert "\\;" in event["SUMMARY"] and "Zoë ’t Hart-van Ëssen\\, Loïs" in event["DESCRIPTION"]
