"""Resultaten (domain/results.py): per ISO week and calendar month in the practice's time zone,
slots released, filled via the waitlist, fill rate, median time to fill, SMS per fill,
disappointed clickers, "Nee" and € recovered — of one practice only.

Slots, offers, texts, clicks and claims are made through the real domain functions
(`add_offers`, `dispatch.record_sent`/`record_failed`, `claims.view`, `claims.claim`,
`claims.claim_offer`, `declines.decline_link`) at fixed instants passed as `now`: the figures
never depend on the day the suite runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import Session

from pakjeplekje import texts
from pakjeplekje.domain import results
from pakjeplekje.domain.core_loop import claims, declines, dispatch
from pakjeplekje.domain.offers import add_offers
from pakjeplekje.models import Offer, Patient, Slot
from tests import timeplan
from tests.conftest import Factory
from tests.test_waves import Clinic, make_clinic


def ams(day: date, hour: int, minute: int = 0) -> datetime:
    return timeplan.at_local(day, hour, minute)


@dataclass
class Released:
    """A slot offered to some patients: the offers and their raw claim tokens."""

    clinic: Clinic
    slot: Slot
    offers: list[tuple[Offer, str]]

    def text(self, index: int, at: datetime, *, failed_first: bool = False) -> None:
        """The offer SMS goes out (after one failed try, when asked)."""
        offer, _ = self.offers[index]
        patient = self.clinic.db.get(Patient, offer.patient_id)
        assert patient is not None and offer.id is not None
        sms = dispatch.OutgoingSms(offer.id, offer.practice_id, patient.id, patient.phone, "x")  # type: ignore[arg-type]
        if failed_first:
            dispatch.record_failed(self.clinic.db, sms, 20429, True, at - timedelta(seconds=30))
        dispatch.record_sent(self.clinic.db, sms, f"SM{offer.id}", "sent", at)

    def click(self, index: int, at: datetime) -> None:
        assert claims.view(self.clinic.db, self.offers[index][1], at) is not None

    def claim(self, index: int, at: datetime, channel: str = "page") -> None:
        db = self.clinic.db
        if channel == "sms":
            result = claims.claim_offer(db, self.offers[index][0].id, channel="sms", now=at)  # type: ignore[arg-type]
        else:
            raw = self.offers[index][1]
            result = claims.claim(db, raw, channel=channel, client="t", secret="s", now=at)
        assert result.result == "claimed"
        if result.offer_id is not None:  # the winner's confirmation: not a second offer text
            offer = db.get(Offer, result.offer_id)
            patient = db.get(Patient, offer.patient_id)  # type: ignore[union-attr]
            sms = dispatch.OutgoingSms(offer.id, offer.practice_id, patient.id, patient.phone, "ok")  # type: ignore[arg-type, union-attr]
            dispatch.record_message(db, sms, f"SMc{offer.id}", "sent", None, at)  # type: ignore[union-attr]


def release(
    clinic: Clinic, at: datetime, patients: int = 0, *, minutes: int = 30, first: int = 0
) -> Released:
    slot = clinic.slot(at + timedelta(days=3), at)
    slot.duration_minutes = minutes
    clinic.db.add(slot)
    ids = clinic.patient_ids[first : first + patients]
    return Released(clinic, slot, add_offers(clinic.db, slot, ids, wave=1, now=at))


@pytest.fixture
def clinic(db: Session, factory: Factory) -> Clinic:
    return make_clinic(db, factory, datetime(2026, 9, 1, 8, tzinfo=UTC), size=8)


MONDAY = date(2026, 10, 5)  # a week in summer time (CEST)


def _week(clinic: Clinic, now: datetime) -> results.Period:
    periods = results.overview(clinic.db, clinic.practice.id, results.WEEK, now)  # type: ignore[arg-type]
    return periods[0]


def test_one_week_counted_by_the_definitions(db: Session, factory: Factory, clinic: Clinic) -> None:
    # Monday: offered to three; two open the link, the first claims on the page 20 min later
    first = release(clinic, ams(MONDAY, 10), 3)
    for i in range(3):
        first.text(i, ams(MONDAY, 10), failed_first=i == 0)
    first.click(0, ams(MONDAY, 10, 5))
    first.click(1, ams(MONDAY, 10, 8))  # opened the link, saw the slot go: disappointed
    first.claim(0, ams(MONDAY, 10, 20))
    # Wednesday: a 60-minute slot claimed by SMS after 40 minutes; one said "Nee"
    second = release(clinic, ams(MONDAY + timedelta(days=2), 9), 3, minutes=60, first=3)
    for i in range(3):
        second.text(i, ams(MONDAY + timedelta(days=2), 9))
    nee = declines.decline_link(db, second.offers[2][1], ams(MONDAY + timedelta(days=2), 9, 10))
    assert nee is not None  # "Nee, dank u" on the claim page
    second.claim(0, ams(MONDAY + timedelta(days=2), 9, 40), channel="sms")
    # Friday: texted to one, never filled; and a slot staff filled themselves (closed)
    third = release(clinic, ams(MONDAY + timedelta(days=4), 11), 1, first=6)
    third.text(0, ams(MONDAY + timedelta(days=4), 11))
    by_staff = release(clinic, ams(MONDAY + timedelta(days=4), 12))
    by_staff.slot.status, by_staff.slot.closed_reason = "closed", "zelf gevuld"
    db.add(by_staff.slot)
    # another practice, same week: never in these figures
    other = make_clinic(db, factory, datetime(2026, 9, 1, 8, tzinfo=UTC), size=2)
    theirs = release(other, ams(MONDAY, 10), 2)
    theirs.text(0, ams(MONDAY, 10))
    theirs.claim(0, ams(MONDAY, 10, 1))
    db.flush()

    week = _week(clinic, ams(MONDAY + timedelta(days=6), 20))

    assert (week.start, week.end) == (MONDAY, MONDAY + timedelta(days=7))
    assert week.label == "week 41 · 5–11 okt 2026"
    assert (week.released, week.filled) == (4, 2)
    assert results.fill_rate_text(week) == "50 %"
    assert week.median_seconds == pytest.approx(30 * 60, abs=1)  # median of 20 and 40 min
    assert results.median_text(week) == "30 min"
    assert week.offers_texted == 7  # the failed try and the confirmations do not count
    assert results.sms_per_fill_text(week) == "3,5"
    assert (week.disappointed, week.declined) == (1, 1)
    assert week.minutes_filled == 90
    assert week.recovered_cents == 90 * 367 and texts.euros(week.recovered_cents) == "€ 330,30"

    theirs_week = _week(other, ams(MONDAY + timedelta(days=6), 20))
    assert (theirs_week.released, theirs_week.filled, theirs_week.offers_texted) == (1, 1, 1)


def test_the_value_of_a_minute_is_the_practices_own(db: Session, clinic: Clinic) -> None:
    filled = release(clinic, ams(MONDAY, 10), 1, minutes=45)
    filled.text(0, ams(MONDAY, 10))
    filled.claim(0, ams(MONDAY, 10, 3))
    clinic.practice.minute_value_cents = 250
    db.add(clinic.practice)
    db.flush()
    week = _week(clinic, ams(MONDAY, 18))
    assert week.recovered_cents == 45 * 250
    assert results.month(db, clinic.practice.id, date(2026, 10, 1)).recovered_cents == 45 * 250  # type: ignore[arg-type]


def test_median_of_an_odd_number_of_fills(db: Session, clinic: Clinic) -> None:
    for i, minutes in enumerate((50, 5, 10)):
        slot = release(clinic, ams(MONDAY, 9 + i), 1, first=i)
        slot.text(0, ams(MONDAY, 9 + i))
        slot.claim(0, ams(MONDAY, 9 + i) + timedelta(minutes=minutes))
    db.flush()
    assert _week(clinic, ams(MONDAY, 18)).median_seconds == pytest.approx(10 * 60, abs=1)


@pytest.mark.parametrize(
    ("released", "week_start"),
    [
        # Sunday 23:30 in Amsterdam is still that ISO week, though 21:30 UTC …
        (ams(date(2026, 10, 11), 23, 30), date(2026, 10, 5)),
        # … and Monday 00:30 there is the next one, though still Sunday in UTC
        (ams(date(2026, 10, 12), 0, 30), date(2026, 10, 12)),
        # the week in which summer time ends (Sunday 25 October): its last hour, local time
        (ams(date(2026, 10, 25), 23, 30), date(2026, 10, 19)),
        (ams(date(2026, 10, 26), 0, 15), date(2026, 10, 26)),
        # the week in which summer time starts (Sunday 29 March)
        (ams(date(2026, 3, 29), 23, 45), date(2026, 3, 23)),
    ],
)
def test_weeks_are_cut_at_local_midnight_across_dst(
    db: Session, clinic: Clinic, released: datetime, week_start: date
) -> None:
    release(clinic, released)
    db.flush()
    periods = results.figures(
        db,
        clinic.practice.id,  # type: ignore[arg-type]
        results.bounds(results.WEEK, week_start + timedelta(days=7), count=3),
    )
    counts = {p.start: p.released for p in periods}
    assert counts == {
        week_start - timedelta(days=7): 0,
        week_start: 1,
        week_start + timedelta(days=7): 0,
    }


@pytest.mark.parametrize(
    ("released", "month_start"),
    [
        (ams(date(2026, 10, 31), 23, 30), date(2026, 10, 1)),  # 22:30 UTC, winter time
        (ams(date(2026, 11, 1), 0, 30), date(2026, 11, 1)),  # 31 October 23:30 UTC
        (ams(date(2026, 6, 30), 23, 59), date(2026, 6, 1)),  # 21:59 UTC, summer time
        (ams(date(2026, 1, 1), 0, 5), date(2026, 1, 1)),  # 31 December 23:05 UTC
    ],
)
def test_months_are_cut_at_local_midnight(
    db: Session, clinic: Clinic, released: datetime, month_start: date
) -> None:
    release(clinic, released)
    db.flush()
    assert results.month(db, clinic.practice.id, month_start).released == 1  # type: ignore[arg-type]
    before = (month_start - timedelta(days=1)).replace(day=1)
    assert results.month(db, clinic.practice.id, before).released == 0  # type: ignore[arg-type]


def test_twelve_periods_newest_first(db: Session, clinic: Clinic) -> None:
    now = ams(date(2026, 11, 10), 12)
    weeks = results.overview(db, clinic.practice.id, results.WEEK, now)  # type: ignore[arg-type]
    assert len(weeks) == 12
    assert weeks[0].start == date(2026, 11, 9) and weeks[-1].start == date(2026, 8, 24)
    months = results.overview(db, clinic.practice.id, results.MONTH, now)  # type: ignore[arg-type]
    assert [m.label for m in months[:3]] == ["november 2026", "oktober 2026", "september 2026"]
    assert months[-1].label == "december 2025" and months[-1].end == date(2026, 1, 1)
    assert results.bounds(results.WEEK, date(2027, 1, 1), 1) == [
        (date(2026, 12, 28), date(2027, 1, 4))
    ]
    assert results.label(date(2026, 12, 28), date(2027, 1, 4)) == (
        "week 53 · 28 dec 2026 – 3 jan 2027"
    )
    assert results.label(date(2026, 11, 30), date(2026, 12, 7)) == "week 49 · 30 nov – 6 dec 2026"


def test_a_practice_without_slots(db: Session, clinic: Clinic) -> None:
    assert not results.has_slots(db, clinic.practice.id)  # type: ignore[arg-type]
    week = _week(clinic, ams(MONDAY, 12))
    assert (week.released, week.filled, week.offers_texted, week.recovered_cents) == (0, 0, 0, 0)
    assert week.fill_rate is None and week.sms_per_fill is None and week.median_seconds is None
    assert [results.fill_rate_text(week), results.median_text(week)] == ["—", "—"]
    assert results.sms_per_fill_text(week) == "—"
    release(clinic, ams(MONDAY, 10))
    db.flush()
    assert results.has_slots(db, clinic.practice.id)  # type: ignore[arg-type]


def test_csv_is_for_dutch_excel_and_never_a_formula() -> None:
    period = results.Period(
        start=MONDAY,
        end=MONDAY + timedelta(days=7),
        label='=HYPERLINK("http://x")',
        released=3,
        filled=2,
        median_seconds=90,
        offers_texted=5,
        recovered_cents=-1234,
    )
    body = results.export_csv([period])
    assert body.startswith("\ufeff")
    header, row, _ = body[1:].split("\r\n")
    assert header.split(";")[:4] == ["Periode", "Begin", "Einde", "Vrijgegeven"]
    cells = row.split(";")
    assert cells[0].startswith("\"'=HYPERLINK") or cells[0].startswith("'=HYPERLINK")
    assert cells[1:8] == ["2026-10-05", "2026-10-11", "3", "2", "66,7", "1,5", "2,50"]
    assert cells[-1] == "'-12,34"  # a leading minus is defused too


def test_dutch_numbers() -> None:
    assert texts.euros(123456) == "€ 1.234,56" and texts.euros(5) == "€ 0,05"
    assert texts.percent(2 / 3) == "67 %" and texts.decimal(3.25, 2) == "3,25"


def test_the_monthly_summary_mail_carries_the_months_figures(
    db: Session, factory: Factory, clinic: Clinic
) -> None:
    """The mail of October reads the same figures as /resultaten's October row."""
    from pakjeplekje.domain.privacy import objections

    factory.user(db, clinic.practice, "eigenaar@golf.nl", role="owner")
    filled = release(clinic, ams(date(2026, 10, 31), 23, 30), 2, minutes=60)
    filled.text(0, ams(date(2026, 10, 31), 23, 30))
    filled.text(1, ams(date(2026, 10, 31), 23, 30))
    filled.click(1, ams(date(2026, 10, 31), 23, 35))
    filled.claim(0, ams(date(2026, 11, 1), 0, 2), channel="sms")  # filled in November: still
    release(clinic, ams(date(2026, 10, 2), 10))  # October's (released then)
    release(clinic, ams(date(2026, 11, 1), 0, 30))  # November: not in October's mail
    db.flush()
    october = results.overview(db, clinic.practice.id, results.MONTH, ams(date(2026, 11, 2), 4))[1]  # type: ignore[arg-type]
    assert october.label == "oktober 2026" and (october.released, october.filled) == (2, 1)

    [mail] = objections.monthly_summary(db, clinic.practice.id, ams(date(2026, 11, 2), 4, 17))  # type: ignore[arg-type]

    for line in results.summary_lines(october):
        assert line in mail.body
    assert "- Vulgraad: 50 %" in mail.body and "- SMS per gevulde plek: 2,0" in mail.body
    assert "- Mediane tijd tot gevuld: 32 min" in mail.body
    assert "- Teleurgestelde klikkers: 1" in mail.body
    assert "- Teruggewonnen: € 220,20" in mail.body
