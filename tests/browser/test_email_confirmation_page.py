"""A new practice confirms its e-mail address before its first SMS, as the owner does it:
sign up, see what to do, get refused on Plekken, open the mail, click, send."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.flows import (
    App,
    link_from_dev_mail,
    next_weekday,
    open_slot,
    seed_patients,
    sign_up,
    unique_email,
)


def test_a_new_practice_confirms_its_email_before_its_first_sms(page: Page, app: App) -> None:
    email = unique_email("bevestig")
    sign_up(page, app, practice="Tandartspraktijk De Bevestiging", name="Bea Bos", email=email)
    page.wait_for_url(re.compile(r"/dashboard"))
    todo = page.locator("#email-bevestigen")
    expect(todo).to_contain_text("Bevestig eerst uw e-mailadres")
    expect(todo).to_contain_text(email)
    page.get_by_role("button", name="Stuur opnieuw").click()
    expect(todo).to_contain_text("Verstuurd")
    seed_patients(app, email, 2)

    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Plekken").click()
    page.get_by_label("Datum").fill(next_weekday().isoformat())
    page.get_by_label("Begintijd").fill("10:30")
    page.locator("#treatment").select_option(label="controle")
    page.get_by_role("button", name="Bekijk wie er past").click()
    expect(page.get_by_text("Bevestig eerst het e-mailadres van de praktijk")).to_be_visible()
    expect(page.locator("#aantal-kandidaten")).to_have_count(0)

    page.goto(link_from_dev_mail(page, app, email, "/account/bevestigen"))
    page.get_by_role("button", name="E-mailadres bevestigen").click()
    expect(page.get_by_role("heading", name="Uw e-mailadres is bevestigd")).to_be_visible()
    page.get_by_role("link", name="Naar het dashboard").click()
    page.wait_for_url(re.compile(r"/dashboard"))
    expect(page.get_by_role("heading", name="Open plekken")).to_be_visible()
    expect(page.locator("#email-bevestigen")).to_have_count(0)

    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Plekken").click()
    open_slot(page, "10:30")
    slot = page.locator("[data-slot]").first
    expect(slot.get_by_text("verstuurd")).to_have_count(2)
