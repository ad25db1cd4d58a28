"""The rest of the privacy centre as an owner uses it: the audit log with its filters and pages,
Correctie (practice name, own name, e-mail change through the link in /dev/mail), Bezwaar, and
keeping one waitlist entry that the retention review flagged."""

from __future__ import annotations

import re
from datetime import timedelta

from playwright.sync_api import Page, expect
from sqlmodel import Session, select

from pakjeplekje import clock
from pakjeplekje.db import make_engine
from pakjeplekje.domain import audit
from pakjeplekje.domain.privacy import retention
from pakjeplekje.models import Patient, User
from tests import timeplan
from tests.browser.flows import (
    PASSWORD,
    App,
    link_from_dev_mail,
    log_in,
    seed_patients,
    signed_up_owner,
    toasts,
    unique_email,
)


def _db(app: App) -> Session:
    return Session(make_engine(f"sqlite:///{app.data_dir / 'pakjeplekje.db'}"))


def _owner(db: Session, email: str) -> User:
    return db.exec(select(User).where(User.email == email)).one()


def test_owner_filters_and_pages_the_audit_log(page: Page, app: App) -> None:
    email = signed_up_owner(page, app, "Tandartspraktijk Logboek")
    with _db(app) as db:  # set-up: 30 views of patient records, a day ago
        owner = _owner(db, email)
        for i in range(30):
            audit.record(
                db,
                "patient.viewed",
                practice_id=owner.practice_id,
                actor_user_id=owner.id,
                target_type="patient",
                target_id=1000 + i,
                now=clock.now() - timedelta(days=1, minutes=i),
            )
        db.commit()
    page.goto(app.url("/privacy"))
    section = page.locator("#sectie-audit")
    expect(section.locator("#audit-pagina")).to_have_text("Pagina 1 van 2")
    rows = section.locator("tr.audit-rij")
    expect(rows).to_have_count(25)
    expect(rows.first).to_contain_text("Praktijk aangemeld")  # newest first
    expect(rows.first).to_contain_text("Olga Eigenaar")

    section.get_by_role("button", name="Volgende").click()
    expect(section.locator("#audit-pagina")).to_have_text("Pagina 2 van 2")
    expect(rows.last).to_contain_text("Patiënt #1029")

    section.get_by_label("Soort").select_option(label="Wachtlijst")
    section.get_by_label("Medewerker").select_option(label="Olga Eigenaar")
    section.get_by_role("button", name="Filteren").click()
    expect(section.locator("#audit-totaal")).to_have_text("30 gebeurtenissen")
    expect(section.locator("#audit-pagina")).to_have_text("Pagina 1 van 2")
    expect(rows.first).to_contain_text("Patiënt bekeken")
    expect(rows.first).to_contain_text("Patiënt #1000")

    today = timeplan.local_day(clock.now()).isoformat()  # the Amsterdam date, as staff type it
    section.get_by_label("Van").fill(today)
    section.get_by_role("button", name="Filteren").click()
    expect(section.locator("#audit-totaal")).to_have_text("0 gebeurtenissen")
    section.get_by_label("Soort").select_option(label="Alle soorten")
    section.get_by_role("button", name="Filteren").click()
    expect(rows.filter(has_text="Praktijk aangemeld")).to_have_count(1)
    expect(rows.filter(has_text="Patiënt bekeken")).to_have_count(0)


