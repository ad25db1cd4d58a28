"""Five staff tabs of one practice, one of them acting: every change to a slot shows in the
acting tab and in the four others, without a reload, and no tab freezes.

The acting tab's event holds its own state lock; a handler that waited for "refresh every
staff tab" (its own included) froze that tab and silenced the tabs after it. These tests fail
on that: the acting tab would keep showing "Open", the others would never hear of it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.flows import App, log_in, open_slot, seed_patients, signed_up_owner

pytestmark = pytest.mark.browser


@dataclass
class Tabs:
    acting: Page
    planners: list[Page]  # other tabs on /plekken
    dashboards: list[Page]  # other tabs on /dashboard

    @property
    def others(self) -> list[Page]:
        return [*self.planners, *self.dashboards]

    def slot(self, page: Page, slot_id: str):  # type: ignore[no-untyped-def]
        return page.locator(f"[data-slot='{slot_id}']")


@pytest.fixture(scope="module")
def tabs(browser: Browser, app: App) -> Iterator[Tabs]:
    contexts = [
        browser.new_context(locale="nl-NL", timezone_id="Europe/Amsterdam") for _ in range(5)
    ]
    pages = [context.new_page() for context in contexts]
    for page in pages:
        page.set_default_timeout(20_000)
    owner = signed_up_owner(pages[0], app, "Tandartspraktijk Vijf Tabs")
    seed_patients(app, owner, 40)
    for page in pages[1:]:
        log_in(page, app, owner)
        page.wait_for_url(re.compile(r"/dashboard"))
    for page in [pages[0], *pages[1:3]]:
        page.goto(app.url("/plekken"))
        expect(page.get_by_text("Nog geen plekken vrijgegeven.")).to_be_visible()
    yield Tabs(acting=pages[0], planners=pages[1:3], dashboards=pages[3:5])
    for context in contexts:
        context.close()


def _open(tabs: Tabs, start: str) -> tuple[str, str]:
    """The acting tab opens a slot; returns its id and how the pages name it."""
    before = tabs.acting.locator("[data-slot]").count()
    open_slot(tabs.acting, start)
    expect(tabs.acting.locator("[data-slot]")).to_have_count(before + 1)
    card = tabs.acting.locator("[data-slot]").filter(has_text=start).first
    slot_id = card.get_attribute("data-slot")
    when = card.locator("h3").inner_text()
    assert slot_id and when
    return slot_id, when


def _status_everywhere(tabs: Tabs, slot_id: str, label: str) -> None:
    for page in [tabs.acting, *tabs.planners]:
        expect(tabs.slot(page, slot_id).get_by_text(label, exact=True)).to_be_visible()


def test_opening_a_slot_shows_in_every_tab(tabs: Tabs) -> None:
    slot_id, when = _open(tabs, "08:30")
    expect(tabs.slot(tabs.acting, slot_id).locator("[data-offer]")).to_have_count(5)
    for page in tabs.planners:
        expect(tabs.slot(page, slot_id)).to_be_visible()
    for page in tabs.dashboards:
        expect(page.locator("#open-plekken")).to_contain_text(when)


@pytest.mark.parametrize(
    ("button", "start"), [("Zelf ingevuld", "09:30"), ("Gaat niet door", "10:30")]
)
def test_closing_a_slot_shows_in_every_tab_and_the_acting_tab_stays_alive(
    tabs: Tabs, button: str, start: str
) -> None:
    slot_id, when = _open(tabs, start)
    for page in tabs.dashboards:
        expect(page.locator("#open-plekken")).to_contain_text(when)
    tabs.slot(tabs.acting, slot_id).get_by_role("button", name=button).click()
    _status_everywhere(tabs, slot_id, "Gesloten")
    for page in tabs.dashboards:
        expect(page.locator("#open-plekken")).not_to_contain_text(when)
    # the acting tab still answers: it changes the period and survives a reload (F5)
    tabs.acting.get_by_role("combobox", name="Periode").click()
    tabs.acting.get_by_role("option", name="30 dagen").click()
    expect(tabs.slot(tabs.acting, slot_id)).to_be_visible()
    tabs.acting.reload()
    expect(tabs.slot(tabs.acting, slot_id).get_by_text("Gesloten", exact=True)).to_be_visible()


def _claim(app: App, slot_id: str, tabs: Tabs) -> str:
    """A patient claims the slot through the API with the first link texted for it."""
    sms = tabs.acting.context.new_page()
    sms.goto(app.url("/dev/sms"))
    links = [a.get_attribute("href") or "" for a in sms.locator("a[href*='/c/']").all()]
    sms.close()
    for link in links:  # the newest slot's links: try each until one belongs to this slot
        response = httpx.post(app.url(f"/api/claim/{link.rsplit('/c/', 1)[1]}"))
        if response.json() == {"result": "claimed"}:
            break
    winner = tabs.slot(tabs.acting, slot_id).locator(".gevuld")
    expect(winner).to_contain_text("Gevuld door")
    return winner.inner_text()


def test_a_claim_and_a_reopen_show_in_every_tab(tabs: Tabs, app: App) -> None:
    slot_id, when = _open(tabs, "11:30")
    expect(tabs.slot(tabs.acting, slot_id).get_by_text("verstuurd")).to_have_count(5)
    _claim(app, slot_id, tabs)
    _status_everywhere(tabs, slot_id, "Gevuld")
    for page in tabs.dashboards:
        expect(page.locator("#recent-gevuld")).to_contain_text(when)

    tabs.slot(tabs.acting, slot_id).get_by_role("button", name="Opnieuw vrijgeven").click()
    _status_everywhere(tabs, slot_id, "Open")
    for page in tabs.dashboards:
        expect(page.locator("#open-plekken")).to_contain_text(when)
    tabs.acting.reload()
    expect(tabs.slot(tabs.acting, slot_id).get_by_text("Open", exact=True)).to_be_visible()


def test_a_tab_of_another_practice_hears_nothing(tabs: Tabs, browser: Browser, app: App) -> None:
    stranger = browser.new_context(locale="nl-NL").new_page()
    signed_up_owner(stranger, app, "Tandartspraktijk Ander Adres")
    stranger.goto(app.url("/dashboard"))
    _, when = _open(tabs, "13:30")
    for page in tabs.dashboards:
        expect(page.locator("#open-plekken")).to_contain_text(when)
    expect(stranger.locator("#open-plekken")).not_to_contain_text(when)
    stranger.context.close()
