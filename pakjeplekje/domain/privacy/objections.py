"""Bezwaar (AVG art. 21) against the two kinds of non-essential processing this product does,
as stored preferences per practice (owner only) that the code honours:

- `product_emails` — the **monthly summary e-mail** to the practice's owners ("Uw maand met
  PakJePlekje": the month's figures of /resultaten (`domain/results.py`) and the SMS sent;
  counts only). Built here, sent by the
  daily job (`privacy_jobs.run_daily`, days 1–7 of a month, once per practice per month: an
  audit event `mail.monthly_summary` with the month marks it as sent). Practices that object
  get none. Service mails (invites, password links, deletion confirmation, e-mail change) are
  not product e-mails and always go.
- `usage_statistics` — **anonymous usage statistics**: one row of daily totals (`UsageDay`:
  number of practices, slots released, slots filled, SMS sent; no practice id) over the
  practices that did not object, written by the same daily job and only when at least
  MIN_PRACTICES take part, so no row describes a single practice. Practices that object are
  simply not counted. Rows already written hold no data of any practice, so switching off
  applies from the next day on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlmodel import Session, col, func, select

from pakjeplekje.domain import audit, results
from pakjeplekje.domain.actor import Actor
from pakjeplekje.domain.dutch_dates import AMSTERDAM, MONTHS
from pakjeplekje.domain.emails import Email
from pakjeplekje.domain.errors import PermissionDenied
from pakjeplekje.models import AuditEvent, Message, Practice, Slot, UsageDay, User

MIN_PRACTICES = 3
SUMMARY_ACTION = "mail.monthly_summary"
SUMMARY_DAYS = 7  # the summary of last month goes out on the first days of the month


@dataclass(frozen=True)
class Preferences:
    product_emails: bool
    usage_statistics: bool


def preferences(db: Session, actor: Actor) -> Preferences:
    practice = db.get(Practice, actor.practice_id)
    assert practice is not None
    return Preferences(practice.product_emails, practice.usage_statistics)


def set_preferences(
    db: Session, actor: Actor, *, product_emails: bool, usage_statistics: bool, now: datetime
) -> Preferences:
    if not actor.is_owner:
        raise PermissionDenied("Alleen de eigenaar mag bezwaar maken namens de praktijk.")
    practice = db.get(Practice, actor.practice_id)
    assert practice is not None
    practice.product_emails, practice.usage_statistics = (
        bool(product_emails),
        bool(usage_statistics),
    )
    db.add(practice)
    detail = (
        f"productmails={'aan' if product_emails else 'uit'}, "
        f"statistieken={'aan' if usage_statistics else 'uit'}"
    )
    audit.by_actor(db, actor, "practice.objections_changed", "practice", practice.id, now, detail)
    return Preferences(practice.product_emails, practice.usage_statistics)


def _local_start(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=AMSTERDAM)


def _counts(
    db: Session, practice_ids: list[int], start: datetime, end: datetime
) -> tuple[int, int, int]:
    opened = db.exec(
        select(func.count())
        .select_from(Slot)
        .where(
            col(Slot.practice_id).in_(practice_ids),
            col(Slot.created_at) >= start,
            col(Slot.created_at) < end,
        )
    ).one()
    filled = db.exec(
        select(func.count())
        .select_from(Slot)
        .where(
            col(Slot.practice_id).in_(practice_ids),
            col(Slot.claimed_at) >= start,
            col(Slot.claimed_at) < end,
        )
    ).one()
    sent = db.exec(
        select(func.count())
        .select_from(Message)
        .where(
            col(Message.practice_id).in_(practice_ids),
            Message.direction == "out",
            col(Message.created_at) >= start,
            col(Message.created_at) < end,
        )
    ).one()
    return opened, filled, sent


# --- anonymous usage statistics --------------------------------------------------------


def record_usage_day(db: Session, day: date, now: datetime) -> UsageDay | None:
    """Totals of one local day over the consenting active practices; idempotent (a day is
    written once). None when too few practices take part to stay anonymous."""
    existing = db.get(UsageDay, day)
    if existing is not None:
        return existing
    consenting = list(
        db.exec(
            select(Practice.id).where(
                Practice.status == "active", col(Practice.usage_statistics).is_(True)
            )
        ).all()
    )
    if len(consenting) < MIN_PRACTICES:
        return None
    start, end = _local_start(day), _local_start(day + timedelta(days=1))
    opened, filled, sent = _counts(db, consenting, start, end)
    row = UsageDay(
        day=day,
        practices=len(consenting),
        slots_opened=opened,
        slots_filled=filled,
        sms_sent=sent,
        created_at=now,
    )
    db.add(row)
    db.flush()
    return row


def yesterday(now: datetime) -> date:
    return now.astimezone(AMSTERDAM).date() - timedelta(days=1)


# --- the monthly summary (product e-mail) ----------------------------------------------


def previous_month(now: datetime) -> tuple[date, date]:
    """First day of last month and first day of this month, in Amsterdam."""
    local = now.astimezone(AMSTERDAM).date()
    this_month = local.replace(day=1)
    return (this_month - timedelta(days=1)).replace(day=1), this_month


def _month_key(first: date) -> str:
    return first.strftime("%Y-%m")


def summaries_due(db: Session, now: datetime) -> list[int]:
    """Practices that get last month's summary now: active, product e-mails on, existing
    before the month ended, not sent yet. Empty after the first SUMMARY_DAYS of a month."""
    if now.astimezone(AMSTERDAM).day > SUMMARY_DAYS:
        return []
    first, this_month = previous_month(now)
    sent = select(AuditEvent.practice_id).where(
        AuditEvent.action == SUMMARY_ACTION, AuditEvent.detail == _month_key(first)
    )
    return list(
        db.exec(
            select(Practice.id)
            .where(
                Practice.status == "active",
                col(Practice.product_emails).is_(True),
                col(Practice.created_at) < _local_start(this_month),
                col(Practice.id).not_in(sent),
            )
            .order_by(col(Practice.id))
        ).all()
    )


def monthly_summary(
    db: Session, practice_id: int, now: datetime, link: Callable[[str], str] | None = None
) -> list[Email]:
    """Last month's summary for one practice's active owners, marked as sent. Re-checks the
    preference inside the transaction: an objection made a second ago is honoured."""
    practice = db.get(Practice, practice_id)
    if practice is None or practice.status != "active" or not practice.product_emails:
        return []
    first, this_month = previous_month(now)
    key = _month_key(first)
    already = db.exec(
        select(AuditEvent.id).where(
            AuditEvent.practice_id == practice_id,
            AuditEvent.action == SUMMARY_ACTION,
            AuditEvent.detail == key,
        )
    ).first()
    if already is not None:
        return []
    _, _, sent = _counts(db, [practice_id], _local_start(first), _local_start(this_month))
    figures = results.month(db, practice_id, first)
    owners = db.exec(
        select(User.email).where(
            User.practice_id == practice_id, User.role == "owner", User.status == "active"
        )
    ).all()
    audit.record(
        db,
        SUMMARY_ACTION,
        practice_id=practice_id,
        target_type="practice",
        target_id=practice_id,
        detail=key,
        now=now,
    )
    month = f"{MONTHS[first.month - 1]} {first.year}"
    privacy = link("/privacy") if link else "/privacy"
    page = link("/resultaten") if link else "/resultaten"
    body = (
        f"Hallo,\n\nZo ging {month} voor {practice.name} met PakJePlekje:\n\n"
        + "\n".join(results.summary_lines(figures))
        + f"\n- SMS'jes verstuurd: {sent}\n\n"
        f"Per week en per maand, met grafieken: {page}\n\n"
        "U krijgt dit overzicht één keer per maand omdat productmails aanstaan. Wilt u het "
        f"niet meer? Zet het uit onder Bezwaar op {privacy}.\n\nPakJePlekje"
    )
    subject = f"Uw maand met PakJePlekje: {month}"
    return [Email(to=email, subject=subject, body=body) for email in owners]
