"""Koppelingen: the owner's API-key handlers, called as a (possibly hostile) websocket calls them.

The raw key is shown once and never stored; a staff member's call changes nothing; practice B's
owner sending A's key id revokes nothing; bad input writes nothing.
"""

from __future__ import annotations

import pytest
from sqlmodel import col, select

from pakjeplekje.db import session_scope
from pakjeplekje.domain.dutch_dates import dated_moment
from pakjeplekje.domain.integrations import api_keys
from pakjeplekje.domain.tokens import hash_token
from pakjeplekje.models import ApiKey, AuditEvent, User
from pakjeplekje.ui.state.integrations import IntegrationsState
from tests import test_state_events
from tests.test_state_events import Practice, connected, run

practices = test_state_events.practices  # the fixture: owners and staff of practices A and B

OWNER_ONLY = "Dit mag alleen de eigenaar van de praktijk."


def _keys(practice_email: str) -> list[ApiKey]:
    """Every key of the practice of the user with this e-mail address."""
    with session_scope() as db:
        user = db.exec(select(User).where(User.email == practice_email)).one()
        keys = list(
            db.exec(
                select(ApiKey)
                .where(ApiKey.practice_id == user.practice_id)
                .order_by(col(ApiKey.id))
            ).all()
        )
        for key in keys:
            db.expunge(key)
        return keys


def _audit(action: str) -> list[AuditEvent]:
    with session_scope() as db:
        events = list(db.exec(select(AuditEvent).where(AuditEvent.action == action)).all())
        for event in events:
            db.expunge(event)
        return events


def _owner_page(token: str) -> IntegrationsState:
    state = connected(IntegrationsState, token)
    run(state.load())
    return state


def test_owner_creates_a_key_sees_it_once_and_revokes_it(
    practices: tuple[Practice, Practice],
) -> None:
    a, _ = practices
    page = _owner_page(a.owner_token)
    assert page.keys == [] and page.error == ""
    assert page.api_base.endswith("/api/v1")

    run(page.create({"name": "  Agenda   koppeling ", "scope": "write"}))
    assert page.error == ""
    raw = page.new_key
    assert raw.startswith("pjp_") and len(raw) > 40
    assert page.new_key_name == "Agenda koppeling"
    [row] = page.keys
    assert (row.name, row.scope_label, row.last_used, row.status_label) == (
        "Agenda koppeling",
        "Lezen en schrijven",
        "nog nooit",
        "Actief",
    )
    assert raw.startswith(row.prefix) and row.prefix.startswith("pjp_")
    assert raw not in repr(page.keys)  # the list never carries the key itself

    [stored] = _keys("eigenaar@alfa.nl")
    assert stored.key_hash == hash_token(raw) and stored.scope == "write"
    with session_scope() as db:
        assert api_keys.authenticate(db, raw) is not None
    [created] = _audit("settings.api_key_created")
    assert created.target_id == stored.id and created.practice_id == stored.practice_id
    assert raw not in f"{created.detail}" and stored.prefix not in f"{created.detail}"

    # leaving the page (or "Ik heb hem bewaard") drops the raw key; a reload never shows it
    run(page.forget_key())
    assert page.new_key == ""
    page = _owner_page(a.owner_token)
    assert page.new_key == "" and [k.name for k in page.keys] == ["Agenda koppeling"]

    run(page.revoke(row.id))
    assert page.error == ""
    [revoked] = page.keys
    assert not revoked.active and revoked.status_label == "Ingetrokken"
    [stored] = _keys("eigenaar@alfa.nl")
    assert stored.revoked_at is not None
    assert revoked.revoked == dated_moment(stored.revoked_at)  # in Europe/Amsterdam
    with session_scope() as db:
        assert api_keys.authenticate(db, raw) is None
    assert len(_audit("settings.api_key_revoked")) == 1
    run(page.revoke(row.id))  # twice: still revoked, one audit event
    assert len(_audit("settings.api_key_revoked")) == 1


