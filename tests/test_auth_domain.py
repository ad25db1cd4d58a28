"""Accounts, login, sessions, links and team rules at the domain boundary, with a fixed clock.

Real database, real bcrypt (cost 12): every test pays for the hashes it needs, so set-up
inserts rows directly (the `factory` fixture) unless passwords are what is being tested.
"""

from __future__ import annotations

import hashlib
import re
import time
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from pakjeplekje.db import session_scope
from pakjeplekje.domain.accounts import auth, links
from pakjeplekje.domain.accounts import team as team_rules
from pakjeplekje.domain.accounts.passwords import (
    check_password,
    dummy_hash,
    hash_password,
    password_problem,
)
from pakjeplekje.domain.accounts.sessions import (
    ABSOLUTE_TIMEOUT,
    IDLE_TIMEOUT,
    resolve_session,
    start_session,
)
from pakjeplekje.domain.actor import Actor
from pakjeplekje.domain.emails import Email
from pakjeplekje.domain.errors import DomainError, PermissionDenied
from pakjeplekje.models import (
    AuditEvent,
    AuthSession,
    LoginThrottle,
    OneTimeToken,
    Practice,
    User,
)

if TYPE_CHECKING:
    from conftest import AppEnv, Factory

SECRET = "unit-test-secret"
PASSWORD = "Molen-Tandarts-2026!"
CLIENT = "203.0.113.7"


def link(path: str) -> str:
    return f"https://pakjeplekje.test{path}"


def token_in(mail: Email) -> str:
    found = re.search(r"token=([A-Za-z0-9_\-]+)", mail.body)
    assert found, mail.body
    return found.group(1)


def attempt(db: Session, email: str, password: str, at: datetime, client: str = CLIENT) -> str:
    """One login attempt; returns the error message, or "ok"."""
    result = auth.log_in(db, email=email, password=password, client=client, secret=SECRET, now=at)
    assert (result.user is None) == (result.error is not None)
    return result.error or "ok"


def audit_rows(db: Session) -> list[AuditEvent]:
    db.flush()
    return list(db.exec(select(AuditEvent).order_by(AuditEvent.id)).all())  # type: ignore[arg-type]


# --- sign-up and password rules ----------------------------------------------------------------


def test_sign_up_creates_practice_and_owner(db: Session, now: datetime) -> None:
    """The first account is the owner of a new practice, with a normalised e-mail and bcrypt-12."""
    user = auth.sign_up(
        db,
        practice_name="Tandartspraktijk De Molen",
        name="Sanne de Vries",
        email=" Foo@Bar.NL ",
        password=PASSWORD,
        now=now,
    )
    db.flush()
    stored = db.get(User, user.id)
    assert stored is not None
    assert stored.email == "foo@bar.nl"
    assert stored.role == "owner"
    assert stored.status == "active"
    assert stored.password_hash is not None and stored.password_hash.startswith("$2b$12$")
    assert check_password(PASSWORD, stored.password_hash)
    practice = db.get(Practice, stored.practice_id)
    assert practice is not None
    assert practice.name == "Tandartspraktijk De Molen"
    assert practice.slug == "tandartspraktijk-de-molen"
    assert [e.action for e in audit_rows(db)] == ["practice.signup"]


@pytest.mark.parametrize(
    ("password", "fragment"),
    [
        ("a" * 11, "minstens 12"),
        ("Lang-genoeg1", None),
        ("a" + "é" * 36, "te lang"),  # 37 characters, 73 bytes
        ("é" * 37, "te lang"),  # 74 bytes
        ("x" * 72, None),  # exactly bcrypt's limit
        ("passwordpassword", "veelgebruikte"),
        ("wachtwoord123", "veelgebruikte"),
        ("WachtWoord123", "veelgebruikte"),  # the list is compared case-insensitively
    ],
)
def test_password_rules(password: str, fragment: str | None) -> None:
    """Length, bcrypt's 72-byte limit and the common-password list, all with a Dutch reason."""
    problem = password_problem(password)
    if fragment is None:
        assert problem is None
    else:
        assert problem is not None and fragment in problem


