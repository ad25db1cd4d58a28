"""Instellingen: treatments and practitioners (owner and staff), outreach rules (owner only).

These values steer who gets texted and when, so every field is validated and every change
leaves an audit event. Real database, no bcrypt (sign-up's hash is stubbed where it runs).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from pakjeplekje.config import get_settings
from pakjeplekje.domain.accounts import auth, practice_settings
from pakjeplekje.domain.accounts.practice_settings import Outreach
from pakjeplekje.domain.actor import Actor
from pakjeplekje.domain.errors import DomainError, PermissionDenied
from pakjeplekje.domain.waitlist import patients
from pakjeplekje.domain.waitlist.patients import PatientInput, ValidationFailed
from pakjeplekje.models import AuditEvent, Practice, Practitioner, Treatment

if TYPE_CHECKING:
    from conftest import Factory

SPEC_DEFAULTS = {
    "controle",
    "gebitsreiniging",
    "vulling",
    "wortelkanaalbehandeling",
    "kroon",
    "extractie",
    "overig",
}


@dataclass(frozen=True)
class Team:
    practice_id: int
    owner: Actor
    staff: Actor


def make_team(db: Session, factory: Factory, name: str) -> Team:
    practice = factory.practice(db, f"Tandartspraktijk {name}")
    assert practice.id is not None
    practice_settings.create_default_treatments(db, practice.id)
    db.flush()
    owner = factory.user(db, practice, f"eigenaar@{name.lower()}.nl", role="owner")
    staff = factory.user(db, practice, f"balie@{name.lower()}.nl")
    return Team(practice.id, factory.login(db, owner)[1], factory.login(db, staff)[1])


@pytest.fixture
def team(db: Session, factory: Factory) -> Team:
    return make_team(db, factory, "Molen")


def treatment_id(db: Session, team: Team, name: str) -> int:
    found = db.exec(
        select(Treatment.id).where(
            Treatment.practice_id == team.practice_id, Treatment.name == name
        )
    ).one()
    assert found is not None
    return found


def events(db: Session, action: str) -> list[AuditEvent]:
    db.flush()
    return list(db.exec(select(AuditEvent).where(AuditEvent.action == action)))


def state(db: Session, practice_id: int) -> tuple[object, ...]:
    """Everything settings can change, read fresh from the database."""
    db.flush()
    db.expire_all()
    practice = db.get(Practice, practice_id)
    assert practice is not None
    treatments = db.exec(
        select(Treatment).where(Treatment.practice_id == practice_id).order_by(Treatment.id)  # type: ignore[arg-type]
    ).all()
    practitioners = db.exec(
        select(Practitioner)
        .where(Practitioner.practice_id == practice_id)
        .order_by(Practitioner.id)  # type: ignore[arg-type]
    ).all()
    audit_count = db.exec(select(func.count()).select_from(AuditEvent)).one()
    return (
        practice.model_dump(),
        [t.model_dump() for t in treatments],
        [p.model_dump() for p in practitioners],
        audit_count,
    )


def new_patient(team: Team, treatment: int, practitioner: int | None = None) -> PatientInput:
    return PatientInput(
        name="Jan Jansen",
        phone="0612345678",
        treatment_ids=[treatment],
        duration_minutes=30,
        availability=["ma-ochtend"],
        preferred_practitioner_id=practitioner,
        consent_method="balie",
    )


# --- defaults ----------------------------------------------------------------------------


def test_sign_up_creates_the_default_treatments_and_outreach_rules(
    db: Session, factory: Factory, now: datetime, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A new practice can fill its waitlist straight away, without visiting Instellingen."""
    monkeypatch.setattr(auth, "hash_password", lambda password: "stub-hash")  # no bcrypt here
    user = auth.sign_up(
        db,
        practice_name="Tandartspraktijk De Molen",
        name="Sanne de Vries",
        email="sanne@molen.nl",
        password="Molen-Tandarts-2026!",
        now=now,
    )
    _, owner = factory.login(db, user)
    view = practice_settings.view(db, owner)
    durations = {t.name: t.default_duration_minutes for t in view.treatments}
    assert durations == dict(practice_settings.DEFAULT_TREATMENTS)
    assert set(durations) == SPEC_DEFAULTS
    assert all(5 <= minutes <= 240 for minutes in durations.values())
    assert all(t.active for t in view.treatments)
    assert view.practitioners == []
    assert view.outreach == Outreach(5, 10, "21:00", "08:00", 60, 3, "Molen", "adaptief")


