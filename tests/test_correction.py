"""Correctie: the practice name (owner), one's own name, and an e-mail change that only takes
effect through the link sent to the new address (the old one gets a notice)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import pytest
from sqlmodel import Session, select
from starlette.applications import Starlette
from starlette.testclient import TestClient

from pakjeplekje import clock, routes
from pakjeplekje.db import session_scope
from pakjeplekje.domain.accounts import auth
from pakjeplekje.domain.accounts.passwords import hash_password
from pakjeplekje.domain.accounts.sessions import resolve_session
from pakjeplekje.domain.actor import Actor
from pakjeplekje.domain.errors import DomainError, PermissionDenied
from pakjeplekje.domain.privacy import correction
from pakjeplekje.models import AuditEvent, Practice, User
from pakjeplekje.web import privacy as api_privacy

if TYPE_CHECKING:
    from conftest import AppEnv, Factory

PASSWORD = "een lang geheim wachtwoord"


def _link(path: str) -> str:
    return "http://test" + path


def _token(body: str) -> str:
    found = re.search(r"token=([A-Za-z0-9_\-]+)", body)
    assert found, body
    return found.group(1)


def _owner(db: Session, factory: Factory) -> tuple[User, Actor]:
    practice = factory.practice(db, "Tandartspraktijk Oud")
    owner = factory.user(db, practice, "olga@oud.nl", role="owner")
    owner.password_hash = hash_password(PASSWORD)
    db.add(owner)
    db.flush()
    _, actor = factory.login(db, owner)
    return owner, actor


def _actions(db: Session, practice_id: int) -> list[str]:
    db.flush()
    return list(
        db.exec(
            select(AuditEvent.action)
            .where(AuditEvent.practice_id == practice_id)
            .order_by(AuditEvent.id)  # type: ignore[arg-type]
        ).all()
    )


def test_owner_renames_the_practice_staff_may_not(
    db: Session, factory: Factory, now: datetime
) -> None:
    owner, actor = _owner(db, factory)
    practice = db.get(Practice, owner.practice_id)
    assert practice is not None
    slug, sender = practice.slug, practice.sms_sender_name
    correction.rename_practice(db, actor, name="  Tandartspraktijk   Nieuw ", now=now)
    assert (practice.name, practice.slug, practice.sms_sender_name) == (
        "Tandartspraktijk Nieuw",
        slug,  # links already sent keep working
        sender,  # the sender name is a setting of its own (Instellingen → SMS-regels)
    )
    assert resolve_session(db, factory.login(db, owner)[0], now).practice_name == (  # type: ignore[union-attr]
        "Tandartspraktijk Nieuw"
    )
    with pytest.raises(DomainError, match="naam van de praktijk"):
        correction.rename_practice(db, actor, name="   ", now=now)
    staff = factory.user(db, practice, "sam@oud.nl")
    _, staff_actor = factory.login(db, staff)
    with pytest.raises(PermissionDenied):
        correction.rename_practice(db, staff_actor, name="Gekaapt", now=now)
    assert practice.name == "Tandartspraktijk Nieuw"
    assert _actions(db, practice.id).count("practice.name_changed") == 1  # type: ignore[arg-type]


def test_everyone_renames_themselves(db: Session, factory: Factory, now: datetime) -> None:
    owner, actor = _owner(db, factory)
    correction.rename_self(db, actor, name="Olga de Vries", now=now)
    assert owner.name == "Olga de Vries"
    with pytest.raises(DomainError):
        correction.rename_self(db, actor, name="x" * 101, now=now)
    assert owner.name == "Olga de Vries"
    assert "account.name_changed" in _actions(db, owner.practice_id)


def test_email_change_waits_for_the_link_to_the_new_address(
    db: Session, factory: Factory, now: datetime
) -> None:
    owner, actor = _owner(db, factory)
    mails = correction.request_email_change(
        db, actor, new_email=" Olga@Nieuw.NL ", password=PASSWORD, link=_link, now=now
    )
    confirm, notice = mails
    assert confirm.to == "olga@nieuw.nl" and routes.PRIVACY_CONFIRM_EMAIL in confirm.body
    assert notice.to == "olga@oud.nl" and "o***@n***" in notice.body
    assert "olga@nieuw.nl" not in notice.body and "token" not in notice.body
    # until confirmed, the old address is the login
    assert (owner.email, owner.pending_email) == ("olga@oud.nl", "olga@nieuw.nl")
    raw = _token(confirm.body)
    assert correction.check_email_change(db, raw, now).id == owner.id
    correction.confirm_email_change(db, raw, now + timedelta(hours=1))
    assert (owner.email, owner.pending_email) == ("olga@nieuw.nl", None)
    with pytest.raises(DomainError, match="al gebruikt"):
        correction.confirm_email_change(db, raw, now + timedelta(hours=1))
    actions = _actions(db, owner.practice_id)
    assert actions[-2:] == ["account.email_change_requested", "account.email_changed"]
    events = db.exec(select(AuditEvent).where(AuditEvent.action.startswith("account."))).all()  # type: ignore[attr-defined]
    assert all(e.detail is None for e in events)  # no addresses in the audit trail


def test_email_change_refusals_change_nothing(db: Session, factory: Factory, now: datetime) -> None:
    owner, actor = _owner(db, factory)
    factory.user(db, factory.practice(db), "bezet@elders.nl")
    cases = [
        ({"new_email": "olga@nieuw.nl", "password": "fout"}, "wachtwoord"),
        ({"new_email": "geen-adres", "password": PASSWORD}, "geldig e-mailadres"),
        ({"new_email": "olga@oud.nl", "password": PASSWORD}, "al uw e-mailadres"),
        ({"new_email": "BEZET@elders.nl", "password": PASSWORD}, "al een account"),
    ]
    for values, message in cases:
        with pytest.raises(DomainError, match=message):
            correction.request_email_change(db, actor, link=_link, now=now, **values)
    assert (owner.email, owner.pending_email) == ("olga@oud.nl", None)


def test_a_newer_request_or_a_cancel_kills_older_links(
    db: Session, factory: Factory, now: datetime
) -> None:
    owner, actor = _owner(db, factory)
    first = correction.request_email_change(
        db, actor, new_email="een@nieuw.nl", password=PASSWORD, link=_link, now=now
    )[0]
    second = correction.request_email_change(
        db, actor, new_email="twee@nieuw.nl", password=PASSWORD, link=_link, now=now
    )[0]
    # the link sent to een@ can never confirm twee@
    with pytest.raises(DomainError):
        correction.confirm_email_change(db, _token(first.body), now)
    correction.cancel_email_change(db, actor, now)
    assert owner.pending_email is None
    with pytest.raises(DomainError):
        correction.confirm_email_change(db, _token(second.body), now)
    assert owner.email == "olga@oud.nl"
    third = correction.request_email_change(
        db, actor, new_email="drie@nieuw.nl", password=PASSWORD, link=_link, now=now
    )[0]
    with pytest.raises(DomainError, match="verlopen"):
        correction.confirm_email_change(db, _token(third.body), now + timedelta(hours=25))


def test_address_taken_before_confirmation_is_refused(
    db: Session, factory: Factory, now: datetime
) -> None:
    _, actor = _owner(db, factory)
    mail = correction.request_email_change(
        db, actor, new_email="olga@nieuw.nl", password=PASSWORD, link=_link, now=now
    )[0]
    factory.user(db, factory.practice(db), "olga@nieuw.nl")  # someone else got it meanwhile
    with pytest.raises(DomainError, match="al een account"):
        correction.confirm_email_change(db, _token(mail.body), now)


def test_confirmation_page_get_shows_post_confirms_and_login_moves(
    app_env: AppEnv, factory: Factory
) -> None:
    with session_scope() as db:
        owner, actor = _owner(db, factory)
        mail = correction.request_email_change(
            db, actor, new_email="olga@nieuw.nl", password=PASSWORD, link=_link, now=clock.now()
        )[0]
    url = routes.PRIVACY_CONFIRM_EMAIL + "?token=" + _token(mail.body)
    with TestClient(Starlette(routes=api_privacy.routes())) as client:
        shown = client.get(url)
        assert shown.status_code == 200 and "olga@nieuw.nl" in shown.text
        with session_scope() as db:  # a GET (a mail scanner) changes nothing
            assert db.exec(select(User.email).where(User.id == owner.id)).one() == "olga@oud.nl"
        done = client.post(url)
        assert done.status_code == 200 and "E-mailadres gewijzigd" in done.text
        assert client.post(url).status_code == 400
        assert client.get(routes.PRIVACY_CONFIRM_EMAIL + "?token=onzin").status_code == 400

    def login(email: str) -> auth.LoginResult:
        with session_scope() as db:
            return auth.log_in(
                db, email=email, password=PASSWORD, client="t", secret="s", now=clock.now()
            )

    assert login("olga@nieuw.nl").user is not None
    assert login("olga@oud.nl").error == auth.INVALID_LOGIN
