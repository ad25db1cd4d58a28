"""Signing up, logging in and out, and passwords: the rules every entry point shares.

Functions take a DB session and `now`, flush but never commit (the caller owns the
transaction), and raise DomainError with a Dutch message when a rule says no.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from pakjeplekje.domain import audit, billing, throttle
from pakjeplekje.domain.accounts import links
from pakjeplekje.domain.accounts.identity import clean_name, normalize_email, sender_name, slugify
from pakjeplekje.domain.accounts.passwords import (
    check_password,
    dummy_hash,
    hash_password,
    require_acceptable,
)
from pakjeplekje.domain.accounts.practice_settings import create_default_treatments
from pakjeplekje.domain.accounts.sessions import revoke_all_sessions, start_session
from pakjeplekje.domain.actor import Actor
from pakjeplekje.domain.emails import Email, reset_email
from pakjeplekje.domain.errors import DomainError
from pakjeplekje.domain.tokens import keyed_hash
from pakjeplekje.models import AuthSession, Practice, User

ACCOUNT_FAILURE_LIMIT = 5
CLIENT_FAILURE_LIMIT = 20
RESET_VALIDITY = timedelta(hours=1)
LOGIN_GRANT_VALIDITY = timedelta(seconds=60)
RESET_REQUESTS_PER_CLIENT = 10

SIGNUP_WINDOW = timedelta(hours=1)
TOO_MANY_SIGNUPS = (
    "Te veel aanmeldingen vanaf dit adres. Probeer het over een uur opnieuw, of neem contact "
    "met ons op als u meer praktijken wilt aanmelden."
)

INVALID_LOGIN = "E-mailadres of wachtwoord onjuist."
LOCKED = "Te veel mislukte pogingen. Wacht 15 minuten en probeer het dan opnieuw."

SendMail = Callable[[Email], None]
Link = Callable[[str], str]


def email_taken(db: Session, email: str) -> bool:
    return db.exec(select(User.id).where(func.lower(User.email) == email)).first() is not None


def _unique_slug(db: Session, name: str) -> str:
    base = slugify(name)
    taken = set(db.exec(select(Practice.slug).where(Practice.slug.startswith(base))).all())
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def count_signup_attempt(
    db: Session, *, client: str, secret: str, limit: int, now: datetime
) -> None:
    """Every sign-up attempt from a client counts, successful or not (each practice brings a
    trial, and failures probe which addresses have an account); the `limit`-th in an hour
    locks the client for an hour. Commit this before the sign-up itself, which may fail."""
    key = keyed_hash(secret, "signup", client or "unknown")
    if throttle.is_locked(db, key, now):
        raise DomainError(TOO_MANY_SIGNUPS)
    throttle.register_failure(db, key, limit, now, window=SIGNUP_WINDOW, lockout=SIGNUP_WINDOW)


def sign_up(
    db: Session, *, practice_name: str, name: str, email: str, password: str, now: datetime
) -> User:
    """A new practice with its first owner. Validates everything before writing anything."""
    practice_name = clean_name(practice_name, "practice_name", "de naam van de praktijk")
    name = clean_name(name, "name", "uw naam")
    email = normalize_email(email)
    require_acceptable(password)
    if email_taken(db, email):
        raise DomainError(
            "Er bestaat al een account met dit e-mailadres. Log in of kies 'Wachtwoord vergeten'.",
            field="email",
        )
    practice = Practice(
        name=practice_name,
        slug=_unique_slug(db, practice_name),
        sms_sender_name=sender_name(practice_name),
        created_at=now,
    )
    db.add(practice)
    db.flush()
    create_default_treatments(db, practice.id)
    billing.start_trial(db, practice.id, now)
    user = User(
        practice_id=practice.id,
        email=email,
        name=name,
        role="owner",
        password_hash=hash_password(password),
        created_at=now,
    )
    db.add(user)
    try:
        db.flush()
    except IntegrityError as exc:  # a concurrent signup with the same e-mail
        raise DomainError("Er bestaat al een account met dit e-mailadres.", field="email") from exc
    audit.on_user(db, "practice.signup", user, now, actor_user_id=user.id)
    return user


@dataclass(frozen=True)
class LoginResult:
    """Failures are results, not exceptions: their counters must be committed."""

    user: User | None = None
    error: str | None = None
    counted: bool = False  # a wrong password was counted (the audit event is still due)


@dataclass(frozen=True)
class LoginCheck:
    """What an attempt needs from the database before bcrypt runs. The password is checked
    outside any transaction: bcrypt must not hold SQLite's write lock or a row lock."""

    account_key: str
    client_key: str
    user_id: int | None
    password_hash: str  # the account's, or the dummy: the same bcrypt work either way
    usable: bool  # an active account of an active practice, with a password
    locked: bool


