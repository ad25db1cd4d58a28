"""SMS out: Twilio (the real SDK) in production, a console outbox (readable at /dev/sms) in dev.

One small interface so the domain and the jobs never know which backend they talk to. The
adapter sends exactly once per call and never retries by itself: a retried POST can text a
patient twice, so retrying (with backoff) is the job's decision, guided by `SmsError`.
"""

from __future__ import annotations

import fcntl
import json
import logging
import re
import threading
import uuid
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Protocol
from urllib.parse import urlsplit, urlunsplit

import requests
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response as TwilioResponse
from twilio.rest import Client
from urllib3.exceptions import ConnectTimeoutError

from pakjeplekje import clock, routes
from pakjeplekje.adapters.sms_rate import RateLimited, SendRate, send_rate
from pakjeplekje.config import Settings, get_settings
from pakjeplekje.domain.core_loop.provider_errors import PERMANENT_CODES
from pakjeplekje.logmask import mask_phone

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 10.0  # seconds; the SDK's own default is no timeout at all


@dataclass(frozen=True)
class SentSms:
    provider_id: str
    status: str


class SmsError(Exception):
    """A send that failed. `retryable`: trying again later may work (429, 5xx, network).

    `maybe_sent`: the request may have reached the provider before the failure (a read
    timeout, a dropped connection), so a retry could text the patient twice. `code` is the
    provider's error code when it gave one (21610, 21211, 21614 …)."""

    def __init__(
        self, code: int | None, retryable: bool, message: str, *, maybe_sent: bool = False
    ) -> None:
        super().__init__(message)
        self.code = code
        self.retryable = retryable
        self.maybe_sent = maybe_sent


class SmsSender(Protocol):
    def send(self, to: str, body: str, status_callback: str | None = None) -> SentSms: ...

    def reserve(self) -> AbstractContextManager[None]:
        """Hold a place for the next `send` in this thread before the caller commits to it
        (see RateLimitedSms); raises SmsError (retryable, nothing sent) when none comes."""
        ...


def status_callback_url(settings: Settings) -> str:
    """Where Twilio posts delivery updates: always under PUBLIC_BASE_URL, never a proxy URL."""
    return settings.url(routes.TWILIO_STATUS)


class ConsoleSms:
    """Development SMS: appended to data/outbox/sms.jsonl, shown per number at /dev/sms."""

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / "outbox" / "sms.jsonl"

    @contextmanager
    def _locked(self, mode: str) -> Iterator[IO[str]]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open(mode, encoding="utf-8") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX if "a" in mode else fcntl.LOCK_SH)
            yield handle

    def reserve(self) -> AbstractContextManager[None]:
        return nullcontext()  # the console has no rate to keep

    def send(self, to: str, body: str, status_callback: str | None = None) -> SentSms:
        provider_id = f"console-{uuid.uuid4()}"
        record = {
            "provider_id": provider_id,
            "to": to,
            "body": body,
            "sent_at": clock.now().isoformat(),
            "status_callback": status_callback,
        }
        with self._locked("a") as handle:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
        log.info("sms %s to %s stored in the dev outbox", provider_id, mask_phone(to))
        # No delivery callback ever comes from the console, so "sent" is final here.
        return SentSms(provider_id=provider_id, status="sent")

    def messages(self, number: str | None = None) -> list[dict[str, Any]]:
        """Newest first; only those to `number` when given."""
        if not self.path.exists():
            return []
        with self._locked("r") as handle:
            lines = handle.read().splitlines()
        records = [json.loads(line) for line in reversed(lines) if line.strip()]
        return [r for r in records if number is None or r["to"] == number]


