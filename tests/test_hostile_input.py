"""Every route added for the core loop, billing and privacy, fed empty, oversized, malformed
and hostile input: a clear 4xx (or the same harmless page), never a 500, and not one row
written anywhere — except the per-client counters that exist to stop guessing."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import quote

import pytest
from sqlalchemy import Engine, func, select
from sqlmodel import SQLModel
from starlette.testclient import TestClient
from twilio.request_validator import RequestValidator

from pakjeplekje.web.api import create_api
from tests.conftest import AppEnv

HUGE = "x" * 100_000
HOSTILE = ["", " ", HUGE, "\x00", "<script>alert(1)</script>", "' OR 1=1 --", "ж" * 300, "%00"]
COUNTERS = {"loginthrottle", "verificationcode"}  # rate limits must count bad attempts


@pytest.fixture
def client(app_env: AppEnv) -> Iterator[TestClient]:
    with TestClient(create_api(), raise_server_exceptions=False) as test_client:
        yield test_client


def snapshot(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
            for t in SQLModel.metadata.sorted_tables
            if t.name not in COUNTERS
        }


@pytest.mark.parametrize("value", HOSTILE)
def test_token_routes_answer_without_errors_or_writes(
    client: TestClient, test_engine: Engine, value: str
) -> None:
    before = snapshot(test_engine)
    value = value[:4000]  # a URL longer than that never reaches the app (servers cap it)
    token = quote(value, safe="") or "leeg"  # as a browser would put it in the path
    answers = [
        client.get(f"/c/{token}"),
        client.post(f"/c/{token}"),
        client.post(f"/api/claim/{token}"),
        client.get(f"/c/{token}/afspraak.ics"),
        client.post(f"/c/{token}/afmelden"),
        client.get("/api/privacy/export.zip", params={"token": value}),
        client.get("/privacy/herstel", params={"token": value}),
        client.post("/privacy/herstel", params={"token": value}),
        client.get("/privacy/email-bevestigen", params={"token": value}),
        client.post("/privacy/email-bevestigen", params={"token": value}),
    ]
    assert [r.status_code for r in answers if r.status_code >= 500] == []
    assert all(r.status_code in (400, 401, 403, 404, 410, 429) for r in answers[2:3])
    assert snapshot(test_engine) == before


@pytest.mark.parametrize("value", HOSTILE)
def test_the_request_form_refuses_nonsense_without_writing(
    client: TestClient, test_engine: Engine, value: str
) -> None:
    before = snapshot(test_engine)
    start = client.post("/privacy/verzoek", data={"kind": value, "value": value})
    confirm = client.post(
        "/privacy/verzoek/bevestigen",
        data={"kind": value, "value": value, "ref": value, "code": value, "message": value},
    )
    for answer in (start, confirm):
        assert answer.status_code < 500
        assert "<script>alert(1)</script>" not in answer.text  # echoed input is escaped
    assert snapshot(test_engine) == before


@pytest.mark.parametrize(
    ("body", "signature"),
    [
        (b"", ""),
        (HUGE.encode(), "t=1,v1=00"),
        (b"{not json", "t=1,v1=00"),
        (b'{"id": "evt_1", "type": "invoice.paid"}', "t=abc,v1=" + "0" * 64),
        (b"\x00\xff\xfe", "garbage"),
    ],
)
def test_the_stripe_webhook_refuses_unsigned_or_malformed_bodies(
    client: TestClient, test_engine: Engine, body: bytes, signature: str
) -> None:
    before = snapshot(test_engine)
    answer = client.post(
        "/api/webhooks/stripe", content=body, headers={"Stripe-Signature": signature}
    )
    assert answer.status_code == 400
    assert snapshot(test_engine) == before


def test_a_signed_status_callback_with_odd_fields_changes_nothing(
    client: TestClient, test_engine: Engine, monkeypatch: pytest.MonkeyPatch, app_env: AppEnv
) -> None:
    """Signed, so it is handled: an unknown message id, a status Twilio never sends, an error
    code that is not a number — a 204 and no change."""
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "hostile-test-token")
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://app.pakjeplekje.test")
    app_env.reload()
    url = "https://app.pakjeplekje.test/api/webhooks/twilio/status"
    before = snapshot(test_engine)
    for params in (
        {"MessageSid": "SM" + "0" * 32, "MessageStatus": "delivered"},
        {"MessageSid": HUGE, "MessageStatus": "exploded", "ErrorCode": "21614; DROP TABLE"},
        {"MessageSid": "", "MessageStatus": "", "ErrorCode": "-1"},
    ):
        signature = RequestValidator("hostile-test-token").compute_signature(url, params)
        answer = client.post(
            "/api/webhooks/twilio/status", data=params, headers={"X-Twilio-Signature": signature}
        )
        assert answer.status_code == 204
    assert snapshot(test_engine) == before
