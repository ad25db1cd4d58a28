"""Outbound webhooks delivered to a real local HTTP server: signed (checked with the README's
snippet), retried with backoff until a 2xx, failed after the last attempt, resent on demand,
never delivered to another practice, and not at all when the transaction rolls back."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from pytest_httpserver import HTTPServer
from sqlmodel import select
from starlette.applications import Starlette
from starlette.testclient import TestClient

from pakjeplekje import clock
from pakjeplekje.adapters import webhook_http
from pakjeplekje.db import session_scope
from pakjeplekje.domain.actor import Actor
from pakjeplekje.domain.errors import DomainError
from pakjeplekje.domain.integrations import webhook_delivery, webhook_endpoints, webhook_events
from pakjeplekje.domain.waitlist import patients
from pakjeplekje.models import Practice, Slot, WebhookDelivery, WebhookEndpoint
from pakjeplekje.services import privacy_purge, unit_of_work, webhooks
from pakjeplekje.services.demo import OfferedSlot
from pakjeplekje.web import claim as claim_routes
from tests.conftest import AppEnv, Factory
from tests.job_queue import JobQueue, job_queue_fixture  # noqa: F401  (fixture)
from tests.test_claims import make_slot
from tests.webhook_receiver import Receiver
from tests.webhook_verify import verify_pakjeplekje_signature


def practice_of(setup: OfferedSlot) -> int:
    with session_scope() as db:
        slot = db.get(Slot, setup.slot_id)
        assert slot is not None
        return slot.practice_id


def owner_of(factory: Factory, practice_id: int, email: str) -> Actor:
    with session_scope() as db:
        practice = db.get(Practice, practice_id)
        assert practice is not None
        user = factory.user(db, practice, email, role="owner")
        return factory.login(db, user)[1]


def subscribe(actor: Actor, receiver: Receiver, events: list[str] | None = None) -> int:
    """An endpoint through the owner's own path (its id); the receiver learns its secret."""
    every = list(webhook_events.EVENT_TYPES)
    endpoint_id = webhooks.create_endpoint(actor, receiver.url, events or every)
    with session_scope() as db:
        endpoint = db.get(WebhookEndpoint, endpoint_id)
        assert endpoint is not None
        receiver.secret = endpoint.secret
        return endpoint_id


def deliveries(practice_id: int) -> list[WebhookDelivery]:
    with session_scope() as db:
        return list(
            db.exec(
                select(WebhookDelivery)
                .where(WebhookDelivery.practice_id == practice_id)
                .order_by(WebhookDelivery.id)  # type: ignore[arg-type]
            ).all()
        )


@pytest.fixture
def api(app_env: AppEnv) -> TestClient:
    return TestClient(Starlette(routes=claim_routes.routes()))


def test_the_snippet_accepts_our_signature_and_refuses_any_change(app_env: AppEnv) -> None:
    """The README's verification function against `webhook_delivery.signature`."""
    secret, body = webhook_endpoints.new_secret(), b'{"id":"evt_1","type":"slot.filled"}'
    assert secret.startswith("whsec_") and len(secret) > 40
    t = int(clock.now().timestamp())
    header = webhook_delivery.signature(secret, t, body)
    assert header.startswith(f"t={t},v1=")
    assert verify_pakjeplekje_signature(secret, header, body)
    assert not verify_pakjeplekje_signature(secret, header, body + b" ")
    assert not verify_pakjeplekje_signature("whsec_ander", header, body)
    assert not verify_pakjeplekje_signature(secret, header.replace(f"t={t}", f"t={t + 1}"), body)
    assert not verify_pakjeplekje_signature(secret, "onzin", body)
    old = webhook_delivery.signature(secret, t - 600, body)  # a replay ten minutes later
    assert not verify_pakjeplekje_signature(secret, old, body)