def test_a_read_key_is_listed_as_read_only(practices: tuple[Practice, Practice]) -> None:
    a, _ = practices
    page = _owner_page(a.owner_token)
    run(page.create({"name": "Dashboard", "scope": "read"}))
    assert [k.scope_label for k in page.keys] == ["Alleen lezen"]
    assert [k.scope for k in _keys("eigenaar@alfa.nl")] == ["read"]


def test_staff_are_refused_and_change_nothing(practices: tuple[Practice, Practice]) -> None:
    a, _ = practices
    owner = _owner_page(a.owner_token)
    run(owner.create({"name": "Agenda", "scope": "write"}))
    key_id = owner.keys[0].id

    staff = connected(IntegrationsState, a.staff_token)
    run(staff.load())
    assert staff.keys == [] and staff.error == OWNER_ONLY
    run(staff.create({"name": "Van de assistent", "scope": "write"}))
    assert staff.new_key == "" and staff.error == OWNER_ONLY
    run(staff.revoke(key_id))
    assert staff.error == OWNER_ONLY
    [key] = _keys("eigenaar@alfa.nl")
    assert key.name == "Agenda" and key.revoked_at is None


def test_owner_of_b_cannot_revoke_or_see_a_key_of_a(
    practices: tuple[Practice, Practice],
) -> None:
    a, b = practices
    owner_a = _owner_page(a.owner_token)
    run(owner_a.create({"name": "Agenda van Alfa", "scope": "write"}))
    a_key_id = owner_a.keys[0].id

    owner_b = _owner_page(b.owner_token)
    assert owner_b.keys == []
    run(owner_b.revoke(a_key_id))
    assert owner_b.error == "Deze sleutel bestaat niet (meer)."
    assert owner_b.keys == []
    [key] = _keys("eigenaar@alfa.nl")
    assert key.revoked_at is None
    assert _audit("settings.api_key_revoked") == []


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"name": "", "scope": "read"}, "Geef de sleutel een naam"),
        ({"name": "   ", "scope": "write"}, "Geef de sleutel een naam"),
        ({"name": "x" * 61, "scope": "read"}, "hoogstens 60 tekens"),
        ({"name": "Agenda", "scope": "admin"}, "alleen mag lezen of ook mag schrijven"),
        ({"name": "Agenda"}, "alleen mag lezen of ook mag schrijven"),
    ],
)
def test_bad_input_shows_dutch_and_writes_nothing(
    practices: tuple[Practice, Practice], form: dict, message: str
) -> None:
    a, _ = practices
    page = _owner_page(a.owner_token)
    run(page.create(form))
    assert message in page.error
    assert page.new_key == "" and page.keys == []
    assert _keys("eigenaar@alfa.nl") == []
    assert _audit("settings.api_key_created") == []


def test_sixty_characters_is_fine(practices: tuple[Practice, Practice]) -> None:
    a, _ = practices
    page = _owner_page(a.owner_token)
    run(page.create({"name": "x" * 60, "scope": "read"}))
    assert page.error == "" and [k.name for k in page.keys] == ["x" * 60]


@pytest.mark.parametrize("key_id", ["1 OR 1=1", "-1", "", "9" * 40, "abc"])
def test_malformed_key_ids_change_nothing(
    practices: tuple[Practice, Practice], key_id: str
) -> None:
    a, _ = practices
    page = _owner_page(a.owner_token)
    run(page.create({"name": "Agenda", "scope": "read"}))
    run(page.revoke(key_id))
    assert page.error == "Deze sleutel bestaat niet (meer)."
    assert all(k.revoked_at is None for k in _keys("eigenaar@alfa.nl"))


def test_without_a_session_the_events_send_to_login(
    practices: tuple[Practice, Practice],
) -> None:
    a, _ = practices
    owner = _owner_page(a.owner_token)
    run(owner.create({"name": "Agenda", "scope": "read"}))
    for token in (None, "forged-token"):
        page = connected(IntegrationsState, token)
        result = run(page.revoke(owner.keys[0].id))
        assert result is not None and "/inloggen" in str(result)
        result = run(page.create({"name": "Inbreker", "scope": "write"}))
        assert result is not None and "/inloggen" in str(result)
    assert [(k.name, k.revoked_at) for k in _keys("eigenaar@alfa.nl")] == [("Agenda", None)]
