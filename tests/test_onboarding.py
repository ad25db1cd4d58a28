"""A practice's first steps (domain/accounts/onboarding.py) and the checklist the dashboard
builds from them: done by what the practice did, never by another practice's rows."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import pytest
from sqlmodel import Session

from pakjeplekje.domain.accounts import onboarding
from pakjeplekje.domain.core_loop import dashboard
from pakjeplekje.domain.errors import DomainError, PermissionDenied
from pakjeplekje.domain.waitlist import patients
from pakjeplekje.models import Practice
from pakjeplekje.services.demo import waiting_patient
from pakjeplekje.ui.state.dashboard import first_step_rows
from tests.test_patient_csv import treatment_id
from tests.test_practice_settings import Team, make_team, outreach
from tests.test_waves import Clinic

if TYPE_CHECKING:
    from conftest import Factory


def _add_patient(db: Session, team: Team, now: datetime, phone: str = "+31612345678") -> None:
    treatment = treatment_id(db, team.practice_id, "controle")
    patients.insert(db, team.practice_id, waiting_patient("Anna Appel", phone, treatment), now)
    db.flush()


def _add_slot(db: Session, team: Team, now: datetime) -> None:
    practice = db.get(Practice, team.practice_id)
    assert practice is not None
    treatment = treatment_id(db, team.practice_id, "controle")
    Clinic(db, practice, treatment, []).slot(now + timedelta(days=2), now)


def test_a_new_practice_has_done_nothing_yet(db: Session, factory: Factory) -> None:
    team = make_team(db, factory, "Nieuw")
    steps = onboarding.first_steps(db, team.practice_id)
    assert steps == onboarding.FirstSteps(patients=False, settings=False, first_slot=False)
    assert not steps.all_done
    assert steps.next_step == onboarding.PATIENTS


def test_each_step_is_done_by_what_the_practice_did(
    db: Session, factory: Factory, now: datetime
) -> None:
    team = make_team(db, factory, "Molen")

    _add_patient(db, team, now)
    assert onboarding.first_steps(db, team.practice_id).done == {
        onboarding.PATIENTS: True,
        onboarding.SETTINGS: False,
        onboarding.FIRST_SLOT: False,
    }
    assert onboarding.first_steps(db, team.practice_id).next_step == onboarding.SETTINGS

    outreach(db, team.owner, now)
    db.flush()
    steps = onboarding.first_steps(db, team.practice_id)
    assert (steps.settings, steps.next_step) == (True, onboarding.FIRST_SLOT)

    _add_slot(db, team, now)
    steps = onboarding.first_steps(db, team.practice_id)
    assert steps.all_done and steps.next_step is None


def test_only_a_saved_sms_rules_form_checks_the_settings(
    db: Session, factory: Factory, now: datetime
) -> None:
    """Refused saves (staff, a bad sender name) check nothing; a second save keeps the first
    moment."""
    team = make_team(db, factory, "Gracht")
    with pytest.raises(PermissionDenied):
        outreach(db, team.staff, now)
    with pytest.raises(DomainError):
        outreach(db, team.owner, now, sender_name="met spatie")
    assert not onboarding.first_steps(db, team.practice_id).settings

    outreach(db, team.owner, now)
    outreach(db, team.owner, now + timedelta(days=3), wave_size="4")
    db.flush()
    practice = db.get(Practice, team.practice_id)
    assert practice is not None and practice.settings_checked_at == now


def test_another_practices_rows_do_not_count(db: Session, factory: Factory, now: datetime) -> None:
    mine, theirs = make_team(db, factory, "Eigen"), make_team(db, factory, "Ander")
    _add_patient(db, theirs, now)
    _add_slot(db, theirs, now)
    outreach(db, theirs.owner, now)
    db.flush()
    assert onboarding.first_steps(db, mine.practice_id) == onboarding.FirstSteps(
        False, False, False
    )
    assert onboarding.first_steps(db, theirs.practice_id).all_done


def test_the_dashboard_reads_the_steps(db: Session, factory: Factory, now: datetime) -> None:
    team = make_team(db, factory, "Dijk")
    _add_patient(db, team, now)
    view = dashboard.overview(db, team.practice_id, now)
    assert view.first_steps == onboarding.first_steps(db, team.practice_id)


def test_the_checklist_leads_with_the_first_open_step_and_is_gone_when_all_are_done() -> None:
    rows = first_step_rows(onboarding.FirstSteps(patients=True, settings=False, first_slot=False))
    assert [(r.key, r.done, r.current) for r in rows] == [
        (onboarding.PATIENTS, True, False),
        (onboarding.SETTINGS, False, True),
        (onboarding.FIRST_SLOT, False, False),
    ]
    assert [r.href for r in rows] == ["/wachtlijst", "/instellingen", "/plekken"]
    assert first_step_rows(onboarding.FirstSteps(True, True, True)) == []
