"""The plain HTTP routes: health, the grant-for-cookie hand-off, logout and the dev mail inbox.

They run through Starlette's TestClient against the app's own settings and engine (`app_env`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest
from sqlmodel import select
from starlette.testclient import TestClient

from pakjeplekje import clock
from pakjeplekje.adapters.mail import ConsoleOutbox
from pakjeplekje.config import get_settings
from pakjeplekje.db import session_scope
from pakjeplekje.domain.accounts import auth
from pakjeplekje.domain.accounts.sessions import resolve_session
from pakjeplekje.domain.emails import Email
from pakjeplekje.models import AuditEvent, AuthSession
from pakjeplekje.web.api import create_api
from pakjeplekje.web.session_cookie import COOKIE_NAME, binding_cookie_name

if TYPE_CHECKING:
    from conftest import AppEnv, Factory


@pytest.fixture
def client(app_env: AppEnv) -> Iterator[TestClient]:
    """Redirects are what these routes answer with, so the client must not follow them."""
    with TestClient(
        create_api(), follow_redirects=False, client=("127.0.0.1", 50000)
    ) as test_client:
        yield test_client


def new_grant(factory: Factory, client: TestClient) -> str:
    """A committed user and a fresh login grant, handed to `client` as the login form hands it
    to the browser that asked (with the binding cookie its page sets)."""
    with session_scope() as db:
        user = factory.user(db, factory.practice(db), "balie@praktijk.nl")
        grant = auth.issue_login_grant(db, user, clock.now())
    binding = auth.login_grant_binding(get_settings().secret_key, grant)
    client.cookies.set(binding_cookie_name(), binding)
    return grant


def session_cookies(response: object) -> list[str]:
    headers = response.headers.get_list("set-cookie")  # type: ignore[attr-defined]
    return [h for h in headers if h.startswith(f"{COOKIE_NAME}=")]


def test_health_reports_ok(client: TestClient) -> None:
    """Load balancers and `make run` poll this; it must touch the database."""
    response = client.get("/api/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "db": "ok"}


def test_health_reports_unreachable_database(
    app_env: AppEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A dead database must turn the health check red, not green and not a 500."""
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:1/nope")
    app_env.reload()
    with TestClient(create_api()) as client:
        response = client.get("/api/health")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "db": "unreachable"}


def test_grant_sets_httponly_cookie_and_enters_dashboard(
    client: TestClient, factory: Factory
) -> None:
    """The grant becomes an HttpOnly, SameSite=Lax cookie holding a working session."""
    response = client.get("/api/auth/sessie", params={"grant": new_grant(factory, client)})
    assert response.status_code == 303
    assert response.headers["location"] == "/dashboard"
    assert response.headers["cache-control"] == "no-store"
    [cookie] = session_cookies(response)
    attributes = [part.strip().lower() for part in cookie.split(";")]
    assert "httponly" in attributes
    assert "samesite=lax" in attributes
    assert "path=/" in attributes
    token = cookie.split(";")[0].split("=", 1)[1]
    with session_scope() as db:
        actor = resolve_session(db, token, clock.now())
    assert actor is not None and actor.email == "balie@praktijk.nl"


def test_reused_grant_redirects_to_login_without_cookie(
    client: TestClient, factory: Factory
) -> None:
    """A grant replayed from history or a proxy log must not log anyone in."""
    grant = new_grant(factory, client)
    assert client.get("/api/auth/sessie", params={"grant": grant}).status_code == 303
    client.cookies.clear()
    again = client.get("/api/auth/sessie", params={"grant": grant})
    assert again.status_code == 303
    assert again.headers["location"] == "/inloggen?melding=inloggen"
    assert session_cookies(again) == []
    missing = client.get("/api/auth/sessie")
    assert missing.headers["location"] == "/inloggen?melding=inloggen"


