"""The inzage answer as a person reads it: the same data as the JSON download
(`fulfilment.patient_data` / `staff_data`), in Dutch words, Amsterdam times ("di 8 dec 2026
14:30"), phone numbers as 06-12345678, per practice in sections (Gegevens, Wachtlijst,
Aanbiedingen, Berichten). Built from the JSON itself, so page and download cannot disagree."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pakjeplekje.domain import labels, phones
from pakjeplekje.domain.dutch_dates import dated_moment

NONE = "—"


@dataclass(frozen=True)
class Item:
    """One offer or message: a short title and its facts."""

    title: str
    facts: list[tuple[str, str]]


@dataclass(frozen=True)
class Section:
    title: str  # "Gegevens", "Wachtlijst", "Aanbiedingen", "Berichten", "Account"
    facts: list[tuple[str, str]] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)
    empty: str = ""  # said when there are neither facts nor items


@dataclass(frozen=True)
class PracticeData:
    practice: str
    sections: list[Section]


def when(value: Any) -> str:
    """An ISO 8601 moment from the export, in Amsterdam time; nothing as "—"."""
    if not isinstance(value, str) or not value:
        return NONE
    try:
        return dated_moment(datetime.fromisoformat(value))
    except ValueError:
        return value


def _text(value: Any) -> str:
    return str(value) if value not in (None, "") else NONE


def _minutes(value: Any) -> str:
    return f"{value} minuten" if isinstance(value, int) else NONE


def _patient(entry: dict[str, Any]) -> list[Section]:
    w = entry.get("wachtlijst", {})
    gegevens = Section(
        "Gegevens",
        [
            ("Naam", _text(w.get("naam"))),
            ("Telefoon", phones.display(w.get("telefoon") or "") or NONE),
            ("Toestemming voor SMS", labels.label(labels.CONSENT_LABELS, w.get("toestemming"))),
            ("Toestemming gegeven op", when(w.get("toestemming_op"))),
            ("Versie van de toestemmingstekst", _text(w.get("toestemmingstekst_versie"))),
            ("Afgemeld voor SMS op", when(w.get("afgemeld_op"))),
            ("Aanbiedingen gepauzeerd tot", when(w.get("gepauzeerd_tot"))),
        ],
    )
    wachtlijst = Section(
        "Wachtlijst",
        [
            ("Status", labels.label(labels.PATIENT_LABELS, w.get("status"))),
            ("Op de wachtlijst sinds", when(w.get("toegevoegd_op"))),
            ("Behandelingen", ", ".join(w.get("behandelingen") or []) or NONE),
            ("Tijd nodig", _minutes(w.get("duur_minuten"))),
            ("Urgentie", _text(w.get("urgentie"))),
            ("Notitie van de praktijk", _text(w.get("notitie"))),
            ("Aantal aanbiedingen", _text(w.get("aantal_aanbiedingen"))),
        ],
    )
    aanbiedingen = Section(
        "Aanbiedingen",
        items=[
            Item(
                f"Plek op {when(o.get('plek_begint_op'))}",
                [
                    ("Duur", _minutes(o.get("duur_minuten"))),
                    ("Status", labels.label(labels.OFFER_LABELS, o.get("status"))),
                    ("Verstuurd", when(o.get("verstuurd_op"))),
                    ("Bekeken", when(o.get("bekeken_op"))),
                    ("Geclaimd", when(o.get("geclaimd_op"))),
                    ("Afgeslagen", when(o.get("afgeslagen_op"))),
                    ("Waarom u deze SMS kreeg", _text(o.get("waarom_gekozen"))),
                ],
            )
            for o in entry.get("aanbiedingen", [])
        ],
        empty="U heeft via deze praktijk nog geen plek aangeboden gekregen.",
    )
    berichten = Section(
        "Berichten",
        items=[
            Item(
                f"{when(m.get('tijd'))} · "
                + ("van de praktijk" if m.get("richting") == "uitgaand" else "van u"),
                [
                    ("Tekst", _text(m.get("tekst"))),
                    ("Status", labels.label(labels.MESSAGE_LABELS, m.get("status"))),
                ],
            )
            for m in entry.get("berichten", [])
        ],
        empty="Er zijn geen SMS'jes tussen u en deze praktijk bewaard.",
    )
    return [gegevens, wachtlijst, aanbiedingen, berichten]


def patient_view(data: dict[str, Any]) -> list[PracticeData]:
    return [
        PracticeData(_text(entry.get("praktijk")), _patient(entry))
        for entry in data.get("praktijken", [])
    ]


def staff_view(data: dict[str, Any]) -> list[PracticeData]:
    account = data.get("account", {})
    return [
        PracticeData(
            _text(data.get("praktijk")),
            [
                Section(
                    "Account",
                    [
                        ("Naam", _text(account.get("naam"))),
                        ("E-mailadres", _text(account.get("e-mail"))),
                        ("Rol", labels.label(labels.ROLE_LABELS, account.get("rol"))),
                        ("Status", labels.label(labels.USER_LABELS, account.get("status"))),
                        ("Aangemaakt op", when(account.get("aangemaakt_op"))),
                        ("Laatst ingelogd op", when(account.get("laatst_ingelogd_op"))),
                    ],
                )
            ],
        )
    ]
