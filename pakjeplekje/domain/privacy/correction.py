"""Correctie (AVG art. 16) in the privacy centre: the practice's details and one's own name and
e-mail address.

- The practice name (owner only). The SMS sender name is already an owner setting with its
  own rules (`practice_settings.update_outreach`, Instellingen → SMS-regels); it is not edited
  twice.
- One's own name (everyone, for themselves).
- One's own e-mail address: asking for a change needs the current password; the new address
  gets a single-use confirmation link (24 hours, `links`, purpose `email_change`) and is kept
  in `User.pending_email` meanwhile. The old address stays the login until the link is used,
  and gets a notice at once (with the new address masked), so a stolen session cannot quietly
  move an account. A newer request or a cancel spends the older links: a link only ever
  confirms the address it was sent to.
Every change is an audit event (ids only).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select, update

from pakjeplekje import routes
from pakjeplekje.domain import audit
from pakjeplekje.domain.accounts import links
from pakjeplekje.domain.accounts.auth import email_taken
from pakjeplekje.domain.accounts.identity import clean_name, normalize_email
from pakjeplekje.domain.accounts.passwords import check_password
from pakjeplekje.domain.actor import Actor
from pakjeplekje.domain.emails import Email, email_change_confirm, email_change_notice
from pakjeplekje.domain.errors import DomainError, PermissionDenied
from pakjeplekje.logmask import mask_email
from pakjeplekje.models import OneTimeToken, Practice, User

EMAIL_LINK = "email_change"
EMAIL_LINK_VALIDITY = timedelta(hours=24)
TAKEN = "Dit e-mailadres heeft al een account bij PakJePlekje."


@dataclass(frozen=True)
class Details:
    """What the Correctie forms show: the practice's and the actor's own stored details."""

    practice_name: str
    sender_name: str
    name: str
    email: str
    pending_email: str  # "" when no change waits for its confirmation link


def details(db: Session, actor: Actor) -> Details:
    """The actor's practice and own account, each looked up within the actor's practice."""
    practice = db.exec(select(Practice).where(Practice.id == actor.practice_id)).one()
    user = _me(db, actor)
    return Details(
        practice_name=practice.name,
        sender_name=practice.sms_sender_name,
        name=user.name,
        email=user.email,
        pending_email=user.pending_email or "",
    )


def rename_practice(db: Session, actor: Actor, *, name: str, now: datetime) -> Practice:
    if not actor.is_owner:
        raise PermissionDenied("Alleen de eigenaar mag de praktijkgegevens wijzigen.")
    cleaned = clean_name(name, "practice_name", "de naam van de praktijk")
    practice = db.get(Practice, actor.practice_id)
    assert practice is not None
    if cleaned != practice.name:
        practice.name = cleaned  # the public slug stays: links already sent keep working
        db.add(practice)
        audit.by_actor(db, actor, "practice.name_changed", "practice", practice.id, now)
    return practice


def _me(db: Session, actor: Actor) -> User:
    user = db.exec(
        select(User).where(User.id == actor.user_id, User.practice_id == actor.practice_id)
    ).one()
    return user


def rename_self(db: Session, actor: Actor, *, name: str, now: datetime) -> User:
    cleaned = clean_name(name, "name", "uw naam")
    user = _me(db, actor)
    if cleaned != user.name:
        user.name = cleaned
        db.add(user)
        audit.on_user(db, "account.name_changed", user, now, actor_user_id=actor.user_id)
    return user


def _spend_open_links(db: Session, user_id: int, now: datetime) -> None:
    db.exec(
        update(OneTimeToken)
        .where(
            col(OneTimeToken.user_id) == user_id,
            col(OneTimeToken.purpose) == EMAIL_LINK,
            col(OneTimeToken.used_at).is_(None),
        )
        .values(used_at=now)
    )


def request_email_change(
    db: Session,
    actor: Actor,
    *,
    new_email: str,
    password: str,
    link: Callable[[str], str],
    now: datetime,
) -> list[Email]:
    """The mails to send after the commit: the link to the new address, the notice to the old."""
    user = _me(db, actor)
    if not user.password_hash or not check_password(password or "", user.password_hash):
        raise DomainError("Uw wachtwoord klopt niet.", field="email_password")
    email = normalize_email(new_email)
    if email == user.email:
        raise DomainError("Dit is al uw e-mailadres.", field="new_email")
    if email_taken(db, email):
        raise DomainError(TAKEN, field="new_email")
    _spend_open_links(db, user.id, now)
    user.pending_email = email
    db.add(user)
    raw = links.issue(db, user, EMAIL_LINK, EMAIL_LINK_VALIDITY, now)
    audit.on_user(db, "account.email_change_requested", user, now, actor_user_id=actor.user_id)
    return [
        email_change_confirm(email, user.name, link(f"{routes.PRIVACY_CONFIRM_EMAIL}?token={raw}")),
        email_change_notice(user.email, user.name, mask_email(email)),
    ]


def cancel_email_change(db: Session, actor: Actor, now: datetime) -> None:
    user = _me(db, actor)
    if user.pending_email is None:
        return
    _spend_open_links(db, user.id, now)
    user.pending_email = None
    db.add(user)
    audit.on_user(db, "account.email_change_cancelled", user, now, actor_user_id=actor.user_id)


def check_email_change(db: Session, raw: str, now: datetime) -> User:
    """What the confirmation page shows (without using the link)."""
    user = links.check(db, raw, EMAIL_LINK, now)
    if not user.pending_email:
        raise DomainError(links.INVALID)
    return user


def confirm_email_change(db: Session, raw: str, now: datetime) -> User:
    """The link from the mail to the new address: from now on that address is the login."""
    check_email_change(db, raw, now)
    user = links.use(db, raw, EMAIL_LINK, now)
    new = user.pending_email
    assert new is not None
    if email_taken(db, new):
        raise DomainError(TAKEN)
    user.email, user.pending_email = new, None
    db.add(user)
    try:
        db.flush()
    except IntegrityError as exc:  # taken at the same moment by a signup or invite
        raise DomainError(TAKEN) from exc
    audit.on_user(db, "account.email_changed", user, now, actor_user_id=user.id)
    return user
