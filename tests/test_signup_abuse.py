"""Sign-up as a script would abuse it: many practices from one client, each with its trial.

Driven through the sign-up event handler as the websocket calls it, with the client address
the handshake carries; the counters live in the database (they survive a restart).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import reflex as rx
import time_machine
from reflex import constants
from reflex.state import State
from sqlmodel import select

from pakjeplekje.db import session_scope
from pakjeplekje.models import LoginThrottle, User
from pakjeplekje.ui.state.auth import SignupState
from tests.conftest import AppEnv
from tests.test_state_events import run

PASSWORD = "een lange zin als wachtwoord"
TOO_MANY = "Te veel aanmeldingen vanaf dit adres"


def signup_from(client_ip: str) -> SignupState:
    """The sign-up state of a websocket opened from `client_ip` (no session cookie)."""
    root = State()
    root.router_data = {constants.RouteVar.HEADERS: {}, constants.RouteVar.CLIENT_IP: client_ip}
    root._update_router_vars(root.router_data, {})
    return root.get_substate(SignupState.get_full_name().split(".")[1:])  # type: ignore[return-value]


def form(n: int, password: str = PASSWORD) -> dict[str, str]:
    return {
        "practice_name": f"Tandartspraktijk Nummer {n}",
        "name": "Eva Eigenaar",
        "email": f"eva{n}@example.nl",
        "password": password,
    }


def signed_up(email: str) -> bool:
    with session_scope() as db:
        return db.exec(select(User.id).where(User.email == email)).first() is not None


@pytest.fixture
def limit_three(app_env: AppEnv, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SIGNUPS_PER_CLIENT_PER_HOUR", "3")
    app_env.reload()


@pytest.mark.usefixtures("limit_three")
def test_sign_ups_are_throttled_per_client_with_a_dutch_message(
    frozen_clock: time_machine.Coordinates,
) -> None:
    fumbled = signup_from("203.0.113.7")
    run(fumbled.submit(form(0, password="kort")))  # a failed attempt counts too
    assert fumbled.error and not signed_up("eva0@example.nl")
    for n in (1, 2):
        state = signup_from("203.0.113.7")
        assert isinstance(run(state.submit(form(n))), rx.event.EventSpec)
        assert state.error == "" and signed_up(f"eva{n}@example.nl")

    refused = signup_from("203.0.113.7")
    assert run(refused.submit(form(3))) is None
    assert refused.error.startswith(TOO_MANY)
    assert not signed_up("eva3@example.nl")  # nothing written

    other = signup_from("198.51.100.4")  # another client is not affected
    run(other.submit(form(4)))
    assert other.error == "" and signed_up("eva4@example.nl")

    frozen_clock.shift(timedelta(minutes=59))
    still = signup_from("203.0.113.7")
    run(still.submit(form(5)))
    assert still.error.startswith(TOO_MANY)
    frozen_clock.shift(timedelta(minutes=62))  # an hour after the lock: welcome again
    later = signup_from("203.0.113.7")
    run(later.submit(form(6)))
    assert later.error == "" and signed_up("eva6@example.nl")


@pytest.mark.usefixtures("limit_three")
def test_the_sign_up_counter_lives_in_the_database_without_the_address() -> None:
    run(signup_from("203.0.113.9").submit(form(7)))
    with session_scope() as db:
        keys = db.exec(select(LoginThrottle.key)).all()
    assert len(keys) == 1 and "203.0.113.9" not in keys[0]
