"""Staff review of online sign-ups and the Online aanmelden setting, through the event handlers
as the websocket calls them: accept makes an entry `waiting`, refuse erases it, and neither
(nor the setting) reaches another practice or works for the wrong role."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlmodel import select

from pakjeplekje import clock, routes
from pakjeplekje.db import session_scope
from pakjeplekje.domain.accounts.sessions import start_session
from pakjeplekje.domain.waitlist import patients, signup
from pakjeplekje.models import AuditEvent, Patient, Practice, Treatment
from pakjeplekje.ui.state.practice_settings import SignupSettingsState
from pakjeplekje.ui.state.waitlist import WaitlistState
from tests.conftest import AppEnv, Factory
from tests.test_state_events import connected, run


@dataclass(frozen=True)
class Place:
    practice_id: int
    slug: str
    owner_token: str
    staff_token: str
    pending_id: int


def _online(name: str, phone: str, treatment_id: int) -> patients.CleanPatient:
    return patients.CleanPatient(
        name=name,
        phone=phone,
        treatment_ids=(treatment_id,),
        duration_minutes=30,
        availability=patients.CELLS["ma-ochtend"],
        preferred_practitioner_id=None,
        urgency="normaal",
        note="",
        consent_method="online",
        status="pending",
        consent_text_version=signup.CONSENT_TEXT_VERSION,
    )


@pytest.fixture
def places(app_env: AppEnv, factory: Factory) -> tuple[Place, Place]:
    """Alfa and Beta, each with an owner, a staff member and one pending online sign-up."""
    made = []
    with session_scope() as db:
        for name, phone in (("Alfa", "+31611110001"), ("Beta", "+31611110002")):
            practice = factory.practice(db, f"Tandartspraktijk {name}")
            owner = factory.user(db, practice, f"eigenaar@{name.lower()}.nl", role="owner")
            staff = factory.user(db, practice, f"balie@{name.lower()}.nl")
            treatment = Treatment(practice_id=practice.id, name="Controle")
            db.add(treatment)
            db.flush()
            pending = patients.insert(
                db, practice.id, _online(f"Aanmelder {name}", phone, treatment.id), clock.now()
            )
            made.append(
                Place(
                    practice.id,
                    practice.slug,
                    start_session(db, owner, clock.now()),
                    start_session(db, staff, clock.now()),
                    pending.id,
                )
            )
    return made[0], made[1]


def _status(patient_id: int) -> str | None:
    with session_scope() as db:
        patient = db.get(Patient, patient_id)
        return None if patient is None else patient.status


def test_staff_see_pending_sign_ups_and_accept_one(places: tuple[Place, Place]) -> None:
    a, _ = places
    grid = connected(WaitlistState, a.staff_token)
    run(grid.load())
    assert grid.pending == 1 and grid.rows == []  # the default filter shows who waits
    run(grid.show_pending())
    assert [(r.name, r.status_label) for r in grid.rows] == [("Aanmelder Alfa", "Te beoordelen")]
    run(grid.open_edit(str(a.pending_id)))
    assert "Online aangemeld (sms-code)" in grid.history
    assert f"tekstversie {signup.CONSENT_TEXT_VERSION}" in grid.history
    run(grid.accept_signup(str(a.pending_id)))
    assert _status(a.pending_id) == "waiting"
    assert grid.pending == 0 and grid.rows == []
    run(grid.accept_signup(str(a.pending_id)))  # twice: a message, nothing else
    assert grid.error == signup.NOT_PENDING


def test_refusing_erases_the_sign_up(places: tuple[Place, Place]) -> None:
    a, _ = places
    grid = connected(WaitlistState, a.staff_token)
    run(grid.load())
    run(grid.refuse_signup(str(a.pending_id)))
    assert _status(a.pending_id) is None
    with session_scope() as db:
        event = db.exec(
            select(AuditEvent).where(AuditEvent.action == "patient.signup_refused")
        ).one()
        assert (event.practice_id, event.target_id) == (a.practice_id, a.pending_id)


def test_another_practice_cannot_accept_or_refuse(places: tuple[Place, Place]) -> None:
    a, b = places
    grid = connected(WaitlistState, b.owner_token)
    run(grid.load())
    run(grid.accept_signup(str(a.pending_id)))
    assert grid.error == patients.NOT_FOUND
    run(grid.refuse_signup(str(a.pending_id)))
    assert grid.error == patients.NOT_FOUND
    run(grid.accept_signup("abc"))
    assert _status(a.pending_id) == "pending"
    assert _status(b.pending_id) == "pending"


def test_signup_setting_shows_the_link_and_only_the_owner_changes_it(
    places: tuple[Place, Place],
) -> None:
    a, b = places
    owner = connected(SignupSettingsState, a.owner_token)
    run(owner.load())
    assert owner.link.endswith(routes.public_signup(a.slug))
    assert owner.poster.endswith(routes.signup_poster(a.slug))
    assert owner.mode == "beoordelen"

    staff = connected(SignupSettingsState, a.staff_token)
    run(staff.load())
    run(staff.set_mode("automatisch"))
    assert "eigenaar" in staff.error
    run(owner.set_mode("iets anders"))
    assert owner.error
    run(owner.set_mode("automatisch"))
    assert owner.mode == "automatisch" and owner.error == ""

    with session_scope() as db:
        modes = {p.id: p.signup_mode for p in db.exec(select(Practice)).all()}
    assert modes == {a.practice_id: "automatisch", b.practice_id: "beoordelen"}
