"""Verwijdering of a practice account (owner only) and the purge that follows.

At once: the practice's status becomes `deleted` (sessions resolve only for active practices,
so every login ends; `auth.log_in` refuses too), every session is revoked, open slots close
and their open offers expire (no SMS leaves: dispatch and slots also refuse deleted
practices), claim links answer 404. `deletion_scheduled_at` = now + the grace period
(PRACTICE_DELETION_DAYS, default 30), or now with "nu meteen definitief verwijderen". The
owner gets an e-mail with the final date and a link to undo until then.

The purge (`purge_practice`, run daily by `privacy_jobs.run_daily`) deletes every row of the
practice in every table — the same table list as the export (`privacy_export.scope`), children
first — plus the login counters of its staff e-mail addresses.

The Stripe subscription is cancelled right after the request (`subscriptions.cancel_stripe`);
the billing tick retries until Stripe confirms. Practices whose subscription ended have a
`deletion_scheduled_at` from billing and are purged on that date as well.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult
from sqlmodel import Session, col, select, update

from pakjeplekje import routes
from pakjeplekje.domain import audit, billing
from pakjeplekje.domain.accounts import links
from pakjeplekje.domain.accounts.passwords import check_password
from pakjeplekje.domain.actor import Actor
from pakjeplekje.domain.emails import Email, deletion_email
from pakjeplekje.domain.errors import DomainError, PermissionDenied
from pakjeplekje.domain.offers import WAITING_FOR_ANSWER, OfferStatus, SlotStatus
from pakjeplekje.domain.privacy import export as privacy_export
from pakjeplekje.domain.tokens import keyed_hash
from pakjeplekje.models import AuthSession, LoginThrottle, Offer, Practice, Slot, User

log = logging.getLogger(__name__)

DEFAULT_GRACE = timedelta(days=30)
UNDO_LINK = "undo_deletion"


def _stop_outreach(db: Session, practice_id: int, now: datetime) -> None:
    """Open slots close and their open offers expire: no wave, no text, no claim."""
    db.exec(
        update(Offer)
        .where(col(Offer.practice_id) == practice_id, col(Offer.status).in_(WAITING_FOR_ANSWER))
        .values(status=OfferStatus.EXPIRED)
    )
    db.exec(
        update(Slot)
        .where(col(Slot.practice_id) == practice_id, col(Slot.status) == SlotStatus.OPEN)
        .values(status=SlotStatus.CLOSED, closed_reason="praktijk_verwijderd")
    )


def _revoke_everyone(db: Session, practice_id: int, now: datetime) -> None:
    staff = select(User.id).where(User.practice_id == practice_id)
    db.exec(
        update(AuthSession)
        .where(col(AuthSession.user_id).in_(staff), col(AuthSession.revoked_at).is_(None))
        .values(revoked_at=now)
    )


@dataclass(frozen=True)
class DeletionRequested:
    emails: list[Email]
    stripe_subscriptions: list[str]  # to cancel at Stripe (the billing tick retries)


def request_deletion(
    db: Session,
    actor: Actor,
    *,
    password: str,
    typed_name: str,
    immediately: bool,
    link: Callable[[str], str],
    now: datetime,
    grace: timedelta = DEFAULT_GRACE,
    secret: str = "",
) -> DeletionRequested:
    """Owner only. The confirmation e-mail and the Stripe cancel happen after the commit."""
    if not actor.is_owner:
        raise PermissionDenied()
    user = db.get(User, actor.user_id)
    practice = db.get(Practice, actor.practice_id)
    assert user is not None and practice is not None
    if not user.password_hash or not check_password(password or "", user.password_hash):
        raise DomainError("Uw wachtwoord klopt niet.", field="password")
    if " ".join((typed_name or "").split()).casefold() != practice.name.casefold():
        raise DomainError(
            "Typ de naam van de praktijk precies zoals hierboven staat.", field="practice_name"
        )
    final = now if immediately else now + grace
    practice.status, practice.deletion_scheduled_at = "deleted", final
    db.add(practice)
    _revoke_everyone(db, practice.id, now)
    _stop_outreach(db, practice.id, now)
    db.flush()
    billed = billing.subscriptions_to_cancel(db, practice.id)
    audit.by_actor(db, actor, "practice.deletion_requested", "practice", practice.id, now)
    if immediately:
        mail = deletion_email(user.email, practice.name, final, None)
        purge_practice(db, practice.id, now, secret=secret)
        return DeletionRequested([mail], billed)
    raw = links.issue(db, user, UNDO_LINK, grace, now)
    undo = link(f"{routes.PRIVACY_UNDO_DELETION}?token={raw}")
    return DeletionRequested([deletion_email(user.email, practice.name, final, undo)], billed)


def undo_check(db: Session, raw: str, now: datetime) -> Practice:
    """What the undo page shows (without using the link)."""
    user = links.check(db, raw, UNDO_LINK, now)
    practice = db.get(Practice, user.practice_id)
    if practice is None or practice.status != "deleted":
        raise DomainError("Deze praktijk hoeft niet hersteld te worden.")
    return practice


def undo_deletion(db: Session, raw: str, now: datetime) -> Practice:
    """The link from the e-mail, before the final date: the practice is active again (staff log
    in again; open slots stay closed)."""
    undo_check(db, raw, now)
    user = links.use(db, raw, UNDO_LINK, now)
    practice = db.get(Practice, user.practice_id)
    assert practice is not None
    if practice.deletion_scheduled_at is not None and practice.deletion_scheduled_at <= now:
        raise DomainError("De verwijderdatum is voorbij; herstellen kan niet meer.")
    practice.status, practice.deletion_scheduled_at = "active", None
    db.add(practice)
    audit.record(
        db,
        "practice.deletion_undone",
        practice_id=practice.id,
        actor_user_id=user.id,
        target_type="practice",
        target_id=practice.id,
        now=now,
    )
    return practice


@dataclass(frozen=True)
class Purged:
    practice_id: int
    rows: dict[str, int]


def purge_practice(db: Session, practice_id: int, now: datetime, *, secret: str = "") -> Purged:
    """Every row of the practice in every table, children first. Idempotent."""
    if secret:
        emails = db.exec(select(User.email).where(User.practice_id == practice_id)).all()
        keys = [keyed_hash(secret, "account", e) for e in emails]
        for key in keys:
            row = db.get(LoginThrottle, key)
            if row is not None:
                db.delete(row)
    counts: dict[str, int] = {}
    for table in reversed(privacy_export.practice_tables()):
        result = cast(  # a DELETE gives a CursorResult, which has the rowcount
            CursorResult[Any],
            db.execute(table.delete().where(privacy_export.scope(table, practice_id))),
        )
        counts[table.name] = result.rowcount or 0
    db.flush()
    log.info(
        "purged practice %s: %s rows (%s)",
        practice_id,
        sum(counts.values()),
        ", ".join(f"{k}={v}" for k, v in counts.items() if v),
    )
    return Purged(practice_id, counts)


def due_for_purge(db: Session, now: datetime) -> list[int]:
    """Practices whose final date has come: deleted on request, or their subscription ended
    (billing sets the date, and clears it when they subscribe again in time)."""
    return list(
        db.exec(
            select(Practice.id).where(
                col(Practice.deletion_scheduled_at).is_not(None),
                col(Practice.deletion_scheduled_at) <= now,
            )
        ).all()
    )
