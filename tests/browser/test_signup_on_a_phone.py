"""A patient puts themself on the waitlist from the practice's link, on a phone, with the code
from their SMS inbox (/dev/sms); staff see the sign-up waiting for review and accept it. And
the same sign-up in a browser without JavaScript."""

from __future__ import annotations

import re
from urllib.parse import quote

from playwright.sync_api import Browser, Page, expect

from tests.browser.flows import App, signed_up_owner, toasts, unique_mobile

PHONE = {"width": 390, "height": 844}


def _code(browser: Browser, app: App, e164: str) -> str:
    """The code from the phone's SMS inbox (it leaves from a job, a moment later)."""
    context = browser.new_context(viewport=PHONE, locale="nl-NL", is_mobile=True)
    inbox = context.new_page()
    try:
        for _ in range(40):
            inbox.goto(app.url(f"/dev/sms?nummer={quote(e164, safe='')}"))
            found = re.search(
                r"aan te melden voor de wachtlijst is (\d{6})", inbox.locator("body").inner_text()
            )
            if found:
                return found.group(1)
            inbox.wait_for_timeout(500)
    finally:
        context.close()
    raise AssertionError("no sign-up code arrived")


def _national(e164: str) -> str:
    return "06-" + e164.removeprefix("+316")


def _fill_and_confirm(phone: Page, browser: Browser, app: App, link: str, name: str) -> str:
    mobile = unique_mobile()
    phone.goto(link)
    expect(phone.get_by_role("heading", name="Op de wachtlijst")).to_be_visible()
    phone.get_by_label("Uw naam").fill(name)
    phone.get_by_label("Uw mobiele nummer").fill(_national(mobile))
    phone.locator("label.check", has_text="controle").locator("input").check()
    phone.get_by_label("maandag ochtend").check()
    phone.get_by_label("donderdag avond").check()
    phone.locator("input[name=toestemming]").check()
    phone.get_by_role("button", name="Stuur mij een code").click()
    expect(phone.get_by_role("heading", name="Vul uw code in")).to_be_visible()
    phone.get_by_label("Code (6 cijfers)").fill(_code(browser, app, mobile))
    phone.get_by_role("button", name="Bevestigen").click()
    return mobile


def test_sign_up_on_a_phone_then_staff_accept_it(page: Page, app: App, browser: Browser) -> None:
    signed_up_owner(page, app, "Tandartspraktijk Aanmelden")
    page.goto(app.url("/instellingen"))
    card = page.locator("#online-aanmelden")
    expect(card).to_contain_text("/wachtlijst/")
    link = card.locator("#aanmeldlink").inner_text().strip()
    assert link.startswith(app.base_url) and "/wachtlijst/" in link
    poster = card.locator("#poster-link").get_attribute("href")
    assert poster == link + "/poster.pdf"
    expect(page.locator("#signup_mode")).to_have_value("beoordelen")

    context = browser.new_context(viewport=PHONE, locale="nl-NL", is_mobile=True, has_touch=True)
    phone = context.new_page()
    _fill_and_confirm(phone, browser, app, link, "Fleur Telefoon")
    expect(phone.get_by_role("heading", name="Bedankt voor uw aanmelding")).to_be_visible()
    expect(phone.locator("#resultaat")).to_contain_text("Tandartspraktijk Aanmelden bekijkt")
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    context.close()

    page.goto(app.url("/wachtlijst"))
    banner = page.locator("#aanmeldingen")
    expect(banner).to_contain_text("1 online aanmelding wacht op uw beoordeling")
    banner.get_by_role("button", name="Bekijken").click()
    row = page.locator("[data-patient='Fleur Telefoon']")
    expect(row).to_contain_text("Te beoordelen")
    row.get_by_role("button", name="Accepteren").click()
    expect(toasts(page).filter(has_text="Fleur Telefoon staat nu op de wachtlijst")).to_be_visible()
    expect(banner).to_have_count(0)
    page.get_by_role("button", name="Filters wissen").click()
    row = page.locator("[data-patient='Fleur Telefoon']")
    expect(row).to_contain_text("Wacht")
    row.get_by_role("link", name="Fleur Telefoon").click()
    expect(page.get_by_role("dialog")).to_contain_text("Online aangemeld (sms-code)")
    expect(page.get_by_role("dialog")).to_contain_text("tekstversie 2026-12")


def test_sign_up_works_without_javascript(page: Page, app: App, browser: Browser) -> None:
    signed_up_owner(page, app, "Tandartspraktijk Zonder Script")
    page.goto(app.url("/instellingen"))
    expect(page.locator("#aanmeldlink")).to_contain_text("/wachtlijst/")
    link = page.locator("#aanmeldlink").inner_text().strip()

    context = browser.new_context(
        viewport=PHONE, locale="nl-NL", is_mobile=True, java_script_enabled=False
    )
    phone = context.new_page()
    _fill_and_confirm(phone, browser, app, link, "Kees Zonderscript")
    expect(phone.get_by_role("heading", name="Bedankt voor uw aanmelding")).to_be_visible()
    context.close()

    page.goto(app.url("/wachtlijst"))
    expect(page.locator("#aanmeldingen")).to_contain_text("1 online aanmelding")
