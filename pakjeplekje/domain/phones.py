"""Mobile numbers as Dutch staff type them, stored in E.164: an SMS needs a mobile."""

from __future__ import annotations

import re

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType

from pakjeplekje.domain.errors import DomainError

MOBILE_TYPES = {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE}
INVALID = "Vul een geldig mobiel nummer in, bijvoorbeeld 06-12345678."
NOT_MOBILE = (
    "Dit is geen mobiel nummer: een SMS kan alleen naar een 06-nummer (of buitenlands mobiel)."
)


def parse_mobile(raw: str) -> str:
    """`0612345678`, `06-12345678`, `+31 6 12345678`, `0031612345678`… → `+31612345678`."""
    text = (raw or "").strip()
    if not text or len(text) > 30:
        raise DomainError(INVALID, field="phone")
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, "NL")
    except NumberParseException as exc:
        raise DomainError(INVALID, field="phone") from exc
    if not phonenumbers.is_valid_number(number):
        raise DomainError(INVALID, field="phone")
    if phonenumbers.number_type(number) not in MOBILE_TYPES:
        raise DomainError(NOT_MOBILE, field="phone")
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def display(e164: str) -> str:
    """`+31612345678` → `+31 6 12345678`."""
    try:
        number = phonenumbers.parse(e164, None)
    except NumberParseException:
        return e164
    return phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)


def search_digits(query: str) -> tuple[str, ...]:
    """The digit runs to look for inside stored E.164 numbers; empty when the query is not a
    phone fragment. `06-1234` → (`3161234`, `061234`); `1234` → (`1234`,); a fragment such as
    `0567` (the tail of 06-12340567) is also tried as typed, not only as a trunk prefix."""
    if re.search(r"[^\d\s+\-()./]", query):
        return ()
    digits = re.sub(r"\D", "", query)
    if len(digits) < 3:
        return ()
    if digits.startswith("00"):
        return (digits[2:],)
    if digits.startswith("0"):
        return ("31" + digits[1:], digits)
    return (digits,)
