"""Verwijdering: logins end at once, nothing is texted, undo works until the date, and the purge
removes every row of the practice in every table while the other practice stays untouched.
Plus the daily retention rules."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from pakjeplekje.db import session_scope
from pakjeplekje.domain import billing
from pakjeplekje.domain.accounts import auth
from pakjeplekje.domain.accounts.passwords import hash_password
from pakjeplekje.domain.accounts.sessions import resolve_session, start_session
from pakjeplekje.domain.core_loop import dispatch, slots
from pakjeplekje.domain.dutch_dates import AMSTERDAM, long_date
from pakjeplekje.domain.errors import DomainError, NotFound, PermissionDenied
from pakjeplekje.domain.offers import add_offers
from pakjeplekje.domain.privacy import export as privacy_export
from pakjeplekje.domain.privacy import practice_deletion, retention
from pakjeplekje.domain.privacy.requests import add_month
from pakjeplekje.models import AuditEvent, Message, Offer, Patient, Practice, Slot, User
from pakjeplekje.services import privacy_purge as privacy_jobs
from tests import timeplan
from tests.test_privacy_export import _messages
from tests.test_tenant_isolation import Tenant, make_tenant

if TYPE_CHECKING:
    from conftest import AppEnv, Factory

PASSWORD = "een lang geheim wachtwoord"
SECRET = "test-secret-key-niet-voor-productie"


def _link(path: str) -> str:
    return "http://test" + path


def counts(db: Session, practice_id: int) -> dict[str, int]:
    db.flush()
    return {c.table: c.rows for c in privacy_export.inventory(db, practice_id)}


def _with_password(db: Session, tenant: Tenant) -> None:
    owner = db.get(User, tenant.owner_id)
    assert owner is not None
    owner.password_hash = hash_password(PASSWORD)
    db.add(owner)
    db.flush()


@pytest.fixture
def two(db: Session, factory: Factory, now: datetime) -> tuple[Tenant, Tenant]:
    a, b = make_tenant(db, factory, "Alfa"), make_tenant(db, factory, "Beta")
    for tenant in (a, b):
        _messages(db, tenant, now)
    _with_password(db, a)
    return a, b


def _delete(db: Session, a: Tenant, now: datetime, **kw):  # type: ignore[no-untyped-def]
    values = {"password": PASSWORD, "typed_name": "tandartspraktijk alfa", "immediately": False}
    values.update(kw)
    return practice_deletion.request_deletion(
        db, a.owner, link=_link, now=now, secret=SECRET, **values
    )


def test_wrong_password_or_name_changes_nothing(
    db: Session, two: tuple[Tenant, Tenant], now: datetime
) -> None:
    a, _ = two
    with pytest.raises(DomainError, match="wachtwoord"):
        _delete(db, a, now, password="fout")
    with pytest.raises(DomainError, match="naam"):
        _delete(db, a, now, typed_name="Tandartspraktijk Beta")
    assert db.get(Practice, a.practice_id).status == "active"  # type: ignore[union-attr]
    assert resolve_session(db, a.staff_token, now) is not None


def test_staff_cannot_delete(db: Session, two: tuple[Tenant, Tenant], now: datetime) -> None:
    a, _ = two
    staff = resolve_session(db, a.staff_token, now)
    assert staff is not None
    with pytest.raises(PermissionDenied):
        practice_deletion.request_deletion(
            db, staff, password=PASSWORD, typed_name="x", immediately=False, link=_link, now=now
        )


def test_deletion_stops_everything_at_once_and_undo_restores(
    db: Session, two: tuple[Tenant, Tenant], now: datetime
) -> None:
    a, b = two
    before_b = counts(db, b.practice_id)
    [mail] = _delete(db, a, now).emails
    practice = db.get(Practice, a.practice_id)
    assert practice is not None and practice.status == "deleted"
    assert practice.deletion_scheduled_at == now + timedelta(days=30)
    assert long_date(now + timedelta(days=30), AMSTERDAM) in mail.body  # "24 december 2026"
    assert "/privacy/herstel?token=" in mail.body
    assert mail.to == "eigenaar@alfa.nl"

    # Logins revoked, new logins refused, nothing texted, no new slot.
    assert resolve_session(db, a.staff_token, now) is None
    login = auth.log_in(
        db, email="eigenaar@alfa.nl", password=PASSWORD, client="c", secret=SECRET, now=now
    )
    assert login.user is None
    slot = db.get(Slot, a.slot_id)
    assert slot is not None
    [(queued, _)] = add_offers(db, slot, [a.own_number_patient_id], wave=1, now=now)
    assert dispatch.claim_for_sending(db, queued.id, "http://t/c/", now) is None  # type: ignore[arg-type]
    assert {o.status for o in db.exec(select(Offer).where(Offer.slot_id == a.slot_id))} <= {
        "expired",
        "queued",
    }
    with pytest.raises(DomainError):
        slots.open_slot(db, a.owner, slots.SlotForm(), now)
    assert counts(db, b.practice_id) == before_b

    # Undo before the date: active again, the owner logs in.
    token = mail.body.split("token=")[1].split()[0]
    with pytest.raises(DomainError):
        practice_deletion.undo_deletion(db, token, now + timedelta(days=31))
    practice_deletion.undo_deletion(db, token, now + timedelta(days=29))
    assert db.get(Practice, a.practice_id).status == "active"  # type: ignore[union-attr]
    later = now + timedelta(days=29)
    assert auth.log_in(
        db, email="eigenaar@alfa.nl", password=PASSWORD, client="c", secret=SECRET, now=later
    ).user


def test_purge_removes_every_row_of_a_and_nothing_of_b(
    db: Session, two: tuple[Tenant, Tenant], now: datetime
) -> None:
    a, b = two
    before_a, before_b = counts(db, a.practice_id), counts(db, b.practice_id)
    assert all(before_a[t] > 0 for t in ("patient", "slot", "offer", "message", "authsession"))
    _delete(db, a, now)
    assert practice_deletion.due_for_purge(db, now + timedelta(days=29)) == []
    assert practice_deletion.due_for_purge(db, now + timedelta(days=30)) == [a.practice_id]
    practice_deletion.purge_practice(db, a.practice_id, now, secret=SECRET)
    after_a = counts(db, a.practice_id)
    assert set(after_a.values()) == {0}, after_a
    assert counts(db, b.practice_id) == before_b
    # Nothing anywhere still points at A.
    for table in privacy_export.practice_tables():
        if "practice_id" in table.c:
            left = db.execute(
                sa.select(sa.func.count())
                .select_from(table)
                .where(table.c.practice_id == a.practice_id)
            ).scalar_one()
            assert left == 0, table.name
    practice_deletion.purge_practice(db, a.practice_id, now, secret=SECRET)  # idempotent


def test_immediately_purges_at_once(db: Session, two: tuple[Tenant, Tenant], now: datetime) -> None:
    a, b = two
    before_b = counts(db, b.practice_id)
    [mail] = _delete(db, a, now, immediately=True).emails
    assert "definitief gewist" in mail.body and "token=" not in mail.body
    assert db.get(Practice, a.practice_id) is None
    assert counts(db, b.practice_id) == before_b


def test_daily_job_purges_on_the_date(app_env: AppEnv, factory: Factory, now: datetime) -> None:
    with session_scope() as db:
        practice = factory.practice(db, "Praktijk Weg")
        owner = factory.user(db, practice, "weg@weg.nl", role="owner", password=PASSWORD)
        keep = factory.practice(db, "Praktijk Blijft")
        factory.user(db, keep, "blijft@blijft.nl", role="owner")
        start_session(db, owner, now)
        practice_id, keep_id = practice.id, keep.id
    with session_scope() as db:
        actor = resolve_session(db, start_session(db, db.get(User, owner.id), now), now)  # type: ignore[arg-type]
        assert actor is not None
        practice_deletion.request_deletion(
            db,
            actor,
            password=PASSWORD,
            typed_name="Praktijk Weg",
            immediately=False,
            link=_link,
            now=now,
        )
    assert privacy_jobs.run_daily(now + timedelta(days=29))["purged"] == 0
    assert privacy_jobs.run_daily(now + timedelta(days=30))["purged"] == 1
    with session_scope() as db:
        assert db.get(Practice, practice_id) is None
        assert db.get(Practice, keep_id) is not None
        assert db.exec(select(User).where(User.practice_id == practice_id)).all() == []


# --- retention -------------------------------------------------------------------------------


def test_sms_bodies_older_than_90_days_are_blanked(
    db: Session, two: tuple[Tenant, Tenant], now: datetime
) -> None:
    a, _ = two
    old = db.exec(select(Message).where(Message.practice_id == a.practice_id)).first()
    assert old is not None
    old.created_at = now - timedelta(days=91)
    db.add(old)
    db.flush()
    assert retention.blank_old_sms(db, now) == 1
    assert retention.blank_old_sms(db, now) == 0  # idempotent
    db.refresh(old)
    assert old.body == "" and old.status == "delivered"


def test_untouched_entries_are_flagged_then_removed_unless_kept(
    db: Session, two: tuple[Tenant, Tenant], now: datetime
) -> None:
    a, b = two
    for patient in db.exec(select(Patient)).all():
        patient.updated_at = now - timedelta(days=400)
        db.add(patient)
    db.flush()
    assert retention.flag_for_review(db, now) == 4
    assert retention.flag_for_review(db, now) == 0
    assert retention.flagged_count(db, a.practice_id) == 2
    assert retention.keep_flagged(db, b.owner, now) == 2  # B keeps its entries
    assert retention.remove_unreviewed(db, now + timedelta(days=20)) == 0
    assert retention.remove_unreviewed(db, now + timedelta(days=31)) == 2
    assert db.exec(select(Patient).where(Patient.practice_id == a.practice_id)).all() == []
    assert len(db.exec(select(Patient).where(Patient.practice_id == b.practice_id)).all()) == 2


def test_a_subscription_that_ended_30_days_ago_is_purged_unless_renewed(
    db: Session, two: tuple[Tenant, Tenant], now: datetime
) -> None:
    """The privacy policy's promise: data goes 30 days after the subscription ends."""
    a, b = two
    billing.set_status(db, a.practice_id, "canceled", now)
    billing.set_status(db, b.practice_id, "canceled", now)
    billing.set_status(db, b.practice_id, "active", now + timedelta(days=20))  # back in time
    assert practice_deletion.due_for_purge(db, now + timedelta(days=29)) == []
    assert practice_deletion.due_for_purge(db, now + timedelta(days=30)) == [a.practice_id]


