"""A receptionist's first day (issue 12), as she lives it: a new account, the first-steps
checklist on the dashboard, a first patient, the settings, a first slot; then how fast a fill
reads, the slot page after the texts went out, and the import dialog."""

from __future__ import annotations

import itertools
import re
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.browser.flows import App, next_weekday, open_slot, seed_patients, signed_up_owner, toasts


def _button_of(page: Page, locator_css: str):  # type: ignore[no-untyped-def]
    return page.locator(locator_css).get_by_role("button")


def test_the_first_steps_lead_from_sign_up_to_a_first_slot(page: Page, app: App) -> None:
    signed_up_owner(page, app, "Tandartspraktijk Eerste Dag")
    steps = page.locator("#eerste-stappen")
    expect(steps.get_by_role("heading", name="Eerste stappen")).to_be_visible()
    expect(steps).to_contain_text("0 van 3 gedaan")
    expect(steps.locator("[data-step]")).to_have_count(3)
    expect(steps.locator("[data-done=nee]")).to_have_count(3)
    expect(steps).to_contain_text("Patiënten toevoegen of importeren")
    expect(steps).to_contain_text("Behandelingen en SMS-afzendernaam controleren")
    expect(steps).to_contain_text("Een eerste plek vrijgeven")
    # the test app runs in dev with console SMS: the checklist says where the texts show up
    expect(page.locator("#dev-sms-hint")).to_contain_text("/dev/sms")
    expect(page.locator("#dev-sms-hint").get_by_role("link")).to_have_attribute("href", "/dev/sms")
    # an empty waitlist: the checklist leads, "Plek vrijgeven" stays in the background
    expect(_button_of(page, "[data-step=patients]")).to_have_class(re.compile("rt-variant-solid"))
    expect(_button_of(page, "#plek-vrijgeven")).to_have_class(re.compile("rt-variant-outline"))

    # (a) a first patient, typed in by hand
    steps.get_by_role("link", name="Patiënten toevoegen").click()
    page.wait_for_url(re.compile(r"/wachtlijst"))
    page.get_by_role("button", name="Patiënt toevoegen").first.click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Naam", exact=True).fill("Anna Jansen")
    dialog.get_by_label("Mobiel nummer").fill("06-24681357")
    dialog.get_by_text("controle", exact=True).click()
    for morning in dialog.get_by_label(re.compile(r"ochtend$")).all():
        morning.check()
    dialog.locator("#consent").select_option("balie")
    dialog.get_by_role("button", name="Opslaan").click()
    expect(page.get_by_role("dialog")).to_have_count(0)
    expect(page.locator("#wachtlijst-teller")).to_have_text("1 patiënt wacht")

    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Dashboard").click()
    expect(steps).to_contain_text("1 van 3 gedaan")
    expect(steps.locator("[data-step=patients]")).to_have_attribute("data-done", "ja")
    expect(_button_of(page, "#plek-vrijgeven")).to_have_class(re.compile("rt-variant-solid"))
    expect(_button_of(page, "[data-step=settings]")).to_have_class(re.compile("rt-variant-solid"))

    # (b) the owner looks at the treatments and saves the SMS rules with the sender name
    steps.get_by_role("link", name="Controleren").click()
    page.wait_for_url(re.compile(r"/instellingen"))
    expect(page.locator("tr[data-treatment='controle']")).to_be_visible()
    page.get_by_label("Afzendernaam SMS").fill("EersteDag")
    page.get_by_label("Geen SMS vanaf").fill("00:00")  # the run may start at night (TEST_NOW)
    page.get_by_label("Geen SMS tot").fill("00:00")
    page.get_by_role("button", name="SMS-regels opslaan").click()
    expect(page.get_by_text("SMS-regels opgeslagen.")).to_be_visible()
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Dashboard").click()
    expect(steps).to_contain_text("2 van 3 gedaan")
    expect(steps.locator("[data-step=settings]")).to_have_attribute("data-done", "ja")

    # (c) the first slot, from the checklist
    steps.get_by_role("link", name="Plek vrijgeven").click()
    page.wait_for_url(re.compile(r"/plekken"))
    open_slot(page, "10:30")
    expect(toasts(page).filter(has_text="Plek vrijgegeven: 1 SMS gaat nu uit.")).to_be_visible()

    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Dashboard").click()
    expect(page.locator("#open-plekken")).to_contain_text("1 verstuurd")  # the page loaded
    expect(page.locator("#eerste-stappen")).to_have_count(0)  # all done: the checklist is gone
    expect(_button_of(page, "#plek-vrijgeven")).to_have_class(re.compile("rt-variant-solid"))


