"""Stripe through the real `stripe` SDK against a local fake API (STRIPE_API_BASE), and webhooks
signed exactly as Stripe signs them. Access follows the webhook; each event applies once."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import func, select
from starlette.testclient import TestClient

from pakjeplekje import clock
from pakjeplekje.adapters.payments import NotConfigured
from pakjeplekje.db import session_scope
from pakjeplekje.domain import billing
from pakjeplekje.domain.actor import Actor
from pakjeplekje.domain.core_loop import slots
from pakjeplekje.domain.errors import DomainError, PermissionDenied
from pakjeplekje.domain.privacy import practice_deletion
from pakjeplekje.models import AuditEvent, Practice, StripeEvent, Subscription
from pakjeplekje.services import billing as subscriptions
from pakjeplekje.ui.state.billing import BillingState, banners_for
from pakjeplekje.ui.state.slots import SlotsState
from pakjeplekje.web.api import create_api
from tests import fake_stripe as fs
from tests.conftest import AppEnv, Factory
from tests.test_state_events import connected, run

DAY = timedelta(days=1)


@pytest.fixture
def fake() -> Iterator[fs.FakeStripe]:
    server = fs.FakeStripe().start()
    yield server
    server.stop()


@pytest.fixture
def stripe_env(app_env: AppEnv, fake: fs.FakeStripe, monkeypatch: pytest.MonkeyPatch) -> AppEnv:
    monkeypatch.setenv("STRIPE_SECRET_KEY", fs.SECRET_KEY)
    monkeypatch.setenv("STRIPE_WEBHOOK_SECRET", fs.WEBHOOK_SECRET)
    monkeypatch.setenv("STRIPE_PRICE_BASIS", fs.PRICE_BASIS)
    monkeypatch.setenv("STRIPE_PRICE_PRO", fs.PRICE_PRO)
    monkeypatch.setenv("STRIPE_API_BASE", fake.base_url)
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://app.example.nl")
    app_env.reload()
    return app_env


@dataclass(frozen=True)
class Owner:
    practice_id: int
    actor: Actor
    staff: Actor
    token: str
    staff_token: str


def make_owner(factory: Factory, name: str) -> Owner:
    with session_scope() as db:
        practice = factory.practice(db, f"Tandartspraktijk {name}")
        owner = factory.user(db, practice, f"eigenaar@{name.lower()}.nl", role="owner")
        staff = factory.user(db, practice, f"assistent@{name.lower()}.nl")
        billing.start_trial(db, practice.id, clock.now())  # type: ignore[arg-type]
        token, actor = factory.login(db, owner, clock.now())
        staff_token, staff_actor = factory.login(db, staff, clock.now())
    return Owner(practice.id, actor, staff_actor, token, staff_token)  # type: ignore[arg-type]


@pytest.fixture
def alfa(stripe_env: AppEnv, factory: Factory) -> Owner:
    return make_owner(factory, "Alfa")


@pytest.fixture
def beta(stripe_env: AppEnv, factory: Factory) -> Owner:
    return make_owner(factory, "Beta")


@pytest.fixture
def client(stripe_env: AppEnv) -> TestClient:
    return TestClient(create_api())


def deliver(
    client: TestClient,
    event: dict[str, Any],
    *,
    secret: str = fs.WEBHOOK_SECRET,
    timestamp: int | None = None,
    tamper: bool = False,
    signature: str | None = None,
) -> Any:
    payload = json.dumps(event).encode()
    header = signature if signature is not None else fs.sign(payload, secret, timestamp)
    body = payload.replace(b"sub_", b"sub_X") if tamper else payload
    return client.post(
        "/api/webhooks/stripe",
        content=body,
        headers={"Stripe-Signature": header, "Content-Type": "application/json"},
    )


def invoice(invoice_id: str, customer: str, sub_id: str) -> dict[str, Any]:
    parent = {"type": "subscription_details", "subscription_details": {"subscription": sub_id}}
    return {"id": invoice_id, "object": "invoice", "customer": customer, "parent": parent}


def sub_row(practice_id: int) -> Subscription:
    with session_scope() as db:
        row = db.exec(select(Subscription).where(Subscription.practice_id == practice_id)).one()
        db.expunge(row)
        return row


def practice_row(practice_id: int) -> Practice:
    with session_scope() as db:
        row = db.get(Practice, practice_id)
        assert row is not None
        db.expunge(row)
        return row


def entitlement(practice_id: int, at: Any = None) -> billing.Entitlement:
    with session_scope() as db:
        return billing.entitlement(db, practice_id, at or clock.now())


def event_count() -> int:
    with session_scope() as db:
        return db.exec(select(func.count()).select_from(StripeEvent)).one()


def subscribe(client: TestClient, fake: fs.FakeStripe, owner: Owner, sub_id: str, **sub: Any):
    """Checkout as Stripe completes it: a customer (made by the app), then the two events."""
    subscriptions.start_checkout(owner.actor, "basis")
    customer = fake.checkout_sessions[-1]["customer"]
    fake.subscriptions[sub_id] = fs.subscription(sub_id, customer, **sub)
    done = fs.checkout_completed("cs_1", owner.practice_id, customer, sub_id)
    assert deliver(client, fs.event("checkout.session.completed", done)).status_code == 200
    created = fs.event("customer.subscription.created", fake.subscriptions[sub_id])
    assert deliver(client, created).json() == {"result": "applied"}
    return customer


# --- Checkout and portal through the SDK ---------------------------------------------------


def test_checkout_session_has_the_right_parameters(alfa: Owner, fake: fs.FakeStripe) -> None:
    url = subscriptions.start_checkout(alfa.actor, "pro")
    assert url.startswith(f"{fake.base_url}/checkout/cs_test_")
    [customer_id] = fake.customers
    assert fake.customers[customer_id]["email"] == "eigenaar@alfa.nl"
    assert fake.customers[customer_id]["metadata[practice_id]"] == str(alfa.practice_id)
    [session] = fake.checkout_sessions
    assert session["mode"] == "subscription"
    assert session["customer"] == customer_id
    assert session["client_reference_id"] == str(alfa.practice_id)
    assert session["line_items[0][price]"] == fs.PRICE_PRO
    assert session["line_items[0][quantity]"] == "1"
    assert "line_items[1][price]" not in session
    assert session["success_url"] == "https://app.example.nl/abonnement?betaling=verwerken"
    assert session["cancel_url"] == "https://app.example.nl/abonnement?betaling=geannuleerd"
    # the API version is pinned, the key sent as a bearer token
    headers = next(r[3] for r in fake.requests if r[1] == "/v1/checkout/sessions")
    assert headers["stripe-version"] == "2026-10-28.endive"
    # the customer is reused, and access waits for the webhook
    subscriptions.start_checkout(alfa.actor, "basis")
    assert len(fake.customers) == 1 and fake.checkout_sessions[-1]["customer"] == customer_id
    assert sub_row(alfa.practice_id).stripe_customer_id == customer_id
    assert sub_row(alfa.practice_id).status == "trialing"


def test_metered_overage_adds_the_meter_price(
    alfa: Owner, fake: fs.FakeStripe, monkeypatch: pytest.MonkeyPatch, stripe_env: AppEnv
) -> None:
    monkeypatch.setenv("STRIPE_PRICE_SMS_METER", fs.PRICE_METER)
    stripe_env.reload()
    subscriptions.start_checkout(alfa.actor, "basis")
    session = fake.checkout_sessions[-1]
    assert session["line_items[1][price]"] == fs.PRICE_METER
    assert "line_items[1][quantity]" not in session


def test_portal_session_for_the_practice_customer(alfa: Owner, fake: fs.FakeStripe) -> None:
    url = subscriptions.open_portal(alfa.actor)
    assert url.startswith(f"{fake.base_url}/portal/")
    [portal] = fake.portal_sessions
    assert portal["customer"] == sub_row(alfa.practice_id).stripe_customer_id
    assert portal["return_url"] == "https://app.example.nl/abonnement"


def test_the_owner_picks_a_plan_card(alfa: Owner, fake: fs.FakeStripe) -> None:
    """With keys: one card per plan with its price and SMS bundle; "Kies Pro" starts Checkout
    for the Pro price; a made-up plan key from the client is refused in Dutch."""
    page = connected(BillingState, alfa.token)
    run(page.load())
    assert page.configured and page.can_checkout
    assert [(c.name, c.button) for c in page.plans] == [
        ("Basis", "Kies Basis"),
        ("Pro", "Kies Pro"),
    ]
    assert "200 SMS'jes per maand inbegrepen" in page.plans[0].includes
    assert page.status_line.startswith("Proefperiode: nog 14 dagen, tot en met ")
    assert "proefperiode" not in page.status_line.lower().split(":", 1)[1]
    run(page.checkout("gratis"))
    assert page.error == "Kies een abonnement uit de lijst."
    assert fake.checkout_sessions == []
    run(page.checkout("pro"))
    assert page.error == ""
    assert fake.checkout_sessions[-1]["line_items[0][price]"] == fs.PRICE_PRO


def test_staff_cannot_create_sessions(alfa: Owner, fake: fs.FakeStripe) -> None:
    with pytest.raises(PermissionDenied):
        subscriptions.start_checkout(alfa.staff, "basis")
    with pytest.raises(PermissionDenied):
        subscriptions.open_portal(alfa.staff)
    assert fake.requests == []
    page = connected(BillingState, alfa.staff_token)
    run(page.checkout("basis"))
    assert page.error == "Dit mag alleen de eigenaar van de praktijk."
    assert fake.requests == []


def test_without_stripe_keys_nothing_is_called(
    app_env: AppEnv, factory: Factory, fake: fs.FakeStripe
) -> None:
    owner = make_owner(factory, "Zonder")
    with pytest.raises(NotConfigured):
        subscriptions.start_checkout(owner.actor, "basis")
    page = connected(BillingState, owner.token)
    run(page.load())
    assert not page.configured and page.status_line.startswith("Proefperiode: nog 14 dagen")
    assert page.sms_text == "0 van 200 SMS'jes gebruikt deze periode"
    assert page.plans == []  # no cards to choose from: the page says payments are not set up
    assert run(page.checkout("basis")) is None  # no redirect: the owner reads why, in Dutch
    assert page.error == NotConfigured().message
    assert fake.requests == []


# --- Webhook --------------------------------------------------------------------------------


def test_checkout_then_created_makes_the_practice_active(
    client: TestClient, fake: fs.FakeStripe, alfa: Owner
) -> None:
    subscribe(client, fake, alfa, "sub_alfa")
    row = sub_row(alfa.practice_id)
    assert (row.status, row.plan, row.stripe_subscription_id) == ("active", "basis", "sub_alfa")
    assert row.current_period_end is not None and row.sms_included == 200
    found = entitlement(alfa.practice_id)
    assert found.label == "actief" and found.can_open_slots
    page = connected(BillingState, alfa.token)
    run(page.load())
    assert not page.can_checkout
    assert page.status_line.startswith("Basis, actief. Volgende verlenging: ")


@pytest.mark.parametrize("attack", ["tampered", "wrong secret", "too old", "missing", "garbage"])
def test_bad_signatures_are_refused_and_change_nothing(
    client: TestClient, fake: fs.FakeStripe, alfa: Owner, attack: str
) -> None:
    subscriptions.start_checkout(alfa.actor, "basis")
    customer = fake.checkout_sessions[-1]["customer"]
    fake.subscriptions["sub_a"] = fs.subscription("sub_a", customer, status="canceled")
    event = fs.event("customer.subscription.deleted", fake.subscriptions["sub_a"])
    kwargs: dict[str, Any] = {
        "tampered": {"tamper": True},
        "wrong secret": {"secret": "whsec_someone_else"},
        "too old": {"timestamp": int(time.time()) - 301},
        "missing": {"signature": ""},
        "garbage": {"signature": "t=abc,v1=nope"},
    }[attack]
    before = sub_row(alfa.practice_id)
    response = deliver(client, event, **kwargs)
    assert response.status_code == 400
    assert sub_row(alfa.practice_id) == before
    assert event_count() == 0
    assert practice_row(alfa.practice_id).deletion_scheduled_at is None


@pytest.mark.parametrize(
    ("signed_ago", "outcome"),
    [(timedelta(minutes=4), "applied"), (timedelta(minutes=5, seconds=1), "bad_signature")],
)
def test_a_signature_is_as_old_as_the_apps_clock_says(
    fake: fs.FakeStripe, alfa: Owner, signed_ago: timedelta, outcome: str
) -> None:
    """An app started with CLOCK_START (the browser tests' app) runs days away from the wall
    clock: the 5-minute tolerance is measured on the app's clock, like every other time."""
    app_now = clock.now() - timedelta(days=10)
    subscriptions.start_checkout(alfa.actor, "basis")
    customer = fake.checkout_sessions[-1]["customer"]
    fake.subscriptions["sub_a"] = fs.subscription("sub_a", customer, status="canceled")
    payload = json.dumps(fs.event("customer.subscription.deleted", fake.subscriptions["sub_a"]))
    header = fs.sign(payload.encode(), timestamp=int((app_now - signed_ago).timestamp()))
    result = subscriptions.handle_webhook(payload.encode(), header, now=app_now)
    assert result.outcome == outcome


def test_the_same_event_twice_applies_once(
    client: TestClient, fake: fs.FakeStripe, alfa: Owner
) -> None:
    subscribe(client, fake, alfa, "sub_a")
    fake.subscriptions["sub_a"]["status"] = "past_due"
    customer = fake.subscriptions["sub_a"]["customer"]
    failed = fs.event("invoice.payment_failed", invoice("in_1", customer, "sub_a"))
    assert deliver(client, failed).json() == {"result": "applied"}
    assert deliver(client, failed).json() == {"result": "duplicate"}
    with session_scope() as db:
        audits = db.exec(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "billing.stripe_event", AuditEvent.detail == failed["type"])
        ).one()
    assert audits == 1


