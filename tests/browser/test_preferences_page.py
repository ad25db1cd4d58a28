"""A patient manages their own waitlist entry from an offer, as people do it: the offer SMS,
the claim page, "Uw voorkeuren aanpassen of pauzeren", new days, a two-week pause, and then
leaving the list; staff see the patient afgemeld on the waitlist."""

from __future__ import annotations

from urllib.parse import quote

from playwright.sync_api import Browser, Page, expect

from tests.browser.flows import (
    App,
    add_patient,
    open_slot,
    seed_patients,
    signed_up_owner,
    unique_mobile,
)


def phone_inbox(browser: Browser, app: App, mobile: str) -> Page:
    """The patient's phone: the dev SMS inbox for their number, on a small screen."""
    context = browser.new_context(
        viewport={"width": 360, "height": 740}, locale="nl-NL", is_mobile=True
    )
    phone = context.new_page()
    phone.goto(app.url(f"/dev/sms?nummer={quote(mobile, safe='')}"))
    return phone


def test_a_patient_changes_days_pauses_and_leaves_through_the_offer_page(
    page: Page, app: App, browser: Browser
) -> None:
    owner = signed_up_owner(page, app, "Tandartspraktijk Voorkeur")
    anna = unique_mobile()
    seed_patients(app, owner, 0)  # no quiet hours: the run may start at night (TEST_NOW)
    add_patient(app, owner, "Anna Voorkeur", anna)

    page.goto(app.url("/plekken"))
    open_slot(page, "10:30")
    offer = page.locator("[data-slot]").first.locator("[data-offer='Anna Voorkeur']")
    expect(offer).to_contain_text("verstuurd")

    phone = phone_inbox(browser, app, anna)
    expect(phone.locator("body")).to_contain_text("Antwoord JA of NEE.")
    link = phone.locator("a[href*='/c/']").first.get_attribute("href")
    assert link
    phone.goto(link)
    expect(phone.get_by_role("button", name="Ja, ik neem deze plek")).to_be_visible()
    phone.get_by_role("link", name="Uw voorkeuren aanpassen of pauzeren").click()

    expect(phone.get_by_role("heading", name="Uw voorkeuren")).to_be_visible()
    expect(phone.get_by_text("Anna Voorkeur")).to_be_visible()
    expect(phone.get_by_text("U staat op de wachtlijst", exact=False)).to_be_visible()

    # New days: only Monday evening and Saturday morning.
    grid = phone.locator("#beschikbaarheid")
    for box in grid.locator("input[type=checkbox]").all():
        box.uncheck()
    phone.get_by_role("button", name="Beschikbaarheid opslaan").click()
    expect(phone.get_by_role("alert")).to_contain_text("Kies minstens één dagdeel")
    expect(phone.get_by_label("maandag ochtend")).to_be_checked()  # nothing was changed
    for box in grid.locator("input[type=checkbox]").all():
        box.uncheck()
    phone.get_by_label("maandag avond").check()
    phone.get_by_label("zaterdag ochtend").check()
    phone.get_by_role("button", name="Beschikbaarheid opslaan").click()
    expect(phone.locator("#bevestiging")).to_contain_text("Opgeslagen")
    expect(phone.get_by_label("maandag avond")).to_be_checked()
    expect(phone.get_by_label("zaterdag ochtend")).to_be_checked()
    expect(phone.get_by_label("maandag ochtend")).not_to_be_checked()

    # A two-week pause.
    phone.get_by_label("2 weken").check()
    phone.get_by_role("button", name="Pauzeren").click()
    expect(phone.locator("#bevestiging")).to_contain_text("Gepauzeerd tot")
    expect(phone.locator("#gepauzeerd")).to_contain_text("Gepauzeerd tot")
    expect(phone.get_by_role("button", name="Pauze beëindigen")).to_be_visible()
    phone.reload()
    expect(phone.locator("#gepauzeerd")).to_contain_text("Gepauzeerd tot")

    # Leaving asks first.
    phone.get_by_role("link", name="Van de wachtlijst af").click()
    expect(
        phone.get_by_role("heading", name="Weet u zeker dat u van de wachtlijst af wilt?")
    ).to_be_visible()
    phone.get_by_role("button", name="Ja, haal mij van de wachtlijst").click()
    expect(phone.locator("#bevestiging")).to_contain_text("u bent van de wachtlijst af")
    expect(phone.get_by_role("heading", name="U bent afgemeld")).to_be_visible()
    expect(phone.get_by_role("button", name="Pauzeren")).to_have_count(0)

    # The offer page still links here and shows the same state.
    phone.goto(link)
    phone.get_by_role("link", name="Uw voorkeuren aanpassen of pauzeren").click()
    expect(phone.get_by_role("heading", name="U bent afgemeld")).to_be_visible()
    phone.context.close()

    page.goto(app.url("/wachtlijst"))
    row = page.get_by_role("row").filter(has_text="Anna Voorkeur")
    expect(row).to_contain_text("Afgemeld voor SMS")