class BaseUrlHttpClient(TwilioHttpClient):  # type: ignore[misc]  # twilio ships no type information
    """Sends every SDK request to another host (a fake Twilio in tests, a proxy in ops).

    The SDK builds absolute https://api.twilio.com/... URLs and has no base-URL setting, so the
    scheme and host of each URL are swapped here (and a path prefix of the base, if any, put
    in front)."""

    def __init__(self, base_url: str, timeout: float | None = DEFAULT_TIMEOUT) -> None:
        super().__init__(timeout=timeout)
        parts = urlsplit(base_url)
        if parts.scheme not in {"http", "https"} or not parts.netloc:
            raise RuntimeError(f"TWILIO_API_BASE_URL is geen http(s)-adres: {base_url!r}.")
        self._scheme, self._netloc = parts.scheme, parts.netloc
        self._prefix = parts.path.rstrip("/")

    def rewrite(self, url: str) -> str:
        parts = urlsplit(url)
        path = self._prefix + parts.path
        return urlunsplit((self._scheme, self._netloc, path, parts.query, parts.fragment))

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> TwilioResponse:
        return super().request(method, self.rewrite(url), *args, **kwargs)


_LONG_NUMBER = re.compile(r"\+?\d[\d ]{5,}\d")


def _masked(text: str) -> str:
    """Twilio's error messages quote the number ("The 'To' number +316… is not valid")."""
    return _LONG_NUMBER.sub(lambda m: mask_phone(m.group().replace(" ", "")), text)


def _never_reached(exc: requests.RequestException) -> bool:
    """True when the connection was never made, so Twilio cannot have the message."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(reason, ConnectTimeoutError)  # NewConnectionError (refused) included


class TwilioSms:
    """Twilio Programmable Messaging through the official SDK.

    Sends from the Messaging Service when one is configured (sender pools, opt-out handling),
    otherwise from TWILIO_FROM (a number, or an alphanumeric sender that cannot get replies)."""

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        *,
        messaging_service_sid: str | None = None,
        from_: str | None = None,
        api_base_url: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        if not (messaging_service_sid or from_):
            raise RuntimeError("Twilio heeft TWILIO_MESSAGING_SERVICE_SID of TWILIO_FROM nodig.")
        http_client = (
            BaseUrlHttpClient(api_base_url, timeout=timeout)
            if api_base_url
            else TwilioHttpClient(timeout=timeout)
        )
        # environment={}: region/edge/credentials come from our settings, not stray env vars.
        self.client = Client(
            account_sid, auth_token, account_sid, http_client=http_client, environment={}
        )
        self.messaging_service_sid = messaging_service_sid
        self.from_ = from_

    @classmethod
    def from_settings(cls, settings: Settings, *, timeout: float = DEFAULT_TIMEOUT) -> TwilioSms:
        assert settings.twilio_account_sid and settings.twilio_auth_token
        return cls(
            settings.twilio_account_sid,
            settings.twilio_auth_token,
            messaging_service_sid=settings.twilio_messaging_service_sid,
            from_=settings.twilio_from,
            api_base_url=settings.twilio_api_base_url,
            timeout=timeout,
        )

    def reserve(self) -> AbstractContextManager[None]:
        return nullcontext()  # the rate is RateLimitedSms's business

    def send(self, to: str, body: str, status_callback: str | None = None) -> SentSms:
        params: dict[str, Any] = {"to": to, "body": body}
        if self.messaging_service_sid:
            params["messaging_service_sid"] = self.messaging_service_sid
        else:
            params["from_"] = self.from_
        if status_callback:
            params["status_callback"] = status_callback
        try:
            message = self.client.messages.create(**params)
        except TwilioRestException as exc:
            # `from None`: the SDK's exception text quotes the number; keep it out of tracebacks.
            raise self._rest_error(exc, to) from None
        except requests.RequestException as exc:
            never = _never_reached(exc)
            log.warning(
                "sms to %s failed: %s (%s)",
                mask_phone(to),
                type(exc).__name__,
                "not sent" if never else "may have been sent",
            )
            raise SmsError(
                None, True, f"Twilio niet bereikbaar: {type(exc).__name__}", maybe_sent=not never
            ) from None
        except TwilioException as exc:
            log.warning("sms to %s failed: %s", mask_phone(to), type(exc).__name__)
            raise SmsError(None, False, _masked(str(exc))) from None
        sent = SentSms(provider_id=str(message.sid), status=str(message.status or "queued"))
        log.info("sms %s to %s accepted: %s", sent.provider_id, mask_phone(to), sent.status)
        return sent

    @staticmethod
    def _rest_error(exc: TwilioRestException, to: str) -> SmsError:
        code = int(exc.code) if exc.code is not None else None
        retryable = code not in PERMANENT_CODES and (exc.status == 429 or exc.status >= 500)
        log.warning(
            "sms to %s refused: http %s code %s (%s)",
            mask_phone(to),
            exc.status,
            code,
            "retryable" if retryable else "final",
        )
        text = _masked(exc.msg or "").replace(to, mask_phone(to))
        return SmsError(code, retryable, f"Twilio {exc.status} ({code}): {text}")


class RateLimitedSms:
    """A sender that keeps under its provider's messages-per-second cap (SMS_PER_SECOND): it
    waits for a place in the sender's window, shared by all workers through Redis."""

    def __init__(self, inner: SmsSender, rate: SendRate, sender_key: str) -> None:
        self.inner, self.rate, self.sender_key = inner, rate, sender_key
        self._held = threading.local()

    @contextmanager
    def reserve(self) -> Iterator[None]:
        """Wait for the place first, then claim the offer and send inside the block: a worker
        that dies while waiting leaves its offer `queued` (the tick sends it), not `sending`
        (unknown outcome, for staff to check)."""
        try:
            with self.rate.slot(self.sender_key):
                self._held.place = True
                try:
                    yield
                finally:
                    self._held.place = False
        except RateLimited as exc:
            log.warning("sms held back: %s", exc)
            raise SmsError(None, True, "SMS-limiet per seconde bereikt") from None

    def send(self, to: str, body: str, status_callback: str | None = None) -> SentSms:
        if getattr(self._held, "place", False):  # inside `reserve`: the place is this send's
            return self.inner.send(to, body, status_callback)
        try:
            with self.rate.slot(self.sender_key):
                return self.inner.send(to, body, status_callback)
        except RateLimited as exc:  # never reached the provider: like its 429, try again later
            log.warning("sms to %s held back: %s", mask_phone(to), exc)
            raise SmsError(None, True, "SMS-limiet per seconde bereikt") from None