def test_too_long_password_is_refused_never_raised(db: Session, factory: Factory) -> None:
    """bcrypt 5 raises beyond 72 bytes; sign-up and login must answer in Dutch instead."""
    long_password = "a" + "é" * 36
    with pytest.raises(DomainError) as refused:
        auth.sign_up(
            db,
            practice_name="Praktijk Lang",
            name="Lang",
            email="lang@praktijk.nl",
            password=long_password,
            now=factory.now,
        )
    assert refused.value.field == "password"
    assert "te lang" in refused.value.message
    assert check_password(long_password, dummy_hash()) is False
    practice = factory.practice(db)
    factory.user(db, practice, "lang2@praktijk.nl", password=PASSWORD)
    assert attempt(db, "lang2@praktijk.nl", long_password, factory.now) == auth.INVALID_LOGIN


@pytest.mark.parametrize("email", ["", "geen-email", "jan@", "@praktijk.nl", "jan@@praktijk.nl"])
def test_sign_up_refuses_invalid_email(db: Session, now: datetime, email: str) -> None:
    """Invalid addresses are pinned on the e-mail field, before anything is written."""
    with pytest.raises(DomainError) as refused:
        auth.sign_up(
            db, practice_name="Praktijk", name="Jan", email=email, password=PASSWORD, now=now
        )
    assert refused.value.field == "email"
    assert db.exec(select(func.count()).select_from(Practice)).one() == 0


def test_sign_up_refuses_duplicate_email_case_insensitively(db: Session, now: datetime) -> None:
    """A second sign-up with the same address fails whole: no orphan practice is left behind."""
    auth.sign_up(
        db,
        practice_name="Eerste",
        name="Jan",
        email="dubbel@praktijk.nl",
        password=PASSWORD,
        now=now,
    )
    practices_before = db.exec(select(func.count()).select_from(Practice)).one()
    with pytest.raises(DomainError) as refused:
        auth.sign_up(
            db,
            practice_name="Tweede",
            name="Piet",
            email="  DUBBEL@Praktijk.NL",
            password=PASSWORD,
            now=now,
        )
    assert refused.value.field == "email"
    db.flush()
    assert db.exec(select(func.count()).select_from(Practice)).one() == practices_before
    assert db.exec(select(func.count()).select_from(User)).one() == 1


# --- login and throttling ----------------------------------------------------------------------


@pytest.fixture
def owner(db: Session, factory: Factory) -> User:
    """An active owner with a real password (one bcrypt hash)."""
    practice = factory.practice(db, "Tandartspraktijk Inlog")
    return factory.user(db, practice, "eigenaar@inlog.nl", role="owner", password=PASSWORD)


def test_log_in_succeeds_and_failures_share_one_message(
    db: Session, owner: User, now: datetime
) -> None:
    """Wrong password and unknown e-mail are indistinguishable to the person trying."""
    assert attempt(db, "eigenaar@inlog.nl", "verkeerd-wachtwoord", now) == auth.INVALID_LOGIN
    assert attempt(db, "niemand@inlog.nl", PASSWORD, now) == auth.INVALID_LOGIN
    assert auth.INVALID_LOGIN == "E-mailadres of wachtwoord onjuist."
    assert attempt(db, " EIGENAAR@inlog.nl ", PASSWORD, now) == "ok"
    db.flush()
    db.refresh(owner)
    assert owner.last_login_at == now


def test_unknown_email_still_costs_a_bcrypt_check(db: Session, owner: User, now: datetime) -> None:
    """Timing must not reveal which addresses have an account: both paths verify a hash."""
    dummy_hash()  # the dummy hash is made once per process; measure only the verification
    started = time.perf_counter()
    attempt(db, "eigenaar@inlog.nl", "verkeerd-wachtwoord", now)
    known = time.perf_counter() - started
    started = time.perf_counter()
    attempt(db, "niemand@inlog.nl", "verkeerd-wachtwoord", now)
    unknown = time.perf_counter() - started
    assert known > 0.05
    assert unknown > 0.05, f"unknown e-mail took {unknown:.3f}s: no bcrypt work was done"