def _claim_first_text(app: App, page: Page) -> None:
    sms_page = page.context.new_page()
    sms_page.goto(app.url("/dev/sms"))
    link = sms_page.locator("a[href*='/c/']").first.get_attribute("href")
    sms_page.close()
    assert link
    response = httpx.post(app.url(f"/api/claim/{link.rsplit('/c/', 1)[1]}"))
    assert response.json() == {"result": "claimed"}


def _filled_after(app: App, owner_email: str, seconds: int) -> None:
    """Set-up, not the subject: the app's clock runs in real time, so the test moves the
    slot's release back to `seconds` before its claim instead of waiting that long."""
    from sqlmodel import Session, select

    from pakjeplekje.db import make_engine
    from pakjeplekje.models import Slot, User

    engine = make_engine(f"sqlite:///{app.data_dir / 'pakjeplekje.db'}")
    with Session(engine) as db:
        practice_id = db.exec(select(User.practice_id).where(User.email == owner_email)).one()
        slot = db.exec(select(Slot).where(Slot.practice_id == practice_id)).one()
        assert slot.claimed_at is not None
        slot.created_at = slot.claimed_at - timedelta(seconds=seconds)
        db.add(slot)
        db.commit()
    engine.dispose()


@pytest.mark.parametrize(("seconds", "shown"), [(90, "2 min"), (40, "binnen een minuut")])
def test_one_fill_reads_the_same_on_the_slot_and_as_the_median(
    page: Page, app: App, seconds: int, shown: str
) -> None:
    owner = signed_up_owner(page, app, f"Tandartspraktijk Snel {seconds}")
    seed_patients(app, owner, 2)
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Plekken").click()
    open_slot(page, "09:30")
    slot = page.locator("[data-slot]").first
    expect(slot.get_by_text("verstuurd")).to_have_count(2)
    _claim_first_text(app, page)
    expect(slot.locator(".gevuld")).to_contain_text("Gevuld door")
    _filled_after(app, owner, seconds)

    page.reload()
    expect(page.locator("[data-slot]").first.locator(".gevuld")).to_contain_text(
        f", {shown} na het vrijgeven"
    )
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Dashboard").click()
    expect(page.locator("#tijd-tot-gevuld")).to_have_text(shown)
    expect(page.locator("#recent-gevuld")).to_contain_text(shown)
    expect(page.locator("#recent-gevuld")).not_to_contain_text(re.compile(r"(^|\D)0 min"))


def test_the_slot_form_empties_after_the_texts_went_out(page: Page, app: App) -> None:
    owner = signed_up_owner(page, app, "Tandartspraktijk Leeg Formulier")
    seed_patients(app, owner, 3)
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Plekken").click()
    expect(page.get_by_text("Nog geen plekken vrijgegeven.")).to_be_visible()

    # refused: what was typed stays
    page.get_by_label("Datum").fill(next_weekday().isoformat())
    page.get_by_label("Begintijd").fill("06:00")
    page.locator("#treatment").select_option(label="controle")
    page.get_by_role("button", name="Bekijk wie er past").click()
    expect(page.get_by_role("alert")).to_contain_text("tussen 07:00 en 22:00")
    expect(page.get_by_label("Datum")).to_have_value(next_weekday().isoformat())
    expect(page.get_by_label("Begintijd")).to_have_value("06:00")

    page.get_by_label("Begintijd").fill("10:00")
    page.get_by_role("button", name="Bekijk wie er past").click()
    expect(page.locator("#aantal-kandidaten")).to_have_text("3 patiënten passen")
    expect(page.get_by_text("0 aanbiedingen deze week")).to_have_count(3)
    page.get_by_role("button", name="Verstuur de SMS'jes").click()
    expect(toasts(page).filter(has_text="3 SMS'jes gaan nu uit")).to_be_visible()

    # sent: an empty form for the next slot
    expect(page.get_by_label("Datum")).to_have_value("")
    expect(page.get_by_label("Begintijd")).to_have_value("")
    expect(page.get_by_label("Duur (minuten)")).to_have_value("30")
    expect(page.locator("#treatment")).to_have_value("")

    # each offer its own line: a name, then its status, never "verstuurdSeed Patiënt 001"
    slot = page.locator("[data-slot]").first
    offers = slot.get_by_role("list", name="SMS'jes").get_by_role("listitem")
    expect(offers).to_have_count(3)
    expect(offers.first).to_contain_text("Seed Patiënt 000")
    expect(offers.first).to_contain_text("verstuurd")
    first, second = offers.nth(0).bounding_box(), offers.nth(1).bounding_box()
    assert first and second
    assert second["x"] >= first["x"] + first["width"] or second["y"] >= first["y"] + first["height"]
    # "name: status", then why the wave chose them
    expect(offers.first).to_have_text(re.compile(r"^Seed Patiënt 000: verstuurdWaarom: vaste golf"))
    assert "verstuurdSeed" not in slot.inner_text()  # what a person reads and copies


