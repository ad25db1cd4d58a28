"""A new practice confirms its e-mail address before its first SMS: a throwaway sign-up with a
made-up address gets no trial texts. Driven as people drive it: the sign-up and Plekken event
handlers with the client's cookie, the link from the console mail through the HTTP route."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import timedelta

import pytest
import time_machine
from sqlmodel import select
from starlette.testclient import TestClient

from pakjeplekje import clock
from pakjeplekje.adapters.mail import ConsoleOutbox
from pakjeplekje.db import session_scope
from pakjeplekje.domain import billing
from pakjeplekje.domain.accounts import email_confirmation
from pakjeplekje.domain.accounts.sessions import start_session
from pakjeplekje.domain.waitlist import patients
from pakjeplekje.models import AuditEvent, Practice, Slot, Treatment, User
from pakjeplekje.services.demo import DEMO_EMAIL, seed_demo, waiting_patient
from pakjeplekje.ui.state.email_confirmation import EmailConfirmationState
from pakjeplekje.ui.state.slots import SlotsState
from pakjeplekje.web.api import create_api
from tests.conftest import AppEnv, Factory
from tests.test_signup_abuse import PASSWORD, signup_from
from tests.test_state_events import connected, run
from tests.test_trial_sms import slot_day

LINK = re.compile(r"https?://\S+/account/bevestigen\?token=\S+")


@dataclass(frozen=True)
class NewPractice:
    practice_id: int
    email: str
    owner_token: str
    treatment_id: int


@pytest.fixture
def client(app_env: AppEnv) -> Iterator[TestClient]:
    with TestClient(create_api()) as test_client:
        yield test_client


def sign_up(app_env: AppEnv, name: str = "Nieuw") -> NewPractice:
    """Sign up through the event handler; the owner's session and one waiting patient."""
    email = f"eigenaar@{name.lower()}.nl"
    state = signup_from("192.0.2.10")
    run(
        state.submit(
            {
                "practice_name": f"Tandartspraktijk {name}",
                "name": "Olga Eigenaar",
                "email": email,
                "password": PASSWORD,
            }
        )
    )
    assert state.error == ""
    with session_scope() as db:
        owner = db.exec(select(User).where(User.email == email)).one()
        treatment = db.exec(
            select(Treatment.id).where(Treatment.practice_id == owner.practice_id)
        ).first()
        assert treatment is not None
        patients.insert(
            db, owner.practice_id, waiting_patient("Anna", "+31612345678", treatment), clock.now()
        )
        return NewPractice(
            owner.practice_id, email, start_session(db, owner, clock.now()), treatment
        )


def mails_to(app_env: AppEnv, email: str) -> list[dict]:
    return [m for m in ConsoleOutbox(app_env.data_dir).messages() if m["to"] == email]


def link_in(mail: dict) -> str:
    found = LINK.search(mail["body"])
    assert found, mail["body"]
    return found.group(0)


def preview(place: NewPractice) -> SlotsState:
    state = connected(SlotsState, place.owner_token)
    run(state.load())
    run(
        state.preview(
            {
                "day": slot_day(),
                "start": "10:30",
                "duration": "30",
                "treatment": str(place.treatment_id),
                "practitioner": "",
            }
        )
    )
    return state


def path_of(link: str) -> str:
    return "/" + link.split("://", 1)[1].split("/", 1)[1]


def test_a_new_practice_confirms_its_email_before_it_can_open_a_slot(
    app_env: AppEnv, client: TestClient
) -> None:
    place = sign_up(app_env)
    [mail] = mails_to(app_env, place.email)
    assert "bevestig" in mail["subject"].lower()
    link = link_in(mail)

    refused = preview(place)
    assert refused.error == billing.UNCONFIRMED and not refused.previewing
    run(refused.open_slot())  # a tampered client skipping the preview gets no further
    with session_scope() as db:
        assert db.exec(select(Slot)).all() == []
        assert not billing.entitlement(db, place.practice_id, clock.now()).can_send_sms

    shown = client.get(path_of(link))  # a mail scanner's GET changes nothing
    assert shown.status_code == 200 and "<form" in shown.text
    assert preview(place).error == billing.UNCONFIRMED

    confirmed = client.post(path_of(link))
    assert confirmed.status_code == 200 and "bevestigd" in confirmed.text
    allowed = preview(place)
    assert allowed.error == "" and allowed.previewing and allowed.match_total == 1
    with session_scope() as db:
        actions = db.exec(select(AuditEvent.action)).all()
        assert "practice.email_confirmed" in actions

    again = client.post(path_of(link))  # single use
    assert again.status_code == 400 and "al gebruikt" in again.text
    assert client.post("/account/bevestigen?token=verzonnen").status_code == 400


def test_the_dashboard_says_what_to_do_and_sends_the_link_again(
    app_env: AppEnv, client: TestClient, factory: Factory, frozen_clock: time_machine.Coordinates
) -> None:
    place = sign_up(app_env, "Opnieuw")
    banner = connected(EmailConfirmationState, place.owner_token)
    run(banner.load())
    assert banner.pending and banner.owner and banner.email == place.email

    run(banner.resend())
    assert banner.error == "" and place.email in banner.notice
    first, second = (link_in(m) for m in reversed(mails_to(app_env, place.email)))
    assert first != second
    run(banner.resend())
    run(banner.resend())  # the sign-up mail and two more in an hour; then a pause
    assert banner.error.startswith("U heeft het afgelopen uur al")
    assert len(mails_to(app_env, place.email)) == email_confirmation.MAILS_PER_HOUR

    with session_scope() as db:  # a colleague cannot send it (to the owner's address)
        practice = db.get(Practice, place.practice_id)
        assert practice is not None
        staff = factory.user(db, practice, "assistent@opnieuw.nl")
        staff_token = start_session(db, staff, clock.now())
    colleague = connected(EmailConfirmationState, staff_token)
    run(colleague.load())
    assert colleague.pending and not colleague.owner
    run(colleague.resend())
    assert colleague.error and len(mails_to(app_env, place.email)) == 3

    assert client.post(path_of(second)).status_code == 200  # an older link works as well
    run(banner.load())
    assert not banner.pending
    frozen_clock.shift(timedelta(hours=2))
    run(banner.resend())
    assert banner.error == "Het e-mailadres is al bevestigd."


def test_a_link_older_than_a_week_has_expired(
    app_env: AppEnv, client: TestClient, frozen_clock: time_machine.Coordinates
) -> None:
    place = sign_up(app_env, "Laat")
    [mail] = mails_to(app_env, place.email)
    frozen_clock.shift(email_confirmation.VALIDITY + timedelta(minutes=1))
    late = client.post(path_of(link_in(mail)))
    assert late.status_code == 400 and "verlopen" in late.text
    with session_scope() as db:  # a week later the owner logs in again
        owner = db.exec(select(User).where(User.email == place.email)).one()
        token = start_session(db, owner, clock.now())
    assert preview(replace(place, owner_token=token)).error == billing.UNCONFIRMED


def test_the_demo_practice_counts_as_confirmed(app_env: AppEnv) -> None:
    with session_scope() as db:
        assert seed_demo(db)
    with session_scope() as db:
        owner = db.exec(select(User).where(User.email == DEMO_EMAIL)).one()
        assert billing.entitlement(db, owner.practice_id, clock.now()).can_open_slots
