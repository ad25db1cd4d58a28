"""How the product speaks Dutch: one register ("u"), real plurals, one way to say a duration.

Every page, message and e-mail takes its counted nouns and its durations from here, so a
count never reads "patiënt(en)" and a fill never reads "1 min" on one screen and "2 min" on
the next. `tests/test_texts.py` reads every string in the package for "je"/"jij"/"jouw" and
"(en)"-style plurals.
"""

from __future__ import annotations

NOUNS: dict[str, str] = {
    # singular → plural, for the nouns the product counts
    "patiënt": "patiënten",
    "rij": "rijen",
    "aanbod": "aanbiedingen",
    "aanbieding": "aanbiedingen",
    "gebeurtenis": "gebeurtenissen",
    "inschrijving": "inschrijvingen",
    "SMS": "SMS'jes",
    "plek": "plekken",
    "verzoek": "verzoeken",
    "minuut": "minuten",
    "fout": "fouten",
    "praktijk": "praktijken",
    "medewerker": "medewerkers",
}


def plural(n: int, singular: str) -> str:
    """The noun that goes with `n`: `plural(1, "rij")` → "rij", `plural(0, "rij")` → "rijen"."""
    return singular if n == 1 else NOUNS[singular]


def count(n: int, singular: str) -> str:
    """`count(1, "patiënt")` → "1 patiënt"; `count(3, "patiënt")` → "3 patiënten"."""
    return f"{n} {plural(n, singular)}"


def fill_minutes(seconds: float) -> int:
    """Whole minutes, rounded once and the same way for one slot and for a median; at least 1,
    so a slot filled in 40 seconds does not read "gevuld in 0 min"."""
    return max(1, round(seconds / 60))


def duration(seconds: float) -> str:
    """How long a slot took to fill: "binnen een minuut" or "12 min"."""
    if seconds < 60:
        return "binnen een minuut"
    return f"{fill_minutes(seconds)} min"


def decimal(value: float, digits: int = 1) -> str:
    """A number with a decimal comma: `decimal(4.25)` → "4,3" (Dutch, no thousands mark)."""
    return f"{value:.{digits}f}".replace(".", ",")


def percent(fraction: float) -> str:
    """`percent(0.3333)` → "33 %": whole percents, a space before the sign (Dutch usage)."""
    return f"{round(fraction * 100)} %"


def euros(cents: int) -> str:
    """`euros(123456)` → "€ 1.234,56": a thousands dot, a decimal comma."""
    whole, rest = divmod(abs(cents), 100)
    sign = "-" if cents < 0 else ""
    return f"{sign}€ {whole:,}".replace(",", ".") + f",{rest:02d}"