def test_concurrent_duplicate_deliveries_apply_once(
    client: TestClient, fake: fs.FakeStripe, alfa: Owner
) -> None:
    subscribe(client, fake, alfa, "sub_a")
    fake.subscriptions["sub_a"]["status"] = "canceled"
    deleted = fs.event("customer.subscription.deleted", fake.subscriptions["sub_a"])
    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(lambda _: deliver(client, deleted), range(6)))
    assert {r.status_code for r in results} == {200}
    outcomes = sorted(r.json()["result"] for r in results)
    assert outcomes.count("applied") == 1 and set(outcomes) <= {"applied", "duplicate"}
    with session_scope() as db:
        assert db.exec(
            select(func.count()).select_from(AuditEvent).where(
                AuditEvent.action == "billing.stripe_event",
                AuditEvent.detail == "customer.subscription.deleted",
            )
        ).one() == 1  # fmt: skip


def test_updated_before_created_ends_in_the_newest_state(
    client: TestClient, fake: fs.FakeStripe, alfa: Owner
) -> None:
    subscriptions.start_checkout(alfa.actor, "pro")
    customer = fake.checkout_sessions[-1]["customer"]
    old = fs.subscription("sub_a", customer, status="incomplete", price=fs.PRICE_PRO)
    fake.subscriptions["sub_a"] = fs.subscription("sub_a", customer, price=fs.PRICE_PRO)
    updated = fs.event("customer.subscription.updated", fake.subscriptions["sub_a"])
    created = fs.event("customer.subscription.created", old, created=updated["created"] - 5)
    assert deliver(client, updated).json() == {"result": "applied"}
    assert deliver(client, created).json() == {"result": "applied"}
    row = sub_row(alfa.practice_id)
    assert (row.status, row.plan, row.sms_included) == ("active", "pro", 1000)


