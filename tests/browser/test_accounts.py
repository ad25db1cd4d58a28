"""Newcomer journeys from the foundation issue, done the way a person does them."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.flows import (
    PASSWORD,
    App,
    link_from_dev_mail,
    log_in,
    sign_up,
    unique_email,
)


def test_landing_page_offers_signup_and_login(page: Page, app: App) -> None:
    page.goto(app.url("/"))
    expect(page.get_by_role("heading", name="PakJePlekje")).to_be_visible()
    expect(page.get_by_role("link", name="Account aanmaken")).to_be_visible()
    page.get_by_role("link", name="Inloggen").click()
    expect(page.get_by_role("heading", name="Inloggen")).to_be_visible()


def test_signup_logout_wrong_password_and_login_again(page: Page, app: App) -> None:
    email = unique_email("eigenaar")
    sign_up(page, app, practice="Tandartspraktijk Het Anker", name="Anna Bakker", email=email)

    page.wait_for_url(re.compile(r"/dashboard"))
    expect(page.locator("#practice-name")).to_have_text("Tandartspraktijk Het Anker")
    nav = page.get_by_role("navigation", name="Hoofdmenu")
    for item in ("Dashboard", "Wachtlijst", "Plekken", "Abonnement", "Privacy", "Instellingen"):
        expect(nav.get_by_role("link", name=item)).to_be_visible()

    # the session token is an HttpOnly cookie: page scripts (and XSS) never see it
    cookie = next(c for c in page.context.cookies() if c["name"] == "pjp_sessie")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    assert "pjp_sessie" not in page.evaluate("document.cookie")
    assert cookie["value"] not in page.content()

    page.reload()  # the HttpOnly session cookie survives a reload and a new websocket
    expect(page.locator("#practice-name")).to_have_text("Tandartspraktijk Het Anker")

    page.get_by_role("button", name="Uitloggen").click()
    page.wait_for_url(re.compile(r"/inloggen"))
    expect(page.get_by_text("Je bent uitgelogd.")).to_be_visible()

    log_in(page, app, email, "dit is niet mijn wachtwoord")
    expect(page.get_by_role("alert")).to_have_text("E-mailadres of wachtwoord onjuist.")

    log_in(page, app, email)
    page.wait_for_url(re.compile(r"/dashboard"))
    expect(page.get_by_role("heading", name="Welkom, Anna Bakker")).to_be_visible()


def test_unknown_email_gets_the_same_message(page: Page, app: App) -> None:
    log_in(page, app, unique_email("onbekend"), "een willekeurig wachtwoord")
    expect(page.get_by_role("alert")).to_have_text("E-mailadres of wachtwoord onjuist.")


def test_pages_without_session_send_you_to_login(page: Page, app: App) -> None:
    page.goto(app.url("/instellingen"))
    page.wait_for_url(re.compile(r"/inloggen"))
    expect(page.get_by_text("Log in om verder te gaan.")).to_be_visible()


def test_signup_with_a_73_byte_password_gets_a_dutch_message(page: Page, app: App) -> None:
    email = unique_email("lang")
    sign_up(
        page, app, practice="Praktijk Lang", name="Lotte Lang", email=email, password="é" * 36 + "x"
    )  # 37 characters, 73 bytes in UTF-8
    expect(page.get_by_role("alert")).to_contain_text("te lang")
    expect(page).to_have_url(re.compile(r"/account-aanmaken"))
    log_in(page, app, email, "é" * 36 + "x")  # nothing was created
    expect(page.get_by_role("alert")).to_have_text("E-mailadres of wachtwoord onjuist.")


def test_signup_refuses_short_and_common_passwords(page: Page, app: App) -> None:
    sign_up(
        page,
        app,
        practice="Praktijk Kort",
        name="Kees Kort",
        email=unique_email("kort"),
        password="kort123",
    )
    expect(page.get_by_role("alert")).to_contain_text("minstens 12 tekens")
    page.get_by_label("Wachtwoord").fill("passwordpassword")
    page.get_by_role("button", name="Account aanmaken").click()
    expect(page.get_by_role("alert")).to_contain_text("veelgebruikte wachtwoorden")


def test_owner_invites_staff_who_cannot_open_owner_pages(new_page, app: App) -> None:  # type: ignore[no-untyped-def]
    owner = new_page()
    sign_up(
        owner,
        app,
        practice="Tandartspraktijk De Brug",
        name="Bram Brug",
        email=(bram := unique_email("bram")),
    )
    owner.wait_for_url(re.compile(r"/dashboard"))
    owner.get_by_role("link", name="Instellingen").click()
    owner.get_by_role("link", name="Medewerkers beheren").click()
    expect(owner.locator(f"tr[data-email='{bram}']")).to_contain_text("Eigenaar")  # page loaded
    colleague = unique_email("collega")
    owner.get_by_label("Naam").fill("Carla Collega")
    owner.get_by_label("E-mailadres").fill(colleague)
    owner.get_by_role("button", name="Uitnodiging versturen").click()
    expect(owner.get_by_text(f"Uitnodiging verstuurd naar {colleague}.")).to_be_visible()
    row = owner.locator(f"tr[data-email='{colleague}']")
    expect(row).to_contain_text("Uitgenodigd")

    staff = new_page()
    invite = link_from_dev_mail(staff, app, colleague, "/uitnodiging?token=")
    staff.goto(invite)
    expect(staff.get_by_text(colleague)).to_be_visible()
    staff.get_by_label("Nieuw wachtwoord").fill("collega wachtwoord 2026")
    staff.get_by_label("Herhaal het wachtwoord").fill("collega wachtwoord 2026")
    staff.get_by_role("button", name="Wachtwoord instellen en inloggen").click()
    staff.wait_for_url(re.compile(r"/dashboard"))
    expect(staff.locator("#practice-name")).to_have_text("Tandartspraktijk De Brug")
    expect(staff.get_by_role("link", name="Abonnement")).to_have_count(0)

    staff.goto(app.url("/abonnement"))
    expect(staff.get_by_role("alert")).to_contain_text("Geen toegang")
    staff.goto(app.url("/instellingen/medewerkers"))
    expect(staff.get_by_role("alert")).to_contain_text("Geen toegang")
    expect(staff.get_by_text(colleague)).to_have_count(0)  # the team list was never loaded

    staff.get_by_role("button", name="Uitloggen").click()
    log_in(staff, app, colleague, "collega wachtwoord 2026")
    staff.wait_for_url(re.compile(r"/dashboard"))

    owner.reload()
    row = owner.locator(f"tr[data-email='{colleague}']")
    expect(row).to_contain_text("Actief")

    # blocking ends the colleague's session at once; unblocking restores their login
    row.get_by_role("button", name="Blokkeren").click()
    expect(row).to_contain_text("Geblokkeerd")
    staff.reload()
    staff.wait_for_url(re.compile(r"/inloggen"))
    row.get_by_role("button", name="Deblokkeren").click()
    expect(row).to_contain_text("Actief")
    row.get_by_role("button", name="Maak eigenaar").click()
    expect(row).to_contain_text("Eigenaar")
    log_in(staff, app, colleague, "collega wachtwoord 2026")
    staff.wait_for_url(re.compile(r"/dashboard"))
    expect(staff.get_by_role("link", name="Abonnement")).to_be_visible()

    # an invite link works once
    other = new_page()
    other.goto(invite)
    expect(other.get_by_role("alert")).to_contain_text("al gebruikt")


def test_password_reset_ends_other_sessions(new_page, app: App) -> None:  # type: ignore[no-untyped-def]
    email = unique_email("vergeten")
    first = new_page()
    sign_up(first, app, practice="Praktijk Vergeetmenietje", name="Vera Vergeet", email=email)
    first.wait_for_url(re.compile(r"/dashboard"))

    second = new_page()
    second.goto(app.url("/inloggen"))
    second.get_by_role("link", name="Wachtwoord vergeten?").click()
    # read the new page first: the login form also has an "E-mailadres" field
    expect(second.get_by_role("heading", name="Wachtwoord vergeten")).to_be_visible()
    second.get_by_label("E-mailadres").fill(email)
    second.get_by_role("button", name="Stuur mij een link").click()
    expect(second.get_by_role("status")).to_contain_text("Als dit e-mailadres bij ons bekend is")

    reset = link_from_dev_mail(second, app, email, "/wachtwoord-herstellen?token=")
    second.goto(reset)
    second.get_by_label("Nieuw wachtwoord").fill("mijn nieuwe wachtwoord")
    second.get_by_label("Herhaal het wachtwoord").fill("mijn nieuwe wachtwoord")
    second.get_by_role("button", name="Wachtwoord opslaan").click()
    second.wait_for_url(re.compile(r"/dashboard"))

    first.reload()  # the session from before the reset is gone
    first.wait_for_url(re.compile(r"/inloggen"))
    expect(first.get_by_text("Je sessie is verlopen. Log opnieuw in.")).to_be_visible()

    log_in(first, app, email, PASSWORD)
    expect(first.get_by_role("alert")).to_have_text("E-mailadres of wachtwoord onjuist.")
    log_in(first, app, email, "mijn nieuwe wachtwoord")
    first.wait_for_url(re.compile(r"/dashboard"))

    second.goto(reset)  # single use
    expect(second.get_by_role("alert")).to_contain_text("al gebruikt")


def test_change_password_keeps_this_session_and_ends_the_others(new_page, app: App) -> None:  # type: ignore[no-untyped-def]
    email = unique_email("wissel")
    here = new_page()
    sign_up(here, app, practice="Praktijk Wissel", name="Wim Wissel", email=email)
    here.wait_for_url(re.compile(r"/dashboard"))
    elsewhere = new_page()
    log_in(elsewhere, app, email)
    elsewhere.wait_for_url(re.compile(r"/dashboard"))

    here.get_by_role("link", name="Instellingen").click()
    expect(here.locator("tr[data-treatment='controle']")).to_be_visible()  # page loaded
    here.get_by_label("Huidig wachtwoord").fill("niet het goede wachtwoord")
    here.get_by_label("Nieuw wachtwoord", exact=True).fill("een ander lang wachtwoord")
    here.get_by_label("Herhaal nieuw wachtwoord").fill("een ander lang wachtwoord")
    here.get_by_role("button", name="Wachtwoord wijzigen").click()
    expect(here.get_by_role("alert")).to_have_text("Uw huidige wachtwoord klopt niet.")

    here.get_by_label("Huidig wachtwoord").fill(PASSWORD)
    here.get_by_role("button", name="Wachtwoord wijzigen").click()
    expect(here.get_by_text("Wachtwoord gewijzigd.")).to_be_visible()

    here.reload()
    expect(here.get_by_role("heading", name="Instellingen")).to_be_visible()
    elsewhere.reload()
    elsewhere.wait_for_url(re.compile(r"/inloggen"))