def test_a_grant_without_its_browsers_binding_logs_nobody_in(
    client: TestClient, factory: Factory
) -> None:
    """Login CSRF: an attacker's own grant, sent to a victim as a link, opens in a browser
    that lacks (or has another) binding cookie: no session, and the grant is not spent."""
    grant = new_grant(factory, client)
    binding = client.cookies.get(binding_cookie_name())
    client.cookies.clear()
    for cookie in (None, "verzonnen", auth.login_grant_binding("andere-sleutel", grant)):
        headers = {"cookie": f"{binding_cookie_name()}={cookie}"} if cookie else {}
        response = client.get("/api/auth/sessie", params={"grant": grant}, headers=headers)
        assert response.status_code == 303
        assert response.headers["location"] == "/inloggen?melding=inloggen"
        assert session_cookies(response) == []
    # the browser that asked still gets in, and its binding cookie is cleared on the way
    response = client.get(
        "/api/auth/sessie",
        params={"grant": grant},
        headers={"cookie": f"{binding_cookie_name()}={binding}"},
    )
    assert response.headers["location"] == "/dashboard"
    assert len(session_cookies(response)) == 1
    cleared = [
        c for c in response.headers.get_list("set-cookie") if c.startswith(binding_cookie_name())
    ]
    assert cleared and "max-age=0" in cleared[0].lower()


@pytest.mark.parametrize(
    ("next_url", "expected"),
    [
        ("/team", "/team"),
        ("//evil.example", "/dashboard"),
        ("https://evil.example/", "/dashboard"),
        ("/\\evil.example", "/dashboard"),
        ("/dashboard?x=https://evil.example", "/dashboard"),
        ("//evil", "/dashboard"),
        ("//3232235777", "/dashboard"),
    ],
)
def test_next_parameter_cannot_leave_the_site(
    client: TestClient, factory: Factory, next_url: str, expected: str
) -> None:
    """Only local paths are honoured; anything that could reach another host goes home."""
    response = client.get(
        "/api/auth/sessie", params={"grant": new_grant(factory, client), "next": next_url}
    )
    assert response.status_code == 303
    assert response.headers["location"] == expected


def test_logout_revokes_session_and_clears_cookie(client: TestClient, factory: Factory) -> None:
    """Logging out must kill the session server-side, not only forget the cookie."""
    login = client.get("/api/auth/sessie", params={"grant": new_grant(factory, client)})
    token = session_cookies(login)[0].split(";")[0].split("=", 1)[1]
    client.cookies.clear()
    response = client.post("/api/auth/uitloggen", headers={"cookie": f"{COOKIE_NAME}={token}"})
    assert response.status_code == 303
    assert response.headers["location"] == "/inloggen?melding=uitgelogd"
    [cleared] = session_cookies(response)
    assert cleared.startswith(f'{COOKIE_NAME}="";') or cleared.startswith(f"{COOKIE_NAME}=;")
    assert "max-age=0" in cleared.lower()
    with session_scope() as db:
        row = db.exec(select(AuthSession)).one()
        assert row.revoked_at is not None
        assert resolve_session(db, token, clock.now()) is None
        assert db.exec(select(AuditEvent.action)).all() == ["auth.logout"]


def test_dev_mail_shows_outbox_escaped(client: TestClient, app_env: AppEnv) -> None:
    """The dev inbox renders what was sent, but never as live HTML."""
    ConsoleOutbox(app_env.data_dir).send(
        Email(
            to="jan@praktijk.nl",
            subject="<script>alert(1)</script>",
            body="Klik https://pakjeplekje.test/uitnodiging?token=abc <b>vet</b>",
        )
    )
    response = client.get("/dev/mail")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>" not in page
    assert "&lt;b&gt;vet&lt;/b&gt;" in page
    assert "jan@praktijk.nl" in page
    assert '<a href="https://pakjeplekje.test/uitnodiging?token=abc">' in page


def test_dev_mail_is_absent_in_prod(
    client: TestClient, app_env: AppEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Outside dev the inbox would expose reset links to anyone: it must not exist."""
    ConsoleOutbox(app_env.data_dir).send(Email(to="jan@praktijk.nl", subject="Geheim", body="x"))
    monkeypatch.setenv("APP_ENV", "prod")
    monkeypatch.setenv("SECRET_KEY", "prod-secret-for-tests")
    monkeypatch.setenv("SMS_BACKEND", "twilio")
    monkeypatch.setenv("MAIL_BACKEND", "smtp")
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://app.pakjeplekje.test")
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:1/nope")
    app_env.reload()
    response = client.get("/dev/mail")
    assert response.status_code == 404
    assert "Geheim" not in response.text


def test_logout_refuses_get(client: TestClient) -> None:
    """A cross-site link or image cannot log anyone out: logout is a POST."""
    assert client.get("/api/auth/uitloggen").status_code == 405