def test_without_an_api_key_an_older_event_cannot_undo_a_newer_one(
    client: TestClient,
    fake: fs.FakeStripe,
    alfa: Owner,
    monkeypatch: pytest.MonkeyPatch,
    stripe_env: AppEnv,
) -> None:
    subscriptions.start_checkout(alfa.actor, "basis")
    customer = fake.checkout_sessions[-1]["customer"]
    monkeypatch.delenv("STRIPE_SECRET_KEY")
    stripe_env.reload()
    now = int(time.time())
    newer = fs.event(
        "customer.subscription.updated", fs.subscription("sub_a", customer), created=now
    )
    older = fs.event(
        "customer.subscription.created",
        fs.subscription("sub_a", customer, status="incomplete"),
        created=now - 10,
    )
    assert deliver(client, newer).status_code == 200
    assert deliver(client, older).status_code == 200
    assert sub_row(alfa.practice_id).status == "active"


def test_deleted_makes_read_only_and_schedules_deletion_undone_by_subscribing_again(
    client: TestClient, fake: fs.FakeStripe, alfa: Owner
) -> None:
    customer = subscribe(client, fake, alfa, "sub_a")
    fake.subscriptions["sub_a"] = fs.subscription("sub_a", customer, status="canceled")
    ended_at = fake.subscriptions["sub_a"]["ended_at"]
    deleted = fs.event("customer.subscription.deleted", fake.subscriptions["sub_a"])
    assert deliver(client, deleted).json() == {"result": "applied"}
    found = entitlement(alfa.practice_id)
    assert found.read_only and found.label == "opgezegd" and not found.can_send_sms
    deletion = practice_row(alfa.practice_id).deletion_scheduled_at
    assert deletion is not None and int(deletion.timestamp()) == ended_at + 30 * 86400
    assert [b.kind for b in banners_for(found, is_owner=False)] == ["alleen-lezen"]
    page = connected(BillingState, alfa.token)
    run(page.load())
    assert page.deletion_text.startswith("Zonder abonnement worden de gegevens")
    assert page.can_checkout
    # an older subscription's late `deleted` never ends a newer one; subscribing again in time
    # clears the deletion date
    fake.subscriptions["sub_b"] = fs.subscription("sub_b", customer)
    created = fs.event("customer.subscription.created", fake.subscriptions["sub_b"])
    assert deliver(client, created).json() == {"result": "applied"}
    assert practice_row(alfa.practice_id).deletion_scheduled_at is None
    late = fs.event("customer.subscription.deleted", fake.subscriptions["sub_a"])
    assert deliver(client, late).json() == {"result": "applied"}
    assert sub_row(alfa.practice_id).stripe_subscription_id == "sub_b"
    assert entitlement(alfa.practice_id).label == "actief"