def get_sms_sender(settings: Settings | None = None) -> SmsSender:
    """The configured backend. Build one per worker and reuse it: it keeps its connections."""
    settings = settings or get_settings()
    if settings.sms_backend == "twilio":
        missing = [
            name
            for name, value in (
                ("TWILIO_ACCOUNT_SID", settings.twilio_account_sid),
                ("TWILIO_AUTH_TOKEN", settings.twilio_auth_token),
                (
                    "TWILIO_MESSAGING_SERVICE_SID of TWILIO_FROM",
                    settings.twilio_messaging_service_sid or settings.twilio_from,
                ),
            )
            if not value
        ]
        if missing:
            raise RuntimeError(f"SMS_BACKEND=twilio, maar dit ontbreekt: {', '.join(missing)}.")
        sender = settings.twilio_messaging_service_sid or settings.twilio_from
        return RateLimitedSms(
            TwilioSms.from_settings(settings, timeout=DEFAULT_TIMEOUT),  # read now: tests set it
            send_rate(settings.redis_url, settings.sms_per_second),
            f"twilio:{sender}",
        )
    if settings.sms_backend == "console" and settings.is_dev:
        return ConsoleSms(settings.data_dir)
    raise RuntimeError(
        "SMS_BACKEND moet 'twilio' zijn buiten ontwikkeling ('console' alleen met APP_ENV=dev)."
    )
