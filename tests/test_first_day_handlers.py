"""A receptionist's first day, through the event handlers the pages call: the dashboard's
first-steps checklist, and the slot form that empties only after the texts went out."""

from __future__ import annotations

from dataclasses import asdict

from pakjeplekje import clock
from pakjeplekje.db import session_scope
from pakjeplekje.domain.accounts import email_confirmation, onboarding
from pakjeplekje.ui.state.dashboard import DashboardState
from pakjeplekje.ui.state.practice_settings import PracticeSettingsState
from tests.conftest import AppEnv
from tests.test_email_confirmation import preview, sign_up
from tests.test_state_events import connected, run


def test_the_dashboard_lists_the_first_steps_until_they_are_done(app_env: AppEnv) -> None:
    place = sign_up(app_env, "Eerstedag")  # one waiting patient already on the list
    dash = connected(DashboardState, place.owner_token)
    run(dash.load())
    assert [(s.key, s.done, s.current) for s in dash.first_steps] == [
        (onboarding.PATIENTS, True, False),
        (onboarding.SETTINGS, False, True),
        (onboarding.FIRST_SLOT, False, False),
    ]
    assert dash.steps_done == 1
    assert dash.sms_inbox == "/dev/sms"  # dev, console SMS: where the texts show up

    settings = connected(PracticeSettingsState, place.owner_token)
    run(settings.load())
    run(settings.save_outreach({**asdict(settings.outreach), "sender": "Eerstedag"}))
    assert settings.outreach_error == ""
    run(dash.load())
    assert dash.steps_done == 2 and dash.first_steps[2].current

    with session_scope() as db:
        email_confirmation.mark_confirmed(db, place.practice_id, clock.now())
    slots = preview(place)
    run(slots.open_slot())
    run(dash.load())
    assert dash.first_steps == [] and dash.steps_done == 3


def test_the_slot_form_empties_after_a_send_and_keeps_a_refused_one(app_env: AppEnv) -> None:
    place = sign_up(app_env, "Formulier")
    with session_scope() as db:
        email_confirmation.mark_confirmed(db, place.practice_id, clock.now())
    state = preview(place)
    assert state.previewing and state.match_heading == "1 patiënt past"
    assert state.matches[0].recent == "0 aanbiedingen deze week"

    run(state.open_slot())
    assert state.error == "" and state.form_key == 1  # a new key: the form starts empty

    run(state.open_slot())  # nothing previewed: refused, what was typed stays
    assert state.error != "" and state.form_key == 1