def test_payment_failed_gives_the_owner_a_banner_and_seven_days(
    client: TestClient, fake: fs.FakeStripe, alfa: Owner
) -> None:
    customer = subscribe(client, fake, alfa, "sub_a")
    fake.subscriptions["sub_a"]["status"] = "past_due"
    failed = fs.event("invoice.payment_failed", invoice("in_1", customer, "sub_a"))
    assert deliver(client, failed).json() == {"result": "applied"}
    now = clock.now()
    found = entitlement(alfa.practice_id, now)
    assert found.label == "betaling mislukt" and found.can_send_sms
    assert [b.kind for b in banners_for(found, is_owner=True)] == ["betaling-mislukt"]
    assert entitlement(alfa.practice_id, now + 6 * DAY).can_send_sms
    assert not entitlement(alfa.practice_id, now + 7 * DAY + timedelta(minutes=1)).can_send_sms
    # paid after all: back to active
    fake.subscriptions["sub_a"]["status"] = "active"
    paid = fs.event("invoice.paid", {**failed["data"]["object"], "id": "in_2"})
    assert deliver(client, paid).json() == {"result": "applied"}
    assert sub_row(alfa.practice_id).past_due_since is None
    assert entitlement(alfa.practice_id, now + 8 * DAY).can_send_sms


