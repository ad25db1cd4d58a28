"""SMS adapters: the real twilio SDK against a local fake Twilio API, the console outbox, /dev/sms.

No machine here reaches Twilio, so pytest-httpserver answers the way the Messages API does;
the SDK, its HTTP client and our error mapping all run for real.
"""

from __future__ import annotations

import base64
import json
import logging
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from pytest_httpserver import HTTPServer
from starlette.applications import Starlette
from starlette.testclient import TestClient
from werkzeug import Request as WzRequest
from werkzeug import Response as WzResponse

from pakjeplekje.adapters.sms import (
    BaseUrlHttpClient,
    ConsoleSms,
    RateLimitedSms,
    SmsError,
    TwilioSms,
    get_sms_sender,
    status_callback_url,
)
from pakjeplekje.config import load_settings
from pakjeplekje.logmask import mask_phone
from pakjeplekje.web import dev_sms as api_dev_sms

if TYPE_CHECKING:
    from conftest import AppEnv

SID = "AC" + "a1" * 16
TOKEN = "fake-auth-token-0123456789abcdef"
SERVICE = "MG" + "b2" * 16
MESSAGES = f"/2010-04-01/Accounts/{SID}/Messages.json"
PHONE = "+31612345678"
CLAIM_TOKEN = "q8Zr4nL0vTgXyW2bKc9sJmH5dPfA1eUo"
BODY = f"Praktijk De Molen: plek vrij op di 3 dec 10:30. Klik https://app.test/c/{CLAIM_TOKEN}"
CALLBACK = "https://app.pakjeplekje.test/api/webhooks/twilio/status"


def twilio_message(**overrides: Any) -> dict[str, Any]:
    """The JSON body Twilio answers a created message with (the fields the SDK reads)."""
    message = {
        "account_sid": SID,
        "api_version": "2010-04-01",
        "body": BODY,
        "date_created": "Tue, 03 Dec 2024 09:00:00 +0000",
        "date_sent": None,
        "date_updated": "Tue, 03 Dec 2024 09:00:00 +0000",
        "direction": "outbound-api",
        "error_code": None,
        "error_message": None,
        "from": None,
        "messaging_service_sid": SERVICE,
        "num_media": "0",
        "num_segments": "1",
        "price": None,
        "price_unit": None,
        "sid": "SM" + "c3" * 16,
        "status": "accepted",
        "subresource_uris": {},
        "to": PHONE,
        "uri": f"/2010-04-01/Accounts/{SID}/Messages/SM{'c3' * 16}.json",
    }
    return {**message, **overrides}


def twilio_error(status: int, code: int, message: str) -> WzResponse:
    body = {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }
    return WzResponse(json.dumps(body), status=status, content_type="application/json")


@pytest.fixture
def sender(httpserver: HTTPServer) -> TwilioSms:
    """The adapter as production builds it, with the base URL pointed at the fake."""
    return TwilioSms(
        SID, TOKEN, messaging_service_sid=SERVICE, api_base_url=httpserver.url_for("/")
    )


def only_request(httpserver: HTTPServer) -> WzRequest:
    [(request, _response)] = httpserver.log
    return request


def test_send_through_messaging_service(httpserver: HTTPServer, sender: TwilioSms) -> None:
    """The request is exactly what Twilio expects, and its sid becomes our provider id."""
    httpserver.expect_request(MESSAGES, method="POST").respond_with_json(
        twilio_message(), status=201
    )
    sent = sender.send(PHONE, BODY, CALLBACK)
    assert sent.provider_id == "SM" + "c3" * 16
    assert sent.status == "accepted"
    request = only_request(httpserver)
    assert request.method == "POST"
    assert request.path == MESSAGES
    assert request.content_type.startswith("application/x-www-form-urlencoded")
    assert request.form.to_dict() == {
        "To": PHONE,
        "Body": BODY,
        "MessagingServiceSid": SERVICE,
        "StatusCallback": CALLBACK,
    }
    expected = base64.b64encode(f"{SID}:{TOKEN}".encode()).decode()
    assert request.headers["Authorization"] == f"Basic {expected}"


