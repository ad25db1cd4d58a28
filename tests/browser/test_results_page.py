"""/resultaten in the browser: staff open it from the main menu, switch Week/Maand, read the
figures of what happened, download the CSV, and see € recovered follow the value of a
treatment minute they set in Instellingen."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from playwright.sync_api import Page, expect

from pakjeplekje import clock
from tests import timeplan
from tests.browser.flows import App, seed_patients, signed_up_owner, toasts


def seed_week(app: App, owner_email: str, at: datetime) -> None:
    """Two slots released at `at`: a 30-minute one texted to two patients and claimed on the
    page by the first 10 minutes later; a 60-minute one texted to one, still open. Straight
    into the app's database through the domain's own functions (set-up, not the subject)."""
    from sqlmodel import Session, select

    from pakjeplekje.db import make_engine
    from pakjeplekje.domain.core_loop import claims, dispatch
    from pakjeplekje.domain.offers import add_offers
    from pakjeplekje.models import Patient, Slot, User

    engine = make_engine(f"sqlite:///{app.data_dir / 'pakjeplekje.db'}")
    with Session(engine) as db:
        practice_id = db.exec(select(User.practice_id).where(User.email == owner_email)).one()
        people = db.exec(
            select(Patient).where(Patient.practice_id == practice_id).order_by(Patient.id)  # type: ignore[arg-type]
        ).all()
        tokens = []
        for minutes, offered in ((30, people[:2]), (60, people[2:3])):
            slot = Slot(
                practice_id=practice_id,
                starts_at=at + timedelta(days=3),
                duration_minutes=minutes,
                created_at=at,
            )
            db.add(slot)
            db.flush()
            issued = add_offers(db, slot, [p.id for p in offered], wave=1, now=at)
            for (offer, raw), patient in zip(issued, offered, strict=True):
                sms = dispatch.OutgoingSms(offer.id, practice_id, patient.id, patient.phone, "x")  # type: ignore[arg-type]
                dispatch.record_sent(db, sms, f"SM-{offer.id}", "sent", at)
                tokens.append(raw)
        result = claims.claim(
            db, tokens[0], channel="page", client="t", secret="s", now=at + timedelta(minutes=10)
        )
        assert result.result == "claimed"
        db.commit()
    engine.dispose()


def figure(page: Page, period: date, name: str):  # type: ignore[no-untyped-def]
    return page.locator(f"tr[data-period='{period.isoformat()}'] td[data-figure='{name}']")


def test_staff_read_their_results_per_week_and_month(page: Page, app: App, tmp_path) -> None:  # type: ignore[no-untyped-def]
    owner = signed_up_owner(page, app, "Tandartspraktijk Resultaat")
    page.get_by_role("navigation", name="Hoofdmenu").first.get_by_role(
        "link", name="Resultaten"
    ).click()
    page.wait_for_url(re.compile(r"/resultaten$"))
    expect(page.locator("#resultaten-leeg")).to_contain_text("nog geen plek vrijgegeven")

    seed_patients(app, owner, 3)
    at = clock.now() - timedelta(minutes=30)
    seed_week(app, owner, at)
    local = timeplan.local_day(at)
    monday = local - timedelta(days=local.weekday())
    first_of_month = local.replace(day=1)

    page.reload()
    expect(page.locator("#resultaten-tabel")).to_be_visible()
    expect(page.locator("#per-week")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#resultaten-tabel tbody tr")).to_have_count(12)
    expect(figure(page, monday, "released")).to_have_text("2")
    expect(figure(page, monday, "filled")).to_have_text("1")
    expect(figure(page, monday, "fill_rate")).to_have_text("50 %")
    expect(figure(page, monday, "median")).to_have_text("10 min")
    expect(figure(page, monday, "sms_per_fill")).to_have_text("3,0")
    expect(figure(page, monday, "disappointed")).to_have_text("0")
    expect(figure(page, monday, "recovered")).to_have_text("€ 110,10")
    expect(figure(page, monday, "label")).to_contain_text(f"week {monday.isocalendar().week}")
    for chart in ("#grafiek-vulgraad", "#grafiek-euro"):  # one bar drawn: this week's
        expect(page.locator(f"{chart} .recharts-bar-rectangle path")).to_have_count(1)

    page.locator("#per-maand").click()
    expect(page.locator("#per-maand")).to_have_attribute("aria-pressed", "true")
    expect(figure(page, first_of_month, "released")).to_have_text("2")
    expect(figure(page, first_of_month, "recovered")).to_have_text("€ 110,10")

    with page.expect_download() as download_info:
        page.locator("#resultaten-csv").click()
    download = download_info.value
    assert download.suggested_filename.startswith("resultaten-per-maand-")
    download.save_as(tmp_path / "resultaten.csv")
    lines = (tmp_path / "resultaten.csv").read_text(encoding="utf-8-sig").splitlines()
    assert lines[0].startswith("Periode;Begin;Einde;Vrijgegeven;Gevuld via wachtlijst")
    newest = lines[1].split(";")
    assert (newest[1], newest[3], newest[4]) == (first_of_month.isoformat(), "2", "1")
    assert lines[1].endswith(";110,10")

    # the owner values a treatment minute at € 4,00: € recovered follows; nonsense saves nothing
    page.goto(app.url("/instellingen"))
    field = page.get_by_label("Waarde per behandelminuut (€)")
    expect(field).to_have_value("3,67")
    field.fill("veel")
    page.get_by_role("button", name="Waarde opslaan").click()
    expect(page.get_by_text("vul een bedrag in van 0,01 tot 50,00 euro")).to_be_visible()
    field.fill("4,00")
    page.get_by_role("button", name="Waarde opslaan").click()
    expect(toasts(page).filter(has_text="Waarde per behandelminuut opgeslagen.")).to_be_visible()

    page.goto(app.url("/resultaten"))  # the page keeps the choice made before: per maand
    expect(page.locator("#per-maand")).to_have_attribute("aria-pressed", "true")
    expect(figure(page, first_of_month, "recovered")).to_have_text("€ 120,00")
    page.locator("#per-week").click()
    expect(page.locator("#per-week")).to_have_attribute("aria-pressed", "true")
    expect(figure(page, monday, "recovered")).to_have_text("€ 120,00")
