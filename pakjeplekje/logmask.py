"""Masking for logs: personal data never reaches a log line in full."""

from __future__ import annotations

import logging
import re


def mask_email(email: str) -> str:
    local, _, domain = (email or "").partition("@")
    if not domain:
        return "***"
    return f"{local[:1]}***@{domain[:1]}***"


def mask_phone(phone: str) -> str:
    digits = (phone or "").strip()
    return f"{digits[:3]}******{digits[-2:]}" if len(digits) > 6 else "***"


_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(r"(?:\+|\b00|\b0)\d(?:[ -]?\d){7,13}\b")


def mask_text(text: str) -> str:
    """Every e-mail address and phone number in free text, masked (a last line of defence
    for messages we do not write ourselves: exceptions, database errors)."""
    text = _EMAIL.sub(lambda m: mask_email(m.group()), text)
    return _PHONE.sub(lambda m: mask_phone(m.group()), text)


class PersonalDataFilter(logging.Filter):
    """On a handler: renders each record's message and traceback with personal data masked,
    whoever logged it (our code, the database driver, the web server)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = mask_text(record.getMessage()), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_text(record.exc_text)
        return True


def configure_logging() -> None:
    """INFO to stderr, personal data masked on every handler of the root logger."""
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, PersonalDataFilter) for f in handler.filters):
            handler.addFilter(PersonalDataFilter())