def test_five_failures_lock_the_account_for_fifteen_minutes(
    db: Session, owner: User, now: datetime
) -> None:
    """The fifth failure within the window locks; even the right password waits 15 minutes."""
    results = [
        attempt(db, "eigenaar@inlog.nl", "verkeerd-wachtwoord", now + timedelta(seconds=i))
        for i in range(5)
    ]
    assert results == [auth.INVALID_LOGIN] * 4 + [auth.LOCKED]
    locked_at = now + timedelta(seconds=4)
    assert attempt(db, "eigenaar@inlog.nl", PASSWORD, locked_at + timedelta(seconds=1)) == (
        auth.LOCKED
    )
    almost = locked_at + timedelta(minutes=14, seconds=59)
    assert attempt(db, "eigenaar@inlog.nl", PASSWORD, almost) == auth.LOCKED
    assert attempt(db, "eigenaar@inlog.nl", PASSWORD, locked_at + timedelta(minutes=15)) == "ok"
    keys = db.exec(select(LoginThrottle.key)).all()
    assert keys and all("eigenaar" not in key and "inlog.nl" not in key for key in keys)


def test_failures_outside_the_window_do_not_lock(db: Session, owner: User, now: datetime) -> None:
    """Only failures within 15 minutes count: a slow typo-maker is never locked out."""
    for i in range(4):
        attempt(db, "eigenaar@inlog.nl", "verkeerd-wachtwoord", now + timedelta(seconds=i))
    later = now + timedelta(minutes=16)
    assert attempt(db, "eigenaar@inlog.nl", "verkeerd-wachtwoord", later) == auth.INVALID_LOGIN
    assert attempt(db, "eigenaar@inlog.nl", PASSWORD, later + timedelta(seconds=1)) == "ok"


def test_unknown_email_locks_too(db: Session, now: datetime) -> None:
    """A lock that only existing accounts get would tell an attacker which addresses exist."""
    results = [
        attempt(db, "niemand@nergens.nl", "verkeerd-wachtwoord", now + timedelta(seconds=i))
        for i in range(6)
    ]
    assert results == [auth.INVALID_LOGIN] * 4 + [auth.LOCKED] * 2


def test_lockout_survives_new_sessions_and_a_restart(app_env: AppEnv, factory: Factory) -> None:
    """Counters live in the database: each attempt commits, a new engine still sees the lock."""
    now = factory.now
    with session_scope() as db:
        practice = factory.practice(db)
        factory.user(db, practice, "blijft@slot.nl", role="owner", password=PASSWORD)
    for i in range(5):
        with session_scope() as db:
            attempt(db, "blijft@slot.nl", "verkeerd-wachtwoord", now + timedelta(seconds=i))
    app_env.reload()  # as after a restart: new settings, new engine, new connections
    with session_scope() as db:
        assert attempt(db, "blijft@slot.nl", PASSWORD, now + timedelta(minutes=1)) == auth.LOCKED
        assert db.exec(select(func.count()).select_from(LoginThrottle)).one() >= 1


def test_twenty_failures_from_one_client_lock_that_client(
    db: Session, owner: User, now: datetime
) -> None:
    """Spraying many addresses from one client is stopped even though no account hits 5."""
    for i in range(auth.CLIENT_FAILURE_LIMIT):
        at = now + timedelta(seconds=i)
        assert attempt(db, f"poging{i}@spray.nl", "wachtwoord-gok", at) == auth.INVALID_LOGIN
    later = now + timedelta(minutes=1)
    assert attempt(db, "eigenaar@inlog.nl", PASSWORD, later) == auth.LOCKED
    assert attempt(db, "eigenaar@inlog.nl", PASSWORD, later, client="198.51.100.1") == "ok"


# --- sessions ----------------------------------------------------------------------------------


@pytest.fixture
def member(db: Session, factory: Factory) -> User:
    """An active staff member without a password: sessions do not need one."""
    return factory.user(db, factory.practice(db), "lid@sessie.nl")


