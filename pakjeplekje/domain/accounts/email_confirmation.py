"""A new practice confirms its owner's e-mail address before its first SMS.

Without it, a script could sign up with made-up addresses and spend each practice's trial
texts. Sign-up mails a single-use link (the `links` machinery, purpose `confirm_email`, 7
days); until the owner opens it, `billing.entitlement` refuses opening slots and sending,
with `billing.UNCONFIRMED` as the reason. The owner may ask for the link again, a few times an hour
(the address could be a stranger's: no mail bombing). Practices from before this rule, and
the demo practice, count as confirmed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import func
from sqlmodel import Session, col, select

from pakjeplekje import routes
from pakjeplekje.domain import audit
from pakjeplekje.domain.accounts import links
from pakjeplekje.domain.actor import Actor
from pakjeplekje.domain.emails import Email, signup_confirm_email
from pakjeplekje.domain.errors import DomainError, PermissionDenied
from pakjeplekje.models import OneTimeToken, Practice, User

PURPOSE = "confirm_email"
VALIDITY = timedelta(days=7)
MAILS_PER_HOUR = 3  # the sign-up mail included

ALREADY = "Het e-mailadres is al bevestigd."
OWNER_ONLY = "Alleen de eigenaar kan de bevestigingsmail opnieuw laten sturen."
TOO_MANY = (
    f"U heeft het afgelopen uur al {MAILS_PER_HOUR} bevestigingsmails gekregen. Kijk ook bij "
    "de ongewenste e-mail, of probeer het over een uur opnieuw."
)
GONE = "Deze praktijk is verwijderd."

Link = Callable[[str], str]


def is_confirmed(db: Session, practice_id: int) -> bool:
    practice = db.get(Practice, practice_id)
    return practice is not None and practice.email_confirmed_at is not None


def mark_confirmed(db: Session, practice_id: int, now: datetime) -> None:
    """For practices nobody needs to prove an address for (the dev demo)."""
    practice = db.get(Practice, practice_id)
    assert practice is not None
    practice.email_confirmed_at = practice.email_confirmed_at or now
    db.add(practice)


def start(db: Session, owner: User, link: Link, now: datetime) -> Email:
    """The confirmation mail for a new owner (send it after the commit)."""
    practice = db.get(Practice, owner.practice_id)
    assert practice is not None
    raw = links.issue(db, owner, PURPOSE, VALIDITY, now)
    return signup_confirm_email(
        owner.email, owner.name, practice.name, link(f"{routes.CONFIRM_EMAIL}?token={raw}")
    )


def resend(db: Session, actor: Actor, link: Link, now: datetime) -> Email:
    """ "Stuur opnieuw" on the dashboard: owners only, to their own address, a few an hour."""
    if is_confirmed(db, actor.practice_id):
        raise DomainError(ALREADY)
    if not actor.is_owner:
        raise PermissionDenied(OWNER_ONLY)
    recent = db.exec(
        select(func.count())
        .select_from(OneTimeToken)
        .where(
            OneTimeToken.user_id == actor.user_id,
            OneTimeToken.purpose == PURPOSE,
            col(OneTimeToken.created_at) > now - timedelta(hours=1),
        )
    ).one()
    if recent >= MAILS_PER_HOUR:
        raise DomainError(TOO_MANY)
    owner = db.get(User, actor.user_id)
    assert owner is not None
    return start(db, owner, link, now)


def check(db: Session, raw: str, now: datetime) -> Practice:
    """Whether the link still works (GET shows a button; mail scanners only GET)."""
    user = links.check(db, raw, PURPOSE, now)
    return _practice_of(db, user)


def confirm(db: Session, raw: str, now: datetime) -> Practice:
    """Spend the link: from now on the practice may open slots and send."""
    _practice_of(db, links.check(db, raw, PURPOSE, now))
    user = links.use(db, raw, PURPOSE, now)
    practice = _practice_of(db, user)
    if practice.email_confirmed_at is None:
        practice.email_confirmed_at = now
        db.add(practice)
        audit.on_user(db, "practice.email_confirmed", user, now, actor_user_id=user.id)
    return practice


def _practice_of(db: Session, user: User) -> Practice:
    practice = db.get(Practice, user.practice_id)
    if practice is None or practice.status != "active":
        raise DomainError(GONE)
    return practice
