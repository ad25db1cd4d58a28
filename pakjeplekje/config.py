"""Every setting, read from the environment (and an optional `.env`) in one place.

The names are the external contract in design.md; operators and tests rely on them.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import phonenumbers
from dotenv import load_dotenv

from pakjeplekje.client_address import Network, parse_networks
from pakjeplekje.clock import CLOCK_START_ENV

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class ConfigError(RuntimeError):
    """A setting is missing or unsafe; the message tells the operator what to change."""


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Plan:
    """A subscription plan: its Stripe price, what the page shows, and the SMS it includes."""

    key: str  # basis | pro
    name: str
    price_id: str | None
    display_price: str
    included_sms: int


def _int(value: str | None, default: int) -> int:
    text = (value or "").strip()
    return int(text) if text.isdecimal() else default


def _countries(value: str | None) -> frozenset[str]:
    """SMS_ALLOWED_COUNTRIES: comma-separated ISO 3166-1 codes (`NL,BE`); default NL."""
    text = (value or "").strip()
    if not text:
        return frozenset({"NL"})
    codes = [part.strip().upper() for part in text.split(",")]
    unknown = [c for c in codes if c not in phonenumbers.SUPPORTED_REGIONS]
    if unknown or not codes:
        raise ConfigError(
            "SMS_ALLOWED_COUNTRIES moet landcodes (ISO 3166, zoals NL,BE) bevatten, "
            f"gescheiden door komma's; onbekend: {', '.join(repr(c) for c in unknown)}."
        )
    return frozenset(codes)


def _limit(name: str, value: str | None, default: int) -> int:
    """A positive whole number, or the default when unset; anything else stops the start."""
    text = (value or "").strip()
    if not text:
        return default
    if not text.isdecimal() or int(text) < 1:
        raise ConfigError(f"{name} moet een geheel getal van 1 of meer zijn, niet {text!r}.")
    return int(text)


@dataclass(frozen=True)
class Settings:
    app_env: str
    data_dir: Path
    database_url: str
    redis_url: str | None
    public_base_url: str
    secret_key: str
    sms_backend: str
    mail_backend: str
    mail_from: str
    smtp_host: str | None
    smtp_port: int
    smtp_username: str | None
    smtp_password: str | None
    smtp_starttls: bool
    allow_sqlite_in_prod: bool
    twilio_account_sid: str | None
    twilio_auth_token: str | None
    twilio_messaging_service_sid: str | None
    twilio_from: str | None
    twilio_api_base_url: str | None
    stripe_secret_key: str | None
    stripe_webhook_secret: str | None
    stripe_price_basis: str | None
    stripe_price_pro: str | None
    stripe_api_base: str | None
    stripe_price_sms_meter: str | None = None
    stripe_sms_meter_event: str = "sms_verstuurd"
    plans: tuple[Plan, ...] = ()
    practice_deletion_days: int = 30  # grace period before a deleted practice is purged
    # SMS abuse limits: codes and trial texts only to these countries' numbers; hourly caps
    # on /privacy/verzoek code texts (all together, and per practice whose waitlist holds
    # the number); sign-ups per client address per hour.
    sms_allowed_countries: frozenset[str] = frozenset({"NL"})
    code_sms_per_hour: int = 100
    code_sms_per_practice_per_hour: int = 10
    signups_per_client_per_hour: int = 10
    trusted_proxies: tuple[Network, ...] = ()  # peers whose X-Forwarded-For we believe
    # Texts per second per sender (TWILIO_FROM or the messaging service), across all workers:
    # Twilio's default for an alphanumeric sender is 10 (adapters/sms_rate.py).
    sms_per_second: int = 10
    # Requests per minute per /api/v1 key, across all app processes (adapters/api_rate.py).
    api_requests_per_minute: int = 120
    # The connection budget (README "Productie"): DB_MAX_CONNECTIONS is what the whole
    # deployment may open; the launcher says how many processes share it.
    db_max_connections: int = 80
    app_processes: int = 1
    worker_processes: int = 0
    worker_threads: int = 2
    db_pool_timeout: int = 10

    @property
    def worker_pool_size(self) -> int:
        """A huey worker: one connection per job thread, plus one for its scheduler's tick."""
        return self.worker_threads + 1

    @property
    def app_pool_size(self) -> int:
        """What is left after the workers, shared evenly by the app processes."""
        left = self.db_max_connections - self.worker_processes * self.worker_pool_size
        return left // self.app_processes

    def pool_size(self, role: str) -> int:
        """The pool of one process: `app` (a web server process) or `worker` (huey)."""
        return self.worker_pool_size if role == "worker" else self.app_pool_size

    @property
    def stripe_configured(self) -> bool:
        """Checkout and the portal need the API key and at least one plan's price id."""
        return bool(self.stripe_secret_key and any(p.price_id for p in self.plans))

    def plan(self, key: str | None) -> Plan | None:
        return next((p for p in self.plans if p.key == key), None)

    @property
    def is_prod(self) -> bool:
        return self.app_env == "prod"

    @property
    def is_dev(self) -> bool:
        return not self.is_prod

    @property
    def cookies_secure(self) -> bool:
        return self.public_base_url.startswith("https://")

    def url(self, path: str) -> str:
        """An absolute link for e-mails and SMS (`path` starts with '/')."""
        return self.public_base_url.rstrip("/") + path

    def check_startable(self) -> None:
        """Refuse to run production with a setting that would leak data or lose it."""
        if not self.is_prod:
            return
        problems = []
        if not os.environ.get("SECRET_KEY"):
            problems.append("SECRET_KEY ontbreekt (verplicht met APP_ENV=prod).")
        if self.sms_backend != "twilio":
            problems.append("SMS_BACKEND moet 'twilio' zijn (console stelt de SMS-inbox open).")
        if self.mail_backend != "smtp" or not self.smtp_host:
            problems.append(
                "MAIL_BACKEND moet 'smtp' zijn, met SMTP_HOST (console stelt de mail-inbox open)."
            )
        if self.database_url.startswith("sqlite") and not self.allow_sqlite_in_prod:
            problems.append("SQLite in productie: zet DATABASE_URL of ALLOW_SQLITE_IN_PROD=1.")
        if not self.public_base_url.startswith("https://"):
            problems.append("PUBLIC_BASE_URL moet in productie met https:// beginnen.")
        if os.environ.get(CLOCK_START_ENV):
            problems.append(f"{CLOCK_START_ENV} zet de klok voor tests; niet in productie.")
        if problems:
            listed = "\n- ".join(problems)
            raise ConfigError(f"Configuratie niet veilig voor productie:\n- {listed}")


