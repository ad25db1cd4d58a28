"""A practice's staff: invites, roles, blocking. Owner-only, and never across practices."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, func, select

from pakjeplekje.domain import audit
from pakjeplekje.domain.accounts import links
from pakjeplekje.domain.accounts.auth import Link, SendMail, email_taken
from pakjeplekje.domain.accounts.identity import clean_name, normalize_email
from pakjeplekje.domain.accounts.passwords import hash_password, require_acceptable
from pakjeplekje.domain.accounts.sessions import revoke_all_sessions
from pakjeplekje.domain.actor import Actor
from pakjeplekje.domain.emails import invite_email
from pakjeplekje.domain.errors import DomainError, NotFound, PermissionDenied
from pakjeplekje.models import User

INVITE_VALIDITY = timedelta(days=7)
ROLES = ("owner", "staff")
LAST_OWNER = "Een praktijk heeft altijd minstens één eigenaar."


@dataclass(frozen=True)
class TeamMember:
    id: int
    name: str
    email: str
    role: str
    status: str


def _require_owner(actor: Actor) -> None:
    if not actor.is_owner:
        raise PermissionDenied()


def _member(db: Session, actor: Actor, user_id: int) -> User:
    """A user of the actor's own practice; another practice's id is simply not found."""
    user = db.exec(
        select(User).where(User.id == user_id, User.practice_id == actor.practice_id)
    ).first()
    if user is None:
        raise NotFound("Deze medewerker bestaat niet (meer).")
    return user


def _is_last_owner(db: Session, user: User) -> bool:
    others = db.exec(
        select(func.count())
        .select_from(User)
        .where(
            User.practice_id == user.practice_id,
            User.role == "owner",
            User.status == "active",
            User.id != user.id,
        )
    ).one()
    return user.role == "owner" and others == 0


def list_team(db: Session, actor: Actor) -> list[TeamMember]:
    _require_owner(actor)
    users = db.exec(
        select(User).where(User.practice_id == actor.practice_id).order_by(User.name)
    ).all()
    return [TeamMember(u.id, u.name, u.email, u.role, u.status) for u in users]


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
    if email_taken(db, email):
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
    raw = links.issue(db, user, "invite", INVITE_VALIDITY, now)
    audit.on_user(db, "staff.invited", user, now, actor_user_id=actor.user_id)
    send_mail(
        invite_email(email, actor.practice_name, actor.name, link(f"/uitnodiging?token={raw}"))
    )
    return user


def accept_invite(db: Session, *, token: str, password: str, now: datetime) -> User:
    if links.check(db, token, "invite", now).status != "invited":
        raise DomainError("Deze uitnodiging is niet meer geldig.")
    require_acceptable(password)
    user = links.use(db, token, "invite", now)
    user.password_hash = hash_password(password)
    user.status = "active"
    db.add(user)
    audit.on_user(db, "staff.invite_accepted", user, now, actor_user_id=user.id)
    return user


def change_role(db: Session, actor: Actor, *, user_id: int, role: str, now: datetime) -> User:
    """Sessions read the role on every request, so the change applies at once."""
    _require_owner(actor)
    if role not in ROLES:
        raise DomainError("Onbekende rol.")
    user = _member(db, actor, user_id)
    if user.role == role:
        return user
    if _is_last_owner(db, user):
        raise DomainError(LAST_OWNER)
    previous, user.role = user.role, role
    db.add(user)
    audit.on_user(
        db,
        "staff.role_changed",
        user,
        now,
        actor_user_id=actor.user_id,
        detail=f"{previous}->{role}",
    )
    return user


def deactivate(db: Session, actor: Actor, *, user_id: int, now: datetime) -> User:
    """Access ends at once (sessions revoked); the row stays for the audit trail."""
    _require_owner(actor)
    user = _member(db, actor, user_id)
    if user.id == actor.user_id:
        raise DomainError("U kunt uzelf niet blokkeren.")
    if _is_last_owner(db, user):
        raise DomainError(LAST_OWNER)
    user.status = "disabled"
    db.add(user)
    revoke_all_sessions(db, user.id, now)
    audit.on_user(db, "staff.deactivated", user, now, actor_user_id=actor.user_id)
    return user


def reactivate(db: Session, actor: Actor, *, user_id: int, now: datetime) -> User:
    """Undo a block: the colleague logs in with their own password again (or finishes the
    invite they never accepted)."""
    _require_owner(actor)
    user = _member(db, actor, user_id)
    if user.status != "disabled":
        return user
    user.status = "active" if user.password_hash else "invited"
    db.add(user)
    audit.on_user(db, "staff.reactivated", user, now, actor_user_id=actor.user_id)
    return user
