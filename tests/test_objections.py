"""Bezwaar: the owner's two preferences, and the code that honours them — the monthly summary
mail (product e-mails) and the anonymous daily usage totals (usage statistics)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

import pytest
from sqlmodel import Session, select

from pakjeplekje.adapters.mail import ConsoleOutbox
from pakjeplekje.db import session_scope
from pakjeplekje.domain.accounts.sessions import resolve_session
from pakjeplekje.domain.dutch_dates import MONTHS
from pakjeplekje.domain.errors import PermissionDenied
from pakjeplekje.domain.privacy import objections
from pakjeplekje.models import AuditEvent, Message, Practice, Slot, UsageDay
from pakjeplekje.services import privacy_purge as privacy_jobs
from tests import timeplan
from tests.test_tenant_isolation import Tenant, make_tenant

if TYPE_CHECKING:
    from conftest import AppEnv, Factory


def _month_of(now: datetime) -> date:
    """The first day of the Amsterdam month `now` falls in: the month the summary is about."""
    return timeplan.local_day(now).replace(day=1)


def _first_run_after(now: datetime) -> datetime:
    """04:17 in Amsterdam on the 1st of the next month: the daily job's first run of a month."""
    following = (_month_of(now) + timedelta(days=32)).replace(day=1)
    return timeplan.at_local(following, 4, 17)


def _activity(db: Session, t: Tenant, at: datetime, slots: int, sms: int) -> None:
    """`slots` slots released (the first one filled via the waitlist, in 5 minutes, by the
    tenant's patient when it has one) and `sms` texts sent at `at`."""
    for i in range(slots):
        db.add(
            Slot(
                practice_id=t.practice_id,
                starts_at=at + timedelta(days=1),
                duration_minutes=30,
                created_at=at,
                status="claimed" if i == 0 else "open",
                claimed_at=at + timedelta(minutes=5) if i == 0 else None,
                claimed_patient_id=(t.patient_id or None) if i == 0 else None,
                claimed_via="page" if i == 0 else None,
            )
        )
    for _ in range(sms):
        db.add(
            Message(
                practice_id=t.practice_id,
                direction="out",
                phone="+31600000000",
                body="x",
                created_at=at,
                updated_at=at,
            )
        )
    db.flush()


def _practices(db: Session, factory: Factory, *names: str) -> list[Tenant]:
    tenants = [make_tenant(db, factory, name) for name in names]
    for t in tenants:  # make_tenant creates a slot at `now`; move it out of the way
        for slot in db.exec(select(Slot).where(Slot.practice_id == t.practice_id)).all():
            slot.created_at = factory.now - timedelta(days=400)
            db.add(slot)
    db.flush()
    return tenants


def test_only_the_owner_sets_the_preferences(db: Session, factory: Factory, now: datetime) -> None:
    [alfa] = _practices(db, factory, "Alfa")
    assert objections.preferences(db, alfa.owner) == objections.Preferences(True, True)
    objections.set_preferences(db, alfa.owner, product_emails=False, usage_statistics=True, now=now)
    staff = resolve_session(db, alfa.staff_token, now)
    assert staff is not None
    with pytest.raises(PermissionDenied):
        objections.set_preferences(db, staff, product_emails=True, usage_statistics=False, now=now)
    assert objections.preferences(db, staff) == objections.Preferences(False, True)
    event = db.exec(
        select(AuditEvent).where(AuditEvent.action == "practice.objections_changed")
    ).one()
    assert event.detail == "productmails=uit, statistieken=aan"