def test_surprises_are_answered_200_and_ignored(
    client: TestClient, fake: fs.FakeStripe, alfa: Owner, caplog: pytest.LogCaptureFixture
) -> None:
    before = sub_row(alfa.practice_id)
    unknown_type = fs.event("charge.refunded", {"id": "ch_1", "object": "charge"})
    assert deliver(client, unknown_type).json() == {"result": "ignored"}
    stranger = fs.event("customer.subscription.updated", fs.subscription("sub_z", "cus_stranger"))
    assert deliver(client, stranger).json() == {"result": "unknown_customer"}
    odd = fs.event("customer.subscription.updated", {"id": "sub_z"})
    odd["data"]["object"] = "not an object"
    assert deliver(client, odd).json() == {"result": "ignored"}
    no_created = fs.event("invoice.paid", {"id": "in_1", "customer": "cus_stranger"})
    del no_created["created"]
    assert deliver(client, no_created).status_code == 200
    assert sub_row(alfa.practice_id) == before
    assert "eigenaar@" not in caplog.text


def test_stripe_unreachable_means_retry_later(
    client: TestClient, fake: fs.FakeStripe, alfa: Owner
) -> None:
    subscriptions.start_checkout(alfa.actor, "basis")
    customer = fake.checkout_sessions[-1]["customer"]
    fake.subscriptions["sub_a"] = fs.subscription("sub_a", customer)
    created = fs.event("customer.subscription.created", fake.subscriptions["sub_a"])
    fake.down = True
    assert deliver(client, created).status_code == 503
    assert event_count() == 0
    fake.down = False
    assert deliver(client, created).json() == {"result": "applied"}


