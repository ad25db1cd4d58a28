"""A local fake of Twilio's Messages API for the real twilio SDK: it accepts every text and
remembers it. Import `twilio_texts_fixture` into a test module to get `twilio_texts`."""

from __future__ import annotations

import json

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request as WzRequest
from werkzeug import Response as WzResponse

from tests.conftest import AppEnv, reset_app_caches
from tests.test_sms_adapters import SID, TOKEN, twilio_message

MESSAGES = f"/2010-04-01/Accounts/{SID}/Messages.json"


@pytest.fixture(name="twilio_texts")
def twilio_texts_fixture(
    app_env: AppEnv, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> list[dict[str, str]]:
    """The app texts through Twilio (the fake); every accepted SMS as {`to`, `body`}."""
    monkeypatch.setenv("SMS_BACKEND", "twilio")
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", SID)
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", TOKEN)
    monkeypatch.setenv("TWILIO_FROM", "+3197010000000")
    monkeypatch.setenv("TWILIO_API_BASE_URL", httpserver.url_for("/"))
    reset_app_caches()
    received: list[dict[str, str]] = []

    def handler(request: WzRequest) -> WzResponse:
        received.append({"to": request.form["To"], "body": request.form["Body"]})
        body = twilio_message(to=request.form["To"], sid=f"SM{len(received):032d}")
        return WzResponse(json.dumps(body), status=201, content_type="application/json")

    httpserver.expect_request(MESSAGES, method="POST").respond_with_handler(handler)
    return received
