"""Event handlers as the websocket calls them: the session comes from the handshake's cookie.

A hostile client can send any event with any payload, so these tests call the handlers directly
with practice B's cookie and practice A's ids, and check that nothing of A is read or changed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

import pytest
import reflex as rx
from reflex import constants
from reflex.state import State
from sqlmodel import select

from pakjeplekje import clock
from pakjeplekje.db import session_scope
from pakjeplekje.domain.accounts import practice_settings
from pakjeplekje.domain.accounts.sessions import start_session
from pakjeplekje.domain.waitlist import patients
from pakjeplekje.models import Patient, Treatment, User
from pakjeplekje.models import Practice as Practice_
from pakjeplekje.services.demo import waiting_patient
from pakjeplekje.ui.state.practice_settings import PracticeSettingsState
from pakjeplekje.ui.state.session import SessionState
from pakjeplekje.ui.state.team import TeamState
from pakjeplekje.ui.state.waitlist import WaitlistState
from pakjeplekje.web.session_cookie import COOKIE_NAME
from tests.conftest import AppEnv, Factory

S = TypeVar("S", bound=rx.State)
T = TypeVar("T")


def run(coro: Coroutine[object, object, T]) -> T:
    """Await a handler on a loop of its own thread (Playwright's sync API may hold this one)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


def connected(state_cls: type[S], token: str | None) -> S:
    """The state a websocket with this session cookie (or none) gets."""
    root = State()
    headers = {"cookie": f"{COOKIE_NAME}={token}"} if token else {}
    root.router_data = {
        constants.RouteVar.HEADERS: headers,
        constants.RouteVar.CLIENT_IP: "10.0.0.1",
    }
    root._update_router_vars(root.router_data, {})
    return root.get_substate(state_cls.get_full_name().split(".")[1:])  # type: ignore[return-value]


@dataclass(frozen=True)
class Practice:
    owner_token: str
    staff_token: str
    staff_id: int
    staff_email: str


@pytest.fixture
def practices(app_env: AppEnv, factory: Factory) -> tuple[Practice, Practice]:
    """Practices A and B with a logged-in owner and staff member each, committed for real."""
    made = []
    with session_scope() as db:
        for name in ("alfa", "beta"):
            practice = factory.practice(db, f"Tandartspraktijk {name.title()}")
            owner = factory.user(db, practice, f"eigenaar@{name}.nl", role="owner")
            staff = factory.user(db, practice, f"assistent@{name}.nl")
            made.append(
                Practice(
                    owner_token=start_session(db, owner, clock.now()),
                    staff_token=start_session(db, staff, clock.now()),
                    staff_id=staff.id,  # type: ignore[arg-type]
                    staff_email=staff.email,
                )
            )
    return made[0], made[1]


def _user(user_id: int) -> User:
    with session_scope() as db:
        user = db.exec(select(User).where(User.id == user_id)).one()
        db.expunge(user)
        return user


def test_owner_sees_only_their_own_team(practices: tuple[Practice, Practice]) -> None:
    a, b = practices
    team = connected(TeamState, b.owner_token)
    run(team.load())
    emails = {m["email"] for m in team.members}
    assert emails == {"eigenaar@beta.nl", "assistent@beta.nl"}
    assert a.staff_email not in emails


@pytest.mark.parametrize("event", ["promote", "demote", "deactivate", "reactivate"])
def test_other_practice_ids_are_not_found(practices: tuple[Practice, Practice], event: str) -> None:
    a, b = practices
    team = connected(TeamState, b.owner_token)
    if event in {"deactivate", "reactivate"}:
        run(getattr(team, event)(str(a.staff_id)))
    else:
        run(team.set_role(str(a.staff_id), "owner" if event == "promote" else "staff"))
    assert team.error == "Deze medewerker bestaat niet (meer)."
    victim = _user(a.staff_id)
    assert (victim.role, victim.status) == ("staff", "active")
    assert a.staff_email not in {m["email"] for m in team.members}


def test_staff_cannot_use_owner_events(practices: tuple[Practice, Practice]) -> None:
    a, _ = practices
    team = connected(TeamState, a.staff_token)
    run(team.load())
    assert team.members == []
    assert team.error == "Dit mag alleen de eigenaar van de praktijk."
    run(team.set_role(str(a.staff_id), "owner"))
    assert _user(a.staff_id).role == "staff"


@pytest.mark.parametrize("user_id", ["1 OR 1=1", "-1", "", "9" * 40])
def test_malformed_ids_change_nothing(practices: tuple[Practice, Practice], user_id: str) -> None:
    a, _ = practices
    team = connected(TeamState, a.owner_token)
    run(team.deactivate(user_id))
    assert team.error
    assert _user(a.staff_id).status == "active"


def test_events_without_a_valid_session_redirect_to_login(
    practices: tuple[Practice, Practice],
) -> None:
    a, _ = practices
    for token in (None, "forged-token"):
        team = connected(TeamState, token)
        result = run(team.deactivate(str(a.staff_id)))
        assert result is not None and "/inloggen" in str(result)
        assert team.members == []
    assert _user(a.staff_id).status == "active"


def test_page_guard_marks_owner_pages_for_staff(
    practices: tuple[Practice, Practice],
) -> None:
    a, _ = practices
    staff = connected(SessionState, a.staff_token)
    assert run(staff.require_owner()) is None
    assert staff.access_denied and staff.role == "staff"
    owner = connected(SessionState, a.owner_token)
    run(owner.require_owner())
    assert not owner.access_denied and owner.practice_name == "Tandartspraktijk Alfa"


# --- the waitlist and settings events ------------------------------------------------------


@pytest.fixture
def a_patient(practices: tuple[Practice, Practice]) -> int:
    """One waiting patient in practice A (created through the domain, committed)."""
    with session_scope() as db:
        a_staff = db.exec(select(User).where(User.email == "assistent@alfa.nl")).one()
        practice_settings.create_default_treatments(db, a_staff.practice_id)
        db.flush()
        treatment = db.exec(
            select(Treatment.id).where(Treatment.practice_id == a_staff.practice_id)
        ).first()
        clean = waiting_patient("Alma Alfa", "+31611112222", treatment)
        return patients.insert(db, a_staff.practice_id, clean, clock.now()).id  # type: ignore[return-value]


def _patient(patient_id: int) -> Patient | None:
    with session_scope() as db:
        patient = db.get(Patient, patient_id)
        if patient is not None:
            db.expunge(patient)
        return patient


def test_waitlist_events_never_reach_another_practice(
    practices: tuple[Practice, Practice], a_patient: int
) -> None:
    _, b = practices
    grid = connected(WaitlistState, b.owner_token)
    run(grid.load())
    grid.search = "Alma"
    run(grid.set_search("0611112222"))
    assert grid.rows == [] and grid.total == 0

    run(grid.open_edit(str(a_patient)))
    assert not grid.dialog_open and grid.form.get("name") != "Alma Alfa"
    assert grid.error == patients.NOT_FOUND

    run(grid.remove(str(a_patient)))
    grid.editing_id = a_patient  # a forged dialog state: save must still refuse
    run(
        grid.save(
            {
                "name": "Overgenomen",
                "phone": "0611113333",
                "duration": "30",
                "cell-ma-ochtend": "on",
                "consent": "balie",
            }
        )
    )
    run(grid.delete(str(a_patient)))

    patient = _patient(a_patient)
    assert patient is not None
    assert (patient.name, patient.status) == ("Alma Alfa", "waiting")


def test_settings_events_never_reach_another_practice(
    practices: tuple[Practice, Practice], a_patient: int
) -> None:
    _, b = practices
    with session_scope() as db:
        a_treatment = db.exec(
            select(Treatment)
            .join(Practice_, Practice_.id == Treatment.practice_id)
            .where(Practice_.name == "Tandartspraktijk Alfa")
        ).first()
        assert a_treatment is not None
        a_treatment_id, before = a_treatment.id, a_treatment.default_duration_minutes
    settings = connected(PracticeSettingsState, b.owner_token)
    run(settings.load())
    assert str(a_treatment_id) not in {t["id"] for t in settings.treatments}
    run(settings.save_treatment(str(a_treatment_id), "240", False))
    assert settings.error
    with session_scope() as db:
        treatment = db.get(Treatment, a_treatment_id)
        assert treatment is not None
        assert (treatment.default_duration_minutes, treatment.active) == (before, True)
