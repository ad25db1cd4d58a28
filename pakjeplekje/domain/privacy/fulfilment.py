"""Carrying out a verified request at every practice that knows the person: inzage and
overdracht return their data (each practice named), verwijdering and bezwaar act at once and
add a suppression entry, correctie goes to the practice's inbox. Each is filed in the inbox."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, delete, select, update

from pakjeplekje.domain.dutch_dates import AMSTERDAM
from pakjeplekje.domain.errors import DomainError
from pakjeplekje.domain.integrations import webhook_events
from pakjeplekje.domain.offers import OfferStatus
from pakjeplekje.domain.privacy.inbox import file_request
from pakjeplekje.domain.privacy.requests import MESSAGE_MAX
from pakjeplekje.domain.privacy.suppression import suppress
from pakjeplekje.models import (
    Message,
    Offer,
    Patient,
    PatientTreatment,
    Practice,
    Slot,
    Treatment,
    User,
)
from pakjeplekje.texts import plural


@dataclass
class Outcome:
    kind: str
    summary: str
    practices: list[str] = field(default_factory=list)
    data: dict[str, Any] | None = None  # inzage / overdracht: what the person may download


def _iso(moment: datetime | None) -> str | None:
    """ISO 8601 in Amsterdam time with its offset: exact for a program, readable for a person."""
    return moment.astimezone(AMSTERDAM).isoformat() if moment else None


_CLAIM_LINK = re.compile(r"(?:https?://[^\s/]+)?/c/([A-Za-z0-9_-]{8,})(?:/[^\s]*)?")
_FINAL = (
    OfferStatus.CLAIMED,
    OfferStatus.LOST,
    OfferStatus.EXPIRED,
    OfferStatus.FAILED,
    OfferStatus.DECLINED,
)


def hide_claim_links(text: str, expired: bool) -> str:
    """A claim link is a key to a slot, not personal data: never shown or exported in full.
    "[link (verlopen)]" once it no longer works, else its last four characters."""

    def hidden(match: re.Match[str]) -> str:
        return "[link (verlopen)]" if expired else f"[link …{match.group(1)[-4:]}]"

    return _CLAIM_LINK.sub(hidden, text)


def _offers(db: Session, patient: Patient, now: datetime) -> tuple[list[dict[str, Any]], set[int]]:
    """The patient's offers at their practice, oldest first, and which no longer work."""
    rows = db.exec(
        select(Offer, Slot)
        .join(Slot, col(Slot.id) == Offer.slot_id)
        .where(Offer.patient_id == patient.id, Offer.practice_id == patient.practice_id)
        .order_by(col(Offer.created_at))
    ).all()
    done = {o.id for o, _ in rows if o.status in _FINAL or o.expires_at <= now}
    return [
        {
            "plek_begint_op": _iso(slot.starts_at),
            "duur_minuten": slot.duration_minutes,
            "status": offer.status,
            "golf": offer.wave,
            "verstuurd_op": _iso(offer.sent_at),
            "bekeken_op": _iso(offer.clicked_at),
            "geclaimd_op": _iso(offer.claimed_at),
            "afgeslagen_op": _iso(offer.declined_at),
            "geldig_tot": _iso(offer.expires_at),
            # AVG art. 15(1)(h): the logic behind an automated choice (adaptive waves)
            "waarom_gekozen": offer.reason,
        }
        for offer, slot in rows
    ], done


