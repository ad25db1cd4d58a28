"""SMS texts: GSM-7 only, at most two segments (the offer: one), Dutch, and nothing about anyone's
health."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest

from pakjeplekje.domain.core_loop import sms_texts
from pakjeplekje.domain.core_loop.sms_texts import (
    confirmation_text,
    gsm7_name,
    gsm7_phone,
    help_text,
    is_gsm7,
    offer_text,
    opted_in_text,
    opted_out_text,
    segments,
    verification_code_text,
)
from pakjeplekje.domain.dutch_dates import short_moment
from pakjeplekje.domain.tokens import new_token

# The longest practice name the app accepts (100 characters), full of characters outside GSM-7.
LONGEST_NAME = ("Tandartspraktijk Ëindhoven-Zuïd Café Noël & Coëvorden ïëé " * 2)[:100]
# The claim link as dispatch builds it in production: PUBLIC_BASE_URL + /c/ + a 43-character
# token (tokens.new_token: 32 random bytes, URL-safe base64) = 72 characters.
PRODUCTION_URL = "https://app.pakjeplekje.nl"
LINK = PRODUCTION_URL + "/c/" + "Ab9_-" * 8 + "xyz"
START = datetime(2024, 12, 3, 10, 30)  # a Tuesday, local time
LONGEST_START = datetime(2024, 12, 11, 10, 30)  # "wo 11 dec 10:30": the longest moment
PHONE = "020 123 4567"

TEMPLATES: dict[str, Callable[[str], str]] = {
    "offer": lambda name: offer_text(name, START, 240, LINK),
    "confirmation": lambda name: confirmation_text(name, START, 240),
    "confirmation_phone": lambda name: confirmation_text(name, START, 240, PHONE),
    "help": help_text,
    "opted_out": opted_out_text,
    "opted_in": opted_in_text,
    "verification_code": lambda _name: verification_code_text("123456"),
}


def test_fixtures_are_the_worst_case() -> None:
    """The guarantees below are only worth something if the inputs really are the limits."""
    assert len(LONGEST_NAME) == 100
    raw, _ = new_token()
    assert len(LINK) == len(f"{PRODUCTION_URL}/c/{raw}") == 72
    assert not is_gsm7(LONGEST_NAME)
    assert len(short_moment(LONGEST_START)) == 15


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
    assert text == (
        f"Mondzorg De Molen: plek vrij di 3 dec 10:30, 30 min. {LINK} Antwoord JA of NEE."
    )
    assert f" {LINK} " in text  # surrounded by spaces: no punctuation glued to the link
    assert segments(text) == 1


# Characters that cost the most: plain GSM letters (one septet), accents that fold (ë → e),
# ligatures that unfold into three letters (ﬃ), and extension characters (two septets each,
# dropped from a name so that a name never costs more than its length).
WORST_NAME_CHARS = ["W", "ë", "ﬃ", "€", "Ç", "😀W"]


@pytest.mark.parametrize("char", WORST_NAME_CHARS)
@pytest.mark.parametrize("length", range(1, 31))
def test_offer_is_one_segment_for_a_name_up_to_30_characters(char: str, length: int) -> None:
    """The offer goes to many patients per slot: one segment, whatever the practice is called,
    with the longest moment, the longest slot and the real link length."""
    name = (char * length)[:length]
    text = offer_text(name, LONGEST_START, 240, LINK)
    assert is_gsm7(text)
    assert segments(text) == 1, (len(text), text)


def test_a_30_character_name_is_shown_whole_in_the_offer() -> None:
    name = "Tandartspraktijk Het Molenhuis"
    assert len(name) == 30
    assert offer_text(name, LONGEST_START, 240, LINK).startswith(f"{name}: plek vrij ")
    assert len(offer_text("W" * 30, LONGEST_START, 240, LINK)) == 160  # exactly full


@pytest.mark.parametrize("length", range(31, 101))
def test_a_longer_name_is_cut_so_the_offer_stays_one_segment(length: int) -> None:
    name = ("Mondzorg Centrum " * 7)[:length]
    text = offer_text(name, LONGEST_START, 240, LINK)
    assert segments(text) == 1
    assert text.startswith("Mondzorg Centrum Mondzorg: ")  # cut on a whole word


def test_confirmation_gives_the_practice_number_when_there_is_one() -> None:
    with_phone = confirmation_text("Mondzorg De Molen", START, 30, PHONE)
    assert with_phone == (
        "Mondzorg De Molen: uw plek op di 3 dec 10:30 (30 min) is bevestigd. Tot dan! "
        "Verhinderd? Bel 020 123 4567."
    )
    assert confirmation_text("Mondzorg De Molen", START, 30).endswith(
        "Verhinderd? Bel de praktijk."
    )
    assert segments(confirmation_text(LONGEST_NAME, LONGEST_START, 240, "06-12345678")) <= 2


def test_a_phone_number_in_a_text_keeps_only_digits_spaces_plus_and_dash() -> None:
    assert gsm7_phone("020 123 4567") == "020 123 4567"
    assert gsm7_phone("+31 6-1234\n5678€") == "+31 6-1234 5678"
    assert gsm7_phone("") == ""


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