def test_a_claim_posts_signed_slot_filled_and_offer_claimed(
    api: TestClient, factory: Factory, httpserver: HTTPServer, job_queue: JobQueue
) -> None:
    setup = make_slot(factory, "Haak", 2)
    owner = owner_of(factory, practice_of(setup), "eigenaar@haak.nl")
    receiver = Receiver(httpserver, "/hook")
    subscribe(owner, receiver)
    assert api.post(f"/api/claim/{setup.tokens[0]}").json() == {"result": "claimed"}
    assert "deliver_webhooks_task" in job_queue.pending()
    assert receiver.received == []  # nothing leaves on the request path
    job_queue.run()
    events = {event["type"]: event for event in receiver.verified()}
    assert set(events) == {"slot.filled", "offer.claimed"}
    filled = events["slot.filled"]["data"]
    assert filled["slot"]["id"] == setup.slot_id
    assert filled["slot"]["duration_minutes"] == 30
    assert filled["slot"]["claimed_via"] == "api"
    assert filled["slot"]["starts_at"].endswith("Z") and filled["slot"]["treatment"]
    assert filled["patient"]["id"] == setup.patient_ids[0]
    assert filled["patient"]["phone"].startswith("+316") and filled["patient"]["name"]
    claimed = events["offer.claimed"]["data"]
    assert claimed == {
        "offer": {"id": claimed["offer"]["id"], "wave": 1},
        "slot": {"id": setup.slot_id},
        "patient": {"id": setup.patient_ids[0]},
    }
    rows = deliveries(practice_of(setup))
    assert [(r.status, r.attempts, r.last_status_code) for r in rows] == [("delivered", 1, 200)] * 2


def test_a_failing_endpoint_is_retried_with_backoff_until_acknowledged(
    api: TestClient,
    factory: Factory,
    httpserver: HTTPServer,
    job_queue: JobQueue,
    frozen_clock: time_machine.Coordinates,
) -> None:
    setup = make_slot(factory, "Later", 1)
    owner = owner_of(factory, practice_of(setup), "eigenaar@later.nl")
    receiver = Receiver(httpserver, "/later", statuses=[500, 500, 200])
    subscribe(owner, receiver, ["slot.filled"])
    api.post(f"/api/claim/{setup.tokens[0]}")
    job_queue.run()
    [row] = deliveries(practice_of(setup))
    assert (row.status, row.attempts, row.last_status_code) == ("pending", 1, 500)
    assert row.next_attempt_at is not None
    assert row.next_attempt_at - row.last_attempt_at == timedelta(minutes=1)  # type: ignore[operator]
    assert webhooks.sweep() == 0 and len(receiver.received) == 1  # not due yet
    frozen_clock.move_to(clock.now() + timedelta(minutes=1, seconds=1))
    assert webhooks.sweep() == 0
    [row] = deliveries(practice_of(setup))
    assert (row.status, row.attempts) == ("pending", 2)
    assert row.next_attempt_at - row.last_attempt_at == timedelta(minutes=5)  # type: ignore[operator]
    frozen_clock.move_to(clock.now() + timedelta(minutes=5, seconds=1))
    assert webhooks.sweep() == 1
    [row] = deliveries(practice_of(setup))
    assert (row.status, row.attempts, row.last_status_code) == ("delivered", 3, 200)
    assert row.delivered_at is not None and row.next_attempt_at is None
    events = receiver.verified()  # each attempt signed afresh, at its own time
    assert len({event["id"] for event in events}) == 1  # the same event, three times
    frozen_clock.move_to(clock.now() + timedelta(hours=1))
    assert webhooks.sweep() == 0 and len(receiver.received) == 3  # acknowledged: never again


def test_after_the_last_attempt_the_delivery_is_failed(
    factory: Factory,
    httpserver: HTTPServer,
    app_env: AppEnv,
    frozen_clock: time_machine.Coordinates,
) -> None:
    with session_scope() as db:
        practice_id = factory.practice(db, "Tandartspraktijk Dicht").id
    owner = owner_of(factory, practice_id, "eigenaar@dicht.nl")
    receiver = Receiver(httpserver, "/dicht", statuses=[503])
    subscribe(owner, receiver, ["patient.joined"])
    with session_scope() as db:
        webhook_events.record_event(db, practice_id, "patient.joined", {"x": 1}, clock.now())
    waits = []
    for _ in range(webhook_delivery.MAX_ATTEMPTS):
        webhooks.sweep()
        [row] = deliveries(practice_id)
        if row.next_attempt_at is not None:
            waits.append(row.next_attempt_at - clock.now())
            frozen_clock.move_to(row.next_attempt_at + timedelta(seconds=1))
    [row] = deliveries(practice_id)
    assert (row.status, row.attempts, row.last_status_code) == ("failed", 8, 503)
    assert row.last_error == "HTTP 503" and row.next_attempt_at is None
    assert [round(w.total_seconds() / 60) for w in waits] == [1, 5, 30, 120, 360, 720, 1440]
    frozen_clock.move_to(clock.now() + timedelta(days=3))
    assert webhooks.sweep() == 0 and len(receiver.received) == 8


