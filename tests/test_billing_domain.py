"""What a subscription allows: trial, past-due grace, read-only, SMS allowance — enforced in the
domain (opening slots, waves, texting offers, `JA` replies), not just in hidden buttons."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import Session, select

from pakjeplekje import __main__ as cli
from pakjeplekje import clock
from pakjeplekje.db import session_scope
from pakjeplekje.domain import billing
from pakjeplekje.domain.accounts import auth, email_confirmation
from pakjeplekje.domain.core_loop import dispatch, replies, slots, waves
from pakjeplekje.domain.errors import DomainError
from pakjeplekje.models import Message, Offer, Patient, Practice, Slot, Subscription
from pakjeplekje.ui.state.billing import banners_for
from tests import timeplan
from tests.conftest import AppEnv, Factory
from tests.test_slots import Desk, make_desk

DAY = timedelta(days=1)


@pytest.fixture
def now(office_now: datetime) -> datetime:
    """The desk opens its slot on a working morning (see tests/test_slots.py)."""
    return office_now


@pytest.fixture
def desk(db: Session, factory: Factory, now: datetime) -> Desk:
    desk = make_desk(db, factory, now)
    billing.start_trial(db, desk.world.pid, now)
    return desk


def messages(db: Session, practice_id: int, n: int, at: datetime, status: str = "sent") -> None:
    db.add_all(
        Message(
            practice_id=practice_id,
            direction="out",
            phone="+31612345678",
            body="x",
            status=status,
            created_at=at,
            updated_at=at,
        )
        for _ in range(n)
    )
    db.flush()


def test_sign_up_starts_a_14_day_trial(db: Session, now: datetime) -> None:
    owner = auth.sign_up(
        db,
        practice_name="Praktijk Proef",
        name="Piet Proef",
        email="piet@proef.nl",
        password="een lange zin als wachtwoord",
        now=now,
    )
    sub = billing.subscription_of(db, owner.practice_id)
    assert sub is not None and sub.status == "trialing"
    assert sub.trial_ends_at == now + timedelta(days=14)
    found = billing.entitlement(db, owner.practice_id, now)
    assert (found.label, found.trial_days_left, found.sms_included) == ("proefperiode", 14, 200)
    assert (found.can_open_slots, found.reason) == (False, billing.UNCONFIRMED)
    email_confirmation.mark_confirmed(db, owner.practice_id, now)  # the owner clicked the link
    found = billing.entitlement(db, owner.practice_id, now)
    assert found.can_open_slots and found.can_send_sms and not found.read_only
    almost = billing.entitlement(db, owner.practice_id, now + 13 * DAY + timedelta(hours=1))
    assert almost.trial_days_left == 1


def test_a_trial_without_a_plan_ends_read_only_with_a_deletion_date(
    desk: Desk, now: datetime
) -> None:
    db, pid = desk.db, desk.world.pid
    later = now + 14 * DAY
    found = billing.entitlement(db, pid, later)
    assert (found.status, found.label, found.read_only) == ("expired", "verlopen", True)
    assert not found.can_open_slots and found.reason == billing.READ_ONLY_REASON
    assert billing.expire_trials(db, later) == 1
    practice = db.get(Practice, pid)
    assert practice is not None
    assert practice.deletion_scheduled_at == now + 14 * DAY + 30 * DAY
    assert billing.expire_trials(db, later) == 0


def test_read_only_refuses_preview_and_opening_and_saves_nothing(desk: Desk, now: datetime) -> None:
    desk.world.patients(3)
    billing.set_status(desk.db, desk.world.pid, "canceled", now)
    for attempt in (slots.preview, slots.open_slot):
        with pytest.raises(DomainError) as refused:
            attempt(desk.db, desk.actor, desk.form, now)
        assert refused.value.message == billing.READ_ONLY_REASON
    assert desk.db.exec(select(Slot).where(Slot.practice_id == desk.world.pid)).all() == []


def _open_with_offers(desk: Desk, now: datetime) -> tuple[Slot, list[int]]:
    desk.world.patients(7)
    return slots.open_slot(desk.db, desk.actor, desk.form, now)


def test_read_only_stops_waves_texts_and_confirmations(desk: Desk, now: datetime) -> None:
    db = desk.db
    _, offer_ids = _open_with_offers(desk, now)
    assert len(offer_ids) == 5
    billing.set_status(db, desk.world.pid, "canceled", now)
    # the texting job: nothing leaves, the offer stays queued
    assert dispatch.claim_for_sending(db, offer_ids[0], "http://x/c/", now) is None
    assert db.get(Offer, offer_ids[0]).status == "queued"  # type: ignore[union-attr]
    # the wave job: no next wave
    assert waves.run_due_waves(db, now + timedelta(minutes=15)) == []
    # a won claim gets no confirmation SMS
    offer = db.get(Offer, offer_ids[1])
    assert offer is not None
    offer.status = "claimed"
    db.add(offer)
    db.flush()
    assert dispatch.confirmation_for(db, offer_ids[1], now) is None
    billing.set_status(db, desk.world.pid, "active", now)
    assert dispatch.confirmation_for(db, offer_ids[1], now) is not None
    assert dispatch.claim_for_sending(db, offer_ids[0], "http://x/c/", now) is not None


def test_ja_reply_cannot_claim_at_a_read_only_practice(desk: Desk, now: datetime) -> None:
    db = desk.db
    slot, offer_ids = _open_with_offers(desk, now)
    sms = dispatch.claim_for_sending(db, offer_ids[0], "http://x/c/", now)
    assert sms is not None
    dispatch.record_sent(db, sms, "SM1", "sent", now)
    patient = db.get(Patient, sms.patient_id)
    assert patient is not None
    patient.phone = phone = "+31687654321"  # the test world's numbers are not E.164
    db.add(patient)
    billing.set_status(db, desk.world.pid, "expired", now)
    reply = replies.handle_reply(db, phone, "JA", now + timedelta(minutes=1))
    assert reply.text == replies.UNAVAILABLE and reply.practice_id is None
    db.refresh(slot)
    assert slot.status == "open"
    billing.set_status(db, desk.world.pid, "active", now)
    won = replies.handle_reply(db, phone, "JA", now + timedelta(minutes=2))
    assert won.practice_id == desk.world.pid
    db.refresh(slot)
    assert slot.status == "claimed"


def test_past_due_works_for_seven_days_then_sending_stops(desk: Desk, now: datetime) -> None:
    db, pid = desk.db, desk.world.pid
    billing.set_status(db, pid, "past_due", now)
    during = billing.entitlement(db, pid, now + 6 * DAY)
    assert during.can_send_sms and during.label == "betaling mislukt"
    assert during.grace_ends_at == now + 7 * DAY
    assert [b.kind for b in banners_for(during, is_owner=True)] == ["betaling-mislukt"]
    assert banners_for(during, is_owner=False) == []
    after = billing.entitlement(db, pid, now + 7 * DAY)
    assert not after.can_send_sms and not after.read_only
    assert after.reason == billing.PAST_DUE_STOPPED
    assert [b.kind for b in banners_for(after, is_owner=False)] == ["versturen-gestopt"]
    with pytest.raises(DomainError) as refused:
        slots.open_slot(db, desk.actor, desk.form, now + 7 * DAY)
    assert refused.value.message == billing.PAST_DUE_STOPPED


def test_sms_allowance_counts_only_sent_texts_of_this_period(
    desk: Desk, factory: Factory, now: datetime
) -> None:
    db, pid = desk.db, desk.world.pid
    other = factory.practice(db, "Ander")
    messages(db, other.id, 50, now)  # type: ignore[arg-type]
    messages(db, pid, 100, now)
    messages(db, pid, 30, now, status="failed")
    messages(db, pid, 10, now - 30 * DAY)  # before the trial
    found = billing.entitlement(db, pid, now + DAY)
    assert (found.sms_used, found.sms_included, found.sms_share) == (100, 200, 50)
    assert not found.sms_warning
    messages(db, pid, 60, now)
    found = billing.entitlement(db, pid, now + DAY)
    assert found.sms_warning and found.can_send_sms
    assert [b.kind for b in banners_for(found, is_owner=True)] == ["sms-bijna-op"]
    assert banners_for(found, is_owner=False) == []
    messages(db, pid, 40, now)
    used_up = billing.entitlement(db, pid, now + DAY)
    assert not used_up.can_send_sms and used_up.reason == billing.SMS_USED_UP
    assert [b.kind for b in banners_for(used_up, is_owner=False)] == ["sms-op"]
    with pytest.raises(DomainError) as refused:
        slots.preview(db, desk.actor, desk.form, now + DAY)
    assert refused.value.message == billing.SMS_USED_UP
    # a metered plan keeps sending (the overage goes to Stripe's meter)
    sub = billing.subscription_of(db, pid)
    assert sub is not None
    sub.status, sub.metered, sub.stripe_customer_id = "active", True, "cus_meter"
    sub.current_period_start, sub.current_period_end = now - DAY, now + 29 * DAY
    db.add(sub)
    db.flush()
    metered = billing.entitlement(db, pid, now + DAY)
    assert metered.can_send_sms and metered.metered
    assert billing.overage_to_report(db, now + DAY) == []  # exactly the included 200
    messages(db, pid, 3, now)
    [due] = billing.overage_to_report(db, now + DAY)
    assert (due.total, due.delta) == (3, 3)
    billing.overage_reported(db, due, now + DAY)
    assert billing.overage_to_report(db, now + DAY) == []


def test_the_usage_period_rolls_on_when_a_renewal_is_late(desk: Desk, now: datetime) -> None:
    sub = billing.subscription_of(desk.db, desk.world.pid)
    assert sub is not None
    sub.stripe_subscription_id, sub.status = "sub_x", "active"
    sub.current_period_start, sub.current_period_end = now - 30 * DAY, now
    assert billing.usage_period(sub, now + DAY) == (now, now + 30 * DAY)


def test_without_a_stripe_period_usage_counts_per_amsterdam_month(desk: Desk) -> None:
    """00:30 on 1 February in Amsterdam is still 31 January in UTC: February's texts count."""
    sub = billing.subscription_of(desk.db, desk.world.pid)
    assert sub is not None
    sub.stripe_subscription_id, sub.status = "sub_x", "active"
    sub.current_period_start = sub.current_period_end = None
    at = timeplan.at_local(date(2027, 2, 1), 0, 30)
    assert billing.usage_period(sub, at) == (
        timeplan.at_local(date(2027, 2, 1), 0, 0),
        timeplan.at_local(date(2027, 3, 1), 0, 0),
    )
    december = billing.usage_period(sub, timeplan.at_local(date(2026, 12, 31), 23, 59))
    assert december[1] == timeplan.at_local(date(2027, 1, 1), 0, 0)