def test_monthly_summary_only_for_practices_without_objection(
    db: Session, factory: Factory, now: datetime
) -> None:
    alfa, beta = _practices(db, factory, "Alfa", "Beta")
    month, run = _month_of(now), _first_run_after(now)
    _activity(db, alfa, timeplan.at_local(month + timedelta(days=9), 10), slots=3, sms=7)
    _activity(db, alfa, timeplan.at_local(month - timedelta(days=1), 23, 50), slots=5, sms=5)
    objections.set_preferences(db, beta.owner, product_emails=False, usage_statistics=True, now=now)
    assert objections.summaries_due(db, run) == [alfa.practice_id]
    [mail] = objections.monthly_summary(db, alfa.practice_id, run)
    assert mail.to == "eigenaar@alfa.nl"
    assert f"{MONTHS[month.month - 1]} {month.year}" in mail.subject
    assert "Plekken vrijgegeven: 3" in mail.body and "Gevuld via de wachtlijst: 1" in mail.body
    assert "Vulgraad: 33 %" in mail.body and "Mediane tijd tot gevuld: 5 min" in mail.body
    assert "Teruggewonnen: € 110,10" in mail.body and "/resultaten" in mail.body
    assert "SMS'jes verstuurd: 7" in mail.body and "Bezwaar" in mail.body
    # once per month, however often the job runs
    assert objections.monthly_summary(db, alfa.practice_id, run) == []
    assert objections.summaries_due(db, run + timedelta(days=1)) == []
    # Beta objected: nothing, even when asked directly
    assert objections.monthly_summary(db, beta.practice_id, run) == []
    # only in the first days of the month
    assert objections.summaries_due(db, run + timedelta(days=8)) == []


def test_usage_day_counts_consenting_practices_only_and_needs_three(
    db: Session, factory: Factory, now: datetime
) -> None:
    tenants = _practices(db, factory, "Alfa", "Beta")
    day = timeplan.local_day(now) - timedelta(days=1)  # yesterday, as the daily job counts it
    at = timeplan.at_local(day, 13)
    for t in tenants:
        _activity(db, t, at, slots=2, sms=4)
    assert objections.record_usage_day(db, day, now) is None  # two practices: not anonymous
    # a third and fourth practice; the fourth objects and is not counted
    extra = factory.practice(db, "Tandartspraktijk Gamma")
    objecting = factory.practice(db, "Tandartspraktijk Delta")
    objecting.usage_statistics = False
    db.add(objecting)
    for practice in (extra, objecting):
        t = Tenant(practice.id, 0, 0, tenants[0].owner, "", 0, 0, "", "", 0, 0, 0)  # type: ignore[arg-type]
        _activity(db, t, at, slots=10, sms=10)
    row = objections.record_usage_day(db, day, now)
    assert row is not None
    assert (row.practices, row.slots_opened, row.slots_filled, row.sms_sent) == (3, 14, 3, 18)
    assert objections.record_usage_day(db, day, now + timedelta(hours=1)) is row  # once
    # the row holds totals only: no practice id anywhere
    assert "practice_id" not in UsageDay.model_fields


def test_daily_job_sends_summaries_and_writes_usage(
    app_env: AppEnv, factory: Factory, now: datetime
) -> None:
    run = _first_run_after(now)
    last_day = timeplan.local_day(run) - timedelta(days=1)  # the day before the run, locally
    with session_scope() as db:
        tenants = _practices(db, factory, "Alfa", "Beta")
        gamma = factory.practice(db, "Tandartspraktijk Gamma")
        _activity(db, tenants[0], timeplan.at_local(last_day, 13), slots=1, sms=2)
        objections.set_preferences(
            db, tenants[1].owner, product_emails=False, usage_statistics=True, now=now
        )
        assert gamma.id
    counts = privacy_jobs.run_daily(run)
    assert counts["usage_day"] == 1
    assert counts["summaries"] == 1  # Alfa's owner; Beta objected; Gamma has no owner
    assert privacy_jobs.run_daily(run + timedelta(hours=1))["summaries"] == 0
    mails = ConsoleOutbox(app_env.data_dir).messages()
    assert [m["to"] for m in mails] == ["eigenaar@alfa.nl"]
    with session_scope() as db:
        row = db.get(UsageDay, last_day)
        assert row is not None and (row.practices, row.slots_opened, row.sms_sent) == (3, 1, 2)
        assert db.get(Practice, tenants[1].practice_id).product_emails is False  # type: ignore[union-attr]