def test_an_event_of_a_never_reaches_bs_endpoint(
    api: TestClient, factory: Factory, httpserver: HTTPServer, job_queue: JobQueue
) -> None:
    a = make_slot(factory, "Alfa", 1)
    b = make_slot(factory, "Beta", 1)
    a_receiver, b_receiver = Receiver(httpserver, "/a"), Receiver(httpserver, "/b")
    subscribe(owner_of(factory, practice_of(a), "eigenaar@alfa.nl"), a_receiver)
    subscribe(owner_of(factory, practice_of(b), "eigenaar@beta.nl"), b_receiver)
    api.post(f"/api/claim/{a.tokens[0]}")
    job_queue.run()
    webhooks.sweep()
    assert len(a_receiver.verified()) == 2
    assert b_receiver.received == []
    assert deliveries(practice_of(b)) == []
    assert {row.endpoint_id for row in deliveries(practice_of(a))} == {
        e.id for e in _endpoints(practice_of(a))
    }


def _endpoints(practice_id: int) -> list[WebhookEndpoint]:
    with session_scope() as db:
        return list(
            db.exec(select(WebhookEndpoint).where(WebhookEndpoint.practice_id == practice_id))
        )


def test_resend_posts_the_same_event_again_and_counts_an_attempt(
    api: TestClient, factory: Factory, httpserver: HTTPServer, job_queue: JobQueue
) -> None:
    setup = make_slot(factory, "Nogmaals", 1)
    owner = owner_of(factory, practice_of(setup), "eigenaar@nogmaals.nl")
    receiver = Receiver(httpserver, "/nogmaals")
    subscribe(owner, receiver, ["offer.claimed"])
    api.post(f"/api/claim/{setup.tokens[0]}")
    job_queue.run()
    [row] = deliveries(practice_of(setup))
    webhooks.resend(owner, row.id)
    [again] = deliveries(practice_of(setup))
    assert (again.status, again.attempts) == ("delivered", 2)
    first, second = receiver.verified()
    assert first == second  # same id, same body


def test_a_rolled_back_transaction_sends_nothing(
    factory: Factory, httpserver: HTTPServer, job_queue: JobQueue, app_env: AppEnv
) -> None:
    with session_scope() as db:
        practice_id = factory.practice(db, "Tandartspraktijk Terug").id
    receiver = Receiver(httpserver, "/terug")
    subscribe(owner_of(factory, practice_id, "eigenaar@terug.nl"), receiver)

    def fails(work: unit_of_work.UnitOfWork) -> None:
        webhook_events.record_event(work.db, practice_id, "patient.joined", {}, clock.now())
        raise RuntimeError("de rest van het werk mislukt")

    with pytest.raises(RuntimeError):
        unit_of_work.run(fails)
    assert job_queue.pending() == []
    assert deliveries(practice_id) == []
    webhooks.sweep()
    assert receiver.received == []


def test_a_disabled_endpoint_gets_nothing_new(
    factory: Factory, httpserver: HTTPServer, job_queue: JobQueue, app_env: AppEnv
) -> None:
    with session_scope() as db:
        practice_id = factory.practice(db, "Tandartspraktijk Uit").id
    owner = owner_of(factory, practice_id, "eigenaar@uit.nl")
    receiver = Receiver(httpserver, "/uit")
    endpoint_id = subscribe(owner, receiver)
    webhooks.set_enabled(owner, endpoint_id, False)
    unit_of_work.run(
        lambda work: webhook_events.record_event(
            work.db, practice_id, "patient.joined", {}, clock.now()
        )
    )
    job_queue.run()
    assert deliveries(practice_id) == [] and receiver.received == []


