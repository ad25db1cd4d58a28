"""E-mail out: SMTP in production, a console outbox (readable at /dev/mail) in development."""

from __future__ import annotations

import fcntl
import json
import logging
import smtplib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from email.message import EmailMessage
from pathlib import Path
from typing import IO, Protocol

from pakjeplekje import clock
from pakjeplekje.config import Settings, get_settings
from pakjeplekje.domain.emails import Email
from pakjeplekje.logmask import mask_email

log = logging.getLogger(__name__)


class Mailer(Protocol):
    def send(self, email: Email) -> None: ...


class SmtpMailer:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def send(self, email: Email) -> None:
        s = self.settings
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = s.mail_from, email.to, email.subject
        message.set_content(email.body)
        assert s.smtp_host
        with smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=20) as smtp:
            if s.smtp_starttls:
                smtp.starttls()
            if s.smtp_username and s.smtp_password:
                smtp.login(s.smtp_username, s.smtp_password)
            smtp.send_message(message)
        log.info("mail sent to %s: %s", mask_email(email.to), email.subject)


class ConsoleOutbox:
    """Development mail: appended to data/outbox/mail.jsonl, newest shown first at /dev/mail."""

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / "outbox" / "mail.jsonl"

    @contextmanager
    def _locked(self, mode: str) -> Iterator[IO[str]]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open(mode, encoding="utf-8") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX if "a" in mode else fcntl.LOCK_SH)
            yield handle

    def send(self, email: Email) -> None:
        record = {**asdict(email), "sent_at": clock.now().isoformat()}
        with self._locked("a") as handle:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
        log.info("mail to %s stored in the dev outbox: %s", mask_email(email.to), email.subject)

    def messages(self) -> list[dict[str, str]]:
        if not self.path.exists():
            return []
        with self._locked("r") as handle:
            lines = handle.read().splitlines()
        return [json.loads(line) for line in reversed(lines) if line.strip()]


def get_mailer(settings: Settings | None = None) -> Mailer:
    settings = settings or get_settings()
    if settings.mail_backend == "smtp":
        return SmtpMailer(settings)
    if settings.mail_backend == "console" and settings.is_dev:
        return ConsoleOutbox(settings.data_dir)
    raise RuntimeError("MAIL_BACKEND moet 'smtp' zijn buiten ontwikkeling.")