def test_send_from_a_number_without_callback(httpserver: HTTPServer) -> None:
    """Without a Messaging Service the From number is used; no callback means none is sent."""
    httpserver.expect_request(MESSAGES, method="POST").respond_with_json(
        twilio_message(status="queued", messaging_service_sid=None), status=201
    )
    sender = TwilioSms(SID, TOKEN, from_="PakJePlek", api_base_url=httpserver.url_for("/"))
    assert sender.send(PHONE, BODY, None).status == "queued"
    assert only_request(httpserver).form.to_dict() == {
        "To": PHONE,
        "Body": BODY,
        "From": "PakJePlek",
    }


def test_base_url_with_a_path_prefix(httpserver: HTTPServer) -> None:
    """TWILIO_API_BASE_URL may carry a path (a proxy mount); the API path goes under it."""
    httpserver.expect_request("/fake-twilio" + MESSAGES, method="POST").respond_with_json(
        twilio_message(), status=201
    )
    sender = TwilioSms(
        SID, TOKEN, messaging_service_sid=SERVICE, api_base_url=httpserver.url_for("/fake-twilio/")
    )
    assert sender.send(PHONE, BODY).provider_id.startswith("SM")
    client = BaseUrlHttpClient("http://127.0.0.1:9/p")
    assert client.rewrite("https://api.twilio.com/2010-04-01/X.json?a=1") == (
        "http://127.0.0.1:9/p/2010-04-01/X.json?a=1"
    )
    with pytest.raises(RuntimeError, match="TWILIO_API_BASE_URL"):
        BaseUrlHttpClient("localhost:8080")


@pytest.mark.parametrize(("status", "code"), [(429, 20429), (500, 20500), (503, 20503)])
def test_rate_limit_and_server_errors_are_retryable(
    httpserver: HTTPServer, sender: TwilioSms, status: int, code: int
) -> None:
    httpserver.expect_request(MESSAGES, method="POST").respond_with_response(
        twilio_error(status, code, "Too Many Requests" if status == 429 else "Service unavailable")
    )
    with pytest.raises(SmsError) as caught:
        sender.send(PHONE, BODY, CALLBACK)
    assert caught.value.retryable is True
    assert caught.value.code == code
    assert caught.value.maybe_sent is False


@pytest.mark.parametrize(
    ("code", "message"),
    [
        (21610, f"Attempt to send to unsubscribed recipient {PHONE}"),
        (21211, f"The 'To' number {PHONE} is not a valid phone number."),
        (21614, f"'To' number {PHONE[1:]} is not a valid mobile number"),
    ],
)
def test_permanent_errors_are_final_and_keep_the_code(
    httpserver: HTTPServer, sender: TwilioSms, code: int, message: str
) -> None:
    """The caller opts the patient out (21610) or marks the number invalid (21211/21614)."""
    httpserver.expect_request(MESSAGES, method="POST").respond_with_response(
        twilio_error(400, code, message)
    )
    with pytest.raises(SmsError) as caught:
        sender.send(PHONE, BODY, CALLBACK)
    assert caught.value.retryable is False
    assert caught.value.code == code
    assert PHONE[1:] not in str(caught.value)  # Twilio quotes the number; we do not
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


def test_other_client_errors_are_final(httpserver: HTTPServer, sender: TwilioSms) -> None:
    """Bad credentials will not heal by retrying."""
    httpserver.expect_request(MESSAGES, method="POST").respond_with_response(
        twilio_error(401, 20003, "Authenticate")
    )
    with pytest.raises(SmsError) as caught:
        sender.send(PHONE, BODY)
    assert (caught.value.retryable, caught.value.code) == (False, 20003)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_connection_refused_is_retryable_and_not_sent() -> None:
    sender = TwilioSms(
        SID, TOKEN, messaging_service_sid=SERVICE, api_base_url=f"http://127.0.0.1:{free_port()}"
    )
    with pytest.raises(SmsError) as caught:
        sender.send(PHONE, BODY)
    assert caught.value.retryable is True
    assert caught.value.code is None
    assert caught.value.maybe_sent is False


def test_read_timeout_is_retryable_but_may_have_been_sent(httpserver: HTTPServer) -> None:
    """Twilio may have queued the text before the answer was lost: the job must know that."""

    def slow(_request: WzRequest) -> WzResponse:
        time.sleep(0.6)
        return WzResponse(json.dumps(twilio_message()), 201, content_type="application/json")

    httpserver.expect_request(MESSAGES, method="POST").respond_with_handler(slow)
    sender = TwilioSms(
        SID, TOKEN, messaging_service_sid=SERVICE, api_base_url=httpserver.url_for("/"), timeout=0.2
    )
    with pytest.raises(SmsError) as caught:
        sender.send(PHONE, BODY)
    assert caught.value.retryable is True
    assert caught.value.maybe_sent is True
    deadline = time.monotonic() + 5  # the fake did get it; let it finish before the next test
    while not httpserver.log and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(httpserver.log) == 1