def test_owner_corrects_practice_name_own_name_and_email(new_page, app: App) -> None:  # type: ignore[no-untyped-def]
    page = new_page()
    old = signed_up_owner(page, app, "Tandartspraktijk Fout")
    page.goto(app.url("/privacy"))
    section = page.locator("#sectie-correctie")
    expect(section.get_by_label("Naam van de praktijk")).to_have_value("Tandartspraktijk Fout")
    section.get_by_label("Naam van de praktijk").fill("Tandartspraktijk Goed")
    section.get_by_role("button", name="Praktijkgegevens opslaan").click()
    expect(page.locator("#practice-name")).to_have_text("Tandartspraktijk Goed")
    section.get_by_label("Uw naam").fill("Olga de Vries")
    section.get_by_role("button", name="Naam opslaan").click()
    expect(toasts(page).filter(has_text="Uw naam is opgeslagen.")).to_be_visible()

    new = unique_email("nieuw")
    section.get_by_label("Nieuw e-mailadres").fill(new)
    section.get_by_label("Uw wachtwoord").fill(PASSWORD)
    section.get_by_role("button", name="Bevestigingslink sturen").click()
    expect(section.locator("#email-wacht")).to_contain_text(new)
    expect(section.locator("#huidig-email")).to_have_text(old)  # unchanged until confirmed

    mail = new_page()
    mail.goto(app.url("/dev/mail"))
    notice = mail.locator("article.mail").filter(has=mail.locator(".to", has_text=old)).first
    expect(notice).to_contain_text("Wijziging van uw e-mailadres")
    href = link_from_dev_mail(mail, app, new, "/privacy/email-bevestigen")
    mail.goto(href)
    expect(mail.get_by_text(new)).to_be_visible()
    mail.get_by_role("button", name="Bevestigen").click()
    expect(mail.get_by_role("heading", name="E-mailadres gewijzigd")).to_be_visible()

    other = new_page()
    log_in(other, app, old)
    expect(other.get_by_role("alert")).to_have_text("E-mailadres of wachtwoord onjuist.")
    log_in(other, app, new)
    other.wait_for_url(re.compile(r"/dashboard"))
    expect(other.get_by_role("heading", name="Welkom, Olga de Vries")).to_be_visible()
    other.goto(app.url("/privacy"))
    log = other.locator("#sectie-audit")
    expect(log.locator("tr.audit-rij").filter(has_text="E-mailadres gewijzigd")).to_have_count(1)
    expect(log.locator("tr.audit-rij").filter(has_text="Praktijknaam gewijzigd")).to_have_count(1)
    expect(log).not_to_contain_text(new)  # ids only, never the address


def test_owner_objects_to_product_mails(page: Page, app: App) -> None:
    signed_up_owner(page, app, "Tandartspraktijk Bezwaar")
    page.goto(app.url("/privacy"))
    section = page.locator("#sectie-bezwaar")
    product = section.get_by_label("Productmails")
    expect(product).to_be_checked()
    product.uncheck()
    section.get_by_role("button", name="Keuzes opslaan").click()
    expect(toasts(page).filter(has_text="Uw keuzes zijn opgeslagen.")).to_be_visible()
    page.reload()
    expect(section.get_by_label("Productmails")).not_to_be_checked()
    expect(section.get_by_label("Anonieme gebruiksstatistieken")).to_be_checked()
    expect(
        page.locator("tr.audit-rij").filter(has_text="Bezwaar-voorkeuren gewijzigd")
    ).to_contain_text("productmails=uit, statistieken=aan")


def test_staff_keep_one_flagged_entry(page: Page, app: App) -> None:
    email = signed_up_owner(page, app, "Tandartspraktijk Bewaren")
    seed_patients(app, email, 2)
    with _db(app) as db:  # set-up: untouched for 13 months, then the daily review flags them
        practice_id = _owner(db, email).practice_id
        for patient in db.exec(select(Patient).where(Patient.practice_id == practice_id)):
            patient.updated_at = clock.now() - timedelta(days=400)
            db.add(patient)
        db.flush()
        retention.flag_for_review(db, clock.now())
        db.commit()
    page.goto(app.url("/privacy"))
    flagged = page.locator("#ter-controle tr.ter-controle")
    expect(flagged).to_have_count(2)
    expect(page.locator("#bewaartermijn")).to_contain_text("2 inschrijving(en)")
    page.get_by_role("button", name="Behouden: Seed Patiënt 000").click()
    expect(flagged).to_have_count(1)
    expect(flagged.first).to_contain_text("Seed Patiënt 001")
    expect(page.locator("#bewaartermijn")).to_contain_text("1 inschrijving(en)")
    page.reload()  # the audit log shows what was logged when the page loaded
    expect(page.locator("tr.audit-rij").filter(has_text="Inschrijvingen behouden")).to_have_count(1)