def test_session_token_is_256_bits_and_only_its_hash_is_stored(
    db: Session, member: User, now: datetime
) -> None:
    """A database leak must not hand out working session cookies."""
    raw = start_session(db, member, now)
    assert len(raw) == 43 and re.fullmatch(r"[A-Za-z0-9_\-]+", raw)
    rows = db.exec(select(AuthSession)).all()
    assert [row.token_hash for row in rows] == [hashlib.sha256(raw.encode()).hexdigest()]
    for row in rows:
        for column in AuthSession.__table__.columns:  # type: ignore[attr-defined]
            assert raw not in str(getattr(row, column.key))
    assert start_session(db, member, now) != raw


def test_session_idle_expiry_is_twelve_hours(db: Session, member: User, now: datetime) -> None:
    """Activity keeps a session alive; 12 idle hours end it."""
    idle = start_session(db, member, now)
    assert resolve_session(db, idle, now + IDLE_TIMEOUT + timedelta(seconds=1)) is None
    active = start_session(db, member, now)
    assert resolve_session(db, active, now + timedelta(hours=11)) is not None
    assert resolve_session(db, active, now + timedelta(hours=22)) is not None
    assert resolve_session(db, active, now + timedelta(hours=34, seconds=1)) is None


def test_session_absolute_expiry_is_seven_days_even_when_active(
    db: Session, member: User, now: datetime
) -> None:
    """However busy the user is, the cookie stops working a week after login."""
    raw = start_session(db, member, now)
    at = now
    while at < now + ABSOLUTE_TIMEOUT - timedelta(hours=6):
        at += timedelta(hours=6)
        assert resolve_session(db, raw, at) is not None, at
    assert resolve_session(db, raw, now + ABSOLUTE_TIMEOUT - timedelta(seconds=1)) is not None
    assert resolve_session(db, raw, now + ABSOLUTE_TIMEOUT) is None


def test_resolving_touches_last_seen_at(db: Session, member: User, now: datetime) -> None:
    """last_seen_at is what idle expiry measures from, so it must reach the database."""
    raw = start_session(db, member, now)
    resolve_session(db, raw, now + timedelta(minutes=5))
    db.flush()
    db.expire_all()
    row = db.exec(select(AuthSession)).one()
    assert row.last_seen_at == now + timedelta(minutes=5)


def test_revoked_session_and_disabled_user_resolve_to_nobody(
    db: Session, member: User, now: datetime
) -> None:
    """Revocation and deactivation take effect on the very next request."""
    revoked = start_session(db, member, now)
    kept = start_session(db, member, now)
    auth.log_out(db, resolve_session(db, revoked, now), now)  # type: ignore[arg-type]
    assert resolve_session(db, revoked, now) is None
    assert resolve_session(db, kept, now) is not None
    member.status = "disabled"
    db.add(member)
    db.flush()
    assert resolve_session(db, kept, now) is None
    assert resolve_session(db, "", now) is None
    assert resolve_session(db, "x" * 300, now) is None


# --- login grants ------------------------------------------------------------------------------


def test_login_grant_is_single_use(db: Session, member: User, now: datetime) -> None:
    """A grant in a URL may leak via history; it must work exactly once."""
    grant = auth.issue_login_grant(db, member, now)
    token = auth.redeem_login_grant(db, grant, now + timedelta(seconds=1))
    actor = resolve_session(db, token, now + timedelta(seconds=1))
    assert actor is not None and actor.user_id == member.id
    with pytest.raises(DomainError, match="al gebruikt"):
        auth.redeem_login_grant(db, grant, now + timedelta(seconds=2))


def test_login_grant_expires_after_sixty_seconds(db: Session, member: User, now: datetime) -> None:
    """The browser redeems it immediately; a minute is generous, anything later is stale."""
    fresh = auth.issue_login_grant(db, member, now)
    auth.redeem_login_grant(db, fresh, now + timedelta(seconds=59))
    stale = auth.issue_login_grant(db, member, now)
    with pytest.raises(DomainError, match="verlopen"):
        auth.redeem_login_grant(db, stale, now + timedelta(seconds=60))
    with pytest.raises(DomainError, match="ongeldig"):
        auth.redeem_login_grant(db, "verzonnen-token", now)


# --- password reset ----------------------------------------------------------------------------