def _dev_secret(data_dir: Path) -> str:
    """Dev generates a secret once into data/ so sessions survive restarts."""
    path = data_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key


def _trusted_proxies(value: str | None) -> tuple[Network, ...]:
    try:
        return parse_networks(value or "")
    except ValueError as exc:
        raise ConfigError(
            f"TRUSTED_PROXIES bevat iets dat geen IP-adres of netwerk is: {exc}"
        ) from exc


MIN_APP_POOL = 2  # a request's session plus one for the live relay or a background event
MAX_POOL_TIMEOUT_S = 14  # Twilio gives up on a webhook after 15 s: fail before that


def _connection_budget(env: dict[str, str | None], redis_url: str | None) -> dict[str, int]:
    """DB_MAX_CONNECTIONS split over APP_PROCESSES and WORKER_PROCESSES (formula: README
    "Productie"); a budget too small for the processes stops the start with the numbers."""
    budget = _limit("DB_MAX_CONNECTIONS", env.get("DB_MAX_CONNECTIONS"), 80)
    apps = _limit("APP_PROCESSES", env.get("APP_PROCESSES"), 1)
    # without Redis the job consumer runs inside the app process: no worker processes
    workers_text = (env.get("WORKER_PROCESSES") or "").strip()
    workers = (
        0
        if workers_text == "0"
        else _limit("WORKER_PROCESSES", workers_text, 1 if redis_url else 0)
    )
    threads = _limit("WORKER_THREADS", env.get("WORKER_THREADS"), 2)
    timeout = _limit("DB_POOL_TIMEOUT", env.get("DB_POOL_TIMEOUT"), 10)
    if timeout > MAX_POOL_TIMEOUT_S:
        raise ConfigError(
            f"DB_POOL_TIMEOUT moet {MAX_POOL_TIMEOUT_S} seconden of minder zijn (Twilio wacht "
            f"15 seconden op een webhook), niet {timeout}."
        )
    needed = workers * (threads + 1) + apps * MIN_APP_POOL
    if budget < needed:
        raise ConfigError(
            f"DB_MAX_CONNECTIONS={budget} is te klein voor APP_PROCESSES={apps}, "
            f"WORKER_PROCESSES={workers} en WORKER_THREADS={threads}: nodig is minstens "
            f"{needed} ({workers} × ({threads} + 1) voor de workers, {apps} × {MIN_APP_POOL} "
            "voor de app-processen). Verhoog DB_MAX_CONNECTIONS of start minder processen."
        )
    return {
        "db_max_connections": budget,
        "app_processes": apps,
        "worker_processes": workers,
        "worker_threads": threads,
        "db_pool_timeout": timeout,
    }


