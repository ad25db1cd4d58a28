"""Phone numbers as Dutch staff type them: one E.164 form in the database, mobiles only.

Pure functions, no database: the table is the spec's list of spellings plus the ways people
get it wrong, so a change in `phonenumbers` metadata or in our parsing shows up here first.
"""

from __future__ import annotations

import pytest

from pakjeplekje.domain.errors import DomainError
from pakjeplekje.domain.phones import INVALID, NOT_MOBILE, display, parse_mobile, search_digits

DUTCH_SPELLINGS = [
    "0612345678",
    "06-12345678",
    "06 1234 5678",
    "+31 6 12345678",
    "0031612345678",
    "(06) 12 34 56 78",
    "+31612345678",
    "  06-12345678  ",  # pasted with surrounding spaces
]


@pytest.mark.parametrize("raw", DUTCH_SPELLINGS)
def test_every_dutch_spelling_becomes_one_e164_number(raw: str) -> None:
    """Whatever staff type, the duplicate check and SMS sending see the same string."""
    assert parse_mobile(raw) == "+31612345678"


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("+49 151 12345678", "+4915112345678"),
        ("+32 470 12 34 56", "+32470123456"),
        ("+44 7911 123456", "+447911123456"),
        ("0049 151 12345678", "+4915112345678"),
    ],
)
def test_foreign_mobile_in_international_form_is_accepted(raw: str, e164: str) -> None:
    """Patients with a German or Belgian mobile can still be texted."""
    assert parse_mobile(raw) == e164


@pytest.mark.parametrize("raw", ["020-1234567", "+31 20 1234567", "010 123 4567", "085-1234567"])
def test_dutch_landline_is_refused_as_not_mobile(raw: str) -> None:
    """An SMS cannot reach a landline; staff get told why, not just 'invalid'."""
    with pytest.raises(DomainError) as refused:
        parse_mobile(raw)
    assert refused.value.message == NOT_MOBILE
    assert "geen mobiel nummer" in refused.value.message
    assert refused.value.field == "phone"


@pytest.mark.parametrize(
    "raw",
    [
        "abc",
        "12",
        "1" * 40,
        "📱",
        "😀😀😀",
        "061234567",  # one digit short
        "06123456789",  # one digit too many
        "06l2345678",  # letter l for digit 1
        "+31",
    ],
)
def test_garbage_is_refused_as_invalid(raw: str) -> None:
    with pytest.raises(DomainError) as refused:
        parse_mobile(raw)
    assert refused.value.message == INVALID
    assert refused.value.field == "phone"


@pytest.mark.parametrize("raw", ["", " ", "\t\n  "])
def test_empty_and_whitespace_are_refused_as_invalid(raw: str) -> None:
    """An empty phone field gets the example, not a stack trace."""
    with pytest.raises(DomainError) as refused:
        parse_mobile(raw)
    assert refused.value.message == INVALID


def test_messages_are_dutch_and_give_an_example() -> None:
    assert "06-12345678" in INVALID
    assert "SMS" in NOT_MOBILE


@pytest.mark.parametrize(
    ("e164", "shown"),
    [
        ("+31612345678", "06-12345678"),  # what Dutch staff read and type
        ("+31201234567", "020 123 4567"),  # a landline never passes parse_mobile; shown anyway
        ("+4915112345678", "+49 1511 2345678"),
        ("+32470123456", "+32 470 12 34 56"),
        ("niet-een-nummer", "niet-een-nummer"),  # never crashes the grid on odd data
    ],
)
def test_display_is_the_dutch_form_at_home_and_international_abroad(e164: str, shown: str) -> None:
    assert display(e164) == shown


def test_display_of_a_parsed_number_parses_back_to_the_same_number() -> None:
    """The edit dialog shows display(); saving it unchanged must not change the number."""
    for raw in [*DUTCH_SPELLINGS, "+49 151 12345678", "+32 470 12 34 56"]:
        e164 = parse_mobile(raw)
        assert parse_mobile(display(e164)) == e164


@pytest.mark.parametrize(
    ("query", "digits"),
    [
        ("1234", "1234"),
        ("06-1234", "3161234"),
        ("06 1234", "3161234"),
        ("0031 6", "316"),
        ("+31 6", "316"),
        ("+31 6 1234", "3161234"),
        ("(06) 12", "31612"),
        ("06 1234 5678", "31612345678"),
        ("123", "123"),
    ],
)
def test_search_digits_map_any_spelling_onto_the_stored_e164(query: str, digits: str) -> None:
    assert search_digits(query)[0] == digits


@pytest.mark.parametrize("query", ["jansen", "Jan 06", "06-12a", "12", "1", "", "  ", "06", "+"])
def test_search_digits_is_none_for_names_and_too_short_fragments(query: str) -> None:
    """Letters mean a name search; one or two digits would match almost every number."""
    assert search_digits(query) == ()


def test_every_search_spelling_of_a_number_is_inside_its_e164_form() -> None:
    """The grid finds a patient whatever spelling of (part of) the number staff type."""
    stored = parse_mobile("06-12345678")
    for query in ["1234", "06-1234", "0031 6", "+31 6", "06 1234 5678", "+31612345678", "5678"]:
        assert any(digits in stored for digits in search_digits(query)), query