def test_metered_overage_is_reported_to_the_meter_once(
    client: TestClient,
    fake: fs.FakeStripe,
    alfa: Owner,
    monkeypatch: pytest.MonkeyPatch,
    stripe_env: AppEnv,
) -> None:
    from pakjeplekje.models import Message

    monkeypatch.setenv("STRIPE_PRICE_SMS_METER", fs.PRICE_METER)
    stripe_env.reload()
    customer = subscribe(client, fake, alfa, "sub_a", extra_prices=(fs.PRICE_METER,))
    assert sub_row(alfa.practice_id).metered
    now = clock.now()
    with session_scope() as db:
        db.add_all(
            Message(practice_id=alfa.practice_id, direction="out", phone="+31612345678",
                    body="x", status="sent", created_at=now, updated_at=now)
            for _ in range(203)
        )  # fmt: skip
    assert entitlement(alfa.practice_id).can_send_sms  # beyond the 200: metered, goes on
    assert subscriptions.billing_tick(now) == 3
    [reported] = fake.meter_events
    assert reported["payload[stripe_customer_id]"] == customer
    assert reported["payload[value]"] == "3" and reported["event_name"] == "sms_verstuurd"
    assert subscriptions.billing_tick(now) == 0
    assert len(fake.meter_events) == 1


# --- Tenant isolation -----------------------------------------------------------------------