def test_defaults_belong_to_the_new_practice_only(db: Session, factory: Factory) -> None:
    a = make_team(db, factory, "Alfa")
    b = make_team(db, factory, "Beta")
    for team in (a, b):
        names = [t.name for t in practice_settings.view(db, team.owner).treatments]
        assert sorted(names) == sorted(SPEC_DEFAULTS)
    total = db.exec(select(func.count()).select_from(Treatment)).one()
    assert total == 2 * len(SPEC_DEFAULTS)


# --- treatments --------------------------------------------------------------------------


def test_add_treatment_lower_cases_and_audits(db: Session, team: Team, now: datetime) -> None:
    treatment = practice_settings.add_treatment(
        db, team.staff, name="  Implantaat   Consult ", duration="45", now=now
    )
    assert (treatment.name, treatment.default_duration_minutes, treatment.active) == (
        "implantaat consult",
        45,
        True,
    )
    assert treatment.practice_id == team.practice_id
    [event] = events(db, "settings.treatment_added")
    assert (event.practice_id, event.actor_user_id, event.target_type, event.target_id) == (
        team.practice_id,
        team.staff.user_id,
        "treatment",
        treatment.id,
    )
    # and it can be chosen for a patient right away
    patients.validate(db, team.practice_id, new_patient(team, treatment.id))  # type: ignore[arg-type]


@pytest.mark.parametrize("name", ["Controle", "CONTROLE", " controle ", "Kroon"])
def test_duplicate_treatment_is_refused_case_insensitively(
    db: Session, team: Team, now: datetime, name: str
) -> None:
    before = state(db, team.practice_id)
    with pytest.raises(DomainError) as refused:
        practice_settings.add_treatment(db, team.owner, name=name, duration=30, now=now)
    assert refused.value.field == "name"
    assert state(db, team.practice_id) == before


def test_same_treatment_name_in_another_practice_is_fine(
    db: Session, factory: Factory, team: Team, now: datetime
) -> None:
    other = make_team(db, factory, "Elders")
    practice_settings.add_treatment(db, team.owner, name="Bleken", duration=30, now=now)
    practice_settings.add_treatment(db, other.owner, name="bleken", duration=30, now=now)


@pytest.mark.parametrize(
    ("name", "duration", "field"),
    [
        ("", 30, "name"),
        ("   ", 30, "name"),
        ("x" * 51, 30, "name"),
        ("bleken", 4, "Duur"),
        ("bleken", 241, "Duur"),
        ("bleken", 0, "Duur"),
        ("bleken", "-10", "Duur"),
        ("bleken", "half uur", "Duur"),
        ("bleken", "", "Duur"),
        ("bleken", "30.5", "Duur"),
    ],
)
def test_add_treatment_validation(
    db: Session, team: Team, now: datetime, name: str, duration: object, field: str
) -> None:
    before = state(db, team.practice_id)
    with pytest.raises(DomainError) as refused:
        practice_settings.add_treatment(db, team.owner, name=name, duration=duration, now=now)
    assert refused.value.field == field
    assert refused.value.message
    assert state(db, team.practice_id) == before


@pytest.mark.parametrize(("name", "duration"), [("x" * 50, 30), ("kort", 5), ("lang", 240)])
def test_add_treatment_edges_are_accepted(
    db: Session, team: Team, now: datetime, name: str, duration: int
) -> None:
    practice_settings.add_treatment(db, team.owner, name=name, duration=duration, now=now)