CSV = (
    "naam;telefoon;behandelingen;duur;beschikbaarheid;urgentie;toestemming\n"
    + "".join(
        f"Patiënt {i:02d};06-{30000000 + i};controle;15;ma-ochtend;normaal;balie\n"
        for i in range(7)
    )
    + "Vaste Lijn;020-1234567;controle;30;ma-ochtend;normaal;balie\n"
)


def test_the_import_preview_shows_what_will_be_added_and_closes(
    page: Page, app: App, tmp_path: Path
) -> None:
    signed_up_owner(page, app, "Tandartspraktijk Import Voorbeeld")
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Wachtlijst").click()
    expect(page.locator("#wachtlijst-teller")).to_have_text("0 patiënten wachten")

    # the dialog closes without a file: "Sluiten", the X (first in the dialog), and Escape
    page.get_by_role("button", name="Importeren").click()
    expect(page.get_by_role("dialog")).to_be_visible()
    closers = page.get_by_role("dialog").get_by_role("button", name="Sluiten")
    expect(closers).to_have_count(2)
    closers.last.click()
    expect(page.get_by_role("dialog")).to_have_count(0)
    page.get_by_role("button", name="Importeren").click()
    closers.first.click()
    expect(page.get_by_role("dialog")).to_have_count(0)
    page.get_by_role("button", name="Importeren").click()
    expect(page.get_by_role("dialog")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_have_count(0)

    page.get_by_role("button", name="Importeren").click()
    upload = tmp_path / "wachtlijst.csv"
    upload.write_bytes(CSV.encode("utf-8"))
    page.locator("#wachtlijst-csv input[type=file]").set_input_files(str(upload))
    expect(page.locator("#import-samenvatting")).to_contain_text(
        "7 rijen klaar om te importeren, 1 met fouten, 0 dubbel."
    )
    rows = page.locator("#import-voorbeeld tbody tr")
    expect(rows).to_have_count(5)  # the first five of seven
    expect(rows.first).to_contain_text("Patiënt 00")
    expect(rows.first).to_contain_text("06-30000000")
    expect(rows.first).to_contain_text("controle")
    expect(page.get_by_text("… en nog 2 rijen.")).to_be_visible()
    expect(page.locator("#import-problemen tbody tr")).to_have_count(1)

    # closing with the X forgets the file: nothing imported
    page.get_by_role("dialog").get_by_role("button", name="Sluiten").click()
    expect(page.get_by_role("dialog")).to_have_count(0)
    expect(page.locator("#wachtlijst-teller")).to_have_text("0 patiënten wachten")

    page.get_by_role("button", name="Importeren").click()
    page.locator("#wachtlijst-csv input[type=file]").set_input_files(str(upload))
    page.get_by_role("button", name="Importeer 7 patiënten").click()
    expect(page.get_by_text("7 patiënten geïmporteerd.")).to_be_visible()
    expect(page.locator("#wachtlijst-teller")).to_have_text("7 patiënten wachten")


def test_the_treatment_checkboxes_have_room_between_them(page: Page, app: App) -> None:
    signed_up_owner(page, app, "Tandartspraktijk Ruimte")
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Wachtlijst").click()
    page.get_by_role("button", name="Patiënt toevoegen").first.click()
    choices = page.get_by_role("dialog").locator("#behandelingen-keuze [data-treatment]")
    expect(choices).to_have_count(7)
    # layout boxes (offset*), not bounding boxes: the dialog zooms in, and a transform in
    # flight shrinks every gap on screen
    layout = (
        "e => ({x: e.offsetLeft, y: e.offsetTop, width: e.offsetWidth, height: e.offsetHeight})"
    )
    boxes = [choices.nth(i).evaluate(layout) for i in range(7)]
    for left, right in itertools.pairwise(boxes):
        if right["y"] < left["y"] + left["height"]:  # side by side on one line: a visible gap
            assert right["x"] - (left["x"] + left["width"]) >= 8
        else:  # wrapped: the next line starts below, with room between the lines
            assert right["y"] - (left["y"] + left["height"]) >= 8
