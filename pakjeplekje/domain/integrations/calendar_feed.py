"""The practice's calendar feed: a secret, revocable URL (`/agenda/<token>.ics`) that agenda
programs subscribe to, listing the slots filled through PakJePlekje.

The raw token (256 bits) is shown to the owner once; only its SHA-256 is stored on the practice,
so a new link revokes the old one at once and a database leak reveals no working URL.

What the feed holds (data minimisation: the practice is the controller, the URL a secret, but
calendar programs sync it to phones and cloud servers): per filled slot the time, the
treatment, the practitioner and the patient's name, so the practice can book the appointment
in its own software. Never the phone number, the note or anything else from the waitlist. Only
slots from 30 days back to 180 days ahead, at most 1000.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_
from sqlmodel import Session, col, select

from pakjeplekje.domain import audit
from pakjeplekje.domain.actor import Actor
from pakjeplekje.domain.errors import PermissionDenied
from pakjeplekje.domain.ical import ics_document, ics_stamp, ics_text
from pakjeplekje.domain.offers import SlotStatus
from pakjeplekje.domain.tokens import hash_token, new_token
from pakjeplekje.models import Patient, Practice, Practitioner, Slot, Treatment

PAST = timedelta(days=30)
AHEAD = timedelta(days=180)
MAX_EVENTS = 1000
MAX_TOKEN_LENGTH = 100
OWNER_ONLY = "Alleen de eigenaar mag de agenda-koppeling beheren."


@dataclass(frozen=True)
class FeedEvent:
    slot_id: int
    starts_at: datetime
    duration_minutes: int
    treatment: str | None
    practitioner: str | None
    patient: str | None


def _practice(db: Session, actor: Actor) -> Practice:
    if not actor.is_owner:
        raise PermissionDenied(OWNER_ONLY)
    practice = db.get(Practice, actor.practice_id)
    assert practice is not None  # the actor's session holds its practice
    return practice


def has_feed(db: Session, actor: Actor) -> bool:
    """Whether the practice has a live feed link (the link itself cannot be shown again)."""
    practice = db.get(Practice, actor.practice_id)
    return practice is not None and practice.calendar_token_hash is not None


def create_link(db: Session, actor: Actor, now: datetime) -> str:
    """A new feed token (owner only), replacing and so revoking any earlier one. The caller
    shows the raw token once; only its hash is kept."""
    practice = _practice(db, actor)
    replaced = practice.calendar_token_hash is not None
    raw, digest = new_token()
    practice.calendar_token_hash = digest
    db.add(practice)
    action = "settings.calendar_feed_replaced" if replaced else "settings.calendar_feed_created"
    audit.by_actor(db, actor, action, "practice", practice.id, now)
    return raw


def revoke_link(db: Session, actor: Actor, now: datetime) -> None:
    """No feed any more (owner only): the URL answers 404 from the next request on."""
    practice = _practice(db, actor)
    if practice.calendar_token_hash is None:
        return
    practice.calendar_token_hash = None
    db.add(practice)
    audit.by_actor(db, actor, "settings.calendar_feed_revoked", "practice", practice.id, now)


def practice_for_token(db: Session, raw: str) -> Practice | None:
    """The active practice whose feed this raw token opens, or None."""
    if not raw or len(raw) > MAX_TOKEN_LENGTH:
        return None
    return db.exec(
        select(Practice).where(
            Practice.calendar_token_hash == hash_token(raw), Practice.status == "active"
        )
    ).first()


def events(db: Session, practice_id: int, now: datetime) -> list[FeedEvent]:
    """The practice's filled slots in the feed's window, earliest first."""
    rows = db.exec(
        select(Slot, Treatment.name, Practitioner.name, Patient.name)
        .outerjoin(
            Treatment,
            and_(col(Treatment.id) == Slot.treatment_id, col(Treatment.practice_id) == practice_id),
        )
        .outerjoin(
            Practitioner,
            and_(
                col(Practitioner.id) == Slot.practitioner_id,
                col(Practitioner.practice_id) == practice_id,
            ),
        )
        .outerjoin(
            Patient,
            and_(
                col(Patient.id) == Slot.claimed_patient_id, col(Patient.practice_id) == practice_id
            ),
        )
        .where(
            Slot.practice_id == practice_id,
            Slot.status == SlotStatus.CLAIMED,
            col(Slot.starts_at) >= now - PAST,
            col(Slot.starts_at) <= now + AHEAD,
        )
        .order_by(col(Slot.starts_at), col(Slot.id))
        .limit(MAX_EVENTS)
    ).all()
    return [
        FeedEvent(
            slot_id=slot.id,
            starts_at=slot.starts_at,
            duration_minutes=slot.duration_minutes,
            treatment=treatment,
            practitioner=practitioner,
            patient=patient,
        )
        for slot, treatment, practitioner, patient in rows
    ]


def calendar(practice_name: str, items: list[FeedEvent], now: datetime) -> str:
    """The VCALENDAR text (RFC 5545): times in UTC, a stable UID per slot, CRLF, folded."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//PakJePlekje//Agenda-koppeling//NL",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{ics_text(f'PakJePlekje – {practice_name}')}",
        "X-WR-CALDESC:Plekken gevuld via de wachtlijst",
        "REFRESH-INTERVAL;VALUE=DURATION:PT15M",
        "X-PUBLISHED-TTL:PT15M",
    ]
    for item in items:
        what = item.treatment.capitalize() if item.treatment else "Afspraak"
        details = [f"Patiënt: {item.patient}" if item.patient else "Patiënt: (verwijderd)"]
        if item.practitioner:
            details.append(f"Behandelaar: {item.practitioner}")
        lines += [
            "BEGIN:VEVENT",
            f"UID:slot-{item.slot_id}@pakjeplekje",
            f"DTSTAMP:{ics_stamp(now)}",
            f"DTSTART:{ics_stamp(item.starts_at)}",
            f"DTEND:{ics_stamp(item.starts_at + timedelta(minutes=item.duration_minutes))}",
            f"SUMMARY:{ics_text(f'Gevuld via PakJePlekje: {what}')}",
            f"DESCRIPTION:{ics_text(chr(10).join(details))}",
            "STATUS:CONFIRMED",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return ics_document(lines)


def feed(db: Session, raw: str, now: datetime) -> str | None:
    """The feed behind a raw token, or None for an unknown or revoked one."""
    practice = practice_for_token(db, raw)
    if practice is None:
        return None
    return calendar(practice.name, events(db, practice.id, now), now)