# --- where a URL may point (SSRF) -----------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://agenda.example.nl/hook",  # not https
        "https://127.0.0.1/hook",
        "https://10.1.2.3/hook",
        "https://[::1]/hook",
        "https://169.254.169.254/latest/meta-data",  # cloud metadata
        "https://localhost/hook",
        "https://gebruiker:geheim@agenda.example.nl/hook",
        "ftp://agenda.example.nl/",
        "https:///zonder-host",
        "https://agenda.example.nl/ met spatie",
        "",
    ],
)
def test_production_refuses_insecure_and_internal_urls(url: str) -> None:
    with pytest.raises(DomainError):
        webhook_endpoints.check_url(url, allow_insecure=False)


def test_production_accepts_a_public_https_url_and_dev_allows_localhost() -> None:
    url = "https://agenda.example.nl/pakjeplekje?k=1"
    assert webhook_endpoints.check_url(url, allow_insecure=False) == url
    assert webhook_endpoints.check_url("http://127.0.0.1:8080/h", allow_insecure=True)


def test_outside_dev_a_name_resolving_inside_is_not_called(httpserver: HTTPServer) -> None:
    """The host is checked where it is resolved, at every attempt (a public name may point at
    127.0.0.1): nothing is sent, the log says why."""
    receiver = Receiver(httpserver, "/binnen")
    url = receiver.url.replace("127.0.0.1", "localhost")
    refused = webhook_http.post(url, b"{}", {}, allow_private=False)
    assert refused.status_code is None and "privénetwerk" in refused.error
    assert receiver.received == []
    allowed = webhook_http.post(url, b"{}", {}, allow_private=True)
    assert allowed.status_code == 200 and len(receiver.received) == 1


def test_a_redirect_is_not_followed_and_counts_as_a_failure(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/verhuisd").respond_with_data(
        "", status=302, headers={"Location": "http://169.254.169.254/"}
    )
    result = webhook_http.post(httpserver.url_for("/verhuisd"), b"{}", {}, allow_private=True)
    assert result.status_code == 302 and result.error == "HTTP 302"


# --- AVG: the delivery log holds names and numbers (slot.filled) -----------------------------


def test_the_daily_job_deletes_deliveries_after_30_days(
    factory: Factory, app_env: AppEnv, job_queue: JobQueue
) -> None:
    with session_scope() as db:
        practice_id = factory.practice(db, "Tandartspraktijk Oud").id
    owner = owner_of(factory, practice_id, "eigenaar@oud.nl")
    webhooks.create_endpoint(owner, "https://agenda.oud.nl/hook", ["patient.joined"])
    with session_scope() as db:
        webhook_events.record_event(db, practice_id, "patient.joined", {}, clock.now())
    assert privacy_purge.run_daily(clock.now() + timedelta(days=29))["webhooks_purged"] == 0
    assert len(deliveries(practice_id)) == 1
    assert privacy_purge.run_daily(clock.now() + timedelta(days=31))["webhooks_purged"] == 1
    assert deliveries(practice_id) == []


def test_deleting_a_patient_deletes_the_deliveries_that_name_them(
    api: TestClient, factory: Factory, httpserver: HTTPServer, job_queue: JobQueue
) -> None:
    setup = make_slot(factory, "Wissen", 1)
    other = make_slot(factory, "Blijft", 1)
    owner = owner_of(factory, practice_of(setup), "eigenaar@wissen.nl")
    other_owner = owner_of(factory, practice_of(other), "eigenaar@blijft.nl")
    subscribe(owner, Receiver(httpserver, "/wissen"))
    subscribe(other_owner, Receiver(httpserver, "/blijft"))
    api.post(f"/api/claim/{setup.tokens[0]}")
    api.post(f"/api/claim/{other.tokens[0]}")
    job_queue.run()
    assert {row.event_type for row in deliveries(practice_of(setup))} == {
        "slot.filled",
        "offer.claimed",
    }
    with session_scope() as db:
        patients.delete_permanently(db, owner, setup.patient_ids[0], clock.now())
    assert [row.event_type for row in deliveries(practice_of(setup))] == ["offer.claimed"]
    assert len(deliveries(practice_of(other))) == 2  # only the practice's own log
