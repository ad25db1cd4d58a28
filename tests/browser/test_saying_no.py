"""A patient says no, as people do it: staff open a slot (adaptive waves, the default, text one
patient first and say why), the patient taps "Nee, dank u" on the claim page, the next
patient gets the text at once, and staff see both live. The owner can switch to fixed waves
in Instellingen."""

from __future__ import annotations

from urllib.parse import quote

from playwright.sync_api import Browser, Page, expect

from tests.browser.flows import (
    App,
    add_patient,
    open_slot,
    seed_patients,
    signed_up_owner,
    toasts,
    unique_mobile,
)


def inbox(browser: Browser, app: App, mobile: str) -> Page:
    """The patient's phone: the dev SMS inbox for their number, on a small screen."""
    context = browser.new_context(
        viewport={"width": 360, "height": 740}, locale="nl-NL", is_mobile=True
    )
    phone = context.new_page()
    phone.goto(app.url(f"/dev/sms?nummer={quote(mobile, safe='')}"))
    return phone


def test_nee_dank_u_gives_the_slot_to_the_next_patient_at_once(
    page: Page, app: App, browser: Browser
) -> None:
    owner = signed_up_owner(page, app, "Tandartspraktijk Nee Dank U")
    anna, bram = unique_mobile(), unique_mobile()
    # no quiet hours (the run may start at night: TEST_NOW); the default, adaptive waves
    seed_patients(app, owner, 0, wave_mode="adaptief")
    add_patient(app, owner, "Anna Eerst", anna)
    add_patient(app, owner, "Bram Daarna", bram)

    page.goto(app.url("/plekken"))
    open_slot(page, "10:30")
    expect(toasts(page).filter(has_text="1 SMS gaat nu uit")).to_be_visible()
    slot = page.locator("[data-slot]").first
    expect(slot.locator("[data-offer]")).to_have_count(1)
    first = slot.locator("[data-offer='Anna Eerst']")
    expect(first).to_contain_text("verstuurd")
    expect(first).to_contain_text("Waarom: wacht 0 dagen; nog niet eerder ge-sms't")

    phone = inbox(browser, app, anna)
    expect(phone.locator("body")).to_contain_text("Antwoord JA of NEE.")
    link = phone.locator("a[href*='/c/']").first.get_attribute("href")
    assert link
    phone.goto(link)
    yes = phone.get_by_role("button", name="Ja, ik neem deze plek")
    no = phone.get_by_role("button", name="Nee, dank u")
    expect(yes).to_be_visible()
    expect(no).to_be_visible()
    no.click()
    expect(phone.get_by_role("heading", name="Dank u voor uw antwoord")).to_be_visible()
    expect(phone.get_by_text("U blijft op de wachtlijst staan", exact=False)).to_be_visible()
    expect(phone.get_by_role("button", name="Ja, ik neem deze plek")).to_have_count(0)
    phone.goto(link)  # the link keeps saying so
    expect(phone.get_by_role("heading", name="Dank u voor uw antwoord")).to_be_visible()

    # staff see it live, without reloading: Anna said no, Bram got the text
    expect(slot.locator("[data-offer]")).to_have_count(2)
    expect(first).to_contain_text("nee, dank u")
    expect(slot.locator("[data-offer='Bram Daarna']")).to_contain_text("verstuurd")
    bram_phone = inbox(browser, app, bram)
    expect(bram_phone.locator("body")).to_contain_text("Antwoord JA of NEE.")
    phone.context.close()
    bram_phone.context.close()


def test_the_owner_switches_to_fixed_waves_and_back(page: Page, app: App) -> None:
    signed_up_owner(page, app, "Tandartspraktijk Vaste Golf")
    page.goto(app.url("/instellingen"))
    mode = page.get_by_label("Golven", exact=True)
    expect(mode).to_have_value("adaptief")
    mode.select_option(label="Vaste golven")
    page.get_by_role("button", name="SMS-regels opslaan").click()
    expect(toasts(page).filter(has_text="SMS-regels opgeslagen.")).to_be_visible()
    page.reload()
    expect(page.get_by_label("Golven", exact=True)).to_have_value("vast")
    page.get_by_label("Golven", exact=True).select_option(label="Adaptief (aanbevolen)")
    page.get_by_role("button", name="SMS-regels opslaan").click()
    expect(toasts(page).filter(has_text="SMS-regels opgeslagen.")).to_have_count(1)
    page.reload()
    expect(page.get_by_label("Golven", exact=True)).to_have_value("adaptief")