def request_reset(db: Session, email: str, at: datetime) -> list[Email]:
    outbox: list[Email] = []
    auth.request_password_reset(
        db, email=email, client=CLIENT, secret=SECRET, send_mail=outbox.append, link=link, now=at
    )
    return outbox


def test_reset_link_is_valid_one_hour_and_single_use(
    db: Session, member: User, now: datetime
) -> None:
    """The e-mailed link sets a new password once, within the hour."""
    [mail] = request_reset(db, "LID@sessie.nl", now)
    assert mail.to == "lid@sessie.nl"
    assert "/wachtwoord-herstellen?token=" in mail.body
    raw = token_in(mail)
    with pytest.raises(DomainError, match="minstens"):  # a refused password keeps the link
        auth.reset_password(db, token=raw, password="kort", now=now)
    almost = now + timedelta(minutes=59)
    assert links.check(db, raw, "reset", almost).id == member.id
    user = auth.reset_password(db, token=raw, password=PASSWORD, now=almost)
    assert user.password_hash is not None and check_password(PASSWORD, user.password_hash)
    with pytest.raises(DomainError, match="al gebruikt"):
        auth.reset_password(db, token=raw, password=PASSWORD, now=almost)

    [late_mail] = request_reset(db, "lid@sessie.nl", now)
    with pytest.raises(DomainError, match="verlopen"):
        auth.reset_password(
            db, token=token_in(late_mail), password=PASSWORD, now=now + timedelta(hours=1)
        )


def test_reset_revokes_every_session(db: Session, member: User, now: datetime) -> None:
    """Whoever had the old password (and its sessions) is out after a reset."""
    sessions = [start_session(db, member, now) for _ in range(2)]
    [mail] = request_reset(db, "lid@sessie.nl", now)
    auth.reset_password(db, token=token_in(mail), password=PASSWORD, now=now + timedelta(minutes=1))
    for raw in sessions:
        assert resolve_session(db, raw, now + timedelta(minutes=2)) is None


def test_reset_for_unknown_email_sends_nothing(db: Session, now: datetime) -> None:
    """No mail, no token, no error: the form must not reveal whether an account exists."""
    assert request_reset(db, "niemand@nergens.nl", now) == []
    assert db.exec(select(func.count()).select_from(OneTimeToken)).one() == 0


def test_change_password_keeps_this_session_and_ends_the_others(
    db: Session, factory: Factory, now: datetime
) -> None:
    """Changing the password logs out other devices, not the one making the change."""
    practice = factory.practice(db)
    user = factory.user(db, practice, "wissel@praktijk.nl", password=PASSWORD)
    other = start_session(db, user, now)
    current, actor = factory.login(db, user)
    with pytest.raises(DomainError) as refused:
        auth.change_password(
            db, actor, current="niet-het-wachtwoord", new="Nieuw-Geheim-2027", now=now
        )
    assert refused.value.field == "current"
    auth.change_password(db, actor, current=PASSWORD, new="Nieuw-Geheim-2027", now=now)
    assert resolve_session(db, current, now) is not None
    assert resolve_session(db, other, now) is None
    db.refresh(user)
    assert user.password_hash is not None
    assert check_password("Nieuw-Geheim-2027", user.password_hash)


# --- invites, roles, deactivation --------------------------------------------------------------


@pytest.fixture
def team(db: Session, factory: Factory) -> dict[str, User]:
    """A practice with one owner and one staff member (no passwords)."""
    practice = factory.practice(db, "Tandartspraktijk Team")
    return {
        "owner": factory.user(db, practice, "eigenaar@team.nl", role="owner"),
        "staff": factory.user(db, practice, "assistent@team.nl"),
    }


def invite(db: Session, actor: Actor, email: str, at: datetime) -> tuple[User, list[Email]]:
    outbox: list[Email] = []
    user = team_rules.invite_staff(
        db, actor, email=email, name="Nieuwe Collega", send_mail=outbox.append, link=link, now=at
    )
    return user, outbox


