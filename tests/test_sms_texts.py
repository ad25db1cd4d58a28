"""SMS texts: GSM-7 only, at most two segments, Dutch, and nothing about anyone's health."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest

from pakjeplekje.domain.core_loop import sms_texts
from pakjeplekje.domain.core_loop.sms_texts import (
    confirmation_text,
    gsm7_name,
    help_text,
    is_gsm7,
    offer_text,
    opted_in_text,
    opted_out_text,
    segments,
    verification_code_text,
)
from pakjeplekje.domain.dutch_dates import short_moment

# The longest practice name the app accepts (100 characters), full of characters outside GSM-7.
LONGEST_NAME = ("Tandartspraktijk Ëindhoven-Zuïd Café Noël & Coëvorden ïëé " * 2)[:100]
LINK = "https://app.pakjeplekje.nl/c/" + "Ab9_-" * 6 + "x"  # 60 characters
START = datetime(2024, 12, 3, 10, 30)  # a Tuesday, local time

TEMPLATES: dict[str, Callable[[str], str]] = {
    "offer": lambda name: offer_text(name, START, 240, LINK),
    "offer_reply_ja": lambda name: offer_text(name, START, 240, LINK, reply_ja=True),
    "confirmation": lambda name: confirmation_text(name, START, 240),
    "help": help_text,
    "opted_out": opted_out_text,
    "opted_in": opted_in_text,
    "verification_code": lambda _name: verification_code_text("123456"),
}


def test_fixtures_are_the_worst_case() -> None:
    """The guarantees below are only worth something if the inputs really are the limits."""
    assert len(LONGEST_NAME) == 100
    assert len(LINK) == 60
    assert not is_gsm7(LONGEST_NAME)


@pytest.mark.parametrize("template", TEMPLATES.values(), ids=TEMPLATES.keys())
@pytest.mark.parametrize("name", [LONGEST_NAME, "Ü" * 100, "€[]{}" * 20, "Mondzorg De Molen"])
def test_every_template_is_gsm7_and_at_most_two_segments(
    template: Callable[[str], str], name: str
) -> None:
    """One 'ë' would switch the whole text to UCS-2 and halve what fits in a segment."""
    text = template(name)
    assert is_gsm7(text), [ch for ch in text if not is_gsm7(ch)]
    assert 1 <= segments(text) <= 2


@pytest.mark.parametrize("template", ["help", "opted_out", "opted_in", "verification_code"])
def test_short_replies_fit_one_segment(template: str) -> None:
    """Replies carry no link, so one segment is enough even with the longest name."""
    assert segments(TEMPLATES[template](LONGEST_NAME)) == 1


def test_practice_name_is_transliterated_and_truncated() -> None:
    """ë/ï fold to e/i; GSM letters such as é stay; the name is cut on a word boundary."""
    name = gsm7_name(LONGEST_NAME)
    assert name == "Tandartspraktijk Eindhoven-Zuid Café"
    assert len(name) <= sms_texts.NAME_IN_TEXT
    assert gsm7_name("Praktijk  Zoë\nvan Dijk") == "Praktijk Zoe van Dijk"
    assert gsm7_name("Ætna 😀 Straße") == "Ætna Straße"
    assert gsm7_name("😀😀") == "Uw praktijk"
    assert gsm7_name("x" * 100) == "x" * 40


def test_offer_text_has_what_a_patient_needs() -> None:
    text = offer_text("Mondzorg De Molen", START, 30, LINK)
    assert text.startswith("Mondzorg De Molen: ")
    assert "di 3 dec 10:30" in text
    assert "30 min" in text
    assert f" {LINK} " in text  # surrounded by spaces: no punctuation glued to the link
    assert text.endswith("STOP = afmelden")
    assert "JA" not in text  # an alphanumeric sender cannot receive a reply
    assert "antwoord JA" in offer_text("Mondzorg De Molen", START, 30, LINK, reply_ja=True)


HEALTH_WORDS = (
    "behandel",
    "controle",
    "gebit",
    "kies",
    "kroon",
    "mondhygi",
    "pijn",
    "tand",
    "vulling",
    "wortelkanaal",
    "implant",
    "beugel",
    "patient",
    "patiënt",
)


@pytest.mark.parametrize("template", TEMPLATES.values(), ids=TEMPLATES.keys())
def test_no_health_details_in_any_text(template: Callable[[str], str]) -> None:
    """Data minimisation: a text on a lock screen says nothing about someone's health."""
    text = template("Praktijk De Molen").lower()
    assert [word for word in HEALTH_WORDS if word in text] == []


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (2, "ma 2 dec 10:30"),
        (3, "di 3 dec 10:30"),
        (4, "wo 4 dec 10:30"),
        (5, "do 5 dec 10:30"),
        (6, "vr 6 dec 10:30"),
        (7, "za 7 dec 10:30"),
        (8, "zo 8 dec 10:30"),
    ],
)
def test_dutch_day_abbreviations(day: int, expected: str) -> None:
    assert short_moment(datetime(2024, 12, day, 10, 30)) == expected


def test_dutch_month_abbreviations_without_accents() -> None:
    months = [short_moment(datetime(2025, m, 1, 8, 5)).split()[2] for m in range(1, 13)]
    expected = ["jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec"]
    assert months == expected
    assert short_moment(datetime(2025, 3, 1, 8, 5)) == "za 1 mrt 08:05"


def test_time_is_shown_as_given() -> None:
    """The caller converts to Europe/Amsterdam; the text must not shift it again."""
    start = datetime(2025, 3, 30, 23, 59)
    assert short_moment(start) == "zo 30 mrt 23:59"
    assert short_moment(start + timedelta(minutes=1)) == "ma 31 mrt 00:00"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", 0),
        ("a", 1),
        ("a" * 160, 1),
        ("a" * 161, 2),
        ("a" * 306, 2),  # 153 x 2
        ("a" * 307, 3),
        ("€" * 80, 1),  # extension characters count two septets: 160
        ("€" + "a" * 159, 2),  # 161 septets
        ("a" * 152 + "€" + "a" * 152, 3),  # the escape pair is never split across parts
        ("a" * 151 + "€" + "a" * 153, 2),  # ...but fills a part exactly when it can
        ("é" * 160, 1),  # é is in the GSM basic set
        ("ë" * 70, 1),  # UCS-2
        ("ë" * 71, 2),
        ("patiënt " * 16 + "x" * 6, 2),  # 134 UCS-2 units: 67 x 2
        ("ë" * 135, 3),
        ("😀" * 35, 1),  # each emoji is two UTF-16 units
        ("😀" * 36, 2),
    ],
)
def test_segment_counting(text: str, expected: int) -> None:
    assert segments(text) == expected


def test_is_gsm7() -> None:
    assert is_gsm7("@£$¥èéùìòÇØøÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ!\"#¤%&'()*+,-./:;<=>?¡ÄÖÑÜ§¿äöñüà\n\r")
    assert is_gsm7("^{}\\[~]|€\f")
    assert not is_gsm7("patiënt")
    assert not is_gsm7("ç")  # only the capital Ç is in GSM-7
    assert not is_gsm7("\x1b")  # the escape itself is not a character
    assert not is_gsm7("—")
