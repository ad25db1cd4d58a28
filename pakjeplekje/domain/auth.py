"""Accounts, login, invites and password resets: the rules every entry point shares.

Functions take a DB session and `now`, flush but never commit (the caller owns the
transaction), and raise DomainError with a Dutch message when a rule says no.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select, update

from pakjeplekje.domain import audit, throttle
from pakjeplekje.domain.emails import Email, invite_email, reset_email
from pakjeplekje.domain.errors import DomainError, NotFound, PermissionDenied
from pakjeplekje.domain.identity import clean_name, normalize_email, sender_name, slugify
from pakjeplekje.domain.passwords import check_password, dummy_hash, hash_password, password_problem
from pakjeplekje.domain.sessions import Actor, revoke_all_sessions, start_session
from pakjeplekje.domain.tokens import hash_token, keyed_hash, new_token
from pakjeplekje.models import AuthSession, OneTimeToken, Practice, User

ACCOUNT_FAILURE_LIMIT = 5
CLIENT_FAILURE_LIMIT = 20
INVITE_VALIDITY = timedelta(days=7)
RESET_VALIDITY = timedelta(hours=1)
LOGIN_GRANT_VALIDITY = timedelta(seconds=60)
RESET_REQUESTS_PER_CLIENT = 10

INVALID_LOGIN = "E-mailadres of wachtwoord onjuist."
LOCKED = "Te veel mislukte pogingen. Wacht 15 minuten en probeer het dan opnieuw."
ROLES = ("owner", "staff")

SendMail = Callable[[Email], None]
Link = Callable[[str], str]


def _require_password(password: str) -> None:
    if problem := password_problem(password):
        raise DomainError(problem, field="password")


def _unique_slug(db: Session, name: str) -> str:
    base = slugify(name)
    taken = set(
        db.exec(select(Practice.slug).where(Practice.slug.startswith(base))).all()  # type: ignore[attr-defined]
    )
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def _email_taken(db: Session, email: str) -> bool:
    return db.exec(select(User.id).where(func.lower(User.email) == email)).first() is not None


def sign_up(
    db: Session, *, practice_name: str, name: str, email: str, password: str, now: datetime
) -> User:
    """A new practice with its first owner. Validates everything before writing anything."""
    practice_name = clean_name(practice_name, "practice_name", "de naam van de praktijk")
    name = clean_name(name, "name", "je naam")
    email = normalize_email(email)
    _require_password(password)
    if _email_taken(db, email):
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
    user = User(
        practice_id=practice.id,  # type: ignore[arg-type]
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
    audit.record(
        db,
        "practice.signup",
        practice_id=practice.id,
        actor_user_id=user.id,
        target_type="user",
        target_id=user.id,
        now=now,
    )
    return user


@dataclass(frozen=True)
class LoginResult:
    """Failures are results, not exceptions: their counters must be committed."""

    user: User | None = None
    error: str | None = None


def log_in(
    db: Session, *, email: str, password: str, client: str, secret: str, now: datetime
) -> LoginResult:
    try:
        normalized = normalize_email(email)
    except DomainError:
        normalized = (email or "").strip().lower()[:254]
    account_key = keyed_hash(secret, "account", normalized)
    client_key = keyed_hash(secret, "client", client or "unknown")
    if throttle.is_locked(db, account_key, now) or throttle.is_locked(db, client_key, now):
        return LoginResult(error=LOCKED)

    user = db.exec(select(User).where(User.email == normalized)).first()
    usable = user is not None and user.status == "active" and user.password_hash is not None
    stored = user.password_hash if usable and user and user.password_hash else dummy_hash()
    password_ok = check_password(password or "", stored)
    if not (usable and password_ok):
        throttle.register_failure(db, account_key, ACCOUNT_FAILURE_LIMIT, now)
        throttle.register_failure(db, client_key, CLIENT_FAILURE_LIMIT, now)
        audit.record(
            db,
            "auth.login_failed",
            practice_id=user.practice_id if user else None,
            target_type="user" if user else None,
            target_id=user.id if user else None,
            now=now,
        )
        locked_now = throttle.is_locked(db, account_key, now)
        return LoginResult(error=LOCKED if locked_now else INVALID_LOGIN)

    assert user is not None
    throttle.clear(db, account_key)
    user.last_login_at = now
    db.add(user)
    audit.record(db, "auth.login", practice_id=user.practice_id, actor_user_id=user.id, now=now)
    return LoginResult(user=user)


def _issue_token(db: Session, user: User, purpose: str, validity: timedelta, now: datetime) -> str:
    raw, digest = new_token()
    db.add(
        OneTimeToken(
            user_id=user.id,
            purpose=purpose,
            token_hash=digest,  # type: ignore[arg-type]
            created_at=now,
            expires_at=now + validity,
        )
    )
    db.flush()
    return raw


def _take_token(db: Session, raw: str, purpose: str, now: datetime) -> tuple[OneTimeToken, User]:
    """Validate a link token; the caller marks it used in the same transaction."""
    row = None
    if raw and len(raw) <= 200:
        row = db.exec(
            select(OneTimeToken, User)
            .join(User, User.id == OneTimeToken.user_id)
            .where(OneTimeToken.token_hash == hash_token(raw), OneTimeToken.purpose == purpose)
        ).first()
    if row is None:
        raise DomainError("Deze link is ongeldig. Vraag een nieuwe aan.")
    token, user = row
    if token.used_at is not None:
        raise DomainError("Deze link is al gebruikt. Vraag een nieuwe aan.")
    if now >= token.expires_at:
        raise DomainError("Deze link is verlopen. Vraag een nieuwe aan.")
    return token, user


def _use_token(db: Session, token: OneTimeToken, now: datetime) -> None:
    """Mark used with a conditional update, so two simultaneous clicks cannot both succeed."""
    result = db.exec(  # type: ignore[call-overload]
        update(OneTimeToken)
        .where(OneTimeToken.id == token.id, OneTimeToken.used_at.is_(None))  # type: ignore[union-attr,arg-type]
        .values(used_at=now)
    )
    if result.rowcount != 1:
        raise DomainError("Deze link is al gebruikt. Vraag een nieuwe aan.")


def issue_login_grant(db: Session, user: User, now: datetime) -> str:
    """A one-minute, single-use ticket the browser trades for its HttpOnly session cookie."""
    return _issue_token(db, user, "login", LOGIN_GRANT_VALIDITY, now)


def redeem_login_grant(db: Session, raw: str, now: datetime) -> str:
    token, user = _take_token(db, raw, "login", now)
    _use_token(db, token, now)
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
    raw = _issue_token(db, user, "reset", RESET_VALIDITY, now)
    audit.record(
        db,
        "auth.reset_requested",
        practice_id=user.practice_id,
        target_type="user",
        target_id=user.id,
        now=now,
    )
    send_mail(reset_email(user.email, link(f"/wachtwoord-herstellen?token={raw}")))


def check_link(db: Session, raw: str, purpose: str, now: datetime) -> User:
    """Whether an invite or reset link is still usable, without using it (to render the form)."""
    return _take_token(db, raw, purpose, now)[1]


def reset_password(db: Session, *, token: str, password: str, now: datetime) -> User:
    row, user = _take_token(db, token, "reset", now)
    _require_password(password)
    _use_token(db, row, now)
    user.password_hash = hash_password(password)
    db.add(user)
    revoke_all_sessions(db, user.id, now)  # type: ignore[arg-type]
    audit.record(
        db,
        "auth.password_reset",
        practice_id=user.practice_id,
        actor_user_id=user.id,
        target_type="user",
        target_id=user.id,
        now=now,
    )
    return user


def change_password(db: Session, actor: Actor, *, current: str, new: str, now: datetime) -> None:
    """Ends every other session of the user; the one making the change stays logged in."""
    user = db.get(User, actor.user_id)
    if user is None or not user.password_hash or not check_password(current, user.password_hash):
        raise DomainError("Je huidige wachtwoord klopt niet.", field="current")
    _require_password(new)
    user.password_hash = hash_password(new)
    db.add(user)
    revoke_all_sessions(db, actor.user_id, now, keep_session_id=actor.session_id)
    audit.record(
        db,
        "auth.password_changed",
        practice_id=actor.practice_id,
        actor_user_id=actor.user_id,
        target_type="user",
        target_id=actor.user_id,
        now=now,
    )


def _require_owner(actor: Actor) -> None:
    if not actor.is_owner:
        raise PermissionDenied()


def _team_member(db: Session, actor: Actor, user_id: int) -> User:
    """A user of the actor's own practice; another practice's id is simply not found."""
    user = db.exec(
        select(User).where(User.id == user_id, User.practice_id == actor.practice_id)
    ).first()
    if user is None:
        raise NotFound("Deze medewerker bestaat niet (meer).")
    return user


def invite_staff(
    db: Session,
    actor: Actor,
    *,
    email: str,
    name: str,
    send_mail: SendMail,
    link: Link,
    now: datetime,
) -> User:
    _require_owner(actor)
    email = normalize_email(email)
    name = clean_name(name, "name", "de naam")
    if _email_taken(db, email):
        raise DomainError("Dit e-mailadres heeft al een account bij PakJePlekje.", field="email")
    user = User(
        practice_id=actor.practice_id,
        email=email,
        name=name,
        role="staff",
        status="invited",
        created_at=now,
    )
    db.add(user)
    db.flush()
    raw = _issue_token(db, user, "invite", INVITE_VALIDITY, now)
    audit.record(
        db,
        "staff.invited",
        practice_id=actor.practice_id,
        actor_user_id=actor.user_id,
        target_type="user",
        target_id=user.id,
        now=now,
    )
    send_mail(
        invite_email(email, actor.practice_name, actor.name, link(f"/uitnodiging?token={raw}"))
    )
    return user


def accept_invite(db: Session, *, token: str, password: str, now: datetime) -> User:
    row, user = _take_token(db, token, "invite", now)
    _require_password(password)
    if user.status != "invited":
        raise DomainError("Deze uitnodiging is niet meer geldig.")
    _use_token(db, row, now)
    user.password_hash = hash_password(password)
    user.status = "active"
    db.add(user)
    audit.record(
        db,
        "staff.invite_accepted",
        practice_id=user.practice_id,
        actor_user_id=user.id,
        target_type="user",
        target_id=user.id,
        now=now,
    )
    return user


def _owners_left(db: Session, practice_id: int, without: int) -> int:
    return len(
        db.exec(
            select(User.id).where(
                User.practice_id == practice_id,
                User.role == "owner",
                User.status == "active",
                User.id != without,
            )
        ).all()
    )


def change_role(db: Session, actor: Actor, *, user_id: int, role: str, now: datetime) -> User:
    _require_owner(actor)
    if role not in ROLES:
        raise DomainError("Onbekende rol.")
    user = _team_member(db, actor, user_id)
    if user.role == role:
        return user
    if user.role == "owner" and _owners_left(db, actor.practice_id, user.id) == 0:  # type: ignore[arg-type]
        raise DomainError("Een praktijk heeft altijd minstens één eigenaar.")
    previous, user.role = user.role, role
    db.add(user)  # sessions re-read the role on every request: no need to revoke them
    audit.record(
        db,
        "staff.role_changed",
        practice_id=actor.practice_id,
        actor_user_id=actor.user_id,
        target_type="user",
        target_id=user.id,
        detail=f"{previous}->{role}",
        now=now,
    )
    return user


def deactivate(db: Session, actor: Actor, *, user_id: int, now: datetime) -> User:
    """Access ends at once (sessions revoked); the row stays for the audit trail."""
    _require_owner(actor)
    user = _team_member(db, actor, user_id)
    if user.id == actor.user_id:
        raise DomainError("Je kunt jezelf niet blokkeren.")
    if user.role == "owner" and _owners_left(db, actor.practice_id, user.id) == 0:  # type: ignore[arg-type]
        raise DomainError("Een praktijk heeft altijd minstens één eigenaar.")
    user.status = "disabled"
    db.add(user)
    revoke_all_sessions(db, user.id, now)  # type: ignore[arg-type]
    audit.record(
        db,
        "staff.deactivated",
        practice_id=actor.practice_id,
        actor_user_id=actor.user_id,
        target_type="user",
        target_id=user.id,
        now=now,
    )
    return user


def reactivate(db: Session, actor: Actor, *, user_id: int, now: datetime) -> User:
    """Undo a block: the colleague logs in again with their own password (or finishes the
    invite they never accepted)."""
    _require_owner(actor)
    user = _team_member(db, actor, user_id)
    if user.status != "disabled":
        return user
    user.status = "active" if user.password_hash else "invited"
    db.add(user)
    audit.record(
        db,
        "staff.reactivated",
        practice_id=actor.practice_id,
        actor_user_id=actor.user_id,
        target_type="user",
        target_id=user.id,
        now=now,
    )
    return user


@dataclass(frozen=True)
class TeamMember:
    id: int
    name: str
    email: str
    role: str
    status: str


def list_team(db: Session, actor: Actor) -> list[TeamMember]:
    _require_owner(actor)
    users = db.exec(
        select(User).where(User.practice_id == actor.practice_id).order_by(User.name)
    ).all()
    return [TeamMember(u.id, u.name, u.email, u.role, u.status) for u in users]  # type: ignore[arg-type]
