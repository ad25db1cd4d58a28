"""PostgreSQL restarts under the app: a Dutch 503 on every route a patient or Twilio meets,
nothing half written, and the next request after the restart works without restarting us."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select
from starlette.testclient import TestClient
from twilio.request_validator import RequestValidator

from pakjeplekje import routes
from pakjeplekje.models import Offer, Slot
from pakjeplekje.web.api import create_api
from tests.conftest import AppEnv, Factory
from tests.db_proxy import CuttableProxy
from tests.test_claims import make_slot

pytestmark = pytest.mark.needs_running_clock  # the proxy and pool timeouts count real time

TOKEN = "twilio-test-auth-token"
BASE = "https://app.pakjeplekje.test"


@pytest.fixture
def proxy(app_env: AppEnv, monkeypatch: pytest.MonkeyPatch) -> Iterator[CuttableProxy]:
    """The app reaches its PostgreSQL only through a proxy the test can cut."""
    url = urlsplit(app_env.url)
    if not url.scheme.startswith("postgresql"):
        pytest.skip("SQLite is a file, not a server that restarts")
    cuttable = CuttableProxy(url.hostname or "127.0.0.1", url.port or 5432)
    netloc = f"{url.username}@127.0.0.1:{cuttable.port}"
    monkeypatch.setenv("DATABASE_URL", url._replace(netloc=netloc).geturl())
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", TOKEN)
    monkeypatch.setenv("PUBLIC_BASE_URL", BASE)
    app_env.reload()
    yield cuttable
    cuttable.close()


def _ja(client: TestClient, phone: str) -> object:
    params = {"From": phone, "Body": "JA"}
    signature = RequestValidator(TOKEN).compute_signature(BASE + routes.TWILIO_INBOUND, params)
    return client.post(
        routes.TWILIO_INBOUND, data=params, headers={"X-Twilio-Signature": signature}
    )


def test_a_restart_answers_dutch_503s_writes_nothing_and_recovers(
    proxy: CuttableProxy, factory: Factory, test_engine: Engine
) -> None:
    setup = make_slot(factory, "Herstart", 2)
    client = TestClient(create_api(), raise_server_exceptions=False)
    token = setup.tokens[0]
    assert client.get(routes.claim(token)).status_code == 200  # the pool holds a connection now

    proxy.cut()
    api = client.post(f"/api/claim/{token}")
    assert api.status_code == 503
    assert api.headers["retry-after"] == "30"
    assert api.json()["result"] == "unavailable"
    assert "even niet bereikbaar" in api.json()["melding"]
    page = client.post(routes.claim(token))
    assert page.status_code == 503
    assert "PakJePlekje is even niet bereikbaar" in page.text
    assert "Traceback" not in page.text and "Internal Server Error" not in page.text
    assert _ja(client, "+31650000001").status_code == 503  # hypothetical caller, not texted
    with Session(test_engine) as db:  # straight to the server: nothing was half written
        slot = db.get(Slot, setup.slot_id)
        assert slot is not None and slot.status == "open" and slot.claimed_patient_id is None
        statuses = db.exec(select(Offer.status).where(Offer.slot_id == setup.slot_id)).all()
        assert "claimed" not in statuses

    proxy.restore()  # the server is back: the same app, no restart, takes the claim
    won = client.post(f"/api/claim/{token}")
    assert won.status_code == 200 and won.json() == {"result": "claimed"}
    assert client.post(f"/api/claim/{setup.tokens[1]}").json() == {"result": "taken"}
