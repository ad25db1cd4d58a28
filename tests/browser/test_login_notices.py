"""What the login page says when a staff page sends you there: someone who never logged in is
asked to log in; only a session that existed and ended is called "verlopen". In "u"."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.flows import PASSWORD, App, log_in, signed_up_owner

NEVER = "Log in om verder te gaan."
EXPIRED = "Uw sessie is verlopen. Log opnieuw in."


@pytest.mark.parametrize("path", ["/privacy", "/abonnement", "/dashboard", "/wachtlijst"])
def test_a_visitor_without_a_session_is_asked_to_log_in(page: Page, app: App, path: str) -> None:
    page.goto(app.url(path))
    page.wait_for_url(re.compile(r"/inloggen"))
    expect(page.get_by_text(NEVER)).to_be_visible()
    expect(page.get_by_text("verlopen")).to_have_count(0)


def test_a_session_that_ended_is_called_expired(page: Page, app: App) -> None:
    email = signed_up_owner(page, app, "Tandartspraktijk Verlopen")
    cookie = next(c for c in page.context.cookies() if c["name"] == "pjp_sessie")
    page.get_by_role("button", name="Uitloggen").click()
    page.wait_for_url(re.compile(r"/inloggen"))
    expect(page.get_by_text("U bent uitgelogd.")).to_be_visible()

    page.goto(app.url("/privacy"))  # logged out: the cookie is gone, so this is a first visit
    page.wait_for_url(re.compile(r"/inloggen"))
    expect(page.get_by_text(NEVER)).to_be_visible()

    page.context.add_cookies([cookie])  # a browser that still holds the ended session's cookie
    page.goto(app.url("/privacy"))
    page.wait_for_url(re.compile(r"/inloggen"))
    expect(page.get_by_text(EXPIRED)).to_be_visible()
    expect(page.get_by_text(NEVER)).to_have_count(0)

    log_in(page, app, email, PASSWORD)
    page.wait_for_url(re.compile(r"/dashboard"))