def test_sending_never_logs_the_number_or_the_link_token(
    httpserver: HTTPServer, sender: TwilioSms, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    """Logs go to third-party tooling: masked number only, never the body (its claim link)."""
    caplog.set_level(logging.DEBUG)  # the root logger: the SDK's and urllib3's lines too
    httpserver.expect_ordered_request(MESSAGES, method="POST").respond_with_json(
        twilio_message(), status=201
    )
    httpserver.expect_ordered_request(MESSAGES, method="POST").respond_with_response(
        twilio_error(400, 21211, f"The 'To' number {PHONE} is not a valid phone number.")
    )
    sender.send(PHONE, BODY, CALLBACK)
    with pytest.raises(SmsError):
        sender.send(PHONE, BODY, CALLBACK)
    ConsoleSms(tmp_path).send(PHONE, BODY)
    assert len(httpserver.log) == 2
    assert mask_phone(PHONE) in caplog.text, "each send is expected to be logged, masked"
    for record in caplog.records:
        rendered = " ".join([record.getMessage(), repr(record.args), str(record.exc_text or "")])
        for secret in (PHONE, PHONE[1:], CLAIM_TOKEN, TOKEN):
            assert secret not in rendered, record.getMessage()


def test_console_round_trip(tmp_path: Path) -> None:
    """The dev backend stores each text, newest first, filterable by number."""
    outbox = ConsoleSms(tmp_path)
    assert outbox.messages() == []
    first = outbox.send(PHONE, "eerste", CALLBACK)
    second = outbox.send("+31687654321", "tweede")
    third = outbox.send(PHONE, "derde")
    assert first.provider_id.startswith("console-")
    assert len({first.provider_id, second.provider_id, third.provider_id}) == 3
    assert first.status == "sent"
    assert [m["body"] for m in outbox.messages()] == ["derde", "tweede", "eerste"]
    assert [m["body"] for m in outbox.messages(PHONE)] == ["derde", "eerste"]
    assert outbox.messages("+31600000000") == []
    latest = outbox.messages()[0]
    assert latest["provider_id"] == third.provider_id and latest["to"] == PHONE
    assert latest["sent_at"].endswith("+00:00")
    assert (tmp_path / "outbox" / "sms.jsonl").read_text().count("\n") == 3


def settings_from(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, **env: str) -> Any:
    for name in (
        "SMS_BACKEND",
        "TWILIO_ACCOUNT_SID",
        "TWILIO_AUTH_TOKEN",
        "TWILIO_MESSAGING_SERVICE_SID",
        "TWILIO_FROM",
        "TWILIO_API_BASE_URL",
        "PUBLIC_BASE_URL",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    monkeypatch.setenv("SECRET_KEY", "s")
    monkeypatch.setenv("APP_ENV", "dev")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return load_settings()


def test_get_sms_sender_from_the_environment(
    httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The env contract of design.md: SMS_BACKEND, TWILIO_* and TWILIO_API_BASE_URL."""
    assert isinstance(get_sms_sender(settings_from(monkeypatch, tmp_path)), ConsoleSms)
    settings = settings_from(
        monkeypatch,
        tmp_path,
        APP_ENV="prod",
        SMS_BACKEND="twilio",
        TWILIO_ACCOUNT_SID=SID,
        TWILIO_AUTH_TOKEN=TOKEN,
        TWILIO_FROM="+3197010200300",
        TWILIO_API_BASE_URL=httpserver.url_for("/"),
        PUBLIC_BASE_URL="https://app.pakjeplekje.test",
    )
    httpserver.expect_request(MESSAGES, method="POST").respond_with_json(
        twilio_message(), status=201
    )
    sender = get_sms_sender(settings)
    assert isinstance(sender, RateLimitedSms) and isinstance(sender.inner, TwilioSms)
    assert sender.sender_key == "twilio:+3197010200300"  # the limit is per sender
    sender.send(PHONE, BODY, status_callback_url(settings))
    assert only_request(httpserver).form["StatusCallback"] == CALLBACK
    assert only_request(httpserver).form["From"] == "+3197010200300"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"SMS_BACKEND": "twilio"}, "TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN"),
        (
            {"SMS_BACKEND": "twilio", "TWILIO_ACCOUNT_SID": SID, "TWILIO_AUTH_TOKEN": TOKEN},
            "TWILIO_MESSAGING_SERVICE_SID of TWILIO_FROM",
        ),
        ({"SMS_BACKEND": "console", "APP_ENV": "prod"}, "buiten ontwikkeling"),
        ({"SMS_BACKEND": "duif"}, "buiten ontwikkeling"),
    ],
)
def test_get_sms_sender_refuses_incomplete_config(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, env: dict[str, str], message: str
) -> None:
    with pytest.raises(RuntimeError, match=message):
        get_sms_sender(settings_from(monkeypatch, tmp_path, **env))


@pytest.fixture
def client(app_env: AppEnv) -> Iterator[TestClient]:
    # a browser on this machine: the inbox refuses anyone else
    with TestClient(
        Starlette(routes=api_dev_sms.routes()), client=("127.0.0.1", 50000)
    ) as test_client:
        yield test_client


def test_dev_sms_shows_one_phone_per_number(client: TestClient, app_env: AppEnv) -> None:
    """Newest activity first, each text a bubble, links clickable, nothing rendered as HTML."""
    outbox = ConsoleSms(app_env.data_dir)
    outbox.send(PHONE, "Oud bericht")
    outbox.send("+31687654321", "Klik https://app.test/c/abc?x=1&y=2. <b>vet</b>")
    outbox.send(PHONE, "<script>alert(1)</script> https://app.test/c/def")
    response = client.get("/dev/sms")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["cache-control"] == "no-store"
    page = response.text
    assert "<script>" not in page and "<b>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;b&gt;vet&lt;/b&gt;" in page
    assert '<a href="https://app.test/c/abc?x=1&amp;y=2">' in page  # the full stop stays out
    assert '<a href="https://app.test/c/def">' in page
    assert page.count('class="phone"') == 2
    assert page.index(f'data-number="{PHONE}"') < page.index('data-number="+31687654321"')
    phone = page[page.index(f'data-number="{PHONE}"') : page.index('data-number="+31687654321"')]
    assert phone.count('class="bubble"') == 2
    assert phone.index("alert(1)") < phone.index("Oud bericht")
    assert 'href="/dev/sms?nummer=%2B31612345678"' in page


@pytest.mark.parametrize("query", ["nummer=%2B31612345678", "nummer=+31612345678"])
def test_dev_sms_filters_by_number(client: TestClient, app_env: AppEnv, query: str) -> None:
    """A '+' typed into the address bar arrives as a space; the filter still works."""
    outbox = ConsoleSms(app_env.data_dir)
    outbox.send(PHONE, "voor mij")
    outbox.send("+31687654321", "voor een ander")
    page = client.get(f"/dev/sms?{query}").text
    assert "voor mij" in page
    assert "voor een ander" not in page
    assert 'href="/dev/sms">alle nummers' in page


def test_dev_sms_empty(client: TestClient) -> None:
    assert "Nog geen SMS verstuurd." in client.get("/dev/sms").text


def test_dev_sms_is_absent_in_prod(
    client: TestClient, app_env: AppEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Outside dev the inbox would hand out claim links to anyone: it must not exist."""
    ConsoleSms(app_env.data_dir).send(PHONE, "Geheim https://app.test/c/token")
    monkeypatch.setenv("APP_ENV", "prod")
    monkeypatch.setenv("SECRET_KEY", "prod-secret-for-tests")
    monkeypatch.setenv("SMS_BACKEND", "twilio")
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://app.pakjeplekje.test")
    app_env.reload()
    response = client.get("/dev/sms")
    assert response.status_code == 404
    assert "Geheim" not in response.text


def test_dev_sms_is_absent_with_the_twilio_backend_in_dev(
    client: TestClient, app_env: AppEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Texts really went out through Twilio: there is no console outbox to show."""
    ConsoleSms(app_env.data_dir).send(PHONE, "Oud")
    monkeypatch.setenv("SMS_BACKEND", "twilio")
    app_env.reload()
    assert client.get("/dev/sms").status_code == 404
