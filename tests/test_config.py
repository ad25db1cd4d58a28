"""Unsafe production settings are refused; the websocket Origin check refuses other sites."""

from __future__ import annotations

import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from pakjeplekje import __main__ as cli
from pakjeplekje.config import ConfigError, get_settings, load_settings

_SETTINGS_ENV = (
    "APP_ENV",
    "DATA_DIR",
    "DATABASE_URL",
    "SECRET_KEY",
    "SMS_BACKEND",
    "MAIL_BACKEND",
    "SMTP_HOST",
    "PUBLIC_BASE_URL",
    "ALLOW_SQLITE_IN_PROD",
    "PORT",
)


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[pytest.MonkeyPatch]:
    """A clean environment with a private DATA_DIR; the settings cache is reset around it."""
    for name in _SETTINGS_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


@pytest.fixture
def prod(env: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """A production environment that passes every check; tests break one thing at a time."""
    env.setenv("APP_ENV", "prod")
    env.setenv("SECRET_KEY", "a-long-production-secret")
    env.setenv("SMS_BACKEND", "twilio")
    env.setenv("MAIL_BACKEND", "smtp")
    env.setenv("SMTP_HOST", "smtp.internal")
    env.setenv("DATABASE_URL", "postgresql+psycopg://pjp@db.internal/pjp")
    env.setenv("PUBLIC_BASE_URL", "https://app.pakjeplekje.nl")
    return env


def problems(message: str) -> list[str]:
    return [line for line in message.splitlines() if line.startswith("- ")]


def test_valid_prod_config_is_startable(prod: pytest.MonkeyPatch) -> None:
    """The baseline: without this, the refusals below could pass for the wrong reason."""
    load_settings().check_startable()
    assert cli.main(["check-config"]) == 0


def test_prod_without_secret_key_is_refused(
    prod: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without a fixed secret, throttle keys and sessions would not survive a restart safely."""
    prod.delenv("SECRET_KEY")
    with pytest.raises(ConfigError) as refused:
        load_settings().check_startable()
    assert problems(str(refused.value)) == ["- SECRET_KEY ontbreekt (verplicht met APP_ENV=prod)."]
    assert cli.main(["check-config"]) == 2
    assert "SECRET_KEY" in capsys.readouterr().err


def test_prod_never_generates_a_secret(prod: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The dev convenience of a generated key must not silently apply in production."""
    prod.delenv("SECRET_KEY")
    assert load_settings().secret_key == ""
    assert not (tmp_path / "data" / "secret_key").exists()


@pytest.mark.parametrize(
    ("name", "value", "fragment"),
    [
        ("SMS_BACKEND", "console", "SMS_BACKEND moet 'twilio'"),
        ("MAIL_BACKEND", "console", "MAIL_BACKEND moet 'smtp'"),
        ("DATABASE_URL", "sqlite:////tmp/pjp.db", "SQLite in productie"),
        ("PUBLIC_BASE_URL", "http://app.pakjeplekje.nl", "https://"),
    ],
)
def test_prod_refuses_unsafe_setting(
    prod: pytest.MonkeyPatch, name: str, value: str, fragment: str
) -> None:
    """Each of these would expose or lose data in production."""
    prod.setenv(name, value)
    with pytest.raises(ConfigError) as refused:
        load_settings().check_startable()
    [problem] = problems(str(refused.value))
    assert fragment in problem


def test_prod_sqlite_allowed_only_explicitly(prod: pytest.MonkeyPatch) -> None:
    """A single small practice may choose SQLite in production, but only on purpose."""
    prod.setenv("DATABASE_URL", "sqlite:////tmp/pjp.db")
    prod.setenv("ALLOW_SQLITE_IN_PROD", "1")
    load_settings().check_startable()
    prod.setenv("ALLOW_SQLITE_IN_PROD", "0")
    with pytest.raises(ConfigError):
        load_settings().check_startable()


def test_unknown_app_env_is_refused(env: pytest.MonkeyPatch) -> None:
    """A typo like 'production' must not fall back to the lax dev defaults."""
    env.setenv("APP_ENV", "production")
    with pytest.raises(ConfigError):
        load_settings()


def test_dev_generates_secret_once_and_reuses_it(env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Dev needs no setup, yet sessions and throttle keys survive a restart."""
    env.setenv("APP_ENV", "dev")
    first = load_settings()
    key_file = tmp_path / "data" / "secret_key"
    assert key_file.read_text().strip() == first.secret_key
    assert len(first.secret_key) >= 43
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert load_settings().secret_key == first.secret_key
    first.check_startable()  # dev is always startable


@pytest.mark.parametrize(("name", "value"), [("SMS_BACKEND", ""), ("MAIL_BACKEND", "Console")])
def test_prod_without_real_message_backends_is_refused(
    prod: pytest.MonkeyPatch, name: str, value: str
) -> None:
    """Unset or console backends in prod would fail at the first message, or expose an inbox."""
    prod.setenv(name, value)
    with pytest.raises(ConfigError):
        load_settings().check_startable()


# --- SMS abuse limits ---------------------------------------------------------------------


def test_sms_limits_have_safe_defaults(env: pytest.MonkeyPatch) -> None:
    """Without settings: only Dutch numbers, and hourly caps that stop an SMS pump early."""
    for name in (
        "SMS_ALLOWED_COUNTRIES",
        "CODE_SMS_PER_HOUR",
        "CODE_SMS_PER_PRACTICE_PER_HOUR",
        "SIGNUPS_PER_CLIENT_PER_HOUR",
        "SMS_PER_SECOND",
    ):
        env.delenv(name, raising=False)
    settings = load_settings()
    assert settings.sms_allowed_countries == frozenset({"NL"})
    assert settings.sms_per_second == 10  # Twilio's default for an alphanumeric sender
    assert 0 < settings.code_sms_per_practice_per_hour < settings.code_sms_per_hour <= 500
    assert 0 < settings.signups_per_client_per_hour <= 20


def test_allowed_countries_are_read_as_iso_codes(env: pytest.MonkeyPatch) -> None:
    env.setenv("SMS_ALLOWED_COUNTRIES", " nl, BE ,de")
    assert load_settings().sms_allowed_countries == frozenset({"NL", "BE", "DE"})


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("SMS_ALLOWED_COUNTRIES", "NL,XX"),
        ("SMS_ALLOWED_COUNTRIES", "Nederland"),
        ("SMS_ALLOWED_COUNTRIES", "NL;BE"),
        ("SMS_ALLOWED_COUNTRIES", ","),
        ("CODE_SMS_PER_HOUR", "veel"),
        ("CODE_SMS_PER_PRACTICE_PER_HOUR", "-1"),
        ("SIGNUPS_PER_CLIENT_PER_HOUR", "0"),
        ("SMS_PER_SECOND", "0"),
        ("SMS_PER_SECOND", "tien"),
    ],
)
def test_a_malformed_sms_limit_stops_the_start(
    env: pytest.MonkeyPatch, name: str, value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A typo must not silently open the door (or close it): the operator hears at once."""
    env.setenv(name, value)
    with pytest.raises(ConfigError, match=name):
        load_settings()
    assert cli.main(["check-config"]) == 2
    assert name in capsys.readouterr().err
