"""What the patient reads, as people do it: the owner types the practice's address and phone
in Instellingen, staff open a slot, and the patient's claim page (the link from the text)
shows treatment, address and phone; "Afmelden voor deze praktijk" asks before it changes
anything."""

from __future__ import annotations

import re
from urllib.parse import quote

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


def opted_out(app: App, e164: str) -> bool:
    """Whether the patient with this number has opted out, read from the app's database."""
    from sqlmodel import Session, select

    from pakjeplekje.db import make_engine
    from pakjeplekje.models import Patient

    engine = make_engine(f"sqlite:///{app.data_dir / 'pakjeplekje.db'}")
    with Session(engine) as db:
        moment = db.exec(select(Patient.opted_out_at).where(Patient.phone == e164)).one()
    engine.dispose()
    return moment is not None


def test_the_patient_reads_treatment_address_and_phone_and_leaves_only_when_sure(
    page: Page, app: App, browser: Browser
) -> None:
    owner = signed_up_owner(page, app, "Tandartspraktijk Het Adres")
    mobile = unique_mobile()
    seed_patients(app, owner, 0)  # no quiet hours: the run may start at night (TEST_NOW)
    add_patient(app, owner, "Anna Adres", mobile)

    page.goto(app.url("/instellingen"))
    address, phone = page.get_by_label("Adres", exact=True), page.get_by_label("Telefoonnummer")
    expect(address).to_be_editable()
    address.fill("Molenstraat 1, 1234 AB Molendam")
    phone.fill("0900-1234567")  # a paid number: refused, nothing saved
    page.get_by_role("button", name="Praktijkgegevens opslaan").click()
    expect(
        page.get_by_role("alert").filter(has_text="Telefoonnummer: vul een Nederlands")
    ).to_be_visible()
    phone.fill("020-1234567")
    page.get_by_role("button", name="Praktijkgegevens opslaan").click()
    expect(toasts(page).filter(has_text="Praktijkgegevens opgeslagen.")).to_be_visible()
    expect(page.get_by_label("Telefoonnummer")).to_have_value("020 123 4567")  # the Dutch way
    page.reload()
    expect(page.get_by_label("Adres", exact=True)).to_have_value("Molenstraat 1, 1234 AB Molendam")
    expect(page.get_by_label("Telefoonnummer")).to_have_value("020 123 4567")

    page.goto(app.url("/plekken"))
    open_slot(page, "10:30")
    slot = page.locator("[data-slot]").first
    expect(slot.locator("[data-offer]")).to_have_count(1)
    expect(slot.get_by_text("verstuurd")).to_have_count(1)  # the text left (a job sends it)

    phone_context = browser.new_context(
        viewport={"width": 360, "height": 740}, locale="nl-NL", is_mobile=True
    )
    patient = phone_context.new_page()
    patient.goto(app.url(f"/dev/sms?nummer={quote(mobile, safe='')}"))
    text = patient.locator("body")
    expect(text).to_contain_text("Antwoord JA of NEE.")
    expect(text).not_to_contain_text("controle")  # the text itself names no treatment
    link = patient.locator("a[href*='/c/']").first.get_attribute("href")
    assert link
    patient.goto(link)
    expect(patient.locator("#behandeling")).to_have_text("Controle")
    expect(patient.locator("#adres")).to_have_text("Molenstraat 1, 1234 AB Molendam")
    expect(patient.locator("#telefoon")).to_have_text("020 123 4567")
    expect(patient.locator("#telefoon")).to_have_attribute("href", "tel:+31201234567")
    yes = patient.get_by_role("button", name="Ja, ik neem deze plek")
    leave = patient.get_by_role("link", name="Afmelden voor deze praktijk")
    expect(yes).to_be_visible()
    expect(patient.get_by_role("button", name="Afmelden voor deze praktijk")).to_have_count(0)
    yes_box, leave_box = yes.bounding_box(), leave.bounding_box()
    assert yes_box and leave_box
    assert leave_box["y"] > yes_box["y"] + yes_box["height"] + 60  # well below, not right under
    assert leave_box["height"] < yes_box["height"]  # a small link, not a big button

    leave.click()
    expect(
        patient.get_by_role("heading", name="Weet u zeker dat u zich wilt afmelden?")
    ).to_be_visible()
    assert not opted_out(app, mobile)  # asking changed nothing
    patient.get_by_role("link", name="Nee, terug").click()
    expect(patient.get_by_role("button", name="Ja, ik neem deze plek")).to_be_visible()
    assert not opted_out(app, mobile)

    patient.get_by_role("link", name="Afmelden voor deze praktijk").click()
    patient.get_by_role("button", name="Ja, meld mij af").click()
    expect(patient.get_by_role("heading", name="U bent afgemeld")).to_be_visible()
    assert re.search(r"/c/[^/]+/afmelden$", patient.url)
    assert opted_out(app, mobile)
    phone_context.close()
