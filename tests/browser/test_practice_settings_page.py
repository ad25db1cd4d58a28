"""Instellingen in the browser: every treatment's duration stays in its own row."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from pakjeplekje.domain.accounts.practice_settings import DEFAULT_TREATMENTS
from tests.browser.flows import App, signed_up_owner, toasts


def durations(page: Page) -> dict[str, str]:
    """What the screen shows: each row's name and the value in its duration field."""
    rows = page.locator("tr[data-treatment]")
    return {
        row.get_attribute("data-treatment") or "": row.locator("input").input_value()
        for row in rows.all()
    }


def test_durations_stay_with_their_rows_after_adding_and_editing(page: Page, app: App) -> None:
    """Adding "bleken" sorts it above the defaults. Every row must still show its own
    duration, and focusing a field and leaving it must save that row's own value."""
    signed_up_owner(page, app, "Tandartspraktijk De Rijen")
    page.goto(app.url("/instellingen"))
    expected = {name: str(minutes) for name, minutes in DEFAULT_TREATMENTS}
    expect(page.locator("tr[data-treatment]")).to_have_count(len(expected))
    assert durations(page) == expected

    page.locator("#nieuwe-behandeling").fill("bleken")
    page.locator("#nieuwe-duur").fill("45")
    page.get_by_role("button", name="Toevoegen").first.click()
    expect(toasts(page).filter(has_text="Behandeling toegevoegd.")).to_be_visible()
    expected["bleken"] = "45"
    expect(page.locator("tr[data-treatment]")).to_have_count(len(expected))
    expect(page.locator("tr[data-treatment]").first).to_have_attribute("data-treatment", "bleken")
    assert durations(page) == expected

    # the reported symptom: focus "controle" (15 min) and leave it without typing
    page.get_by_label("Duur controle").focus()
    page.get_by_label("Duur kroon").fill("90")  # leaving controle saves it; now edit kroon
    page.get_by_label("Duur kroon").blur()
    expect(toasts(page).filter(has_text="Behandeling opgeslagen.")).to_have_count(2)
    expected["kroon"] = "90"
    expect(page.get_by_label("Duur kroon")).to_have_value("90")
    assert durations(page) == expected

    page.reload()
    expect(page.locator("tr[data-treatment]")).to_have_count(len(expected))
    expect(page.get_by_label("Duur kroon")).to_have_value("90")
    assert durations(page) == expected
