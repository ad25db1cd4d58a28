"""What a person does in the app, as reusable steps for the browser tests."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from tests import timeplan


@dataclass(frozen=True)
class App:
    base_url: str
    port: int
    data_dir: Path

    def url(self, path: str) -> str:
        return self.base_url + path


def unique_email(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}@example.nl"


PASSWORD = "een lange zin als wachtwoord"


def sign_up(
    page,
    app: App,
    *,
    practice: str,
    name: str,
    email: str,  # type: ignore[no-untyped-def]
    password: str = PASSWORD,
) -> None:
    page.goto(app.url("/account-aanmaken"))
    page.get_by_label("Naam van de praktijk").fill(practice)
    page.get_by_label("Uw naam").fill(name)
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Wachtwoord").fill(password)
    page.get_by_role("button", name="Account aanmaken").click()


def log_in(page, app: App, email: str, password: str = PASSWORD) -> None:  # type: ignore[no-untyped-def]
    page.goto(app.url("/inloggen"))
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Wachtwoord").fill(password)
    page.get_by_role("button", name="Inloggen").click()


def link_from_dev_mail(page, app: App, to: str, path: str) -> str:  # type: ignore[no-untyped-def]
    """Opens /dev/mail like a developer would and returns the newest link to `path` for `to`."""
    page.goto(app.url("/dev/mail"))
    mail = page.locator("article.mail").filter(has=page.locator(".to", has_text=to)).first
    href = mail.locator(f"a[href*='{path}']").first.get_attribute("href")
    assert href and path in href
    return href


def signed_up_owner(page, app: App, practice: str) -> str:  # type: ignore[no-untyped-def]
    """A new practice whose owner is logged in on `page`, its e-mail address confirmed;
    returns the owner's e-mail. (Confirming through the mail: test_email_confirmation.)"""
    email = unique_email("eigenaar")
    sign_up(page, app, practice=practice, name="Olga Eigenaar", email=email)
    page.wait_for_url(re.compile(r"/dashboard"))
    confirm_email(app, email)
    return email


def confirm_email(app: App, owner_email: str) -> None:
    """Mark the owner's practice confirmed in the app's database (set-up, not the subject)."""
    from sqlmodel import Session, select

    from pakjeplekje import clock
    from pakjeplekje.db import make_engine
    from pakjeplekje.domain.accounts import email_confirmation
    from pakjeplekje.models import User

    engine = make_engine(f"sqlite:///{app.data_dir / 'pakjeplekje.db'}")
    with Session(engine) as db:
        practice_id = db.exec(select(User.practice_id).where(User.email == owner_email)).one()
        email_confirmation.mark_confirmed(db, practice_id, clock.now())
        db.commit()
    engine.dispose()


def seed_patients(
    app: App,
    owner_email: str,
    count: int,
    *,
    quiet_hours: tuple[int, int] = (0, 0),
    wave_mode: str = "vast",
) -> None:
    """Put `count` waiting patients straight into the app's database (set-up, not the subject),
    and set the practice's quiet hours (minutes since local midnight) and wave mode. No quiet
    hours by default: the run may start at night (`TEST_NOW`), and a test of the loop expects
    its texts to go out. Fixed waves by default: those tests count 5 texts a wave (adaptive
    waves, the product's default, have test_saying_no.py)."""
    from sqlmodel import Session, select

    from pakjeplekje import clock
    from pakjeplekje.db import make_engine
    from pakjeplekje.domain.waitlist import patients
    from pakjeplekje.models import Practice, Treatment, User
    from pakjeplekje.services.demo import waiting_patient

    engine = make_engine(f"sqlite:///{app.data_dir / 'pakjeplekje.db'}")
    with Session(engine) as db:
        practice_id = db.exec(select(User.practice_id).where(User.email == owner_email)).one()
        practice = db.get(Practice, practice_id)
        assert practice is not None
        practice.quiet_start_minute, practice.quiet_end_minute = quiet_hours
        practice.wave_mode = wave_mode
        db.add(practice)
        treatment = db.exec(
            select(Treatment.id).where(Treatment.practice_id == practice_id)
        ).first()
        for i in range(count):
            clean = waiting_patient(f"Seed Patiënt {i:03d}", f"+316{20000000 + i}", treatment)
            patients.insert(db, practice_id, clean, clock.now())
        db.commit()
    engine.dispose()


def add_patient(app: App, owner_email: str, name: str, phone: str) -> None:
    """One waiting patient with this name and (unique) mobile number on the owner's practice's
    waitlist, straight into the app's database (set-up, not the subject)."""
    from sqlmodel import Session, select

    from pakjeplekje import clock
    from pakjeplekje.db import make_engine
    from pakjeplekje.domain.waitlist import patients
    from pakjeplekje.models import Treatment, User
    from pakjeplekje.services.demo import waiting_patient

    engine = make_engine(f"sqlite:///{app.data_dir / 'pakjeplekje.db'}")
    with Session(engine) as db:
        practice_id = db.exec(select(User.practice_id).where(User.email == owner_email)).one()
        treatment = db.exec(
            select(Treatment.id).where(
                Treatment.practice_id == practice_id, Treatment.name == "controle"
            )
        ).first()
        assert treatment is not None
        patients.insert(db, practice_id, waiting_patient(name, phone, treatment), clock.now())
        db.commit()
    engine.dispose()


def unique_mobile() -> str:
    """A Dutch mobile number no other test uses (the request form allows 3 codes an hour)."""
    return f"+3161{uuid.uuid4().int % 10**7:07d}"


def privacy_code(page, app: App, e164: str) -> str:  # type: ignore[no-untyped-def]
    """The code of /privacy/verzoek from the phone's inbox at /dev/sms (it leaves from a job)."""
    from urllib.parse import quote

    for _ in range(40):
        page.goto(app.url(f"/dev/sms?nummer={quote(e164)}"))
        found = re.search(r"privacyverzoek is (\d{6})", page.locator("body").inner_text())
        if found:
            return found.group(1)
        page.wait_for_timeout(500)
    raise AssertionError(f"no code for {e164}")


def next_weekday() -> date:
    """A day the seeded waitlist can come: a weekday at least two days ahead in Amsterdam, on
    the clock the app runs on (whatever instant the run starts at)."""
    from pakjeplekje import clock

    return timeplan.local_day(timeplan.weekday_at(clock.now()))


def open_slot(page, start: str) -> None:  # type: ignore[no-untyped-def]
    """Plekken: fill in a slot of 30 min for `controle`, look at the matches, send."""
    page.get_by_label("Datum").fill(next_weekday().isoformat())
    page.get_by_label("Begintijd").fill(start)
    page.locator("#treatment").select_option(label="controle")
    page.get_by_role("button", name="Bekijk wie er past").click()
    page.get_by_role("button", name="Verstuur de SMS'jes").click()


def toasts(page):  # type: ignore[no-untyped-def]
    """The notifications (rx.toast) the page shows."""
    return page.locator("[data-sonner-toast]")