def check_login(db: Session, *, email: str, client: str, secret: str, now: datetime) -> LoginCheck:
    """Reads only. Same work for an unknown e-mail as for a known one."""
    try:
        normalized = normalize_email(email)
    except DomainError:
        normalized = (email or "").strip().lower()[:254]
    account_key = keyed_hash(secret, "account", normalized)
    client_key = keyed_hash(secret, "client", client or "unknown")
    locked = throttle.is_locked(db, account_key, now) or throttle.is_locked(db, client_key, now)
    user = db.exec(select(User).where(User.email == normalized)).first()
    usable = user is not None and user.status == "active" and user.password_hash is not None
    if usable and user is not None:  # nobody logs in to a deleted practice
        practice = db.get(Practice, user.practice_id)
        usable = practice is not None and practice.status == "active"
    stored = user.password_hash if usable and user and user.password_hash else dummy_hash()
    return LoginCheck(account_key, client_key, user.id if user else None, stored, usable, locked)


def password_matches(check: LoginCheck, password: str) -> bool:
    """The bcrypt verification (about a quarter of a second): run it outside a transaction."""
    return check_password(password or "", check.password_hash) and check.usable


def settle_login(db: Session, check: LoginCheck, matched: bool, now: datetime) -> LoginResult:
    """The attempt's outcome, decided with the counters locked: attempts settle one at a time,
    so exactly the `limit`-th failure locks and no later answer reveals a password verdict.

    A wrong password only touches the counters here: the caller commits them before anything
    else can fail, then files the audit event with `record_failed_login`."""
    if throttle.is_locked(db, check.account_key, now, for_update=True) or throttle.is_locked(
        db, check.client_key, now, for_update=True
    ):
        return LoginResult(error=LOCKED)
    if not matched:
        throttle.register_failure(db, check.account_key, ACCOUNT_FAILURE_LIMIT, now)
        throttle.register_failure(db, check.client_key, CLIENT_FAILURE_LIMIT, now)
        locked_now = throttle.is_locked(db, check.account_key, now)
        return LoginResult(error=LOCKED if locked_now else INVALID_LOGIN, counted=True)
    user = db.get(User, check.user_id)
    if user is None or user.status != "active":  # deactivated while bcrypt ran
        return LoginResult(error=INVALID_LOGIN)
    throttle.clear(db, check.account_key)
    user.last_login_at = now
    db.add(user)
    audit.record(db, "auth.login", practice_id=user.practice_id, actor_user_id=user.id, now=now)
    return LoginResult(user=user)


def record_failed_login(db: Session, check: LoginCheck, now: datetime) -> None:
    """The audit event of a counted failure (ids only, never the address tried)."""
    user = db.get(User, check.user_id) if check.user_id is not None else None
    if user is None:
        audit.record(db, "auth.login_failed", practice_id=None, now=now)
    else:
        audit.on_user(db, "auth.login_failed", user, now, actor_user_id=None)


