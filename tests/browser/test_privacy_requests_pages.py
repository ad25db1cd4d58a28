"""A patient's privacy request as the patient and the practice see it: the inzage as a readable
Dutch page with a JSON download, and the request in the practice's Verzoeken inbox with who
asked and everything they wrote."""

from __future__ import annotations

import json
import re
from pathlib import Path

from playwright.sync_api import Page, expect

from pakjeplekje.domain.phones import display
from tests.browser.flows import (
    App,
    add_patient,
    open_slot,
    privacy_code,
    signed_up_owner,
    unique_mobile,
)


def _ask(phone: Page, app: App, kind: str, number: str) -> None:
    phone.goto(app.url("/privacy/verzoek"))
    phone.get_by_label(kind).check()
    phone.get_by_label("Uw mobiele nummer").fill(display(number))
    phone.get_by_role("button", name="Stuur mij een code").click()
    expect(phone.get_by_role("heading", name="Vul uw code in")).to_be_visible()


def test_patient_reads_their_data_in_dutch_and_downloads_the_json(
    new_page, app: App, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    staff: Page = new_page()
    owner = signed_up_owner(staff, app, "Tandartspraktijk Inzage")
    number = unique_mobile()
    add_patient(app, owner, "Lotte de Vries", number)
    staff.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Plekken").click()
    open_slot(staff, "10:00")
    expect(staff.locator("[data-slot]").first.get_by_text("verstuurd")).to_have_count(1)

    phone: Page = new_page()
    _ask(phone, app, "Inzage", number)
    code = privacy_code(new_page(), app, number)
    phone.get_by_label("Code (6 cijfers)").fill(code)
    phone.get_by_role("button", name="Bevestigen").click()

    expect(phone.get_by_role("heading", name="Inzage", exact=True)).to_be_visible()
    data = phone.locator("#gegevens")
    expect(data.get_by_role("heading", name="Tandartspraktijk Inzage")).to_be_visible()
    for heading in ("Gegevens", "Wachtlijst", "Aanbiedingen", "Berichten"):
        expect(data.get_by_role("heading", name=heading, exact=True)).to_be_visible()
    gegevens = data.locator("section[id^='gegevens-']")
    expect(gegevens).to_contain_text("Lotte de Vries")
    expect(gegevens).to_contain_text(display(number))  # 06-1…
    waitlist_status = data.locator("section[id^='wachtlijst-'] dt:text-is('Status') + dd")
    expect(waitlist_status).to_have_text("wacht")
    offers = data.locator("section[id^='aanbiedingen-']")
    expect(offers).to_contain_text(re.compile(r"Plek op (ma|di|wo|do|vr) \d+ \w{3} 20\d\d 10:00"))
    messages = data.locator("section[id^='berichten-']")
    expect(messages).to_contain_text("[link …")  # the claim link, never in full
    shown = data.inner_text()
    assert "/c/" not in shown and number not in shown
    for english in ("waiting", "queued", "sent", "delivered", "T0", "+00:00"):
        assert english not in shown, english

    with phone.expect_download() as download:
        phone.get_by_role("button", name="Download als JSON").click()
    assert re.fullmatch(
        r"mijn-gegevens-pakjeplekje-\d{8}-\d{4}\.json", download.value.suggested_filename
    )
    saved = tmp_path / "gegevens.json"
    download.value.save_as(saved)
    exported = json.loads(saved.read_text(encoding="utf-8"))
    [practice] = exported["praktijken"]
    assert practice["praktijk"] == "Tandartspraktijk Inzage"
    assert practice["wachtlijst"]["naam"] == "Lotte de Vries"
    assert practice["wachtlijst"]["telefoon"] == number and len(practice["aanbiedingen"]) == 1
    assert "/c/" not in saved.read_text(encoding="utf-8")


def test_the_inbox_says_who_asked_and_shows_the_whole_toelichting(new_page, app: App) -> None:  # type: ignore[no-untyped-def]
    staff: Page = new_page()
    owner = signed_up_owner(staff, app, "Tandartspraktijk Verzoekbus")
    number = unique_mobile()
    add_patient(app, owner, "Karel Correctie", number)
    wish = (
        "Mijn achternaam is niet Correctie maar Corrêctie-van den Heuvel, en ik kan op "
        "dinsdagmiddag niet meer komen omdat ik dan werk; woensdagochtend gaat wel. Wilt u ook "
        "noteren dat ik liever gebeld word dan een SMS krijg? Dank u wel, met vriendelijke groet."
    )

    phone: Page = new_page()
    _ask(phone, app, "Correctie", number)
    phone.get_by_label("Code (6 cijfers)").fill(privacy_code(new_page(), app, number))
    phone.get_by_label("Uw toelichting (wat moet er anders?)").fill(wish)
    phone.get_by_role("button", name="Bevestigen").click()
    expect(phone.get_by_text("Uw verzoek is doorgestuurd naar de praktijk;")).to_be_visible()

    staff.goto(app.url("/privacy"))
    row = staff.locator("#verzoeken tr.verzoek")
    expect(row).to_have_count(1)
    expect(row.locator(".aanvrager")).to_have_text("Karel Correctie")
    expect(row.locator(".aanvrager-contact")).to_have_text(display(number))
    toelichting = row.locator(".verzoek-toelichting")
    expect(toelichting).to_have_text(wish)
    box = toelichting.bounding_box()
    assert box is not None and box["height"] > 30  # wrapped over several lines, not cut off
    assert toelichting.evaluate("el => el.scrollWidth <= el.clientWidth + 1")
    viewport = staff.viewport_size
    assert viewport is not None and box["x"] + box["width"] <= viewport["width"]

    note = "Naam aangepast in de wachtlijst en dinsdagmiddag uitgezet; bellen genoteerd."
    row.get_by_label("Nieuwe status").select_option(label="Afgehandeld")
    row.get_by_label("Toelichting").fill(note)
    row.get_by_role("button", name="Opslaan").click()
    expect(staff.get_by_text("Verzoek bijgewerkt.")).to_be_visible()
    expect(row).to_contain_text("Afgehandeld")
    expect(row).to_contain_text(note)
