"""The calendar feed in the browser: the owner makes the secret link on Instellingen, reads it
off the screen, and an agenda program fetching it sees the filled slot; after "Intrekken" the
same link answers 404."""

from __future__ import annotations

import re
from datetime import timedelta

from playwright.sync_api import Page, expect

from pakjeplekje import routes
from tests.browser.flows import App, signed_up_owner, toasts


def filled_slot(app: App, owner_email: str, patient: str) -> None:
    """A slot of the owner's practice won by `patient` the day after tomorrow, straight into
    the app's database (set-up, not the subject: claiming has its own browser tests)."""
    from sqlmodel import Session, select

    from pakjeplekje import clock
    from pakjeplekje.db import make_engine
    from pakjeplekje.domain.waitlist import patients
    from pakjeplekje.models import Slot, Treatment, User
    from pakjeplekje.services.demo import waiting_patient

    engine = make_engine(f"sqlite:///{app.data_dir / 'pakjeplekje.db'}")
    now = clock.now()
    with Session(engine) as db:
        practice_id = db.exec(select(User.practice_id).where(User.email == owner_email)).one()
        treatment = db.exec(
            select(Treatment.id).where(
                Treatment.practice_id == practice_id, Treatment.name == "controle"
            )
        ).one()
        entry = patients.insert(
            db, practice_id, waiting_patient(patient, "+31687654321", treatment), now
        )
        db.add(
            Slot(
                practice_id=practice_id,
                starts_at=now + timedelta(days=2),
                duration_minutes=30,
                treatment_id=treatment,
                created_at=now - timedelta(minutes=20),
                status="claimed",
                claimed_at=now - timedelta(minutes=5),
                claimed_via="page",
                claimed_patient_id=entry.id,
            )
        )
        db.commit()
    engine.dispose()


def test_owner_makes_reads_and_revokes_the_feed_link(page: Page, app: App) -> None:
    owner = signed_up_owner(page, app, "Tandartspraktijk De Kalender")
    filled_slot(app, owner, "Anna Agenda")
    page.goto(app.url(routes.SETTINGS))
    card = page.locator("#agenda-koppeling")
    expect(card.get_by_role("heading", name="Agenda-koppeling (iCal)")).to_be_visible()
    expect(card.get_by_text("Er is nog geen link.")).to_be_visible()
    card.get_by_role("button", name="Link maken").click()
    field = card.get_by_label("Link van de agenda-koppeling")
    expect(field).to_have_value(re.compile(r"^http://localhost:\d+/agenda/[\w-]{43}\.ics$"))
    url = field.input_value()
    expect(card.get_by_text("hij wordt maar één keer getoond", exact=False)).to_be_visible()

    feed = page.request.get(url)
    assert feed.status == 200
    assert feed.headers["content-type"].startswith("text/calendar")
    body = feed.text()
    assert "SUMMARY:Gevuld via PakJePlekje: Controle" in body
    assert "Anna Agenda" in body and "+31687654321" not in body

    page.reload()  # shown once: after a reload the link is live but gone from the screen
    expect(card.get_by_text("Er is een actieve link.", exact=False)).to_be_visible()
    expect(card.get_by_label("Link van de agenda-koppeling")).to_have_count(0)
    assert page.request.get(url).status == 200

    card.get_by_role("button", name="Intrekken").click()
    expect(toasts(page).filter(has_text="Link ingetrokken")).to_be_visible()
    expect(card.get_by_text("Er is nog geen link.")).to_be_visible()
    assert page.request.get(url).status == 404
