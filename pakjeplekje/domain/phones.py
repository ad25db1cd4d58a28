"""Phone numbers as Dutch staff type them, stored in E.164: a patient's must be a mobile (an
SMS needs one), the practice's own may also be a landline."""

from __future__ import annotations

import re

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType

from pakjeplekje.domain.errors import DomainError

NL_COUNTRY_CODE = 31
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


PRACTICE_TYPES = MOBILE_TYPES | {
    PhoneNumberType.FIXED_LINE,
    PhoneNumberType.VOIP,  # 085/088, common for practices
    PhoneNumberType.UAN,
    PhoneNumberType.TOLL_FREE,  # 0800
}
PRACTICE_INVALID = "Telefoonnummer: vul een Nederlands nummer in, bijvoorbeeld 020-1234567."


def parse_practice_phone(raw: str) -> str:
    """The practice's own number, for patients to call: `020-1234567`, `(020) 123 45 67`,
    `+31 20 1234567`, `06-12345678` → `+31201234567`. Dutch only, no 0900 (patients would pay
    for the call); empty stays empty (the number is optional)."""
    text = (raw or "").strip()
    if not text:
        return ""
    if len(text) > 30:
        raise DomainError(PRACTICE_INVALID, field="phone")
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, "NL")
    except NumberParseException as exc:
        raise DomainError(PRACTICE_INVALID, field="phone") from exc
    if (
        number.country_code != NL_COUNTRY_CODE
        or not phonenumbers.is_valid_number(number)
        or phonenumbers.number_type(number) not in PRACTICE_TYPES
    ):
        raise DomainError(PRACTICE_INVALID, field="phone")
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def display(e164: str) -> str:
    """As Dutch staff read and type it: `+31612345678` → `06-12345678`; a foreign number keeps
    its country code (`+32 470 12 34 56`)."""
    try:
        number = phonenumbers.parse(e164, None)
    except NumberParseException:
        return e164
    if number.country_code != NL_COUNTRY_CODE:
        return phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)
    national = str(number.national_number)
    if phonenumbers.number_type(number) in MOBILE_TYPES and national.startswith("6"):
        return f"06-{national[1:]}"
    return phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL)


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


def region(e164: str) -> str | None:
    """The country (ISO 3166 code) a stored number belongs to: `+32470…` → `BE` (a number
    without `+` is read as Dutch, like `parse_mobile` reads what staff type)."""
    try:
        number = phonenumbers.parse(e164, "NL")
    except NumberParseException:
        return None
    return phonenumbers.region_code_for_number(number)


def in_countries(e164: str, countries: frozenset[str]) -> bool:
    """May a text on the platform's account go to this number (SMS_ALLOWED_COUNTRIES)?"""
    return region(e164) in countries


# Dutch names for the countries an operator is likely to allow; others show their ISO code.
# (phonenumbers' geocoder knows them all, but loads ~100 MB of data for it.)
COUNTRY_NAMES = {
    "NL": "Nederland",
    "BE": "België",
    "DE": "Duitsland",
    "LU": "Luxemburg",
    "FR": "Frankrijk",
    "GB": "het Verenigd Koninkrijk",
    "IE": "Ierland",
    "ES": "Spanje",
    "PT": "Portugal",
    "IT": "Italië",
    "AT": "Oostenrijk",
    "CH": "Zwitserland",
    "DK": "Denemarken",
    "SE": "Zweden",
    "NO": "Noorwegen",
    "PL": "Polen",
    "AW": "Aruba",
    "CW": "Curaçao",
    "SX": "Sint Maarten",
    "BQ": "Caribisch Nederland",
    "SR": "Suriname",
}


def country_names(countries: frozenset[str]) -> str:
    """`{"NL", "BE"}` → `België en Nederland`: for texts that say where SMS can go."""
    names = sorted(COUNTRY_NAMES.get(code, code) for code in countries)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " en " + names[-1]
