"""The owner's subscription as a person meets it: trial and SMS usage on /abonnement, off to
(fake) Stripe Checkout, "actief" once the signed webhooks arrive, and read-only after the
subscription is deleted — the banner on the dashboard, and Plek vrijgeven refused."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Page, expect

from pakjeplekje.domain.billing import READ_ONLY_REASON
from tests import fake_stripe as fs
from tests.browser.conftest import running_app
from tests.browser.flows import App, next_weekday, signed_up_owner


def _send(app: App, kind: str, obj: dict) -> None:
    payload = json.dumps(fs.event(kind, obj)).encode()
    response = httpx.post(
        app.url("/api/webhooks/stripe"),
        content=payload,
        headers={"Stripe-Signature": fs.sign(payload), "Content-Type": "application/json"},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    assert response.json() == {"result": "applied"}


def test_trial_checkout_webhook_active_then_read_only(
    page: Page, app: App, stripe_api: fs.FakeStripe
) -> None:
    signed_up_owner(page, app, "Tandartspraktijk De Beugel")
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Abonnement").click()
    status = page.locator("#abonnement-status")
    expect(status).to_have_text(
        re.compile(r"^Proefperiode: nog 14 dagen, tot en met \d+ \w+ \d{4}\.$")
    )
    expect(page.get_by_text("Abonnement: Proefperiode")).to_have_count(0)
    basis = page.locator("[data-plan='basis']")
    expect(basis).to_contain_text("€ 49 per maand")
    expect(basis).to_contain_text("200 SMS'jes per maand inbegrepen")
    expect(page.locator("[data-plan='pro']")).to_contain_text("1000 SMS'jes per maand inbegrepen")
    expect(page.locator("#betalen-niet-ingesteld")).to_have_count(0)
    expect(page.get_by_text("python -m")).to_have_count(0)
    expect(page.locator("#sms-verbruik")).to_have_text("0 van 200 SMS'jes gebruikt deze periode")

    page.get_by_role("button", name="Kies Basis").click()
    page.wait_for_url(re.compile(re.escape(stripe_api.base_url) + r"/checkout/cs_test_"))
    session = stripe_api.checkout_sessions[-1]
    practice_id, customer = int(session["client_reference_id"]), session["customer"]
    assert session["line_items[0][price]"] == fs.PRICE_BASIS

    # Stripe sends the owner back; until the webhook arrives nothing is granted
    page.goto(app.url("/abonnement?betaling=verwerken"))
    expect(page.get_by_text("We verwerken uw betaling…")).to_be_visible()
    expect(page.locator("#abonnement-status")).to_contain_text("Proefperiode: nog 14 dagen")
    sub_id = f"sub_browser_{practice_id}"
    stripe_api.subscriptions[sub_id] = fs.subscription(sub_id, customer)
    done = fs.checkout_completed(session["id"], practice_id, customer, sub_id)
    _send(app, "checkout.session.completed", done)
    _send(app, "customer.subscription.created", stripe_api.subscriptions[sub_id])
    expect(page.locator("#abonnement-status")).to_contain_text(
        "Basis, actief. Volgende verlenging: ", timeout=15_000
    )
    expect(page.get_by_text("We verwerken uw betaling…")).to_have_count(0)
    expect(page.get_by_role("button", name="Kies Basis")).to_have_count(0)

    stripe_api.subscriptions[sub_id] = fs.subscription(sub_id, customer, status="canceled")
    _send(app, "customer.subscription.deleted", stripe_api.subscriptions[sub_id])
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Dashboard").click()
    banner = page.locator("[data-banner='alleen-lezen']")
    expect(banner).to_contain_text("Uw abonnement is niet actief")
    expect(banner.get_by_role("link", name="Naar abonnement")).to_be_visible()

    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Plekken").click()
    page.get_by_label("Datum").fill(next_weekday().isoformat())
    page.get_by_label("Begintijd").fill("10:30")
    page.get_by_label("Duur (minuten)").fill("30")
    page.locator("#treatment").select_option(label="controle")
    page.get_by_role("button", name="Bekijk wie er past").click()
    expect(page.get_by_role("alert").filter(has_text=READ_ONLY_REASON).last).to_be_visible()
    expect(page.get_by_role("button", name="Verstuur de SMS'jes")).to_have_count(0)

    # the page shows the deletion date, and a way back
    banner = page.locator("[data-banner='alleen-lezen']")
    banner.get_by_role("link", name="Naar abonnement").click()
    expect(page.locator("#abonnement-status")).to_have_text("Basis, opgezegd.")
    expect(page.locator("#verwijderdatum")).to_contain_text("worden de gegevens van de praktijk op")
    expect(page.get_by_role("button", name="Kies Pro")).to_be_visible()


def test_owner_chooses_pro_on_its_card(page: Page, app: App, stripe_api: fs.FakeStripe) -> None:
    signed_up_owner(page, app, "Tandartspraktijk Pro")
    page.goto(app.url("/abonnement"))
    pro = page.locator("[data-plan='pro']")
    expect(pro.get_by_role("heading", name="Pro")).to_be_visible()
    expect(pro).to_contain_text("€ 99 per maand")
    pro.get_by_role("button", name="Kies Pro").click()
    page.wait_for_url(re.compile(re.escape(stripe_api.base_url) + r"/checkout/cs_test_"))
    assert stripe_api.checkout_sessions[-1]["line_items[0][price]"] == fs.PRICE_PRO


@pytest.fixture(scope="module")
def app_without_stripe(tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    """An installation whose operator set no Stripe keys (its own build, beside `app`)."""
    no_keys = {name: "" for name in ("STRIPE_SECRET_KEY", "STRIPE_PRICE_BASIS", "STRIPE_PRICE_PRO")}
    with running_app(tmp_path_factory.mktemp("no-stripe"), own_build=True, **no_keys) as app:
        yield app


def test_without_stripe_keys_the_owner_reads_that_payments_are_not_set_up(
    page: Page, app_without_stripe: App
) -> None:
    signed_up_owner(page, app_without_stripe, "Tandartspraktijk Zonder Stripe")
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Abonnement").click()
    expect(page.locator("#betalen-niet-ingesteld")).to_contain_text(
        "Betalingen zijn in deze installatie niet ingesteld"
    )
    expect(page.locator("#abonnement-status")).to_contain_text("Proefperiode: nog 14 dagen")
    expect(page.get_by_text("python -m")).to_have_count(0)  # no command for the practice owner
    expect(page.get_by_text("set-status")).to_have_count(0)
    expect(page.get_by_role("button", name=re.compile("^Kies "))).to_have_count(0)
    expect(page.get_by_role("button", name="Betaalgegevens en facturen beheren")).to_have_count(0)