def test_a_billing_deletion_date_is_undone_but_not_another_one(desk: Desk, now: datetime) -> None:
    db, pid = desk.db, desk.world.pid
    billing.set_status(db, pid, "canceled", now)
    practice = db.get(Practice, pid)
    assert practice is not None and practice.deletion_scheduled_at == now + 30 * DAY
    billing.set_status(db, pid, "active", now + DAY)
    assert practice.deletion_scheduled_at is None
    # a deletion the owner asked for (the AVG flow) is not billing's to undo
    billing.set_status(db, pid, "canceled", now + 2 * DAY)
    practice.deletion_scheduled_at = now + 3 * DAY
    billing.set_status(db, pid, "active", now + 2 * DAY)
    assert practice.deletion_scheduled_at == now + 3 * DAY


def test_set_status_refuses_unknown_words(desk: Desk, now: datetime) -> None:
    with pytest.raises(DomainError):
        billing.set_status(desk.db, desk.world.pid, "gratis", now)


def test_a_practice_without_subscription_row_is_not_limited(
    db: Session, factory: Factory, now: datetime
) -> None:
    """Only fixtures and benches make such practices; sign-up and migration 0005 never do."""
    practice = factory.practice(db)
    found = billing.entitlement(db, practice.id, now + 365 * DAY)  # type: ignore[arg-type]
    assert found.can_send_sms and not found.managed and found.sms_included == 0


