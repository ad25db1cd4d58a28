"""Whether a /privacy/verzoek code may go out, decided in the job, never in the request.

The request answers every number alike and queues one job; this module decides what the job
does, so neither the answer nor its timing tells whether a number is on some waitlist. The
code texts go out on the platform's account, so an attacker would love to pump them (texts to
expensive numbers abroad, paid by us). Rules, in this order:

- the code must still be usable (a job that ran late, or twice, sends nothing);
- only a number on the waitlist of an active practice (an address of an active account) gets
  a code — the same rule as before, now out of the request's sight;
- texts only to numbers of SMS_ALLOWED_COUNTRIES (default NL); the form tells everyone where
  codes go, so a foreign number learns nothing it could not read on the page;
- at most `per_hour` code texts in the last hour in all (CODE_SMS_PER_HOUR), and at most
  `per_practice` per practice whose waitlist holds the number (CODE_SMS_PER_PRACTICE_PER_HOUR).
  A number several practices hold is texted while any of them has room, and counts at each:
  a pump through one practice's list stops at its cap, and that practice's cap never keeps a
  code from a patient another practice also holds.

Every code text is a CodeSms row, written before the provider is called (a failed send still
counted). The window slides (last 60 minutes). Two workers deciding at the very same moment
can both take the last place: a brake, at most one text over per extra worker.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func
from sqlmodel import Session, col, select

from pakjeplekje.domain import phones
from pakjeplekje.models import CodeSms, Patient, Practice, User, VerificationCode

WINDOW = timedelta(hours=1)


@dataclass(frozen=True)
class Caps:
    per_hour: int
    per_practice: int


@dataclass(frozen=True)
class Decision:
    send: bool
    # sent | unusable | unknown | country | global_cap | practice_cap
    reason: str
    capped: tuple[int, ...] = ()  # practices at their cap (ids; for the log)


def _usable(db: Session, code_id: int, now: datetime) -> bool:
    row = db.get(VerificationCode, code_id)
    return row is not None and row.used_at is None and now < row.expires_at


def practices_holding(db: Session, phone: str) -> list[int]:
    """Active practices with this number on their waitlist."""
    return sorted(
        db.exec(
            select(Patient.practice_id)
            .join(Practice, col(Practice.id) == Patient.practice_id)
            .where(Patient.phone == phone, Practice.status == "active")
            .distinct()
        ).all()
    )


def texts_last_hour(db: Session, now: datetime) -> int:
    """Code texts that left in the last hour, all practices together."""
    return db.exec(
        select(func.count(func.distinct(CodeSms.verification_code_id))).where(
            col(CodeSms.sent_at) > now - WINDOW
        )
    ).one()


def _per_practice(db: Session, practice_ids: list[int], now: datetime) -> dict[int, int]:
    return dict(
        db.exec(
            select(CodeSms.practice_id, func.count())
            .where(
                col(CodeSms.practice_id).in_(practice_ids),
                col(CodeSms.sent_at) > now - WINDOW,
            )
            .group_by(col(CodeSms.practice_id))
        ).all()
    )


def reserve_sms(
    db: Session, *, code_id: int, phone: str, countries: frozenset[str], caps: Caps, now: datetime
) -> Decision:
    """Decide whether the code text for `code_id` goes to `phone`; if so, count it."""
    already = db.exec(select(CodeSms.id).where(CodeSms.verification_code_id == code_id)).first()
    if already is not None or not _usable(db, code_id, now):
        return Decision(False, "unusable")
    holders = practices_holding(db, phone)
    if not holders:
        return Decision(False, "unknown")
    if not phones.in_countries(phone, countries):
        return Decision(False, "country")
    if texts_last_hour(db, now) >= caps.per_hour:
        return Decision(False, "global_cap")
    counts = _per_practice(db, holders, now)
    capped = tuple(p for p in holders if counts.get(p, 0) >= caps.per_practice)
    if len(capped) == len(holders):
        return Decision(False, "practice_cap", capped)
    db.add_all(CodeSms(verification_code_id=code_id, practice_id=p, sent_at=now) for p in holders)
    db.flush()
    return Decision(True, "sent", capped)


def mail_allowed(db: Session, *, code_id: int, email: str, now: datetime) -> Decision:
    """A mailed code goes to the address of an active account at an active practice."""
    if not _usable(db, code_id, now):
        return Decision(False, "unusable")
    known = db.exec(
        select(User.id)
        .join(Practice, col(Practice.id) == User.practice_id)
        .where(User.email == email, User.status == "active", Practice.status == "active")
    ).first()
    return Decision(known is not None, "sent" if known is not None else "unknown")


def reserve_signup_sms(
    db: Session,
    *,
    code_id: int,
    phone: str,
    practice_id: int,
    countries: frozenset[str],
    caps: Caps,
    now: datetime,
) -> Decision:
    """The code of a public sign-up (/wachtlijst/<slug>): the number is new by nature, so it is
    not asked to be known; it counts at the practice signed up for, under the same caps."""
    already = db.exec(select(CodeSms.id).where(CodeSms.verification_code_id == code_id)).first()
    if already is not None or not _usable(db, code_id, now):
        return Decision(False, "unusable")
    if not phones.in_countries(phone, countries):
        return Decision(False, "country")
    if texts_last_hour(db, now) >= caps.per_hour:
        return Decision(False, "global_cap")
    if _per_practice(db, [practice_id], now).get(practice_id, 0) >= caps.per_practice:
        return Decision(False, "practice_cap", (practice_id,))
    db.add(CodeSms(verification_code_id=code_id, practice_id=practice_id, sent_at=now))
    db.flush()
    return Decision(True, "sent")