def patient_data(db: Session, phone: str, now: datetime) -> dict[str, Any]:
    """Everything about one mobile number, per practice (active practices only): the
    machine-readable answer to inzage and overdracht (codes as stored, times ISO 8601)."""
    rows = db.exec(
        select(Patient, Practice)
        .join(Practice, col(Practice.id) == Patient.practice_id)
        .where(Patient.phone == phone, Practice.status == "active")
        .order_by(Practice.name)
    ).all()
    practices = []
    for patient, practice in rows:
        treatments = db.exec(
            select(Treatment.name)
            .join(PatientTreatment, col(PatientTreatment.treatment_id) == Treatment.id)
            .where(
                PatientTreatment.patient_id == patient.id,
                Treatment.practice_id == practice.id,
            )
        ).all()
        messages = db.exec(
            select(Message)
            .where(Message.practice_id == practice.id, Message.phone == phone)
            .order_by(col(Message.created_at))
        ).all()
        offers, done = _offers(db, patient, now)
        practices.append(
            {
                "praktijk": practice.name,
                "wachtlijst": {
                    "naam": patient.name,
                    "telefoon": patient.phone,
                    "behandelingen": list(treatments),
                    "duur_minuten": patient.duration_minutes,
                    "urgentie": patient.urgency,
                    "notitie": patient.note,
                    "status": patient.status,
                    "toestemming": patient.consent_method,
                    "toestemming_op": _iso(patient.consent_at),
                    "toestemmingstekst_versie": patient.consent_text_version or None,
                    "toegevoegd_op": _iso(patient.added_at),
                    "afgemeld_op": _iso(patient.opted_out_at),
                    "gepauzeerd_tot": _iso(patient.paused_until),
                    "aantal_aanbiedingen": patient.offers_count,
                },
                "aanbiedingen": offers,
                "berichten": [
                    {
                        "richting": "uitgaand" if m.direction == "out" else "inkomend",
                        "tekst": hide_claim_links(m.body, m.offer_id is None or m.offer_id in done),
                        "status": m.status,
                        "tijd": _iso(m.created_at),
                    }
                    for m in messages
                ],
            }
        )
    return {"telefoon": phone, "opgevraagd_op": _iso(now), "praktijken": practices}


def _patients_by_phone(db: Session, phone: str) -> list[tuple[Patient, Practice]]:
    return list(
        db.exec(
            select(Patient, Practice)
            .join(Practice, col(Practice.id) == Patient.practice_id)
            .where(Patient.phone == phone, Practice.status == "active")
        ).all()
    )


def _file_at_each(
    db: Session,
    found: list[tuple[Patient, Practice]],
    kind: str,
    now: datetime,
    *,
    status: str,
    resolution: str,
    message: str = "",
    keep_patient: bool = True,
) -> None:
    """One inbox entry at every practice that holds the number (verified by SMS)."""
    for patient, practice in found:
        file_request(
            db,
            practice.id,
            kind,
            "patient",
            "sms",
            now,
            status=status,
            patient_id=patient.id if keep_patient else None,
            message=message,
            resolution=resolution,
        )