def test_cli_sets_the_status_of_one_practice_only(
    app_env: AppEnv, factory: Factory, capsys: pytest.CaptureFixture[str]
) -> None:
    with session_scope() as db:
        a, b = factory.practice(db, "Alfa"), factory.practice(db, "Beta")
        for p in (a, b):
            billing.start_trial(db, p.id, clock.now())  # type: ignore[arg-type]
        slug_a, id_b = a.slug, b.id
    assert cli.main(["billing", "set-status", slug_a, "canceled"]) == 0
    assert "opgezegd" in capsys.readouterr().out
    assert cli.main(["billing", "set-status", str(id_b), "past_due"]) == 0
    assert cli.main(["billing", "set-status", "bestaat-niet", "active"]) == 1
    with session_scope() as db:
        subs = {s.practice_id: s.status for s in db.exec(select(Subscription)).all()}
        assert subs == {a.id: "canceled", b.id: "past_due"}
        assert billing.entitlement(db, a.id, clock.now()).read_only  # type: ignore[arg-type]
        assert not billing.entitlement(db, b.id, clock.now()).read_only  # type: ignore[arg-type]


def _found(status: str, **changes: object) -> billing.Entitlement:
    base = billing.Entitlement(
        status=status,
        label=billing.LABELS[status],
        plan=None,
        can_open_slots=True,
        can_send_sms=True,
        read_only=False,
        reason="",
        sms_used=0,
        sms_included=200,
        metered=False,
        period_start=None,
        period_end=None,
        trial_ends_at=None,
        grace_ends_at=None,
        cancel_at_period_end=False,
        deletion_scheduled_at=None,
        managed=True,
    )
    from dataclasses import replace

    return replace(base, **changes)  # type: ignore[arg-type]


def test_status_line_says_each_fact_once() -> None:
    """/abonnement's one line: the trial is not also called a plan; local dates."""
    evening = datetime(2026, 12, 8, 23, 30, tzinfo=UTC)  # 9 december in Amsterdam
    trial = _found("trialing", trial_days_left=1, trial_ends_at=evening)
    assert (
        billing.status_line(trial, None) == "Proefperiode: nog 1 dag, tot en met 9 december 2026."
    )
    active = _found("active", period_end=evening)
    assert billing.status_line(active, "Basis") == (
        "Basis, actief. Volgende verlenging: 9 december 2026."
    )
    leaving = _found("active", period_end=evening, cancel_at_period_end=True)
    assert (
        billing.status_line(leaving, "Pro") == "Pro, actief. Opgezegd: loopt af op 9 december 2026."
    )
    assert billing.status_line(_found("canceled"), "Basis") == "Basis, opgezegd."
    assert billing.status_line(_found("expired", trial_ends_at=evening), None) == (
        "De proefperiode is afgelopen op 9 december 2026."
    )
    assert billing.status_line(_found("past_due"), None) == "Betaling mislukt."
