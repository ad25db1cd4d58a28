"""One practice can never read or change another practice's records, whatever id it sends.

To cover a new domain function that takes a record id, add a (name, callable) to CROSS_TENANT;
`test_every_id_taking_entry_point_has_a_case` fails until you do.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import pytest
from sqlmodel import Session, select

import pakjeplekje.domain
from pakjeplekje.domain import team
from pakjeplekje.domain.errors import NotFound
from pakjeplekje.domain.sessions import Actor, resolve_session
from pakjeplekje.models import AuthSession, User

if TYPE_CHECKING:
    from conftest import Factory


@dataclass(frozen=True)
class Tenant:
    practice_id: int
    owner_id: int
    staff_id: int
    owner: Actor
    staff_token: str


@dataclass(frozen=True)
class Tenants:
    a: Tenant
    b: Tenant


def make_tenant(db: Session, factory: Factory, name: str) -> Tenant:
    practice = factory.practice(db, f"Tandartspraktijk {name}")
    owner = factory.user(db, practice, f"eigenaar@{name.lower()}.nl", role="owner")
    staff = factory.user(db, practice, f"assistent@{name.lower()}.nl")
    _, owner_actor = factory.login(db, owner)
    staff_token, _ = factory.login(db, staff)
    assert practice.id and owner.id and staff.id
    return Tenant(practice.id, owner.id, staff.id, owner_actor, staff_token)


@pytest.fixture
def tenants(db: Session, factory: Factory) -> Tenants:
    """Practices A and B, each with an owner and a logged-in staff member."""
    return Tenants(a=make_tenant(db, factory, "Alfa"), b=make_tenant(db, factory, "Beta"))


# Each case: B's owner acts on one of A's ids. Expected: NotFound, and A is untouched.
CrossTenantCall = Callable[[Session, Actor, Tenant, datetime], object]
CROSS_TENANT: list[tuple[str, CrossTenantCall]] = [
    (
        "change_role: demote A's owner",
        lambda db, b, a, now: team.change_role(db, b, user_id=a.owner_id, role="staff", now=now),
    ),
    (
        "change_role: promote A's staff",
        lambda db, b, a, now: team.change_role(db, b, user_id=a.staff_id, role="owner", now=now),
    ),
    (
        "deactivate: A's owner",
        lambda db, b, a, now: team.deactivate(db, b, user_id=a.owner_id, now=now),
    ),
    (
        "deactivate: A's staff",
        lambda db, b, a, now: team.deactivate(db, b, user_id=a.staff_id, now=now),
    ),
    (
        "reactivate: A's staff",
        lambda db, b, a, now: team.reactivate(db, b, user_id=a.staff_id, now=now),
    ),
]
# Entry points (they take an `actor`) with an id parameter, by "module.function".
COVERED = {"team.change_role", "team.deactivate", "team.reactivate"}


def snapshot(db: Session, practice_id: int) -> list[tuple[object, ...]]:
    """Everything a cross-tenant call could change about a practice's people and sessions."""
    db.flush()
    db.expire_all()
    users = db.exec(select(User).where(User.practice_id == practice_id).order_by(User.id)).all()  # type: ignore[arg-type]
    ids = [u.id for u in users]
    sessions = db.exec(
        select(AuthSession).where(AuthSession.user_id.in_(ids)).order_by(AuthSession.id)  # type: ignore[union-attr,attr-defined]
    ).all()
    return [(u.id, u.email, u.role, u.status, u.password_hash) for u in users] + [
        (s.id, s.revoked_at, s.last_seen_at) for s in sessions
    ]


@pytest.mark.parametrize(("name", "call"), CROSS_TENANT, ids=[name for name, _ in CROSS_TENANT])
def test_other_practices_ids_are_not_found(
    db: Session, tenants: Tenants, now: datetime, name: str, call: CrossTenantCall
) -> None:
    """Another practice's record looks exactly like one that does not exist."""
    before = snapshot(db, tenants.a.practice_id)
    with pytest.raises(NotFound):
        call(db, tenants.b.owner, tenants.a, now)
    assert snapshot(db, tenants.a.practice_id) == before, name
    assert resolve_session(db, tenants.a.staff_token, now) is not None


def test_team_list_shows_only_own_practice(db: Session, tenants: Tenants) -> None:
    """The team page of B never lists A's people, and the other way round."""
    for own, other in ((tenants.b, tenants.a), (tenants.a, tenants.b)):
        ids = {member.id for member in team.list_team(db, own.owner)}
        assert ids == {own.owner_id, own.staff_id}
        assert not ids & {other.owner_id, other.staff_id}


def _id_taking_entry_points() -> set[str]:
    found = set()
    for info in pkgutil.iter_modules(pakjeplekje.domain.__path__):
        module = importlib.import_module(f"pakjeplekje.domain.{info.name}")
        for fname, fn in inspect.getmembers(module, inspect.isfunction):
            if fn.__module__ != module.__name__ or fname.startswith("_"):
                continue
            params = inspect.signature(fn).parameters
            if "actor" in params and any(p.endswith("_id") for p in params):
                found.add(f"{info.name}.{fname}")
    return found


def test_every_id_taking_entry_point_has_a_case() -> None:
    """A new function acting on an id must come with its cross-tenant case above."""
    assert _id_taking_entry_points() == COVERED
