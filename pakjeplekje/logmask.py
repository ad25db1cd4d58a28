"""Masking for logs: no personal data and no credential ever reaches a log line in full.

Masked: e-mail addresses, phone numbers, the session cookie (and any Cookie/Authorization
header), claim tokens (`/c/<token>`, `/api/claim/<token>`), link tokens (`token=`) and login
grants (`grant=`). Every record of every logger is masked when it is made (a record factory),
so framework records reach no handler unmasked — including reflex's own, which do not
propagate to the root logger, and tracebacks, which are folded into the masked message.

Every pattern below is linear: a match attempt can start only where nothing of the same kind
precedes it (a look-behind), and its repeats are unambiguous, so no input makes the engine
backtrack over the same text twice. Records are also cut to `MAX_CHARS` (lines to
`MAX_LINE_CHARS`) before they are masked; a 1 MB line is masked in a few milliseconds.
"""

from __future__ import annotations

import logging
import re
import sys
import threading
from collections.abc import Callable
from types import TracebackType
from typing import Any

MAX_CHARS = 32_000  # a whole record (message and traceback)
MAX_LINE_CHARS = 4_000  # one line of it
_MARGIN = 1_000  # more than any secret is long: a secret cut by the first cut is still masked


def mask_email(email: str) -> str:
    local, _, domain = (email or "").partition("@")
    if not domain:
        return "***"
    return f"{local[:1]}***@{domain[:1]}***"


def mask_phone(phone: str) -> str:
    digits = (phone or "").strip()
    return f"{digits[:3]}******{digits[-2:]}" if len(digits) > 6 else "***"


# An address starts where no address character precedes it; '.' is outside [\w-], so the
# domain labels can be split one way only.
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(r"(?:\+|\b00|\b0)\d(?:[ -]?\d){7,13}\b")
# Whole header values: everything up to the quote, newline or end that closes them.
_HEADER = re.compile(
    r"(?i)(?<![\w-])((?:set-)?cookie|authorization)(['\"]?\s{0,3}[:=]\s{0,3}['\"]?)([^'\"\n]*)"
)
# key=value, key: value, 'key': 'value' and "key": "value" for the secret-bearing keys.
_SECRET = re.compile(
    r"(?i)(pjp_sessie|pjp_inlog|token|grant)(['\"]?\s{0,3}[:=]\s{0,3}['\"]?)([^\s&;,'\"<>()\[\]{}]+)"
)
_CLAIM_PATH = re.compile(r"(/c/|/api/claim/)([^/\s?#&;,'\"<>()\[\]{}]+)")


def _cut(text: str) -> str:
    """At most MAX_CHARS, no line over MAX_LINE_CHARS; says what was left out."""
    if len(text) > MAX_CHARS:
        text = f"{text[:MAX_CHARS]}… [ingekort: {len(text) - MAX_CHARS} tekens weggelaten]"
    if len(text) > MAX_LINE_CHARS:
        lines = text.split("\n")
        text = "\n".join(
            line
            if len(line) <= MAX_LINE_CHARS
            else f"{line[:MAX_LINE_CHARS]}… [regel ingekort: {len(line)} tekens]"
            for line in lines
        )
    return text


def mask_text(text: str) -> str:
    """Every e-mail address, phone number, cookie, token and grant in free text, masked (a
    last line of defence for messages we do not write ourselves: framework records,
    exceptions, database errors), and the result cut to a bounded length."""
    text = text[: MAX_CHARS + _MARGIN] if len(text) > MAX_CHARS + _MARGIN else text
    return _cut(mask_all(text))


def mask_all(text: str) -> str:
    """The masking alone, on text of any length (linear in it). A pattern runs only when the
    text holds its key, a C-speed check that spares ordinary lines most of the work."""
    lowered = text.lower()
    if "cookie" in lowered or "authorization" in lowered:
        text = _HEADER.sub(r"\1\2***", text)
    if "token" in lowered or "grant" in lowered or "pjp_" in lowered:
        text = _SECRET.sub(r"\1\2***", text)
    if "/c/" in text or "/api/claim/" in text:
        text = _CLAIM_PATH.sub(r"\1***", text)
    if "@" in text:
        text = _EMAIL.sub(lambda m: mask_email(m.group()), text)
    return _PHONE.sub(lambda m: mask_phone(m.group()), text)


def _masked_record_text(record: logging.LogRecord) -> str:
    """Message, traceback and stack as one masked text (handlers that print the exception
    from `exc_info` themselves, such as reflex's console handler, then have nothing left)."""
    try:
        parts = [record.getMessage()]
    except Exception:  # a bad format string must not lose the record
        parts = [f"{record.msg!r} {record.args!r}"]
    if record.exc_info and record.exc_info[0] is not None:
        parts.append(logging.Formatter().formatException(record.exc_info))
    elif record.exc_text:
        parts.append(record.exc_text)
    if record.stack_info:
        parts.append(record.stack_info)
    return mask_text("\n".join(parts))


def mask_record(record: logging.LogRecord) -> logging.LogRecord:
    if getattr(record, "_pjp_masked", False):
        return record
    record.msg, record.args = _masked_record_text(record), None
    record.exc_info, record.exc_text, record.stack_info = None, None, None
    record._pjp_masked = True
    return record


class PersonalDataFilter(logging.Filter):
    """On a handler: masks records that were not made by our record factory (made in
    another process, or before `configure_logging` ran)."""

    def filter(self, record: logging.LogRecord) -> bool:
        mask_record(record)
        return True


_install_lock = threading.Lock()


def _masking_factory(
    base: Callable[..., logging.LogRecord],
) -> Callable[..., logging.LogRecord]:
    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        return mask_record(base(*args, **kwargs))

    factory._pjp_masking = True  # type: ignore[attr-defined]  # a marker on the function object
    return factory


def _log_uncaught(
    kind: type[BaseException], value: BaseException, tb: TracebackType | None
) -> None:
    logging.getLogger("pakjeplekje.uncaught").critical(
        "Onverwachte fout", exc_info=(kind, value, tb)
    )


def _log_uncaught_in_thread(args: threading.ExceptHookArgs) -> None:
    if args.exc_type is SystemExit:
        return
    logging.getLogger("pakjeplekje.uncaught").error(
        "Onverwachte fout in thread %s",
        args.thread.name if args.thread else "?",
        exc_info=(args.exc_type, args.exc_value, args.exc_traceback),  # type: ignore[arg-type]  # exc_value is typed optional; the hook only runs for a raised exception
    )


def configure_logging() -> None:
    """INFO to stderr; every record of every logger masked when it is made; uncaught
    exceptions logged (and so masked) instead of printed raw."""
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    with _install_lock:
        current = logging.getLogRecordFactory()
        if not getattr(current, "_pjp_masking", False):
            logging.setLogRecordFactory(_masking_factory(current))
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, PersonalDataFilter) for f in handler.filters):
            handler.addFilter(PersonalDataFilter())
    sys.excepthook = _log_uncaught
    threading.excepthook = _log_uncaught_in_thread