def test_update_treatment_changes_duration_and_switches_off(
    db: Session, team: Team, now: datetime
) -> None:
    kroon = treatment_id(db, team, "kroon")
    practice_settings.update_treatment(
        db, team.staff, treatment_id=kroon, duration="90", active=False, now=now
    )
    view = practice_settings.view(db, team.staff)
    [item] = [t for t in view.treatments if t.id == kroon]
    assert (item.default_duration_minutes, item.active) == (90, False)
    assert view.treatments[-1].id == kroon  # switched-off treatments sink to the bottom
    [event] = events(db, "settings.treatment_changed")
    assert (event.target_type, event.target_id, event.actor_user_id) == (
        "treatment",
        kroon,
        team.staff.user_id,
    )


def test_a_switched_off_treatment_cannot_be_chosen_for_a_new_patient(
    db: Session, team: Team, now: datetime
) -> None:
    kroon = treatment_id(db, team, "kroon")
    practice_settings.update_treatment(
        db, team.owner, treatment_id=kroon, duration=60, active=False, now=now
    )
    with pytest.raises(ValidationFailed) as refused:
        patients.add(
            db, team.staff, new_patient(team, kroon), now, secret=get_settings().secret_key
        )
    assert set(refused.value.errors) == {"treatments"}

    practice_settings.update_treatment(
        db, team.owner, treatment_id=kroon, duration=60, active=True, now=now
    )
    patients.add(db, team.staff, new_patient(team, kroon), now, secret=get_settings().secret_key)


@pytest.mark.parametrize("duration", [4, 241, "", "lang"])
def test_update_treatment_refuses_bad_duration_and_changes_nothing(
    db: Session, team: Team, now: datetime, duration: object
) -> None:
    kroon = treatment_id(db, team, "kroon")
    before = state(db, team.practice_id)
    with pytest.raises(DomainError):
        practice_settings.update_treatment(
            db, team.owner, treatment_id=kroon, duration=duration, active=False, now=now
        )
    assert state(db, team.practice_id) == before


# --- practitioners -----------------------------------------------------------------------


def test_add_practitioner_and_switch_off_and_on(db: Session, team: Team, now: datetime) -> None:
    practitioner = practice_settings.add_practitioner(
        db, team.staff, name="  Dr.  Bakker ", now=now
    )
    assert (practitioner.name, practitioner.active) == ("Dr. Bakker", True)
    pid: int = practitioner.id  # type: ignore[assignment]
    kroon = treatment_id(db, team, "kroon")
    patients.validate(db, team.practice_id, new_patient(team, kroon, pid))

    practice_settings.set_practitioner_active(
        db, team.staff, practitioner_id=pid, active=False, now=now
    )
    [item] = practice_settings.view(db, team.owner).practitioners
    assert (item.id, item.name, item.active) == (pid, "Dr. Bakker", False)
    with pytest.raises(ValidationFailed) as refused:
        patients.validate(db, team.practice_id, new_patient(team, kroon, pid))
    assert set(refused.value.errors) == {"practitioner"}

    practice_settings.set_practitioner_active(
        db, team.owner, practitioner_id=pid, active=True, now=now
    )
    patients.validate(db, team.practice_id, new_patient(team, kroon, pid))

    assert len(events(db, "settings.practitioner_added")) == 1
    changed = events(db, "settings.practitioner_changed")
    assert [(e.target_type, e.target_id) for e in changed] == [("practitioner", pid)] * 2
    for event in changed + events(db, "settings.practitioner_added"):
        assert "Bakker" not in (event.detail or "")


@pytest.mark.parametrize("name", ["", "  ", "x" * 101, "dr. bakker", "DR. BAKKER"])
def test_add_practitioner_validation(db: Session, team: Team, now: datetime, name: str) -> None:
    practice_settings.add_practitioner(db, team.owner, name="Dr. Bakker", now=now)
    before = state(db, team.practice_id)
    with pytest.raises(DomainError) as refused:
        practice_settings.add_practitioner(db, team.owner, name=name, now=now)
    assert refused.value.field == "name"
    assert state(db, team.practice_id) == before


