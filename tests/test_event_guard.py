"""Every handler the app registers, called the way a hostile websocket client can call it.

Reflex registers every public state method as a handler that any client may call with any
payload. These tests do not list the handlers we know: they walk what the app registered, so a
new handler that skips the guard (or a helper left public) turns this file red.
The same calls over a real socket against the prod build: tests/browser/test_stranger.py.
"""

from __future__ import annotations

import inspect
import logging
import typing
from typing import Any

import pytest
import reflex as rx
from reflex_base.event.processor.base_state_processor import _prepare_event_payload
from reflex_base.registry import RegisteredEventHandler, RegistrationContext
from sqlalchemy import func, select
from sqlmodel import SQLModel

import pakjeplekje.app  # noqa: F401  (importing the app registers every state)
from pakjeplekje import clock
from pakjeplekje.db import session_scope
from pakjeplekje.domain.accounts.sessions import start_session
from pakjeplekje.domain.errors import PermissionDenied
from pakjeplekje.ui.state.guard import (
    BAD_REQUEST,
    OWNER,
    PUBLIC,
    STAFF,
    error_var,
    framework_error,
    guard_kind,
    staff_event,
)
from tests.conftest import AppEnv, Factory
from tests.test_state_events import connected, run

# Open to strangers on purpose: the forms before logging in, the page guards, the boot flag.
PUBLIC_BY_DESIGN = {
    "AcceptInviteState.load",
    "AcceptInviteState.submit",
    "ForgotPasswordState.load",
    "ForgotPasswordState.submit",
    "LoginState.load",
    "LoginState.submit",
    "ResetPasswordState.load",
    "ResetPasswordState.submit",
    "SessionState.require_login",
    "SessionState.require_owner",
    "SignupState.submit",
    "UiState.boot",
}


def _ours() -> dict[str, RegisteredEventHandler]:
    """`State.handler` → registration, for every handler of our own states except `setvar`
    (Reflex's generic setter; with auto-setters off it sets nothing, see the last test)."""
    found = {}
    for registered in RegistrationContext.get().event_handlers.values():
        handler = registered.handler
        state = handler.state
        if state is None or not state.__module__.startswith("pakjeplekje."):
            continue
        if handler.fn.__name__ == "setvar":
            continue
        found[f"{state.__name__}.{handler.fn.__name__}"] = registered
    return found


def _client_params(registered: RegisteredEventHandler) -> dict[str, Any]:
    """The arguments a client sends, with their type hints (self and the actor excluded)."""
    fn = registered.handler.fn
    hints = typing.get_type_hints(fn)
    names = list(inspect.signature(fn).parameters)[1:]
    return {name: hints.get(name, Any) for name in names}


HANDLERS = _ours()
STAFF_HANDLERS = sorted(
    name for name, r in HANDLERS.items() if guard_kind(r.handler) in (STAFF, OWNER)
)
OWNER_HANDLERS = sorted(name for name, r in HANDLERS.items() if guard_kind(r.handler) == OWNER)
WITH_ARGUMENTS = [name for name in STAFF_HANDLERS if _client_params(HANDLERS[name])]


def _plausible(hint: Any) -> Any:
    origin = typing.get_origin(hint) or hint
    if origin is bool:
        return True
    if origin is int:
        return 1
    if origin is dict:
        return {"name": "x", "email": "a@b.nl", "password": "x"}
    if origin is list:
        return []
    return "1"


def _wrong(hint: Any) -> Any:
    """A value of another type than the hint allows (what a tampered frame carries)."""
    origin = typing.get_origin(hint) or hint
    if origin is dict:
        return "notadict"
    if origin is str or hint == (str | int):
        return {"nested": ["x"]}
    return "abc"


async def _send(state: rx.State, registered: RegisteredEventHandler, payload: dict) -> Any:
    """What Reflex does with a frame: transform the payload by the hints, then call."""
    handler = registered.handler
    return await handler.fn(state, **_prepare_event_payload(handler, payload))


def _state_for(registered: RegisteredEventHandler, token: str | None) -> rx.State:
    state_cls = registered.handler.state
    assert state_cls is not None
    return connected(state_cls, token)


def _row_counts() -> dict[str, int]:
    with session_scope() as db:
        return {
            table.name: db.execute(select(func.count()).select_from(table)).scalar_one()
            for table in SQLModel.metadata.sorted_tables
        }


def _spec_text(result: object) -> str:
    return repr(result)


def test_every_registered_handler_is_guarded_or_public_by_design() -> None:
    assert len(HANDLERS) > 60  # the walk found the app's handlers, not an empty registry
    unguarded = sorted(name for name, r in HANDLERS.items() if guard_kind(r.handler) is None)
    assert unguarded == [], "use @staff_event, @owner_event or @public_event"
    public = {name for name, r in HANDLERS.items() if guard_kind(r.handler) == PUBLIC}
    assert public == PUBLIC_BY_DESIGN


def test_refusals_go_to_a_var_the_state_has() -> None:
    """`error="..."` names a text var of the handler's own state (a typo would be a toast)."""
    named = {name: error_var(r.handler) for name, r in HANDLERS.items() if error_var(r.handler)}
    assert len(named) > 20
    for name, var in named.items():
        state = HANDLERS[name].handler.state
        assert state is not None
        assert state.__fields__[var].default == "", f"{name}: {var}"  # type: ignore[index]


def test_a_background_event_cannot_name_an_error_var() -> None:
    """Outside `async with self` a background state is read-only: refusals there are toasts."""
    with pytest.raises(TypeError, match="background"):

        @staff_event(error="error", background=True)
        async def poll(self: rx.State, actor: object) -> None: ...


