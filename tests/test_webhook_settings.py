"""The Webhooks page's event handlers as a websocket calls them: the owner sees and acts on
their own practice's endpoints and deliveries only; B's owner sending A's ids gets "not
found" and changes nothing; staff get nothing."""

from __future__ import annotations

import pytest
from pytest_httpserver import HTTPServer
from sqlmodel import select

from pakjeplekje import clock
from pakjeplekje.db import session_scope
from pakjeplekje.domain.accounts.sessions import resolve_session, start_session
from pakjeplekje.domain.integrations import webhook_events
from pakjeplekje.models import WebhookDelivery, WebhookEndpoint
from pakjeplekje.services import webhooks
from pakjeplekje.ui.state.webhooks import MASKED, WebhooksState, event_field
from tests.conftest import AppEnv, Factory
from tests.job_queue import JobQueue, job_queue_fixture  # noqa: F401  (fixture)
from tests.test_state_events import connected, run
from tests.webhook_receiver import Receiver


class Owner:
    def __init__(self, factory: Factory, name: str) -> None:
        with session_scope() as db:
            practice = factory.practice(db, f"Tandartspraktijk {name}")
            owner = factory.user(db, practice, f"eigenaar@{name.lower()}.nl", role="owner")
            staff = factory.user(db, practice, f"balie@{name.lower()}.nl")
            self.practice_id: int = practice.id  # type: ignore[assignment]
            self.token = start_session(db, owner, clock.now())
            self.staff_token = start_session(db, staff, clock.now())
            actor = resolve_session(db, self.token, clock.now())
            assert actor is not None
            self.actor = actor

    def page(self) -> WebhooksState:
        state = connected(WebhooksState, self.token)
        run(state.load())
        return state


def every_event() -> dict[str, object]:
    return {event_field(event): True for event in webhook_events.EVENT_TYPES}


@pytest.fixture
def two(app_env: AppEnv, factory: Factory) -> tuple[Owner, Owner]:
    return Owner(factory, "Alfa"), Owner(factory, "Beta")


def _rows(model: type[WebhookEndpoint] | type[WebhookDelivery], practice_id: int) -> list:
    with session_scope() as db:
        return [
            row.model_dump()
            for row in db.exec(select(model).where(model.practice_id == practice_id))
        ]


def test_the_owner_adds_an_endpoint_and_sees_its_secret_once_then_masked(
    two: tuple[Owner, Owner],
) -> None:
    a, _ = two
    page = a.page()
    run(page.add({"url": "https://agenda.alfa.nl/hook", **every_event()}))
    assert page.error == ""
    [endpoint] = page.endpoints
    assert endpoint.url == "https://agenda.alfa.nl/hook"
    assert endpoint.events == "slot.filled, offer.claimed, patient.opted_out, patient.joined"
    assert endpoint.secret.startswith("whsec_") and endpoint.secret != MASKED
    again = a.page()  # a fresh page load: masked until "Toon"
    assert again.endpoints[0].secret == MASKED
    run(again.reveal(endpoint.id))
    assert again.endpoints[0].secret == endpoint.secret


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"url": "", "event-slot_filled": True}, "Vul de URL"),
        ({"url": "ftp://x.nl/", "event-slot_filled": True}, "https://"),
        ({"url": "https://agenda.alfa.nl/hook"}, "Kies minstens één gebeurtenis"),
    ],
)
def test_bad_input_is_refused_in_dutch_and_changes_nothing(
    two: tuple[Owner, Owner], form: dict[str, object], message: str
) -> None:
    a, _ = two
    page = a.page()
    run(page.add(form))
    assert message in page.error
    assert page.endpoints == [] and _rows(WebhookEndpoint, a.practice_id) == []


def test_b_sees_nothing_of_a_and_cannot_act_on_as_ids(
    two: tuple[Owner, Owner], httpserver: HTTPServer, job_queue: JobQueue
) -> None:
    a, b = two
    receiver = Receiver(httpserver, "/alfa")
    endpoint_id = webhooks.create_endpoint(a.actor, receiver.url, ["patient.joined"])
    with session_scope() as db:
        [delivery] = webhook_events.record_event(
            db, a.practice_id, "patient.joined", {"patient": {"id": 1}}, clock.now()
        )
        delivery_id = delivery.id
    webhooks.sweep()
    before = (_rows(WebhookEndpoint, a.practice_id), _rows(WebhookDelivery, a.practice_id))
    assert len(receiver.received) == 1

    page = b.page()
    assert page.endpoints == [] and page.deliveries == []
    for call in (
        page.resend(str(delivery_id)),
        page.reveal(str(endpoint_id)),
        page.copy_secret(str(endpoint_id)),
        page.set_enabled(str(endpoint_id), False),
        page.remove(str(endpoint_id)),
    ):
        page.error = ""
        result = run(call)
        assert page.error in (
            "Deze aflevering bestaat niet (meer).",
            "Dit endpoint bestaat niet (meer).",
        ), page.error
        assert result is None  # no clipboard, no toast with A's secret
        assert page.endpoints == [] and page.deliveries == []
    assert len(receiver.received) == 1  # B's resend sent nothing
    assert (_rows(WebhookEndpoint, a.practice_id), _rows(WebhookDelivery, a.practice_id)) == before
    # A's own owner sees it all
    own = a.page()
    assert [e.id for e in own.endpoints] == [str(endpoint_id)]
    assert [(d.id, d.status_label) for d in own.deliveries] == [(str(delivery_id), "afgeleverd")]


def test_staff_cannot_use_the_owner_handlers(two: tuple[Owner, Owner]) -> None:
    a, _ = two
    webhooks.create_endpoint(a.actor, "https://agenda.alfa.nl/hook", ["slot.filled"])
    staff_page = connected(WebhooksState, a.staff_token)
    run(staff_page.load())
    assert staff_page.endpoints == []
    run(staff_page.add({"url": "https://evil.example/hook", **every_event()}))
    assert len(_rows(WebhookEndpoint, a.practice_id)) == 1


def test_resend_from_the_page_adds_an_attempt(
    two: tuple[Owner, Owner], httpserver: HTTPServer
) -> None:
    a, _ = two
    receiver = Receiver(httpserver, "/nog")
    webhooks.create_endpoint(a.actor, receiver.url, ["patient.joined"])
    with session_scope() as db:
        webhook_events.record_event(db, a.practice_id, "patient.joined", {}, clock.now())
    webhooks.sweep()
    page = a.page()
    [delivery] = page.deliveries
    assert (delivery.status_label, delivery.attempts, delivery.last_status) == (
        "afgeleverd",
        1,
        "200",
    )
    run(page.resend(delivery.id))
    assert page.deliveries[0].attempts == 2 and len(receiver.received) == 2


def test_disable_and_delete(two: tuple[Owner, Owner]) -> None:
    a, _ = two
    page = a.page()
    run(page.add({"url": "https://agenda.alfa.nl/hook", **every_event()}))
    endpoint_id = page.endpoints[0].id
    run(page.set_enabled(endpoint_id, False))
    assert page.endpoints[0].enabled is False
    with session_scope() as db:
        assert webhook_events.record_event(db, a.practice_id, "slot.filled", {}, clock.now()) == []
    run(page.set_enabled(endpoint_id, True))
    with session_scope() as db:
        assert (
            len(webhook_events.record_event(db, a.practice_id, "slot.filled", {}, clock.now())) == 1
        )
    run(page.remove(endpoint_id))
    assert page.endpoints == [] and page.deliveries == []
    assert (
        _rows(WebhookEndpoint, a.practice_id) == [] and _rows(WebhookDelivery, a.practice_id) == []
    )
