"""The Wachtlijst page, used the way staff use it: type, click, read."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.browser.flows import App, seed_patients, signed_up_owner


def _open_waitlist(page: Page) -> None:
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Wachtlijst").click()
    expect(page.get_by_role("heading", name="Wachtlijst", exact=True)).to_be_visible()
    expect(page.locator("#wachtlijst-teller")).to_contain_text("wacht")  # the count has loaded


def _fill_patient(page: Page, *, name: str, phone: str) -> None:
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Naam", exact=True).fill(name)
    dialog.get_by_label("Mobiel nummer").fill(phone)
    dialog.get_by_text("controle", exact=True).click()
    dialog.get_by_label("dinsdag middag").check()
    dialog.locator("#consent").select_option("balie")


def test_add_edit_search_and_remove_a_patient(page: Page, app: App) -> None:
    signed_up_owner(page, app, "Tandartspraktijk De Wachtkamer")
    _open_waitlist(page)
    expect(page.get_by_text("Uw wachtlijst is nog leeg")).to_be_visible()

    page.get_by_role("button", name="Patiënt toevoegen").first.click()
    _fill_patient(page, name="Lies Landlijn", phone="020-1234567")
    page.get_by_role("button", name="Opslaan").click()
    expect(page.get_by_role("dialog").get_by_role("alert").first).to_contain_text(
        "geen mobiel nummer"
    )
    page.get_by_role("dialog").get_by_label("Mobiel nummer").fill("06-12345678")
    page.get_by_role("dialog").get_by_label("Naam", exact=True).fill("Jan de Vries")
    page.get_by_role("button", name="Opslaan").click()
    expect(page.get_by_role("dialog")).to_have_count(0)

    row = page.locator("tr[data-patient='Jan de Vries']")
    expect(row).to_contain_text("06-12345678")
    expect(row).to_contain_text("di middag")
    expect(page.locator("#wachtlijst-teller")).to_have_text("1 patiënt wacht")
    expect(page.get_by_text("Lies Landlijn")).to_have_count(0)  # the refused one was never saved

    # the same number again is refused, with a way to the existing entry
    page.get_by_role("button", name="Patiënt toevoegen").first.click()
    _fill_patient(page, name="Jan Dubbel", phone="+31 6 12345678")
    page.get_by_role("button", name="Opslaan").click()
    expect(page.get_by_role("dialog")).to_contain_text("Dit nummer staat al op de wachtlijst.")
    page.get_by_role("button", name="Open de bestaande patiënt").click()
    expect(page.get_by_role("dialog").get_by_label("Naam", exact=True)).to_have_value(
        "Jan de Vries"
    )

    # edit
    page.get_by_role("dialog").get_by_label("Naam", exact=True).fill("Jan de Vries-Bakker")
    page.get_by_role("dialog").locator("#urgency").select_option("hoog")
    page.get_by_role("button", name="Opslaan").click()
    row = page.locator("tr[data-patient='Jan de Vries-Bakker']")
    expect(row).to_contain_text("Hoog")

    # search by a fragment of the number
    page.get_by_label("Zoeken op naam of telefoonnummer").fill("1234")
    expect(page.locator("#pagina-info")).to_contain_text("1 resultaten")
    page.get_by_label("Zoeken op naam of telefoonnummer").fill("9999")
    expect(page.locator("#pagina-info")).to_contain_text("0 resultaten")
    page.get_by_role("button", name="Filters wissen").click()

    # remove, then undo
    row.get_by_role("button", name="Verwijderen").click()
    expect(page.get_by_role("status")).to_contain_text("is van de wachtlijst gehaald")
    expect(page.locator("#wachtlijst-teller")).to_have_text("0 patiënten wachten")
    page.get_by_role("button", name="Ongedaan maken").click()
    expect(page.locator("#wachtlijst-teller")).to_have_text("1 patiënt wacht")

    # delete for good, after confirming
    page.locator("tr[data-patient='Jan de Vries-Bakker']").get_by_role("link").click()
    page.get_by_role("button", name="Definitief verwijderen").click()
    page.get_by_role("button", name="Ja, definitief verwijderen").click()
    expect(page.get_by_text("Uw wachtlijst is nog leeg")).to_be_visible()


def test_page_through_sixty_patients(page: Page, app: App) -> None:
    owner = signed_up_owner(page, app, "Tandartspraktijk Zestig")
    seed_patients(app, owner, 60)
    _open_waitlist(page)
    expect(page.locator("#wachtlijst-teller")).to_have_text("60 patiënten wachten")
    expect(page.locator("#pagina-info")).to_contain_text("Pagina 1 van 3")
    expect(page.locator("tbody tr")).to_have_count(25)
    expect(page.get_by_text("Seed Patiënt 000")).to_be_visible()
    page.get_by_role("button", name="Volgende").click()
    expect(page.locator("#pagina-info")).to_contain_text("Pagina 2 van 3")
    expect(page.get_by_text("Seed Patiënt 025")).to_be_visible()
    page.get_by_role("button", name="Volgende").click()
    expect(page.locator("tbody tr")).to_have_count(10)
    expect(page.get_by_role("button", name="Volgende")).to_be_disabled()
    page.get_by_label("Per pagina").click()
    page.get_by_role("option", name="100").click()
    expect(page.locator("tbody tr")).to_have_count(60)
    expect(page.locator("#pagina-info")).to_contain_text("Pagina 1 van 1")


def test_settings_change_persists_after_reload(page: Page, app: App) -> None:
    signed_up_owner(page, app, "Tandartspraktijk Instelbaar")
    page.get_by_role("link", name="Instellingen").click()
    expect(page.locator("tr[data-treatment='controle']")).to_be_visible()  # page loaded
    page.get_by_label("Nieuwe behandelaar").fill("Dr. Visser")
    page.locator("form").filter(has=page.get_by_label("Nieuwe behandelaar")).get_by_role(
        "button", name="Toevoegen"
    ).click()
    expect(page.get_by_text("Dr. Visser")).to_be_visible()

    page.get_by_label("Afzendernaam SMS").fill("De Molen")  # a space is not allowed
    page.get_by_role("button", name="SMS-regels opslaan").click()
    expect(page.get_by_role("alert")).to_contain_text("Afzendernaam")
    page.get_by_label("Afzendernaam SMS").fill("DeMolen")
    page.get_by_label("Patiënten per golf").fill("8")
    page.get_by_role("button", name="SMS-regels opslaan").click()
    expect(page.get_by_text("SMS-regels opgeslagen.")).to_be_visible()

    page.reload()
    expect(page.get_by_label("Patiënten per golf")).to_have_value("8")
    expect(page.get_by_label("Afzendernaam SMS")).to_have_value("DeMolen")
    expect(page.get_by_text("Dr. Visser")).to_be_visible()
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Wachtlijst").click()
    page.get_by_role("button", name="Patiënt toevoegen").first.click()
    expect(page.get_by_role("dialog").locator("#practitioner")).to_contain_text("Dr. Visser")
    expect(page).to_have_url(re.compile(r"/wachtlijst"))


CSV = (
    "naam;telefoon;behandelingen;duur;beschikbaarheid;urgentie;toestemming\n"
    "Anna Appel;06-11111111;controle;15;ma-ochtend;normaal;balie\n"
    "Bert Boom;0622222222;vulling|kroon;60;di-middag|do-avond;hoog;formulier\n"
    "Cor Cactus;+31 6 33333333;controle;30;vr-ochtend;normaal;zelf\n"
    "Dirk Vast;020-1234567;controle;30;ma-ochtend;normaal;balie\n"
)


def test_import_preview_then_import_then_export(page: Page, app: App, tmp_path: Path) -> None:
    signed_up_owner(page, app, "Tandartspraktijk Import")
    _open_waitlist(page)
    page.get_by_role("button", name="Importeren").click()
    upload = tmp_path / "wachtlijst.csv"
    upload.write_bytes(CSV.encode("cp1252"))
    page.locator("#wachtlijst-csv input[type=file]").set_input_files(str(upload))

    summary = page.locator("#import-samenvatting")
    expect(summary).to_contain_text("3 rijen klaar om te importeren, 1 met fouten")
    to_import = page.locator("#import-voorbeeld tbody tr")  # what will be added, before it is
    expect(to_import).to_have_count(3)
    expect(to_import.nth(0)).to_contain_text("Anna Appel")
    expect(to_import.nth(0)).to_contain_text("06-11111111")
    expect(to_import.nth(1)).to_contain_text("Bert Boom")
    expect(to_import.nth(1)).to_contain_text("06-22222222")
    expect(to_import.nth(1)).to_contain_text("kroon, vulling")
    expect(to_import.nth(2)).to_contain_text("06-33333333")
    problems = page.locator("#import-problemen tbody tr")
    expect(problems).to_have_count(1)
    expect(problems.first).to_contain_text("5")  # the spreadsheet row of Dirk Vast
    expect(problems.first).to_contain_text("geen mobiel nummer")
    expect(page.locator("#wachtlijst-teller")).to_have_text("0 patiënten wachten")  # nothing yet

    page.get_by_role("button", name="Importeer 3 patiënten").click()
    expect(page.get_by_text("3 patiënten geïmporteerd.")).to_be_visible()
    expect(page.locator("#wachtlijst-teller")).to_have_text("3 patiënten wachten")
    expect(page.locator("tr[data-patient='Bert Boom']")).to_contain_text("kroon, vulling")
    expect(page.get_by_text("Dirk Vast")).to_have_count(0)

    with page.expect_download() as download_info:
        page.get_by_role("button", name="Exporteren").click()
    download = download_info.value
    assert download.suggested_filename.startswith("wachtlijst-")
    exported = Path(download.path()).read_text(encoding="utf-8-sig")
    for name in ("Anna Appel", "Bert Boom", "Cor Cactus"):
        assert name in exported
    assert "Dirk Vast" not in exported
    assert "06 33333333" in exported  # national format: Excel reads a leading + as a formula