def log_in(
    db: Session, *, email: str, password: str, client: str, secret: str, now: datetime
) -> LoginResult:
    """The whole attempt in one transaction (tests, scripts). The app uses `logins.log_in`,
    which runs the same steps as separate units of work so bcrypt holds no lock."""
    check = check_login(db, email=email, client=client, secret=secret, now=now)
    if check.locked:
        return LoginResult(error=LOCKED)
    result = settle_login(db, check, password_matches(check, password), now)
    if result.counted:
        record_failed_login(db, check, now)
    return result


def issue_login_grant(db: Session, user: User, now: datetime) -> str:
    """A one-minute, single-use ticket the browser trades for its HttpOnly session cookie."""
    return links.issue(db, user, "login", LOGIN_GRANT_VALIDITY, now)


def login_grant_binding(secret: str, raw: str) -> str:
    """What the browser that asked for a grant must hold to redeem it (a short-lived
    SameSite=Strict cookie its page sets): a grant sent to another browser logs nobody in
    there (login CSRF into the sender's practice). Derived with the server's secret, so only
    the server can make it and it needs no storage."""
    return keyed_hash(secret, "login-grant-binding", raw).partition(":")[2]


def login_grant_bound(secret: str, raw: str, binding: str | None) -> bool:
    return bool(raw and binding) and hmac.compare_digest(
        login_grant_binding(secret, raw), binding or ""
    )


def redeem_login_grant(db: Session, raw: str, now: datetime) -> str:
    user = links.use(db, raw, "login", now)
    if user.status != "active":
        raise DomainError("Dit account is niet actief.")
    return start_session(db, user, now)


def log_out(db: Session, actor: Actor, now: datetime) -> None:
    auth = db.get(AuthSession, actor.session_id)
    if auth is not None and auth.revoked_at is None:
        auth.revoked_at = now
        db.add(auth)
    audit.record(
        db, "auth.logout", practice_id=actor.practice_id, actor_user_id=actor.user_id, now=now
    )


def request_password_reset(
    db: Session,
    *,
    email: str,
    client: str,
    secret: str,
    send_mail: SendMail,
    link: Link,
    now: datetime,
) -> None:
    """Mails a reset link to an active account; says nothing about whether one exists."""
    normalized = normalize_email(email)
    client_key = keyed_hash(secret, "reset-client", client or "unknown")
    if throttle.is_locked(db, client_key, now):
        raise DomainError("Te veel aanvragen. Wacht 15 minuten en probeer het dan opnieuw.")
    throttle.register_failure(db, client_key, RESET_REQUESTS_PER_CLIENT, now)
    user = db.exec(select(User).where(User.email == normalized)).first()
    if user is None or user.status != "active":
        return
    raw = links.issue(db, user, "reset", RESET_VALIDITY, now)
    audit.on_user(db, "auth.reset_requested", user, now, actor_user_id=None)
    send_mail(reset_email(user.email, link(f"/wachtwoord-herstellen?token={raw}")))


def reset_password(db: Session, *, token: str, password: str, now: datetime) -> User:
    """A new password from a reset link; every session of the user ends."""
    links.check(db, token, "reset", now)
    require_acceptable(password)
    user = links.use(db, token, "reset", now)
    user.password_hash = hash_password(password)
    db.add(user)
    revoke_all_sessions(db, user.id, now)
    audit.on_user(db, "auth.password_reset", user, now, actor_user_id=user.id)
    return user


def change_password(db: Session, actor: Actor, *, current: str, new: str, now: datetime) -> None:
    """Ends every other session of the user; the one making the change stays logged in."""
    user = db.get(User, actor.user_id)
    if user is None or not user.password_hash or not check_password(current, user.password_hash):
        raise DomainError("Uw huidige wachtwoord klopt niet.", field="current")
    require_acceptable(new)
    user.password_hash = hash_password(new)
    db.add(user)
    revoke_all_sessions(db, actor.user_id, now, keep_session_id=actor.session_id)
    audit.on_user(db, "auth.password_changed", user, now, actor_user_id=actor.user_id)
