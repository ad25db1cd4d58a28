"""A practice in its free trial texts only numbers of SMS_ALLOWED_COUNTRIES: a fresh sign-up
cannot pump its 200 trial texts to expensive numbers abroad. An offer to a foreign number is
never silently lost: it is made, marked "niet verstuurd" with the reason, and shown on the
slot and the dashboard. A paying practice texts abroad as before.

Driven as staff drive it: the Plekken event handlers with the owner's session cookie, the
send job from the queue, the real twilio SDK against the fake API.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from pakjeplekje import clock
from pakjeplekje.db import session_scope
from pakjeplekje.domain import billing
from pakjeplekje.domain.accounts.practice_settings import create_default_treatments
from pakjeplekje.domain.accounts.sessions import start_session
from pakjeplekje.domain.core_loop import dashboard
from pakjeplekje.domain.offers import add_offers
from pakjeplekje.domain.waitlist import patients
from pakjeplekje.models import Offer, Patient, Slot, Subscription, Treatment
from pakjeplekje.services import jobs
from pakjeplekje.services.demo import offered_slot, waiting_patient
from pakjeplekje.ui.state.slots import SlotsState
from tests import timeplan
from tests.conftest import AppEnv, Factory
from tests.fake_twilio import twilio_texts_fixture  # noqa: F401  (fixture)
from tests.job_queue import JobQueue, job_queue_fixture  # noqa: F401  (fixture)
from tests.test_state_events import connected, run

DUTCH = ("+31612345001", "+31612345002")
BELGIAN = "+32470123456"
SKIPPED_LABEL = "niet verstuurd: buitenlands nummer (proefperiode)"

# Wave one goes out at once only outside quiet hours: the subject here is the country rule,
# so every test runs on a working morning (quiet hours themselves: test_quiet_hours).
pytestmark = pytest.mark.usefixtures("office_now")


@dataclass(frozen=True)
class Desk:
    practice_id: int
    owner_token: str
    treatment_id: int


def desk(factory: Factory, name: str, *, paying: bool) -> Desk:
    """A practice (trial or paying) with two Dutch and one Belgian patient waiting."""
    with session_scope() as db:
        practice = factory.practice(db, f"Tandartspraktijk {name}")
        assert practice.id is not None
        owner = factory.user(db, practice, f"eigenaar@{name.lower()}.nl", role="owner")
        create_default_treatments(db, practice.id)
        sub = billing.start_trial(db, practice.id, clock.now())
        if paying:
            sub.status, sub.stripe_subscription_id = "active", f"sub_{name}"
            sub.sms_included = 1000
            db.add(sub)
        db.flush()
        treatment = db.exec(
            select(Treatment.id).where(Treatment.practice_id == practice.id)
        ).first()
        assert treatment is not None
        for i, number in enumerate((*DUTCH, BELGIAN)):
            patients.insert(
                db, practice.id, waiting_patient(f"{name} {i}", number, treatment), clock.now()
            )
        return Desk(practice.id, start_session(db, owner, clock.now()), treatment)


def slot_day() -> str:
    """Two or three days ahead, local, never a Sunday (the waitlist has no Sunday cells)."""
    day = (clock.now() + timedelta(days=2)).astimezone(ZoneInfo("Europe/Amsterdam")).date()
    return (day + timedelta(days=1 if day.weekday() == 6 else 0)).isoformat()


def open_slot(place: Desk) -> SlotsState:
    """Plekken: preview a 30-minute slot two days ahead, then send."""
    state = connected(SlotsState, place.owner_token)
    run(state.load())
    form = {
        "day": slot_day(),
        "start": "10:30",
        "duration": "30",
        "treatment": str(place.treatment_id),
        "practitioner": "",
    }
    run(state.preview(form))
    assert state.error == "" and state.match_total == 3
    run(state.open_slot())
    assert state.error == ""
    return state


def test_a_trial_practice_texts_only_allowed_countries_and_shows_the_rest(
    twilio_texts: list[dict], job_queue: JobQueue, factory: Factory
) -> None:
    place = desk(factory, "Proef", paying=False)
    state = open_slot(place)
    job_queue.run()
    assert sorted(t["to"] for t in twilio_texts) == sorted(DUTCH)

    with session_scope() as db:
        offers = db.exec(
            select(Offer, Patient).join(Patient, Patient.id == Offer.patient_id)  # type: ignore[arg-type]
        ).all()
        status = {patient.phone: offer.status for offer, patient in offers}
        assert status == {DUTCH[0]: "sent", DUTCH[1]: "sent", BELGIAN: "skipped"}
        view = dashboard.overview(db, place.practice_id, clock.now())
        assert f"1 {SKIPPED_LABEL}" in view.open_slots[0].progress
    run(state.load())  # what staff see on Plekken
    labels = sorted(o.status for o in state.rows[0].offers)
    assert labels == sorted(["verstuurd", "verstuurd", SKIPPED_LABEL])


def test_a_paying_practice_texts_abroad(
    twilio_texts: list[dict], job_queue: JobQueue, factory: Factory
) -> None:
    place = desk(factory, "Betaald", paying=True)
    open_slot(place)
    job_queue.run()
    assert sorted(t["to"] for t in twilio_texts) == sorted((*DUTCH, BELGIAN))


def test_the_allowed_list_is_the_setting(
    twilio_texts: list[dict],
    job_queue: JobQueue,
    factory: Factory,
    app_env: AppEnv,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SMS_ALLOWED_COUNTRIES", "NL,BE")
    app_env.reload()
    place = desk(factory, "Grens", paying=False)
    open_slot(place)
    job_queue.run()
    assert sorted(t["to"] for t in twilio_texts) == sorted((*DUTCH, BELGIAN))
    with session_scope() as db:
        sub = db.exec(select(Subscription).where(Subscription.practice_id == place.practice_id))
        assert sub.one().stripe_subscription_id is None  # still a trial


def test_the_send_job_itself_refuses_a_foreign_number_of_a_trial(
    twilio_texts: list[dict], factory: Factory
) -> None:
    """Belt and braces: an offer queued by any other path (or while the list was wider) is
    still not texted once the rule says no."""
    place = desk(factory, "Later", paying=False)
    with session_scope() as db:
        now = clock.now()
        made = offered_slot(db, place.practice_id, 0, now, starts_at=timeplan.weekday_at(now))
        slot = db.get(Slot, made.slot_id)
        assert slot is not None
        ids = []
        for number in (BELGIAN, DUTCH[0]):
            patient = db.exec(select(Patient).where(Patient.phone == number)).one()
            [(offer, _)] = add_offers(db, slot, [patient.id], wave=1, now=clock.now())  # type: ignore[list-item]
            ids.append(offer.id)
    jobs.send_offers(ids)  # type: ignore[arg-type]
    assert [t["to"] for t in twilio_texts] == [DUTCH[0]]
    with session_scope() as db:
        assert db.get(Offer, ids[0]).status == "skipped"  # type: ignore[union-attr]
