"""Quiet hours and Amsterdam dates on the Plekken page, at whatever instant the run starts.

The practice's quiet hours are set around the app's current time, so "it is night" holds on a
Tuesday morning as well as on a Saturday night (`TEST_NOW`)."""

from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import Page, expect
from sqlmodel import Session, select

from pakjeplekje import clock
from pakjeplekje.db import make_engine
from pakjeplekje.models import Patient, User
from tests import timeplan
from tests.browser.flows import App, next_weekday, seed_patients, signed_up_owner, toasts


def _minute_of_day(moment_utc) -> int:  # type: ignore[no-untyped-def]
    wall = timeplan.local(moment_utc)
    return wall.hour * 60 + wall.minute


def _fill_slot_form(page: Page) -> None:
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Plekken").click()
    page.get_by_label("Datum").fill(next_weekday().isoformat())
    page.get_by_label("Begintijd").fill("10:30")
    page.get_by_label("Duur (minuten)").fill("30")
    page.locator("#treatment").select_option(label="controle")
    page.get_by_role("button", name="Bekijk wie er past").click()


def test_a_slot_opened_in_quiet_hours_texts_nobody_before_they_end(page: Page, app: App) -> None:
    owner = signed_up_owner(page, app, "Tandartspraktijk De Nachtrust")
    now = clock.now()
    start, end = _minute_of_day(now - timedelta(hours=1)), _minute_of_day(now + timedelta(hours=2))
    seed_patients(app, owner, 3, quiet_hours=(start, end))
    until = f"{end // 60:02d}:{end % 60:02d}"

    _fill_slot_form(page)
    expect(page.locator("#aantal-kandidaten")).to_have_text("3 patiënten passen")
    plan = f"5 om {until} (na de stille uren), daarna elke 10 minuten 5 meer"
    expect(page.get_by_text(plan)).to_be_visible()
    page.get_by_role("button", name="Verstuur de SMS'jes").click()
    notice = f"Plek vrijgegeven. Het zijn stille uren: de SMS'jes gaan om {until} uit."
    expect(toasts(page).filter(has_text=notice)).to_be_visible()
    slot = page.locator("[data-slot]").first
    expect(slot).to_contain_text("Open")
    page.wait_for_timeout(2_000)  # time for a send job, if one had been queued
    expect(slot.locator("[data-offer]")).to_have_count(0)
    outbox = app.data_dir / "outbox" / "sms.jsonl"
    texts = outbox.read_text().splitlines() if outbox.exists() else []
    assert not [line for line in texts if "Nachtrust" in line]


def test_the_preview_shows_the_amsterdam_date_a_patient_joined(page: Page, app: App) -> None:
    """Added at 00:30 in Amsterdam, which is 23:30 the day before in UTC."""
    owner = signed_up_owner(page, app, "Tandartspraktijk De Datumgrens")
    seed_patients(app, owner, 1)
    joined = timeplan.local_day(clock.now()) - timedelta(days=3)
    engine = make_engine(f"sqlite:///{app.data_dir / 'pakjeplekje.db'}")
    with Session(engine) as db:
        practice_id = db.exec(select(User.practice_id).where(User.email == owner)).one()
        patient = db.exec(select(Patient).where(Patient.practice_id == practice_id)).one()
        patient.added_at = timeplan.at_local(joined, 0, 30)
        db.add(patient)
        db.commit()
    engine.dispose()

    _fill_slot_form(page)
    expect(page.locator("#aantal-kandidaten")).to_have_text("1 patiënt past")
    expect(page.get_by_text(f"wacht sinds {joined:%d-%m-%Y}")).to_be_visible()
