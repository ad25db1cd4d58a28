"""Instellingen → Praktijkgegevens: the address and phone patients read on the claim page, in the
calendar file and in the confirmation text. Owner only, validated in the domain, per practice."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import pytest
from sqlmodel import Session, select

from pakjeplekje.db import session_scope
from pakjeplekje.domain.accounts import practice_settings
from pakjeplekje.domain.accounts.practice_settings import PracticeDetails
from pakjeplekje.domain.errors import DomainError, PermissionDenied
from pakjeplekje.domain.phones import PRACTICE_INVALID, parse_practice_phone
from pakjeplekje.models import AuditEvent, Practice
from pakjeplekje.ui.state.practice_settings import DetailsForm, PracticeSettingsState
from tests.test_practice_settings import Team, make_team
from tests.test_state_events import Practice as Place
from tests.test_state_events import (
    connected,
    practices,  # noqa: F401  (fixture: A and B, logged in)
    run,
)

if TYPE_CHECKING:
    from conftest import Factory


@pytest.fixture
def team(db: Session, factory: Factory) -> Team:
    return make_team(db, factory, "Molen")


def stored(db: Session, practice_id: int) -> tuple[str, str]:
    db.flush()
    db.expire_all()
    practice = db.get(Practice, practice_id)
    assert practice is not None
    return practice.address, practice.phone


def test_owner_saves_address_and_phone(db: Session, team: Team, now: datetime) -> None:
    practice_settings.update_details(
        db,
        team.owner,
        address="  Molenstraat 1,\n 1234 AB   Molendam ",
        phone="020-1234567",
        now=now,
    )
    assert stored(db, team.practice_id) == ("Molenstraat 1, 1234 AB Molendam", "+31201234567")
    assert practice_settings.view(db, team.owner).details == PracticeDetails(
        "Molenstraat 1, 1234 AB Molendam", "020 123 4567"
    )
    [event] = db.exec(select(AuditEvent).where(AuditEvent.action == "settings.details_changed"))
    assert (event.practice_id, event.actor_user_id) == (team.practice_id, team.owner.user_id)
    practice_settings.update_details(db, team.owner, address="", phone=" ", now=now)
    assert stored(db, team.practice_id) == ("", "")  # both are optional


@pytest.mark.parametrize(
    ("typed", "e164"),
    [
        ("020-1234567", "+31201234567"),
        ("(020) 123 45 67", "+31201234567"),
        ("+31 20 123 4567", "+31201234567"),
        ("0031 10 414 1414", "+31104141414"),
        ("06-12345678", "+31612345678"),
        ("088 123 4567", "+31881234567"),
        ("0800-1234", "+318001234"),
    ],
)
def test_a_dutch_landline_or_mobile_is_accepted(typed: str, e164: str) -> None:
    assert parse_practice_phone(typed) == e164


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"phone": "12345"}, "phone"),
        ({"phone": "0900-1234567"}, "phone"),  # patients would pay for the call
        ({"phone": "+32 2 123 45 67"}, "phone"),  # not Dutch
        ({"phone": "020-12345678"}, "phone"),  # a digit too many
        ({"phone": "bel ons"}, "phone"),
        ({"phone": "0" * 31}, "phone"),
        ({"address": "x" * 201}, "address"),
        ({"address": "Molenstraat 1\x00"}, "address"),
    ],
)
def test_bad_input_gets_a_dutch_message_and_changes_nothing(
    db: Session, team: Team, now: datetime, changes: dict[str, str], field: str
) -> None:
    practice_settings.update_details(db, team.owner, address="Oud 1", phone="0101234567", now=now)
    before = stored(db, team.practice_id)
    values = {"address": "Molenstraat 1", "phone": "020-1234567", **changes}
    with pytest.raises(DomainError) as refused:
        practice_settings.update_details(db, team.owner, **values, now=now)
    assert refused.value.field == field
    assert ("Telefoonnummer" if field == "phone" else "Adres") in refused.value.message
    assert stored(db, team.practice_id) == before


def test_an_address_of_200_characters_is_accepted(db: Session, team: Team, now: datetime) -> None:
    practice_settings.update_details(db, team.owner, address="a" * 200, phone="", now=now)
    assert stored(db, team.practice_id) == ("a" * 200, "")


def test_staff_cannot_change_the_practice_details(db: Session, team: Team, now: datetime) -> None:
    before = stored(db, team.practice_id)
    with pytest.raises(PermissionDenied):
        practice_settings.update_details(
            db, team.staff, address="Elders 2", phone="020-1234567", now=now
        )
    with pytest.raises(PermissionDenied):  # permission first: no probing the validation
        practice_settings.update_details(db, team.staff, address="x" * 300, phone="?", now=now)
    assert stored(db, team.practice_id) == before


def test_the_settings_page_saves_only_the_own_practice(practices: tuple[Place, Place]) -> None:  # noqa: F811  (the imported fixture)
    """Through the event handler the page calls: A's owner saves A's details; B's owner sees
    none of them and saves B's own; staff read but cannot change."""
    a, b = practices
    owner_a = connected(PracticeSettingsState, a.owner_token)
    run(owner_a.load())
    run(owner_a.save_details({"address": "Alfaweg 1, Amsterdam", "phone": "020-1234567"}))
    assert owner_a.details_error == ""
    assert owner_a.details == DetailsForm("Alfaweg 1, Amsterdam", "020 123 4567")

    owner_b = connected(PracticeSettingsState, b.owner_token)
    run(owner_b.load())
    assert owner_b.details == DetailsForm("", "")
    run(owner_b.save_details({"address": "Betalaan 2, Utrecht", "phone": "030-7654321"}))
    assert owner_b.details == DetailsForm("Betalaan 2, Utrecht", "030 765 4321")
    run(owner_b.save_details({"address": "Betalaan 3", "phone": "0900-1234567"}))
    assert owner_b.details_error == PRACTICE_INVALID

    staff_a = connected(PracticeSettingsState, a.staff_token)
    run(staff_a.load())
    assert staff_a.details == DetailsForm("Alfaweg 1, Amsterdam", "020 123 4567")  # staff read
    run(staff_a.save_details({"address": "Overgenomen 9", "phone": "06-12345678"}))
    assert "eigenaar" in staff_a.details_error
    with session_scope() as db:
        rows = db.exec(select(Practice.name, Practice.address, Practice.phone)).all()
    assert sorted(rows) == [
        ("Tandartspraktijk Alfa", "Alfaweg 1, Amsterdam", "+31201234567"),
        ("Tandartspraktijk Beta", "Betalaan 2, Utrecht", "+31307654321"),
    ]