def test_add_practitioner_accepts_a_hundred_characters(
    db: Session, team: Team, now: datetime
) -> None:
    practice_settings.add_practitioner(db, team.owner, name="x" * 100, now=now)


# --- outreach rules ----------------------------------------------------------------------

VALID_OUTREACH: dict[str, object] = {
    "wave_size": "8",
    "wave_interval": "15",
    "quiet_start": "22:30",
    "quiet_end": "07:45",
    "min_notice": "90",
    "max_offers": "2",
    "sender_name": "DeMolen",
}


def outreach(db: Session, actor: Actor, now: datetime, **changes: object) -> None:
    practice_settings.update_outreach(db, actor, **{**VALID_OUTREACH, **changes}, now=now)  # type: ignore[arg-type]


def test_owner_chooses_adaptive_or_fixed_waves_and_nothing_else(
    db: Session, team: Team, now: datetime
) -> None:
    outreach(db, team.owner, now, wave_mode="adaptief")
    assert practice_settings.view(db, team.owner).outreach.wave_mode == "adaptief"
    for bad in ("snel", "", "ADAPTIEF", "vast "):
        with pytest.raises(DomainError, match="adaptief of vast"):
            outreach(db, team.owner, now, wave_mode=bad, wave_size="9")
    practice = db.get(Practice, team.practice_id)
    assert practice is not None and (practice.wave_mode, practice.wave_size) == ("adaptief", 8)
    outreach(db, team.owner, now, wave_mode="vast")
    assert practice_settings.view(db, team.owner).outreach.wave_mode == "vast"
    with pytest.raises(PermissionDenied):
        outreach(db, team.staff, now, wave_mode="adaptief")


def test_owner_changes_the_outreach_rules(db: Session, team: Team, now: datetime) -> None:
    outreach(db, team.owner, now)
    db.flush()
    db.expire_all()
    assert practice_settings.view(db, team.owner).outreach == Outreach(
        8, 15, "22:30", "07:45", 90, 2, "DeMolen", "vast"
    )
    practice = db.get(Practice, team.practice_id)
    assert practice is not None
    assert (practice.quiet_start_minute, practice.quiet_end_minute) == (22 * 60 + 30, 7 * 60 + 45)
    [event] = events(db, "settings.outreach_changed")
    assert (event.practice_id, event.actor_user_id, event.target_type, event.target_id) == (
        team.practice_id,
        team.owner.user_id,
        "practice",
        team.practice_id,
    )


def test_staff_cannot_change_the_outreach_rules(db: Session, team: Team, now: datetime) -> None:
    before = state(db, team.practice_id)
    with pytest.raises(PermissionDenied):
        outreach(db, team.staff, now)
    assert state(db, team.practice_id) == before


def test_staff_is_refused_even_with_invalid_values(db: Session, team: Team, now: datetime) -> None:
    """Permission first: staff do not learn the rules by probing the validation."""
    with pytest.raises(PermissionDenied):
        outreach(db, team.staff, now, wave_size="0", sender_name="")