def test_only_owners_invite(db: Session, factory: Factory, team: dict[str, User]) -> None:
    """Staff cannot add accounts; nothing is written or sent when they try."""
    _, staff = factory.login(db, team["staff"])
    with pytest.raises(PermissionDenied):
        invite(db, staff, "stiekem@team.nl", factory.now)
    assert db.exec(select(User).where(User.email == "stiekem@team.nl")).first() is None


def test_invite_accept_sets_password_and_activates(
    db: Session, factory: Factory, team: dict[str, User], now: datetime
) -> None:
    """The invitee picks a password through the link, once, and can then log in."""
    _, owner = factory.login(db, team["owner"])
    user, [mail] = invite(db, owner, " Nieuw@Team.NL ", now)
    assert (user.email, user.status, user.role, user.password_hash) == (
        "nieuw@team.nl",
        "invited",
        "staff",
        None,
    )
    assert mail.to == "nieuw@team.nl"
    assert "https://pakjeplekje.test/uitnodiging?token=" in mail.body
    accepted = team_rules.accept_invite(
        db, token=token_in(mail), password=PASSWORD, now=now + timedelta(days=6)
    )
    assert accepted.id == user.id and accepted.status == "active"
    assert accepted.password_hash is not None and accepted.password_hash.startswith("$2b$12$")
    with pytest.raises(DomainError, match="al gebruikt"):
        team_rules.accept_invite(db, token=token_in(mail), password=PASSWORD, now=now)
    with pytest.raises(DomainError, match="al een account"):
        invite(db, owner, "NIEUW@team.nl", now)


def test_invite_expires_after_seven_days(
    db: Session, factory: Factory, team: dict[str, User], now: datetime
) -> None:
    """An invite lying in a mailbox for over a week no longer opens an account."""
    _, owner = factory.login(db, team["owner"])
    user, [mail] = invite(db, owner, "laat@team.nl", now)
    with pytest.raises(DomainError, match="verlopen"):
        team_rules.accept_invite(
            db, token=token_in(mail), password=PASSWORD, now=now + timedelta(days=7)
        )
    db.refresh(user)
    assert user.status == "invited" and user.password_hash is None


def test_role_changes_keep_at_least_one_owner(
    db: Session, factory: Factory, team: dict[str, User], now: datetime
) -> None:
    """The last owner cannot demote themselves; with a second owner it is allowed."""
    _, owner = factory.login(db, team["owner"])
    with pytest.raises(DomainError, match="minstens één eigenaar"):
        team_rules.change_role(db, owner, user_id=owner.user_id, role="staff", now=now)
    with pytest.raises(DomainError, match="Onbekende rol"):
        team_rules.change_role(db, owner, user_id=team["staff"].id, role="admin", now=now)  # type: ignore[arg-type]
    promoted = team_rules.change_role(db, owner, user_id=team["staff"].id, role="owner", now=now)  # type: ignore[arg-type]
    assert promoted.role == "owner"
    demoted = team_rules.change_role(db, owner, user_id=owner.user_id, role="staff", now=now)
    assert demoted.role == "staff"
    events = [e for e in audit_rows(db) if e.action == "staff.role_changed"]
    assert [e.detail for e in events] == ["staff->owner", "owner->staff"]


def test_staff_cannot_manage_the_team(db: Session, factory: Factory, team: dict[str, User]) -> None:
    """Role changes, deactivation and the team list are owner-only."""
    _, staff = factory.login(db, team["staff"])
    owner_id = team["owner"].id
    assert owner_id is not None
    with pytest.raises(PermissionDenied):
        team_rules.change_role(db, staff, user_id=staff.user_id, role="owner", now=factory.now)
    with pytest.raises(PermissionDenied):
        team_rules.deactivate(db, staff, user_id=owner_id, now=factory.now)
    with pytest.raises(PermissionDenied):
        team_rules.list_team(db, staff)
    db.refresh(team["owner"])
    assert (team["owner"].role, team["owner"].status) == ("owner", "active")


