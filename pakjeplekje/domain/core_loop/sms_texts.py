"""The SMS texts patients receive, and the GSM-7 arithmetic that keeps them cheap.

Why this matters: one character outside the GSM 03.38 alphabet ("patiënt") switches the whole
message to UCS-2, which cuts a segment from 160 to 70 characters and so multiplies the cost.
Every template here is therefore GSM-7 only and at most two segments, also with the longest
practice name allowed (100 characters, shown truncated). The offer, the text sent most, is one
segment: its practice name is cut to 30 characters, which leaves room for the longest moment
("wo 10 dec 10:30"), the longest slot (240 min) and a 72-character claim link
(`https://app.pakjeplekje.nl` + `/c/` + a 43-character token).

Data minimisation (AVG): no text mentions a treatment, a practitioner or anything else about
someone's health (a text passes through the provider and shows on a lock screen); the practice
name, the moment and the link are all a patient needs. The claim page and the calendar file
name the treatment, behind the link.
Pure functions: no I/O, no database, no reflex.
"""

from __future__ import annotations

import unicodedata
from datetime import datetime

from pakjeplekje.domain.dutch_dates import short_moment

# GSM 03.38 basic character set (one septet each). ESC (0x1B) is left out on purpose: it only
# introduces an extension character and is never a character of its own in a text.
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# The extension table: escape + character, so each of these counts as two septets.
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")

GSM7_SINGLE, GSM7_PART = 160, 153  # septets: one message / one part of a concatenated one
UCS2_SINGLE, UCS2_PART = 70, 67  # UTF-16 code units, likewise

MAX_SEGMENTS = 2
NAME_IN_TEXT = 40  # a 100-character practice name is cut to this inside a text
NAME_IN_OFFER = 30  # ...and to this in the offer, which must stay one segment


def is_gsm7(text: str) -> bool:
    """True when every character fits GSM-7 (basic set or extension table)."""
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text)


def _pack(units: list[int], single: int, part: int) -> int:
    """Parts needed when a multi-unit character (escape pair, surrogate pair) is never split."""
    if sum(units) <= single:
        return 1
    parts, used = 1, 0
    for size in units:
        if used + size > part:
            parts, used = parts + 1, 0
        used += size
    return parts


def segments(text: str) -> int:
    """The number of SMS segments `text` is billed as (0 for an empty text).

    GSM-7: 160 septets in one message, 153 per part once concatenated, extension characters
    count two. Anything else goes as UCS-2: 70 UTF-16 units, 67 per part (an emoji is two)."""
    if not text:
        return 0
    if is_gsm7(text):
        return _pack([2 if ch in GSM7_EXTENSION else 1 for ch in text], GSM7_SINGLE, GSM7_PART)
    units = [len(ch.encode("utf-16-le")) // 2 for ch in text]
    return _pack(units, UCS2_SINGLE, UCS2_PART)


def gsm7_name(name: str, limit: int = NAME_IN_TEXT) -> str:
    """A practice name safe for a GSM-7 text: accents folded, the rest dropped, cut to `limit`.

    Characters already in the GSM basic set (é, ü, ñ …) stay as they are; others are folded
    with NFKD (ë → e, ï → i, ç → c) and whatever still does not fit is dropped. Extension-table
    characters are dropped too, so the name costs at most `limit` septets."""
    out = []
    for ch in name:
        if ch in GSM7_BASIC:
            out.append(ch)
            continue
        out.extend(c for c in unicodedata.normalize("NFKD", ch) if c in GSM7_BASIC)
    cleaned = " ".join("".join(out).split())  # no newlines or runs of spaces from a form field
    if len(cleaned) > limit:
        word_end = cleaned.rfind(" ", 0, limit + 1)  # end on a whole word where one fits
        cleaned = cleaned[:word_end] if word_end >= limit // 2 else cleaned[:limit]
    return cleaned.rstrip() or "Uw praktijk"


def offer_text(practice_name: str, start_local: datetime, duration_minutes: int, link: str) -> str:
    """The offer of a freed slot, one segment. The link works on its own; `JA` takes the slot
    by reply, `NEE` gives it to the next patient at once. The link is followed by a space, never
    by punctuation a phone could take as part of it."""
    return (
        f"{gsm7_name(practice_name, NAME_IN_OFFER)}: plek vrij {short_moment(start_local)}, "
        f"{duration_minutes} min. {link} Antwoord JA of NEE."
    )


def gsm7_phone(phone: str) -> str:
    """A phone number as shown (`020 123 4567`, `06-12345678`) reduced to what a text may
    carry: digits, spaces, `+` and `-`."""
    kept = (" " if ch.isspace() else ch for ch in phone)
    return " ".join("".join(ch for ch in kept if ch in "0123456789+- ").split())


def confirmation_text(
    practice_name: str, start_local: datetime, duration_minutes: int, phone: str = ""
) -> str:
    """Sent to the one winner of a slot; with the practice's number when it has one, so
    cancelling is one tap."""
    number = gsm7_phone(phone)
    call = f"Bel {number}." if number else "Bel de praktijk."
    return (
        f"{gsm7_name(practice_name)}: uw plek op {short_moment(start_local)} "
        f"({duration_minutes} min) is bevestigd. Tot dan! Verhinderd? {call}"
    )


def help_text(practice_name: str) -> str:
    """The single reply to an inbound text we do not understand."""
    return (
        f"{gsm7_name(practice_name)}: antwoord JA op een aanbod om de plek te nemen, NEE "
        "om hem aan een ander te geven. STOP = afmelden, START = weer aanmelden"
    )


def opted_out_text(practice_name: str) -> str:
    """Confirms STOP: the last text this number gets from the practice until START."""
    return (
        f"{gsm7_name(practice_name)}: u bent afgemeld en krijgt geen berichten meer over "
        "vrije plekken. START = weer aanmelden"
    )


def opted_in_text(practice_name: str) -> str:
    """Confirms START after an earlier STOP."""
    return (
        f"{gsm7_name(practice_name)}: u bent weer aangemeld voor berichten over vrije plekken. "
        "STOP = afmelden"
    )


def verification_code_text(code: str) -> str:
    """A one-time code; names no practice, so it says nothing about where someone is a patient."""
    return f"Uw PakJePlekje-code is {code}. Deel deze code met niemand."


def fits(text: str) -> bool:
    """The rule every outgoing text must meet: GSM-7 and at most two segments."""
    return is_gsm7(text) and segments(text) <= MAX_SEGMENTS


__all__ = [
    "MAX_SEGMENTS",
    "NAME_IN_OFFER",
    "NAME_IN_TEXT",
    "confirmation_text",
    "fits",
    "gsm7_name",
    "gsm7_phone",
    "help_text",
    "is_gsm7",
    "offer_text",
    "opted_in_text",
    "opted_out_text",
    "segments",
    "verification_code_text",
]