def _untouched(db: Session, now: datetime) -> None:
    for patient in db.exec(select(Patient)).all():
        patient.updated_at = now - timedelta(days=400)
        db.add(patient)
    db.flush()


def test_keep_one_flagged_entry_and_the_rest_goes(
    db: Session, two: tuple[Tenant, Tenant], now: datetime
) -> None:
    a, _ = two
    _untouched(db, now)
    retention.flag_for_review(db, now)
    listed = retention.flagged(db, a.practice_id)
    assert {f.id for f in listed} == {a.patient_id, a.own_number_patient_id}
    assert all(f.removal_after == add_month(now) for f in listed)
    retention.keep_one(db, a.owner, a.patient_id, now + timedelta(days=1))
    assert [f.id for f in retention.flagged(db, a.practice_id)] == [a.own_number_patient_id]
    assert retention.flagged_count(db, a.practice_id) == 1
    with pytest.raises(NotFound):  # kept already: no longer under review
        retention.keep_one(db, a.owner, a.patient_id, now + timedelta(days=1))
    assert retention.remove_unreviewed(db, now + timedelta(days=31)) == 1 + 2  # and B's two
    left = db.exec(select(Patient.id).where(Patient.practice_id == a.practice_id)).all()
    assert left == [a.patient_id]
    kept = db.exec(
        select(AuditEvent).where(
            AuditEvent.action == "patient.retention_kept", AuditEvent.target_id == a.patient_id
        )
    ).one()
    assert (kept.target_type, kept.actor_user_id) == ("patient", a.owner.user_id)