@pytest.mark.parametrize(
    ("changes", "mentions"),
    [
        ({"wave_size": "0"}, "Golfgrootte"),
        ({"wave_size": "51"}, "Golfgrootte"),
        ({"wave_size": "vijf"}, "Golfgrootte"),
        ({"wave_size": ""}, "Golfgrootte"),
        ({"wave_size": "-1"}, "Golfgrootte"),
        ({"wave_interval": "0"}, "Tijd tussen golven"),
        ({"wave_interval": "241"}, "Tijd tussen golven"),
        ({"wave_interval": "1.5"}, "Tijd tussen golven"),
        ({"quiet_start": "24:00"}, "Stilte vanaf"),
        ({"quiet_start": "21:60"}, "Stilte vanaf"),
        ({"quiet_start": "2100"}, "Stilte vanaf"),
        ({"quiet_start": "21.00"}, "Stilte vanaf"),
        ({"quiet_start": ""}, "Stilte vanaf"),
        ({"quiet_start": "9 uur"}, "Stilte vanaf"),
        ({"quiet_end": "8"}, "Stilte tot"),
        ({"quiet_end": "08:5"}, "Stilte tot"),
        ({"quiet_end": "-1:00"}, "Stilte tot"),
        ({"min_notice": "-1"}, "Minimale aanlooptijd"),
        ({"min_notice": "1441"}, "Minimale aanlooptijd"),
        ({"min_notice": "uur"}, "Minimale aanlooptijd"),
        ({"max_offers": "0"}, "Maximaal aantal aanbiedingen"),
        ({"max_offers": "51"}, "Maximaal aantal aanbiedingen"),
        ({"sender_name": ""}, "Afzendernaam"),
        ({"sender_name": "   "}, "Afzendernaam"),
        ({"sender_name": "PakJePlekje1"}, "Afzendernaam"),  # 12 characters
        ({"sender_name": "De Molen"}, "Afzendernaam"),
        ({"sender_name": "12345"}, "Afzendernaam"),
        ({"sender_name": "Molen!"}, "Afzendernaam"),
        ({"sender_name": "Zoë"}, "Afzendernaam"),
        ({"sender_name": "De-Molen"}, "Afzendernaam"),
        ({"sender_name": "Molen\n"}, None),  # stripped: accepted
    ],
)
def test_every_outreach_field_is_validated(
    db: Session, team: Team, now: datetime, changes: dict[str, object], mentions: str | None
) -> None:
    before = state(db, team.practice_id)
    if mentions is None:
        outreach(db, team.owner, now, **changes)
        return
    with pytest.raises(DomainError) as refused:
        outreach(db, team.owner, now, **changes)
    assert mentions in refused.value.message
    assert refused.value.field
    assert state(db, team.practice_id) == before


@pytest.mark.parametrize(
    ("changes", "stored"),
    [
        ({"wave_size": "1", "max_offers": "1"}, {"wave_size": 1, "max_offers_per_week": 1}),
        ({"wave_size": "50", "max_offers": "50"}, {"wave_size": 50, "max_offers_per_week": 50}),
        ({"wave_interval": "1"}, {"wave_interval_minutes": 1}),
        ({"wave_interval": " 240 "}, {"wave_interval_minutes": 240}),
        ({"min_notice": "0"}, {"min_notice_minutes": 0}),
        ({"min_notice": "1440"}, {"min_notice_minutes": 1440}),
        (
            {"quiet_start": "00:00", "quiet_end": "23:59"},
            {"quiet_start_minute": 0, "quiet_end_minute": 23 * 60 + 59},
        ),
        ({"quiet_start": "8:05"}, {"quiet_start_minute": 8 * 60 + 5}),
        ({"quiet_start": " 21:00 "}, {"quiet_start_minute": 21 * 60}),
        ({"sender_name": "A"}, {"sms_sender_name": "A"}),
        ({"sender_name": "PakJePlekje"}, {"sms_sender_name": "PakJePlekje"}),
        ({"sender_name": "Molen2026"}, {"sms_sender_name": "Molen2026"}),
        ({"sender_name": " Molen "}, {"sms_sender_name": "Molen"}),
    ],
)
def test_outreach_edges_are_accepted(
    db: Session, team: Team, now: datetime, changes: dict[str, object], stored: dict[str, object]
) -> None:
    outreach(db, team.owner, now, **changes)
    db.flush()
    db.expire_all()
    practice = db.get(Practice, team.practice_id)
    assert practice is not None
    assert {name: getattr(practice, name) for name in stored} == stored


def test_outreach_change_touches_only_the_own_practice(
    db: Session, factory: Factory, team: Team, now: datetime
) -> None:
    other = make_team(db, factory, "Elders")
    before = state(db, other.practice_id)
    outreach(db, team.owner, now)
    after = state(db, other.practice_id)
    assert after[:3] == before[:3]
