"""The owner connects the practice's software: adds a webhook endpoint (a small HTTP server
of this test), a patient claims a freed slot, the delivery shows as "afgeleverd" in the log,
the software got it signed (checked with the README's snippet), and "Opnieuw versturen" sends
the same event again."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import quote

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.flows import (
    App,
    add_patient,
    open_slot,
    seed_patients,
    signed_up_owner,
    toasts,
    unique_mobile,
)
from tests.webhook_verify import verify_pakjeplekje_signature


class Software:
    """The practice's agenda software: keeps each POST (headers, raw body) and answers 200."""

    def __init__(self) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        software = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                headers = {k.lower(): v for k, v in self.headers.items()}
                software.received.append((headers, body))
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: object) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/pakjeplekje"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def events(self, event_type: str) -> list[tuple[dict[str, str], bytes]]:
        return [(h, b) for h, b in self.received if json.loads(b)["type"] == event_type]


@pytest.fixture
def software() -> Iterator[Software]:
    running = Software()
    yield running
    running.server.shutdown()


def delivery_row(page: Page, event_type: str):  # type: ignore[no-untyped-def]
    return page.locator(".delivery-row").filter(has_text=event_type)


def test_the_owner_sees_a_claim_delivered_to_their_software_and_resends_it(
    page: Page, app: App, browser: Browser, software: Software
) -> None:
    owner = signed_up_owner(page, app, "Tandartspraktijk Koppeling")
    page.goto(app.url("/instellingen"))
    page.get_by_role("link", name="Webhooks beheren").click()
    page.wait_for_url("**/instellingen/webhooks")
    page.get_by_label("URL van uw software").fill(software.url)
    expect(page.get_by_role("checkbox", name="Plek gevuld (slot.filled)")).to_be_checked()
    page.get_by_role("button", name="Endpoint toevoegen").click()
    expect(toasts(page).filter(has_text="Endpoint toegevoegd.")).to_be_visible()
    endpoint = page.locator(f"[data-endpoint='{software.url}']")
    expect(endpoint).to_be_visible()
    secret = endpoint.locator(".webhook-secret").inner_text()
    assert secret.startswith("whsec_") and "•" not in secret  # shown once, right after adding

    mobile = unique_mobile()
    seed_patients(app, owner, 0)
    add_patient(app, owner, "Anna Agenda", mobile)
    page.goto(app.url("/plekken"))
    open_slot(page, "10:30")
    expect(toasts(page).filter(has_text="SMS gaat nu uit")).to_be_visible()
    offer = page.locator("[data-slot]").first.locator("[data-offer='Anna Agenda']")
    expect(offer).to_contain_text("verstuurd")  # the text left (from a job)

    phone = browser.new_context(viewport={"width": 360, "height": 740}, locale="nl-NL").new_page()
    phone.goto(app.url(f"/dev/sms?nummer={quote(mobile, safe='')}"))
    link = phone.locator("a[href*='/c/']").first.get_attribute("href")
    assert link
    phone.goto(link)
    phone.get_by_role("button", name="Ja, ik neem deze plek").click()
    expect(phone.locator("h1")).to_contain_text("De afspraak is van u!")
    phone.context.close()

    page.goto(app.url("/instellingen/webhooks"))
    filled = delivery_row(page, "slot.filled")
    for _ in range(30):  # the job posts it a moment after the claim
        if filled.count() and "afgeleverd" in filled.first.inner_text():
            break
        page.get_by_role("button", name="Vernieuwen").click()
        page.wait_for_timeout(500)
    expect(filled.locator(".delivery-status")).to_have_text("afgeleverd")
    expect(filled.locator(".delivery-attempts")).to_have_text("1")
    expect(delivery_row(page, "offer.claimed").locator(".delivery-status")).to_have_text(
        "afgeleverd"
    )
    [(headers, body)] = software.events("slot.filled")
    assert verify_pakjeplekje_signature(secret, headers["pakjeplekje-signature"], body)
    event = json.loads(body)
    assert event["data"]["patient"]["name"] == "Anna Agenda"
    assert event["data"]["slot"]["claimed_via"] == "page"

    filled.get_by_role("button", name="Opnieuw versturen").click()
    expect(filled.locator(".delivery-attempts")).to_have_text("2")
    expect(filled.locator(".delivery-status")).to_have_text("afgeleverd")
    first, again = software.events("slot.filled")
    assert first[1] == again[1]  # the same event (id and body), signed again
    assert again[0]["pakjeplekje-event-id"] == event["id"]

    # masked on a fresh visit, shown on request
    page.reload()
    shown = page.locator(f"[data-endpoint='{software.url}'] .webhook-secret")
    expect(shown).to_contain_text("•")
    page.locator(f"[data-endpoint='{software.url}']").get_by_role("button", name="Toon").click()
    expect(shown).to_have_text(secret)
