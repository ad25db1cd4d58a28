"""The audit log on /privacy: owner only, filtered by period (Amsterdam days), kind and staff
member, one page at a time, a Dutch label for every action the code records."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlmodel import Session, delete

from pakjeplekje.domain import audit
from pakjeplekje.domain.accounts.sessions import resolve_session
from pakjeplekje.domain.errors import DomainError, NotFound, PermissionDenied
from pakjeplekje.domain.privacy import audit_log
from pakjeplekje.domain.privacy import requests as privacy_requests
from pakjeplekje.domain.privacy.audit_log import AuditQuery
from pakjeplekje.domain.waitlist import patients
from pakjeplekje.models import AuditEvent
from tests import timeplan
from tests.test_tenant_isolation import Tenant, make_tenant

if TYPE_CHECKING:
    from conftest import Factory


@pytest.fixture
def alfa(db: Session, factory: Factory) -> Tenant:
    tenant = make_tenant(db, factory, "Alfa")
    db.exec(delete(AuditEvent))  # type: ignore[call-overload]  (start from an empty log)
    return tenant


def _event(db: Session, t: Tenant, action: str, at: datetime, user: int | None, **kw) -> None:  # type: ignore[no-untyped-def]
    audit.record(db, action, practice_id=t.practice_id, actor_user_id=user, now=at, **kw)
    db.flush()


def test_rows_say_who_what_which_record_and_when_in_amsterdam(
    db: Session, alfa: Tenant, now: datetime
) -> None:
    _event(db, alfa, "patient.viewed", now, alfa.staff_id, target_type="patient", target_id=7)
    _event(db, alfa, "patient.retention_removed", now + timedelta(minutes=1), None, detail="3")
    _event(
        db,
        alfa,
        "privacy.request_verwijdering",
        now + timedelta(minutes=2),
        None,
        target_type="privacy_request",
        target_id=5,
    )
    result = audit_log.page(db, alfa.owner, AuditQuery())
    assert result.total == 3
    newest, system, viewed = result.rows
    assert (newest.who, newest.what, newest.record) == (
        audit_log.SUBJECT,
        "Privacyverzoek: verwijdering",
        "Privacyverzoek #5",
    )
    assert (system.who, system.what, system.detail) == (
        "Systeem",
        audit_log.ACTIONS["patient.retention_removed"],
        "3",
    )
    assert (viewed.who, viewed.what, viewed.record) == (
        "Assistent",
        "Patiënt bekeken",
        "Patiënt #7",
    )
    # on the Amsterdam clock: 23:10 UTC on New Year's Eve is already 1 January 00:10 there
    assert viewed.when == f"{timeplan.local(now):%d-%m-%Y %H:%M}"


def test_period_is_whole_local_days(db: Session, alfa: Tenant, now: datetime) -> None:
    # 23:30 UTC on 23 November is 00:30 on 24 November in Amsterdam
    late = datetime(2026, 11, 23, 23, 30, tzinfo=now.tzinfo)
    _event(db, alfa, "auth.login", late, alfa.owner_id)
    _event(db, alfa, "auth.login", late - timedelta(hours=1), alfa.owner_id)  # 23 Nov local
    only_24 = audit_log.page(
        db, alfa.owner, AuditQuery(date_from="2026-11-24", date_to="2026-11-24")
    )
    assert [r.when for r in only_24.rows] == ["24-11-2026 00:30"]
    only_23 = audit_log.page(db, alfa.owner, AuditQuery(date_to="2026-11-23"))
    assert [r.when for r in only_23.rows] == ["23-11-2026 23:30"]
    with pytest.raises(DomainError, match="einddatum"):
        audit_log.page(db, alfa.owner, AuditQuery(date_from="2026-11-24", date_to="2026-11-01"))
    with pytest.raises(DomainError, match="datum"):
        audit_log.page(db, alfa.owner, AuditQuery(date_from="24-11-2026"))


def test_filter_by_kind_and_by_staff_member(db: Session, alfa: Tenant, now: datetime) -> None:
    _event(db, alfa, "auth.login", now, alfa.owner_id)
    _event(db, alfa, "auth.login", now, alfa.staff_id)
    _event(db, alfa, "patient.added", now, alfa.staff_id, target_type="patient", target_id=1)
    _event(db, alfa, "settings.outreach_changed", now, alfa.owner_id)
    logins = audit_log.page(db, alfa.owner, AuditQuery(kind="inloggen"))
    assert [r.what for r in logins.rows] == ["Ingelogd", "Ingelogd"]
    by_staff = audit_log.page(db, alfa.owner, AuditQuery(user_id=alfa.staff_id))
    assert {r.what for r in by_staff.rows} == {"Ingelogd", "Patiënt toegevoegd"}
    both = audit_log.page(db, alfa.owner, AuditQuery(kind="praktijk", user_id=alfa.owner_id))
    assert [r.what for r in both.rows] == ["SMS-regels gewijzigd"]
    with pytest.raises(DomainError, match="soort"):
        audit_log.page(db, alfa.owner, AuditQuery(kind="alles"))
    with pytest.raises(NotFound):
        audit_log.page(db, alfa.owner, AuditQuery(user_id=10**9))


def test_one_page_at_a_time_newest_first(db: Session, alfa: Tenant, now: datetime) -> None:
    for i in range(30):
        _event(
            db,
            alfa,
            "patient.viewed",
            now + timedelta(minutes=i),
            alfa.owner_id,
            target_type="patient",
            target_id=i,
        )
    first = audit_log.page(db, alfa.owner, AuditQuery(page_size=25))
    assert (first.total, first.pages, len(first.rows)) == (30, 2, 25)
    assert first.rows[0].record == "Patiënt #29"
    second = audit_log.page(db, alfa.owner, AuditQuery(page=2, page_size=25))
    assert [r.record for r in second.rows] == [f"Patiënt #{i}" for i in range(4, -1, -1)]
    beyond = audit_log.page(db, alfa.owner, AuditQuery(page=99, page_size=25))
    assert beyond.page == 2


def test_only_the_owner_reads_the_log(db: Session, alfa: Tenant, now: datetime) -> None:
    staff = resolve_session(db, alfa.staff_token, now)
    assert staff is not None
    with pytest.raises(PermissionDenied):
        audit_log.page(db, staff, AuditQuery())
    with pytest.raises(PermissionDenied):
        audit_log.staff_choices(db, staff)
    assert {name for _, name in audit_log.staff_choices(db, alfa.owner)} == {
        "Eigenaar",
        "Assistent",
    }


AUDIT_CALL = re.compile(
    r"audit\.(?:record|by_actor|on_user)\(\s*db,\s*(?:actor,\s*)?(f?)\"([a-z_.{}]+)\"", re.S
)


def test_every_recorded_action_has_a_dutch_label() -> None:
    """Scans the code for audit calls: a new action without a label fails here."""
    source = "".join(p.read_text() for p in Path("pakjeplekje").rglob("*.py"))
    found = AUDIT_CALL.findall(source)
    assert len(found) > 30
    templates = {
        "patient.status_{status}": patients.STATUSES,
        "privacy.request_{status}": privacy_requests.STATUSES,
        "privacy.request_{kind}": privacy_requests.KINDS,
    }
    for is_f, action in found:
        if is_f:
            prefix = action.split("{")[0]
            names = [prefix + value for value in templates[action]]
        else:
            names = [action]
        for name in names:
            assert name in audit_log.ACTIONS, name