def test_an_entry_edited_after_its_flag_is_reviewed_and_flagged_again_a_period_later(
    db: Session, two: tuple[Tenant, Tenant], now: datetime
) -> None:
    a, _ = two
    _untouched(db, now)
    retention.flag_for_review(db, now)
    patient = db.get(Patient, a.patient_id)
    assert patient is not None
    patient.updated_at = now + timedelta(days=2)  # staff edited it
    db.add(patient)
    db.flush()
    assert a.patient_id not in {f.id for f in retention.flagged(db, a.practice_id)}
    assert retention.remove_unreviewed(db, now + timedelta(days=40)) == 1 + 2  # not the edited
    assert db.get(Patient, a.patient_id) is not None
    later = now + timedelta(days=2 + 370)
    assert retention.flag_for_review(db, later) == 1  # re-flagged
    assert a.patient_id in {f.id for f in retention.flagged(db, a.practice_id)}


def test_a_deleted_practice_is_entitled_to_nothing(
    db: Session, two: tuple[Tenant, Tenant], now: datetime
) -> None:
    """The one gate that dispatch, waves, slots and SMS replies ask: deletion closes it."""
    a, b = two
    _delete(db, a, now)
    gone, kept = (
        billing.entitlement(db, a.practice_id, now),
        billing.entitlement(db, b.practice_id, now),
    )
    assert (gone.can_send_sms, gone.can_open_slots, gone.reason) == (
        False,
        False,
        billing.PRACTICE_DELETED,
    )
    assert kept.can_send_sms and kept.can_open_slots


def test_review_months_are_counted_on_the_amsterdam_calendar() -> None:
    """31 March 00:30 summer time is 30 March in UTC: a month before is 28 February, 00:30."""
    moment = timeplan.at_local(date(2027, 3, 31), 0, 30)
    assert retention.months_before(moment, 1) == timeplan.at_local(date(2027, 2, 28), 0, 30)
    assert retention.months_before(moment, 12) == timeplan.at_local(date(2026, 3, 31), 0, 30)
