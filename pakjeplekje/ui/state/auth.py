"""The public account forms: sign up, log in, forgotten password, reset, accept invite."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import ClassVar

import reflex as rx
from sqlmodel import Session

from pakjeplekje import clock, routes
from pakjeplekje.config import get_settings
from pakjeplekje.domain.accounts import auth, email_confirmation, links, team
from pakjeplekje.domain.errors import DomainError
from pakjeplekje.services import logins
from pakjeplekje.services.unit_of_work import UnitOfWork
from pakjeplekje.ui.state.base import (
    client_id,
    in_transaction,
    in_unit_of_work,
    link,
)
from pakjeplekje.ui.state.guard import public_event
from pakjeplekje.web.session_cookie import binding_cookie_for_script

log = logging.getLogger(__name__)

NOTICES = {
    "verlopen": "Uw sessie is verlopen. Log opnieuw in.",
    "inloggen": "Log in om verder te gaan.",
    "uitgelogd": "U bent uitgelogd.",
    "verwijderd": (
        "Het account van de praktijk is verwijderd. De eigenaar krijgt een e-mail met de "
        "datum en een link om dit ongedaan te maken."
    ),
}


def _field(form: dict, name: str) -> str:
    """A text field of a submitted form; anything else counts as empty (the guard already
    refused a form that is not a dict)."""
    value = form.get(name, "")
    return value if isinstance(value, str) else ""


def _enter_app(grant: str) -> rx.event.EventSpec:
    """A full page load of the grant hand-off, in this browser only: the script first sets
    the short-lived SameSite=Strict cookie that `/api/auth/sessie` requires, so the grant
    sent to anyone else's browser logs nobody in there (login CSRF)."""
    binding = auth.login_grant_binding(get_settings().secret_key, grant)
    url = f"{routes.SESSION_GRANT}?grant={grant}"
    return rx.call_script(
        f"document.cookie = {json.dumps(binding_cookie_for_script(binding))}; "
        f"window.location.assign({json.dumps(url)})"
    )


class LoginState(rx.State):
    error: str = ""
    notice: str = ""

    @public_event
    def load(self) -> None:
        self.error = ""
        self.notice = NOTICES.get(self.router.url.query_parameters.get("melding", ""), "")

    @public_event
    async def submit(self, form: dict) -> rx.event.EventSpec | None:
        email, password, client = _field(form, "email"), _field(form, "password"), client_id(self)
        outcome = await asyncio.to_thread(logins.log_in, email, password, client)
        if outcome.grant is None:
            self.error, self.notice = outcome.error or auth.INVALID_LOGIN, ""
            return None
        self.error = ""
        return _enter_app(outcome.grant)


class SignupState(rx.State):
    error: str = ""

    @public_event(error="error")
    async def submit(self, form: dict) -> rx.event.EventSpec | None:
        client, settings = client_id(self), get_settings()
        # counted in a transaction of its own: a refused sign-up still counts
        await in_transaction(
            lambda db: auth.count_signup_attempt(
                db,
                client=client,
                secret=settings.secret_key,
                limit=settings.signups_per_client_per_hour,
                now=clock.now(),
            )
        )

        def work(uow: UnitOfWork) -> str:
            now, db = clock.now(), uow.db
            user = auth.sign_up(
                db,
                practice_name=_field(form, "practice_name"),
                name=_field(form, "name"),
                email=_field(form, "email"),
                password=_field(form, "password"),
                now=now,
            )
            # before the 1st SMS; if the mail fails, "stuur opnieuw" is on the dashboard
            uow.send_mail(email_confirmation.start(db, user, link, now))
            return auth.issue_login_grant(db, user, now)

        grant = await in_unit_of_work(work)
        self.error = ""
        return _enter_app(grant)


class ForgotPasswordState(rx.State):
    error: str = ""
    sent: bool = False

    @public_event
    def load(self) -> None:
        self.error, self.sent = "", False

    @public_event(error="error")
    async def submit(self, form: dict) -> None:
        client, secret = client_id(self), get_settings().secret_key
        await in_unit_of_work(
            lambda uow: auth.request_password_reset(
                uow.db,
                email=_field(form, "email"),
                client=client,
                secret=secret,
                send_mail=uow.send_mail,
                link=link,
                now=clock.now(),
            )
        )
        self.error, self.sent = "", True


class _LinkFormState(rx.State, mixin=True):
    """A page reached through a single-use e-mailed link (?token=…)."""

    purpose: ClassVar[str] = ""
    _token: str = ""
    link_error: str = ""
    error: str = ""
    email: str = ""
    checked: bool = False

    @public_event
    async def load(self) -> None:
        self._token = self.router.url.query_parameters.get("token", "")
        self.error, self.checked = "", False
        token, purpose = self._token, self.purpose
        try:
            self.email = await in_transaction(
                lambda db: links.check(db, token, purpose, clock.now()).email
            )
            self.link_error = ""
        except DomainError as exc:
            self.email, self.link_error = "", exc.message
        self.checked = True

    def _complete(self, db: Session, password: str) -> str:
        raise NotImplementedError

    @public_event(error="error")
    async def submit(self, form: dict) -> rx.event.EventSpec | None:
        password = _field(form, "password")
        if password != _field(form, "password_repeat"):
            self.error = "De twee wachtwoorden zijn niet gelijk."
            return None
        grant = await in_transaction(lambda db: self._complete(db, password))
        return _enter_app(grant)


class ResetPasswordState(_LinkFormState, rx.State):
    purpose: ClassVar[str] = "reset"

    def _complete(self, db: Session, password: str) -> str:
        now = clock.now()
        user = auth.reset_password(db, token=self._token, password=password, now=now)
        return auth.issue_login_grant(db, user, now)


class AcceptInviteState(_LinkFormState, rx.State):
    purpose: ClassVar[str] = "invite"

    def _complete(self, db: Session, password: str) -> str:
        now = clock.now()
        user = team.accept_invite(db, token=self._token, password=password, now=now)
        return auth.issue_login_grant(db, user, now)
