"""The whole loop as people do it: staff open a slot, patients get texts, one claims on a
phone, the staff page shows it filled without a reload, a latecomer is told it is gone."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import httpx
from playwright.sync_api import Browser, Page, expect
from twilio.request_validator import RequestValidator

from tests.browser.conftest import TWILIO_TEST_TOKEN
from tests.browser.flows import (
    App,
    log_in,
    next_weekday,
    open_slot,
    seed_patients,
    signed_up_owner,
    toasts,
)


def test_open_a_slot_text_the_waitlist_and_watch_it_fill(
    page: Page, app: App, browser: Browser, new_page
) -> None:  # type: ignore[no-untyped-def]
    owner = signed_up_owner(page, app, "Tandartspraktijk De Kies")
    seed_patients(app, owner, 7)
    colleague_screen = new_page()  # a second staff browser, left on the dashboard
    log_in(colleague_screen, app, owner)
    colleague_screen.wait_for_url(re.compile(r"/dashboard"))
    left_behind = new_page()  # a staff browser that logged out and stays on the login page
    log_in(left_behind, app, owner)
    left_behind.wait_for_url(re.compile(r"/dashboard"))
    left_behind.get_by_role("button", name="Uitloggen").click()
    left_behind.wait_for_url(re.compile(r"/inloggen"))
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Plekken").click()
    expect(page.get_by_text("Nog geen plekken vrijgegeven.")).to_be_visible()

    page.get_by_label("Datum").fill(next_weekday().isoformat())
    page.get_by_label("Begintijd").fill("10:30")
    page.get_by_label("Duur (minuten)").fill("30")
    page.locator("#treatment").select_option(label="controle")
    page.get_by_role("button", name="Bekijk wie er past").click()
    expect(page.locator("#aantal-kandidaten")).to_have_text("7 patiënten passen")
    expect(page.get_by_text("5 nu, daarna elke 10 minuten 5 meer")).to_be_visible()
    page.get_by_role("button", name="Verstuur de SMS'jes").click()
    slot = page.locator("[data-slot]").first
    expect(slot.locator("[data-offer]")).to_have_count(5)
    expect(slot.get_by_text("verstuurd")).to_have_count(5)
    # the colleague's dashboard, untouched, lists the new slot and its texts
    expect(colleague_screen.locator("#open-plekken")).to_contain_text("5 verstuurd")

    phone_context = browser.new_context(
        viewport={"width": 360, "height": 740}, locale="nl-NL", is_mobile=True
    )
    phone = phone_context.new_page()
    phone.goto(app.url("/dev/sms"))
    links = phone.locator("a[href*='/c/']")
    expect(links).to_have_count(5)
    first_link, second_link = links.nth(0).get_attribute("href"), links.nth(1).get_attribute("href")
    assert first_link and second_link
    phone.goto(first_link)
    expect(phone.get_by_text("Tandartspraktijk De Kies")).to_be_visible()
    expect(phone.get_by_text("Duur: 30 minuten")).to_be_visible()
    phone.get_by_role("button", name="Ja, ik neem deze plek").click()
    expect(phone.get_by_role("heading", name="De afspraak is van u!")).to_be_visible()

    # the staff page, untouched since, now says who filled it
    expect(slot.locator(".gevuld")).to_contain_text("Gevuld door", timeout=5_000)
    expect(slot.get_by_text("Gevuld", exact=True)).to_be_visible()
    # a toast on whatever page staff are on: the Plekken page and the colleague's dashboard
    expect(toasts(page).filter(has_text="is gevuld door")).to_be_visible()
    expect(toasts(colleague_screen).filter(has_text="is gevuld door")).to_be_visible()
    expect(colleague_screen.locator("#recent-gevuld")).to_contain_text("Seed Patiënt")
    expect(colleague_screen.get_by_text("Er staan geen plekken open.")).to_be_visible()
    left_behind.wait_for_timeout(1_000)  # the toasts above arrived; none comes here
    expect(toasts(left_behind)).to_have_count(0)  # no patient names after logging out

    late = browser.new_context(viewport={"width": 360, "height": 740}).new_page()
    late.goto(second_link)
    expect(late.get_by_role("heading", name="Helaas, deze plek is al vergeven")).to_be_visible()

    # the winner's confirmation is a queued job: it reaches the phone a moment after the page
    confirmed = phone.get_by_text(re.compile(r"De Kies: uw plek op .* is bevestigd"))
    for _ in range(30):
        phone.goto(app.url("/dev/sms"))
        if confirmed.count():
            break
        phone.wait_for_timeout(500)
    expect(confirmed).to_have_count(1)  # the winner only, once
    phone_context.close()
    late.context.close()


def test_claims_through_the_api_and_an_sms_reply_reach_the_staff_page(page: Page, app: App) -> None:
    owner = signed_up_owner(page, app, "Tandartspraktijk Het Gebit")
    seed_patients(app, owner, 7)
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Plekken").click()
    expect(page.get_by_text("Nog geen plekken vrijgegeven.")).to_be_visible()

    open_slot(page, "09:00")
    expect(page.locator("[data-slot]").first.get_by_text("verstuurd")).to_have_count(5)
    sms_page = page.context.new_page()
    sms_page.goto(app.url("/dev/sms?nummer=%2B31620000000"))
    link = sms_page.locator("a[href*='/c/']").first.get_attribute("href")
    assert link
    token = link.rsplit("/c/", 1)[1]
    response = httpx.post(app.url(f"/api/claim/{token}"))
    assert response.json() == {"result": "claimed"}
    expect(page.locator("[data-slot]").first.locator(".gevuld")).to_contain_text("Seed Patiënt 000")

    open_slot(page, "11:00")
    expect(page.locator("[data-slot]")).to_have_count(2)
    second = page.locator("[data-slot]").first
    expect(second.get_by_text("verstuurd")).to_have_count(5)
    url = app.url("/api/webhooks/twilio/sms")
    params = {"From": "+31620000001", "Body": "Ja", "To": "+3197000000000"}
    signature = RequestValidator(TWILIO_TEST_TOKEN).compute_signature(url, params)
    reply = httpx.post(url, data=params, headers={"X-Twilio-Signature": signature})
    assert "bevestigd" in reply.text
    expect(second.locator(".gevuld")).to_contain_text("Seed Patiënt 001")


def test_a_number_the_provider_refuses_is_marked_in_the_waitlist_until_corrected(
    page: Page, app: App
) -> None:
    """Twilio reports 21614 (not a mobile) in a signed status callback: the staff see
    "Nummer ongeldig" on that patient, and correcting the number clears it."""
    owner = signed_up_owner(page, app, "Tandartspraktijk Het Nummer")
    seed_patients(app, owner, 2)
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Plekken").click()
    open_slot(page, "15:00")
    expect(page.locator("[data-slot]").first.get_by_text("verstuurd")).to_have_count(2)

    outbox = (app.data_dir / "outbox" / "sms.jsonl").read_text().splitlines()
    [sid] = [
        json.loads(line)["provider_id"]
        for line in outbox
        if json.loads(line)["to"] == "+31620000001" and "Het Nummer" in line
    ]
    url = app.url("/api/webhooks/twilio/status")
    params = {"MessageSid": sid, "MessageStatus": "undelivered", "ErrorCode": "21614"}
    signature = RequestValidator(TWILIO_TEST_TOKEN).compute_signature(url, params)
    assert httpx.post(url, data=params, headers={"X-Twilio-Signature": signature}).is_success

    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Wachtlijst").click()
    page.get_by_label("Status").click()
    page.get_by_role("option", name="Alle").click()
    row = page.locator("tr[data-patient='Seed Patiënt 001']")
    expect(row.locator(".sms-probleem")).to_have_text("Nummer ongeldig")
    expect(page.locator("tr[data-patient='Seed Patiënt 000'] .sms-probleem")).to_have_count(0)

    row.get_by_role("link", name="Seed Patiënt 001").click()
    page.get_by_role("dialog").get_by_label("Mobiel nummer").fill("06-23456789")
    page.get_by_role("button", name="Opslaan").click()
    expect(page.get_by_role("dialog")).to_have_count(0)
    expect(row.locator(".sms-probleem")).to_have_count(0)


def test_a_text_with_an_unknown_outcome_is_reported_on_the_dashboard(page: Page, app: App) -> None:
    """The worker died between calling the provider and recording the answer: the dashboard
    says so (and the offer is never resent)."""
    from sqlmodel import Session, select

    from pakjeplekje.db import make_engine
    from pakjeplekje.models import Offer, Practice

    owner = signed_up_owner(page, app, "Tandartspraktijk Onbekend")
    seed_patients(app, owner, 2)
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Plekken").click()
    open_slot(page, "16:00")
    expect(page.locator("[data-slot]").first.get_by_text("verstuurd")).to_have_count(2)
    engine = make_engine(f"sqlite:///{app.data_dir / 'pakjeplekje.db'}")
    with Session(engine) as db:  # what a crash mid-send leaves behind
        offer = db.exec(
            select(Offer)
            .join(Practice, Practice.id == Offer.practice_id)  # type: ignore[arg-type]
            .where(Practice.name == "Tandartspraktijk Onbekend")
        ).first()
        assert offer is not None
        offer.status, offer.created_at = "sending", offer.created_at - timedelta(minutes=10)
        db.add(offer)
        db.commit()
    engine.dispose()

    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Dashboard").click()
    expect(page.locator("#sms-onbekend")).to_contain_text("1 SMS met onbekende afloop")
    expect(page.locator("#open-plekken")).to_contain_text("1 onbekend of verstuurd — controleer")