def test_a_webhook_for_practice_a_never_touches_b(
    client: TestClient, fake: fs.FakeStripe, alfa: Owner, beta: Owner
) -> None:
    subscriptions.start_checkout(beta.actor, "basis")
    before_b, practice_b = sub_row(beta.practice_id), practice_row(beta.practice_id)
    customer_a = subscribe(client, fake, alfa, "sub_a")
    fake.subscriptions["sub_a"] = fs.subscription("sub_a", customer_a, status="canceled")
    deliver(client, fs.event("customer.subscription.deleted", fake.subscriptions["sub_a"]))
    # a Checkout naming B with A's customer is not B's
    forged = fs.checkout_completed("cs_2", beta.practice_id, customer_a, "sub_a")
    assert deliver(client, fs.event("checkout.session.completed", forged)).json() == {
        "result": "unknown_customer"
    }
    assert sub_row(beta.practice_id) == before_b
    assert practice_row(beta.practice_id) == practice_b
    assert entitlement(alfa.practice_id).read_only
    assert not entitlement(beta.practice_id).read_only


# --- Enforcement through the event handler and the jobs ------------------------------------


def test_read_only_practice_cannot_open_a_slot_through_the_event_handler(
    client: TestClient, fake: fs.FakeStripe, alfa: Owner
) -> None:
    with session_scope() as db:
        billing.set_status(db, alfa.practice_id, "canceled", clock.now())
    state = connected(SlotsState, alfa.staff_token)
    run(state.preview({"day": "2030-01-01", "start": "10:00", "duration": "30"}))
    assert state.error == billing.READ_ONLY_REASON and not state.previewing
    state._form = {"day": "2030-01-01", "start": "10:00", "duration": "30"}
    run(state.open_slot())
    assert state.error == billing.READ_ONLY_REASON
    with session_scope() as db, pytest.raises(DomainError):
        slots.open_slot(db, alfa.staff, slots.SlotForm("2030-01-01", "10:00", "30"), clock.now())


# --- Deleting the practice (AVG) ends the Stripe subscription ------------------------------


def test_deleting_the_practice_cancels_its_stripe_subscription(
    client: TestClient, fake: fs.FakeStripe, factory: Factory, alfa: Owner, beta: Owner
) -> None:
    """Cancelled right after the request; when Stripe is down the billing tick retries; only
    the deleted practice's subscription is touched, and Stripe's own `deleted` event after
    that does not move the deletion date the owner's request set."""
    subscribe(client, fake, alfa, "sub_weg")
    subscribe(client, fake, beta, "sub_blijft")
    with session_scope() as db:
        owner = factory.user(
            db, db.get(Practice, alfa.practice_id), "weg@alfa.nl", role="owner", password="x" * 12
        )
        _, actor = factory.login(db, owner, clock.now())
    fake.down = True
    with session_scope() as db:
        requested = practice_deletion.request_deletion(
            db,
            actor,
            password="x" * 12,
            typed_name="Tandartspraktijk Alfa",
            immediately=False,
            link=lambda path: path,
            now=clock.now(),
        )
    assert requested.stripe_subscriptions == ["sub_weg"]
    assert subscriptions.cancel_stripe(requested.stripe_subscriptions) == 0  # Stripe is down
    assert fake.subscriptions["sub_weg"]["status"] == "active"

    fake.down = False
    subscriptions.billing_tick()
    assert fake.subscriptions["sub_weg"]["status"] == "canceled"
    assert fake.subscriptions["sub_blijft"]["status"] == "active"
    assert sub_row(alfa.practice_id).status == "canceled"
    cancels = [r[1] for r in fake.requests if r[0] == "DELETE"]
    assert set(cancels) == {"/v1/subscriptions/sub_weg"}  # the SDK retried while it was down
    subscriptions.billing_tick()  # confirmed: never cancelled again
    assert [r[1] for r in fake.requests if r[0] == "DELETE"] == cancels

    date = practice_row(alfa.practice_id).deletion_scheduled_at
    ended = fs.event("customer.subscription.deleted", fake.subscriptions["sub_weg"])
    assert deliver(client, ended).status_code == 200
    assert practice_row(alfa.practice_id).deletion_scheduled_at == date
