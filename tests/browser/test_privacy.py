"""The privacy centre as people use it: the owner downloads the ZIP and we open it; the owner
deletes the account and can no longer log in; a patient uses /privacy/verzoek with the code
from /dev/sms and disappears from the waitlist the staff see."""

from __future__ import annotations

import json
import re
import zipfile

from playwright.sync_api import Page, expect

from tests.browser.flows import PASSWORD, App, log_in, seed_patients, signed_up_owner


def test_owner_downloads_the_zip(page: Page, app: App, tmp_path) -> None:  # type: ignore[no-untyped-def]
    signed_up_owner(page, app, "Tandartspraktijk Export")
    page.goto(app.url("/privacy"))
    inzage = page.locator("#inzage")
    expect(inzage.locator("tr[data-table='practice']")).to_contain_text("1")
    with page.expect_download() as info:
        page.get_by_role("button", name="Download alle gegevens (ZIP)").click()
    download = info.value
    assert download.suggested_filename.endswith(".zip")
    target = tmp_path / "export.zip"
    download.save_as(target)
    with zipfile.ZipFile(target) as archive:
        assert "schema.json" in archive.namelist()
        data = json.loads(archive.read("pakjeplekje-export.json"))
        assert data["tables"]["practice"][0]["name"] == "Tandartspraktijk Export"
        everything = b"".join(archive.read(n) for n in archive.namelist())
    assert b"$2b$" not in everything  # no bcrypt hash


def test_owner_deletes_the_account_and_cannot_log_in(page: Page, app: App) -> None:
    email = signed_up_owner(page, app, "Tandartspraktijk Opgeheven")
    page.goto(app.url("/privacy"))
    section = page.locator("#sectie-verwijdering")
    section.get_by_label("Uw wachtwoord").fill(PASSWORD)
    section.get_by_label("Typ de naam van de praktijk").fill("Tandartspraktijk Opgeheven")
    section.get_by_role("button", name="Praktijkaccount verwijderen").click()
    page.wait_for_url(re.compile(r"/inloggen"))
    expect(page.get_by_text("Het account van de praktijk is verwijderd.")).to_be_visible()

    log_in(page, app, email)
    expect(page.get_by_role("alert")).to_have_text("E-mailadres of wachtwoord onjuist.")
    page.goto(app.url("/privacy"))
    page.wait_for_url(re.compile(r"/inloggen"))

    page.goto(app.url("/dev/mail"))
    mail = page.locator("article.mail").filter(has=page.locator(".to", has_text=email)).first
    expect(mail).to_contain_text("definitief gewist")
    expect(mail.locator("a[href*='/privacy/herstel']")).to_have_count(1)


def test_patient_request_removes_them_from_the_waitlist(new_page, app: App) -> None:  # type: ignore[no-untyped-def]
    staff = new_page()
    owner = signed_up_owner(staff, app, "Tandartspraktijk Wachtlijst")
    seed_patients(app, owner, 2)  # +31620000000 and +31620000001
    staff.goto(app.url("/wachtlijst"))
    expect(staff.get_by_text("Seed Patiënt 000")).to_be_visible()

    phone = new_page()
    phone.goto(app.url("/c/onbekend"))  # every SMS-landing page links to the request form
    phone.get_by_role("link", name="Uw gegevens inzien of laten verwijderen").click()
    phone.wait_for_url(re.compile(r"/privacy/verzoek"))
    phone.get_by_label("Verwijdering").check()
    phone.get_by_label("Uw mobiele nummer").fill("06-20000000")
    phone.get_by_role("button", name="Stuur mij een code").click()
    expect(phone.get_by_role("heading", name="Vul uw code in")).to_be_visible()

    inbox = new_page()
    for _ in range(30):  # the code leaves from a job, a moment after the answer
        inbox.goto(app.url("/dev/sms?nummer=%2B31620000000"))
        text = inbox.locator("body").inner_text()
        found = re.search(r"privacyverzoek is (\d{6})", text)
        if found:
            break
        inbox.wait_for_timeout(500)
    assert found, text
    phone.get_by_label("Code (6 cijfers)").fill(found.group(1))
    phone.get_by_role("button", name="Bevestigen").click()
    expect(phone.get_by_text("Uw gegevens zijn verwijderd")).to_be_visible()
    expect(phone.locator("#praktijken")).to_contain_text("Tandartspraktijk Wachtlijst")

    staff.reload()
    expect(staff.get_by_text("Seed Patiënt 001")).to_be_visible()
    expect(staff.get_by_text("Seed Patiënt 000")).to_have_count(0)
    staff.goto(app.url("/privacy"))
    expect(staff.locator("#verzoeken tr.verzoek")).to_have_count(1)
    expect(staff.locator("#verzoeken")).to_contain_text("Verwijdering")


def test_every_page_links_to_the_policy_and_the_request_form(page, app: App) -> None:  # type: ignore[no-untyped-def]
    """The footer of the staff pages and of the public account pages."""
    signed_up_owner(page, app, "Tandartspraktijk Voettekst")
    page.get_by_role("link", name="Privacybeleid").click()
    expect(page.get_by_role("heading", name=re.compile("Privacybeleid"))).to_be_visible()
    page.goto(app.url("/inloggen"))
    page.get_by_role("link", name="Privacyverzoek").click()
    page.wait_for_url(re.compile(r"/privacy/verzoek"))
    expect(page.get_by_label("Uw mobiele nummer")).to_be_visible()