def test_owner_pages_are_owner_events() -> None:
    """Team, Abonnement and the audit log: a staff member is refused before any work."""
    for state in ("TeamState", "BillingState", "AuditLogState"):
        assert {n for n in HANDLERS if n.startswith(f"{state}.")} <= set(OWNER_HANDLERS), state
    assert {"PrivacyState.delete_practice", "PrivacyState.download"} <= set(OWNER_HANDLERS)


def test_helpers_are_private() -> None:
    """What live.py calls on other tabs' states must not be callable from a browser."""
    assert "SlotsState._reload" not in HANDLERS and "SlotsState.reload" not in HANDLERS
    assert "DashboardState.reload" not in HANDLERS
    for name in HANDLERS:
        assert not name.split(".")[1].startswith("_")


@pytest.fixture
def owner_token(app_env: AppEnv, factory: Factory) -> str:
    with session_scope() as db:
        practice = factory.practice(db, "Tandartspraktijk Gamma")
        owner = factory.user(db, practice, "eigenaar@gamma.nl", role="owner")
        return start_session(db, owner, clock.now())


@pytest.mark.parametrize("name", STAFF_HANDLERS)
@pytest.mark.parametrize("token", [None, "vervalst-token"])
def test_staff_handlers_send_strangers_to_login_and_change_nothing(
    app_env: AppEnv, name: str, token: str | None
) -> None:
    registered = HANDLERS[name]
    state = _state_for(registered, token)
    payload = {arg: _plausible(hint) for arg, hint in _client_params(registered).items()}
    before = _row_counts()
    result = run(_send(state, registered, payload))
    assert "/inloggen?melding=" in _spec_text(result)
    assert state.dirty_vars == set()  # nothing on the page changed either
    assert _row_counts() == before


@pytest.fixture
def staff_token(app_env: AppEnv, factory: Factory) -> str:
    with session_scope() as db:
        practice = factory.practice(db, "Tandartspraktijk Delta")
        staff = factory.user(db, practice, "assistent@delta.nl", role="staff")
        return start_session(db, staff, clock.now())


@pytest.mark.parametrize("name", OWNER_HANDLERS)
def test_owner_handlers_refuse_staff_and_change_nothing(staff_token: str, name: str) -> None:
    registered = HANDLERS[name]
    state = _state_for(registered, staff_token)
    payload = {arg: _plausible(hint) for arg, hint in _client_params(registered).items()}
    before = _row_counts()
    result = run(_send(state, registered, payload))
    refusal = PermissionDenied().message
    var = error_var(registered.handler)
    if var is None:
        assert refusal in _spec_text(result)
        assert state.dirty_vars == set()
    else:
        assert getattr(state, var) == refusal
        assert state.dirty_vars == {var}
    assert _row_counts() == before


@pytest.mark.parametrize("name", WITH_ARGUMENTS)
def test_wrong_types_get_a_dutch_message_and_no_traceback(
    owner_token: str, name: str, caplog: pytest.LogCaptureFixture
) -> None:
    registered = HANDLERS[name]
    params = _client_params(registered)
    before = _row_counts()
    for arg, hint in params.items():
        state = _state_for(registered, owner_token)
        payload = {a: _plausible(h) for a, h in params.items()} | {arg: _wrong(hint)}
        with caplog.at_level(logging.INFO):
            result = run(_send(state, registered, payload))
        assert BAD_REQUEST in _spec_text(result), f"{name}({arg}={_wrong(hint)!r})"
        assert state.dirty_vars == set()
    assert _row_counts() == before
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]


@pytest.mark.parametrize("name", sorted(HANDLERS))
def test_missing_and_unknown_arguments_are_refused(owner_token: str, name: str) -> None:
    registered = HANDLERS[name]
    params = _client_params(registered)
    state = _state_for(registered, owner_token)
    if params:  # one argument short
        payload = {a: _plausible(h) for a, h in list(params.items())[:-1]}
        assert BAD_REQUEST in _spec_text(run(_send(state, registered, payload)))
    extra = {a: _plausible(h) for a, h in params.items()} | {"practice_id": 2}
    assert BAD_REQUEST in _spec_text(run(_send(state, registered, extra)))


@pytest.mark.parametrize(
    ("name", "payload"),
    [
        ("WaitlistState.go_to_page", {"page": "abc"}),
        ("AuditLogState.go_to_page", {"page": "abc"}),
        ("SignupState.submit", {"form": "notadict"}),
        ("SlotsState.preview", {"form": "notadict"}),
        ("LoginState.submit", {"form": {"email": "a@b.nl", "password": "\ud800wachtwoord"}}),
        ("SignupState.submit", {"form": {"password": "\udfff" * 20, "email": "a@b.nl"}}),
    ],
)
def test_the_tampered_payloads_from_the_report(
    owner_token: str, name: str, payload: dict, caplog: pytest.LogCaptureFixture
) -> None:
    registered = HANDLERS[name]
    before = _row_counts()
    result = run(_send(_state_for(registered, owner_token), registered, payload))
    assert BAD_REQUEST in _spec_text(result)
    assert _row_counts() == before
    assert not [r for r in caplog.records if r.exc_info]


def test_reflex_own_handlers_fed_nonsense_log_one_line_without_the_request(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """`setvar` and friends raise inside Reflex; its default handler logs the whole request,
    cookie included. Ours logs the exception's type and answers in Dutch."""
    with caplog.at_level(logging.WARNING):
        result = framework_error(AttributeError("pjp_sessie=geheim-token"))
    assert BAD_REQUEST in _spec_text(result)
    assert "geheim-token" not in caplog.text
    assert [r.getMessage() for r in caplog.records] == [
        "event refused by the framework: AttributeError"
    ]
    assert not [r for r in caplog.records if r.exc_info]
