"""Koppelingen in the browser: the owner makes a write key, reads it off the screen (once), uses
it, revokes it, and the list says so."""

from __future__ import annotations

import json
import re
import uuid
from datetime import timedelta

from playwright.sync_api import Page, expect

from pakjeplekje import clock
from pakjeplekje.web.api_v1.openapi import ENTRY_EXAMPLE
from tests.browser.flows import App, signed_up_owner, unique_mobile


def test_owner_makes_uses_and_revokes_a_key(page: Page, app: App) -> None:
    signed_up_owner(page, app, "Tandartspraktijk De Sleutel")
    page.goto(app.url("/instellingen"))
    page.get_by_role("button", name="Koppelingen beheren").click()
    page.wait_for_url(re.compile(r"/instellingen/koppelingen$"))
    expect(page.locator("#geen-sleutels")).to_be_visible()
    expect(page.locator("#api-adres")).to_have_text(app.url("/api/v1"))

    page.locator("#sleutel-naam").fill("Agenda-koppeling")
    page.get_by_role("radio", name="Lezen en schrijven").click()
    page.get_by_role("button", name="Sleutel maken").click()
    box = page.locator("#sleutel-eenmalig")
    expect(box).to_contain_text("niet meer getoond")
    key = page.locator("#nieuwe-sleutel").inner_text().strip()
    assert re.fullmatch(r"pjp_[A-Za-z0-9_\-]{40,}", key), key

    row = page.locator("#sleutels tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Agenda-koppeling")
    expect(row).to_contain_text("Lezen en schrijven")
    expect(row).to_contain_text("nog nooit")
    expect(row).to_contain_text("Actief")
    expect(row).to_contain_text(key[:12])

    # the key works against the API, as practice software uses it: read, then write
    bearer = {"Authorization": f"Bearer {key}"}
    treatments = page.request.get(app.url("/api/v1/treatments"), headers=bearer)
    assert treatments.status == 200, treatments.text()
    treatment_id = treatments.json()["data"][0]["id"]
    consent = {
        "method": "balie",
        "at": (clock.now() - timedelta(hours=1)).isoformat(),
        "text_version": "2026-1",
    }
    entry = dict(
        ENTRY_EXAMPLE, phone=unique_mobile(), treatment_ids=[treatment_id], consent=consent
    )
    added = page.request.post(
        app.url("/api/v1/waitlist"),
        headers={
            **bearer,
            "Idempotency-Key": str(uuid.uuid4()),
            "Content-Type": "application/json",
        },
        data=json.dumps(entry),
    )
    assert added.status == 201, added.text()

    # leaving the page drops the key: back on it, only the list remains
    page.get_by_role("link", name="← Terug naar instellingen").click()
    page.wait_for_url(re.compile(r"/instellingen$"))
    page.get_by_role("button", name="Koppelingen beheren").click()
    page.wait_for_url(re.compile(r"/instellingen/koppelingen$"))
    expect(row).to_have_count(1)
    expect(page.locator("#sleutel-eenmalig")).to_have_count(0)
    assert key not in page.content()
    expect(row.locator("td[data-label='Laatst gebruikt']")).not_to_contain_text("nog nooit")

    row.get_by_role("button", name="Intrekken").click()
    dialog = page.get_by_role("alertdialog")
    expect(dialog).to_contain_text("Agenda-koppeling")
    dialog.get_by_role("button", name="Ja, intrekken").click()
    expect(row).to_contain_text("Ingetrokken")
    expect(row.get_by_role("button", name="Intrekken")).to_have_count(0)
    refused = page.request.get(app.url("/api/v1/treatments"), headers=bearer)
    assert refused.status == 401  # a revoked key stops at once
    assert refused.json()["type"] == "/api/v1/docs#niet-geautoriseerd"

    # the docs link opens the readable documentation
    page.get_by_role("link", name="API-documentatie").click()
    page.wait_for_url(re.compile(r"/api/v1/docs$"))
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(
        page.locator("section[data-path='/api/v1/waitlist'][data-method='post']")
    ).to_contain_text("curl -X POST")
    expect(page.locator("#niet-geautoriseerd")).to_be_visible()  # where a problem's type points