def fulfil_patient(
    db: Session, kind: str, phone: str, message: str, secret: str, now: datetime
) -> Outcome:
    """Carry out a verified patient request at every practice that has this number."""
    found = _patients_by_phone(db, phone)
    names = sorted({practice.name for _, practice in found})
    if kind in ("inzage", "overdracht"):
        data = patient_data(db, phone, now)
        _file_at_each(
            db,
            found,
            kind,
            now,
            status="done",
            resolution="Gegevens na SMS-verificatie getoond en als JSON aangeboden.",
        )
        summary = "Dit zijn alle gegevens die praktijken via PakJePlekje over dit nummer hebben."
        return Outcome(kind, summary, names, data)
    if kind == "correctie":
        text = " ".join((message or "").split())[:MESSAGE_MAX]
        if not text:
            raise DomainError("Schrijf wat er gecorrigeerd moet worden.", field="message")
        _file_at_each(db, found, kind, now, status="open", resolution="", message=text)
        to = plural(len(names), "praktijk")
        return Outcome(kind, f"Uw verzoek is doorgestuurd naar de {to}; zij passen het aan.", names)
    if kind in ("verwijdering", "bezwaar"):
        ids = [patient.id for patient, _ in found]
        # Each practice's software hears that the entry left (before it is deleted).
        webhook_events.patients_opted_out(
            db,
            [(p.practice_id, p.id) for p, _ in found if p.opted_out_at is None],
            "privacyverzoek",
            now,
        )
        _file_at_each(
            db,
            found,
            kind,
            now,
            status="done",
            resolution=(
                "Van de wachtlijst verwijderd (gegevens gewist), afgemeld, "
                "nummer op de blokkeerlijst."
                if kind == "verwijdering"
                else "Van de wachtlijst gehaald en afgemeld voor SMS, nummer op de blokkeerlijst."
            ),
            keep_patient=kind != "verwijdering",  # the entry itself is deleted below
        )
        if ids:
            db.exec(
                update(Offer)
                .where(col(Offer.patient_id).in_(ids), col(Offer.status) == OfferStatus.QUEUED)
                .values(status=OfferStatus.EXPIRED)
            )
        if kind == "verwijdering":
            for patient, practice in found:  # no copy of name and number in a webhook log
                webhook_events.forget_patients(db, practice.id, [patient.id])
            # The delivery record stays (billing); who it went to and what it said do not.
            db.exec(update(Message).where(col(Message.phone) == phone).values(phone="", body=""))
            if ids:
                db.exec(delete(Patient).where(col(Patient.id).in_(ids)))
        else:
            if ids:
                db.exec(
                    update(Patient)
                    .where(col(Patient.id).in_(ids))
                    .values(status="removed", opted_out_at=now, updated_at=now)
                )
        suppress(db, secret, phone, kind, now)
        summary = (
            "Uw gegevens zijn verwijderd en u krijgt geen SMS meer."
            if kind == "verwijdering"
            else "U staat op geen enkele wachtlijst meer en krijgt geen SMS meer."
        )
        return Outcome(kind, summary, names)
    raise DomainError("Onbekend verzoek.")


def staff_data(user: User, practice: Practice) -> dict[str, Any]:
    return {
        "praktijk": practice.name,
        "account": {
            "naam": user.name,
            "e-mail": user.email,
            "rol": user.role,
            "status": user.status,
            "aangemaakt_op": _iso(user.created_at),
            "laatst_ingelogd_op": _iso(user.last_login_at),
        },
    }


def staff_data_for(db: Session, email: str) -> dict[str, Any] | None:
    """The account data of a verified e-mail address (active practices only)."""
    row = db.exec(
        select(User, Practice)
        .join(Practice, col(Practice.id) == User.practice_id)
        .where(User.email == email, Practice.status == "active")
    ).first()
    return None if row is None else staff_data(*row)


def fulfil_staff(db: Session, kind: str, email: str, message: str, now: datetime) -> Outcome:
    """A staff member's or owner's own request. Inzage/overdracht are answered at once; the
    rest go to the practice's inbox (the employer decides, e.g. about deleting an account)."""
    row = db.exec(
        select(User, Practice)
        .join(Practice, col(Practice.id) == User.practice_id)
        .where(User.email == email, Practice.status == "active")
    ).first()
    if row is None:
        return Outcome(kind, "Wij hebben geen account met dit e-mailadres gevonden.")
    user, practice = row
    if kind in ("inzage", "overdracht"):
        file_request(
            db,
            practice.id,
            kind,
            "staff",
            "email",
            now,
            status="done",
            user_id=user.id,
            resolution="Accountgegevens na e-mailverificatie getoond en als JSON aangeboden.",
        )
        return Outcome(
            kind,
            "Dit zijn de gegevens van uw account.",
            [practice.name],
            staff_data(user, practice),
        )
    text = " ".join((message or "").split())[:MESSAGE_MAX]
    if kind == "correctie" and not text:
        raise DomainError("Schrijf wat er gecorrigeerd moet worden.", field="message")
    file_request(
        db,
        practice.id,
        kind,
        "staff",
        "email",
        now,
        status="open",
        user_id=user.id,
        message=text,
        resolution="",
    )
    return Outcome(
        kind,
        "Uw verzoek staat in de inbox van uw praktijk; de eigenaar handelt het af.",
        [practice.name],
    )