def load_settings() -> Settings:
    load_dotenv(PROJECT_ROOT / ".env", override=False)
    env = os.environ.get
    app_env = (env("APP_ENV") or "dev").strip().lower()
    if app_env not in {"dev", "prod"}:
        raise ConfigError(f"APP_ENV moet 'dev' of 'prod' zijn, niet {app_env!r}.")
    data_dir = Path(env("DATA_DIR") or PROJECT_ROOT / "data").resolve()
    database_url = env("DATABASE_URL") or f"sqlite:///{data_dir / 'pakjeplekje.db'}"
    port = env("PORT") or "3000"
    default_backend = "console" if app_env == "dev" else "unset"
    secret = env("SECRET_KEY") or (_dev_secret(data_dir) if app_env == "dev" else "")
    return Settings(
        app_env=app_env,
        data_dir=data_dir,
        database_url=database_url,
        redis_url=env("REDIS_URL") or None,
        public_base_url=(env("PUBLIC_BASE_URL") or f"http://localhost:{port}").rstrip("/"),
        secret_key=secret,
        sms_backend=(env("SMS_BACKEND") or default_backend).lower(),
        mail_backend=(
            env("MAIL_BACKEND") or ("smtp" if env("SMTP_HOST") else default_backend)
        ).lower(),
        mail_from=env("MAIL_FROM") or "PakJePlekje <noreply@pakjeplekje.nl>",
        smtp_host=env("SMTP_HOST") or None,
        smtp_port=int(env("SMTP_PORT") or 587),
        smtp_username=env("SMTP_USERNAME") or None,
        smtp_password=env("SMTP_PASSWORD") or None,
        smtp_starttls=_flag(env("SMTP_STARTTLS") or "1"),
        allow_sqlite_in_prod=_flag(env("ALLOW_SQLITE_IN_PROD")),
        twilio_account_sid=env("TWILIO_ACCOUNT_SID") or None,
        twilio_auth_token=env("TWILIO_AUTH_TOKEN") or None,
        twilio_messaging_service_sid=env("TWILIO_MESSAGING_SERVICE_SID") or None,
        twilio_from=env("TWILIO_FROM") or None,
        twilio_api_base_url=env("TWILIO_API_BASE_URL") or None,
        stripe_secret_key=env("STRIPE_SECRET_KEY") or None,
        stripe_webhook_secret=env("STRIPE_WEBHOOK_SECRET") or None,
        stripe_price_basis=env("STRIPE_PRICE_BASIS") or None,
        stripe_price_pro=env("STRIPE_PRICE_PRO") or None,
        stripe_api_base=env("STRIPE_API_BASE") or None,
        stripe_price_sms_meter=env("STRIPE_PRICE_SMS_METER") or None,
        stripe_sms_meter_event=env("STRIPE_SMS_METER_EVENT") or "sms_verstuurd",
        plans=(
            Plan(
                "basis",
                "Basis",
                env("STRIPE_PRICE_BASIS") or None,
                env("PLAN_BASIS_PRICE") or "€ 49 per maand",
                _int(env("PLAN_BASIS_SMS"), 200),
            ),
            Plan(
                "pro",
                "Pro",
                env("STRIPE_PRICE_PRO") or None,
                env("PLAN_PRO_PRICE") or "€ 99 per maand",
                _int(env("PLAN_PRO_SMS"), 1000),
            ),
        ),
        practice_deletion_days=int(env("PRACTICE_DELETION_DAYS") or 30),
        sms_allowed_countries=_countries(env("SMS_ALLOWED_COUNTRIES")),
        code_sms_per_hour=_limit("CODE_SMS_PER_HOUR", env("CODE_SMS_PER_HOUR"), 100),
        code_sms_per_practice_per_hour=_limit(
            "CODE_SMS_PER_PRACTICE_PER_HOUR", env("CODE_SMS_PER_PRACTICE_PER_HOUR"), 10
        ),
        signups_per_client_per_hour=_limit(
            "SIGNUPS_PER_CLIENT_PER_HOUR", env("SIGNUPS_PER_CLIENT_PER_HOUR"), 10
        ),
        trusted_proxies=_trusted_proxies(env("TRUSTED_PROXIES")),
        sms_per_second=_limit("SMS_PER_SECOND", env("SMS_PER_SECOND"), 10),
        api_requests_per_minute=_limit(
            "API_REQUESTS_PER_MINUTE", env("API_REQUESTS_PER_MINUTE"), 120
        ),
        **_connection_budget(dict(os.environ), env("REDIS_URL") or None),
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()