def test_deactivate_ends_access_but_never_for_yourself(
    db: Session, factory: Factory, team: dict[str, User], now: datetime
) -> None:
    """Deactivation revokes sessions at once; an owner can never lock themselves out."""
    staff_token, _ = factory.login(db, team["staff"])
    _, owner = factory.login(db, team["owner"])
    with pytest.raises(DomainError, match="uzelf"):
        team_rules.deactivate(db, owner, user_id=owner.user_id, now=now)
    user = team_rules.deactivate(db, owner, user_id=team["staff"].id, now=now)  # type: ignore[arg-type]
    assert user.status == "disabled"
    assert resolve_session(db, staff_token, now) is None
    assert {m.email: m.status for m in team_rules.list_team(db, owner)} == {
        "eigenaar@team.nl": "active",
        "assistent@team.nl": "disabled",
    }


def test_reactivate_restores_access_with_the_old_password(
    db: Session, factory: Factory, team: dict[str, User], now: datetime
) -> None:
    """Unblocking gives the colleague back their own login; an unaccepted invite stays one."""
    _, owner = factory.login(db, team["owner"])
    staff_id = team["staff"].id
    assert staff_id is not None
    team_rules.deactivate(db, owner, user_id=staff_id, now=now)
    assert team_rules.reactivate(db, owner, user_id=staff_id, now=now).status == "invited"
    team["staff"].password_hash = hash_password(PASSWORD)
    team_rules.deactivate(db, owner, user_id=staff_id, now=now)
    assert team_rules.reactivate(db, owner, user_id=staff_id, now=now).status == "active"
    assert attempt(db, team["staff"].email, PASSWORD, now) == "ok"
    actions = db.exec(select(AuditEvent.action).where(AuditEvent.target_id == staff_id)).all()
    assert actions.count("staff.reactivated") == 2


# --- audit trail -------------------------------------------------------------------------------


def test_every_account_action_is_audited_without_personal_data(
    db: Session, factory: Factory, now: datetime
) -> None:
    """Who did what is recorded for each step, yet no e-mail, password or token reaches the log."""
    owner_user = auth.sign_up(
        db,
        practice_name="Praktijk Audit",
        name="Olga Eigenaar",
        email="olga@audit.nl",
        password=PASSWORD,
        now=now,
    )
    assert attempt(db, "olga@audit.nl", "verkeerd-wachtwoord", now) == auth.INVALID_LOGIN
    assert attempt(db, "onbekend@audit.nl", "verkeerd-wachtwoord", now) == auth.INVALID_LOGIN
    assert attempt(db, "olga@audit.nl", PASSWORD, now) == "ok"
    grant = auth.issue_login_grant(db, owner_user, now)
    session_token = auth.redeem_login_grant(db, grant, now)
    owner = resolve_session(db, session_token, now)
    assert owner is not None
    staff_user, [invite_mail] = invite(db, owner, "piet@audit.nl", now)
    team_rules.change_role(db, owner, user_id=staff_user.id, role="owner", now=now)  # type: ignore[arg-type]
    [reset_mail] = request_reset(db, "olga@audit.nl", now)
    auth.reset_password(db, token=token_in(reset_mail), password="Ander-Geheim-2027", now=now)
    auth.log_out(db, owner, now)

    events = audit_rows(db)
    by_action = {e.action: e for e in events}
    assert {
        "practice.signup",
        "auth.login_failed",
        "auth.login",
        "staff.invited",
        "staff.role_changed",
        "auth.reset_requested",
        "auth.password_reset",
        "auth.logout",
    } <= set(by_action)
    assert [e.target_id for e in events if e.action == "auth.login_failed"] == [owner_user.id, None]
    assert by_action["auth.login"].actor_user_id == owner_user.id
    assert by_action["staff.invited"].target_id == staff_user.id
    assert by_action["auth.logout"].actor_user_id == owner_user.id

    secrets = [
        "olga@audit.nl",
        "onbekend@audit.nl",
        "piet@audit.nl",
        "olga",
        PASSWORD,
        grant,
        session_token,
        token_in(invite_mail),
        token_in(reset_mail),
    ]
    for event in events:
        for column in AuditEvent.__table__.columns:  # type: ignore[attr-defined]
            value = str(getattr(event, column.key)).lower()
            for secret in secrets:
                assert secret.lower() not in value, (event.action, column.key)
