"""Privacy requests (AVG art. 15–21) from the people whose data the practices hold.

Patients verify their mobile number with a 6-digit SMS code; staff and owners verify their
e-mail address the same way. The code is valid 10 minutes, allows 5 attempts, at most 3 codes
per number/address per hour and a per-client limit; the answer to "send me a code" is the same
whether or not we know the number, and so is the work behind it: a code row is stored and a
job queued either way; the job sends only to a known number (`code_delivery`, which also
holds the country rule and the hourly caps on code texts). After verification:

- inzage / overdracht: the person sees (and downloads as JSON) their waitlist entries and
  messages at every practice, each practice named;
- verwijdering: their entries are deleted at every practice (messages keep the delivery record
  for billing, with number and text blanked); bezwaar: removed from every waitlist and opted
  out. Both add a suppression entry;
- correctie: the free text lands in the inbox of every practice concerned.
Every request is filed in the inbox of each practice concerned (due one month after receipt,
AVG art. 12(3)), with what was done.

Suppression list — why it is lawful: after erasure we keep only an HMAC of the number
(keyed with the server secret; not reversible without it), the reason and the date. AVG
art. 17(3)(b)/(e) and art. 21 together with art. 6(1)(c): to honour the erasure/objection
durably we must be able to recognise the number if a practice re-imports an old list. It is
the minimum needed (no name, no practice, no number in clear text).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, delete, select, update

from pakjeplekje.config import get_settings
from pakjeplekje.domain import audit, phones, throttle
from pakjeplekje.domain.accounts.identity import normalize_email
from pakjeplekje.domain.actor import Actor
from pakjeplekje.domain.dutch_dates import add_months
from pakjeplekje.domain.errors import DomainError, NotFound
from pakjeplekje.domain.offers import OfferStatus
from pakjeplekje.domain.tokens import hash_token, keyed_hash, new_token
from pakjeplekje.models import (
    Message,
    Offer,
    Patient,
    PatientTreatment,
    Practice,
    PrivacyRequest,
    Suppression,
    Treatment,
    User,
    VerificationCode,
)

KINDS = {
    "inzage": "Inzage",
    "correctie": "Correctie",
    "verwijdering": "Verwijdering",
    "overdracht": "Overdracht",
    "bezwaar": "Bezwaar",
}
STATUSES = {"open": "Open", "done": "Afgehandeld", "rejected": "Afgewezen"}
CODE_VALIDITY = timedelta(minutes=10)
MAX_ATTEMPTS = 5
CODES_PER_HOUR = 3
CLIENT_LIMIT = 10  # code requests per client per 15 minutes (throttle window)
MESSAGE_MAX = 2000

SENT = (
    "Als dit {what} bij ons bekend is, ontvangt u binnen een minuut een code van 6 cijfers. "
    "De code is 10 minuten geldig."
)
TOO_MANY_CODES = "Er zijn het afgelopen uur al 3 codes gevraagd voor dit {what}. Probeer het later."
TOO_MANY_CLIENT = "Te veel aanvragen vanaf dit apparaat. Wacht 15 minuten en probeer het opnieuw."
WRONG_CODE = "Deze code klopt niet."
EXPIRED = "Deze code is verlopen. Vraag een nieuwe code aan."
USED = "Deze code is al gebruikt. Vraag een nieuwe code aan."
LOCKED = "Te veel onjuiste pogingen. Vraag een nieuwe code aan."
SUPPRESSED = (
    "Dit nummer heeft via een AVG-verzoek gevraagd niet meer benaderd te worden; het kan niet "
    "op de wachtlijst."
)


def _what(channel: str) -> str:
    return "nummer" if channel == "sms" else "e-mailadres"


def add_month(moment: datetime) -> datetime:
    """One calendar month later in Amsterdam (31 januari → 28/29 februari), as AVG art. 12(3)
    counts."""
    return add_months(moment, 1)


def suppression_key(secret: str, phone: str) -> str:
    return keyed_hash(secret, "suppress", phone)


def suppressed_phones(db: Session, phones_e164: list[str], secret: str | None = None) -> set[str]:
    """Which of these numbers asked (erasure/objection) never to be added again. The key is
    the server secret (SECRET_KEY): rotating it forgets the list, so rotate with care."""
    secret = secret or get_settings().secret_key
    keys = {suppression_key(secret, p): p for p in set(phones_e164)}
    found: set[str] = set()
    listed = list(keys)
    for start in range(0, len(listed), 500):
        found |= set(
            db.exec(
                select(Suppression.key).where(col(Suppression.key).in_(listed[start : start + 500]))
            ).all()
        )
    return {keys[k] for k in found}


def _subject(channel: str, raw: str) -> str:
    if channel == "sms":
        return phones.parse_mobile(raw)
    if channel == "email":
        return normalize_email(raw)
    raise DomainError("Kies hoe u zich wilt bevestigen.")


def _subject_key(secret: str, channel: str, value: str) -> str:
    return keyed_hash(secret, f"verzoek-{channel}", value)


def _kind(kind: str) -> str:
    if kind not in KINDS:
        raise DomainError("Kies welk recht u wilt gebruiken.", field="kind")
    return kind


@dataclass(frozen=True)
class CodeRequest:
    """What the form answers, and what the job needs to send the code (or not)."""

    ref: str  # names the second form; the code is bound to it
    value: str  # the normalised phone / e-mail (for the form and for sending)
    answer: str  # the same text whether or not the number is known
    code: str  # always made: whether it is sent is the job's decision (code_delivery)
    code_id: int
    channel: str = "sms"


def request_code(
    db: Session, *, kind: str, channel: str, raw: str, client: str, secret: str, now: datetime
) -> CodeRequest:
    """Step 1. The same work for every number: limits counted, a code row stored, and never a
    lookup of whether the number is known — the job decides that (`code_delivery`), after the
    answer went out, so the response time says nothing."""
    _kind(kind)
    value = _subject(channel, raw)
    client_key = keyed_hash(secret, "verzoek-client", client or "unknown")
    if throttle.is_locked(db, client_key, now):
        raise DomainError(TOO_MANY_CLIENT)
    throttle.register_failure(db, client_key, CLIENT_LIMIT, now)
    key = _subject_key(secret, channel, value)
    recent = db.exec(
        select(func.count())
        .select_from(VerificationCode)
        .where(
            VerificationCode.subject_key == key,
            VerificationCode.created_at > now - timedelta(hours=1),
        )
    ).one()
    if recent >= CODES_PER_HOUR:
        raise DomainError(TOO_MANY_CODES.format(what=_what(channel)))
    code = f"{secrets.randbelow(10**6):06d}"
    ref, ref_hash = new_token()
    row = VerificationCode(
        subject_key=key,
        channel=channel,
        kind=kind,
        ref_hash=ref_hash,
        code_hash=hash_token(f"{ref}:{code}"),
        created_at=now,
        expires_at=now + CODE_VALIDITY,
    )
    db.add(row)
    db.flush()
    assert row.id is not None
    return CodeRequest(
        ref=ref,
        value=value,
        answer=SENT.format(what=_what(channel)),
        code=code,
        code_id=row.id,
        channel=channel,
    )


def code_sms(code: str) -> str:
    return (
        f"PakJePlekje: uw code voor uw privacyverzoek is {code}. 10 minuten geldig. "
        "Niet gevraagd? Negeer dit bericht."
    )


@dataclass(frozen=True)
class Verified:
    ok: bool
    error: str = ""
    kind: str = ""
    channel: str = ""
    value: str = ""


def verify(db: Session, *, ref: str, raw: str, code: str, secret: str, now: datetime) -> Verified:
    """Step 2. A failure is a result, not an exception: its attempt counter must be committed."""
    row = None
    if ref and len(ref) <= 200:
        row = db.exec(
            select(VerificationCode).where(VerificationCode.ref_hash == hash_token(ref))
        ).first()
    if row is None:
        return Verified(False, EXPIRED)
    if row.used_at is not None:
        return Verified(False, USED)
    if now >= row.expires_at:
        return Verified(False, EXPIRED)
    if row.attempts >= MAX_ATTEMPTS:
        return Verified(False, LOCKED)
    try:
        value = _subject(row.channel, raw)
    except DomainError:
        value = ""
    code = "".join(ch for ch in (code or "") if ch.isdigit())[:6]
    good = (
        value
        and secrets.compare_digest(_subject_key(secret, row.channel, value), row.subject_key)
        and secrets.compare_digest(hash_token(f"{ref}:{code}"), row.code_hash)
    )
    if not good:
        row.attempts += 1
        db.add(row)
        db.flush()
        return Verified(False, LOCKED if row.attempts >= MAX_ATTEMPTS else WRONG_CODE)
    spent = db.exec(  # type: ignore[call-overload]
        update(VerificationCode)
        .where(col(VerificationCode.id) == row.id, col(VerificationCode.used_at).is_(None))
        .values(used_at=now)
    ).rowcount
    if spent != 1:
        return Verified(False, USED)
    return Verified(True, kind=row.kind, channel=row.channel, value=value)


# --- carrying out a verified request -------------------------------------------------------


@dataclass
class Outcome:
    kind: str
    summary: str
    practices: list[str] = field(default_factory=list)
    data: dict[str, Any] | None = None  # inzage / overdracht: what the person may download


def _file(
    db: Session,
    practice_id: int,
    kind: str,
    subject: str,
    verified_by: str,
    now: datetime,
    *,
    status: str,
    resolution: str,
    patient_id: int | None = None,
    user_id: int | None = None,
    message: str = "",
) -> PrivacyRequest:
    request = PrivacyRequest(
        practice_id=practice_id,
        kind=kind,
        subject=subject,
        verified_by=verified_by,
        patient_id=patient_id,
        user_id=user_id,
        message=message,
        status=status,
        received_at=now,
        due_at=add_month(now),
        resolved_at=now if status != "open" else None,
        resolution=resolution,
    )
    db.add(request)
    db.flush()
    audit.record(
        db,
        f"privacy.request_{kind}",
        practice_id=practice_id,
        target_type="privacy_request",
        target_id=request.id,
        detail=f"{subject}, {verified_by}, {status}",
        now=now,
    )
    return request


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def patient_data(db: Session, phone: str) -> dict[str, Any]:
    """Everything about one mobile number, per practice (active practices only)."""
    rows = db.exec(
        select(Patient, Practice)
        .join(Practice, Practice.id == Patient.practice_id)  # type: ignore[arg-type]
        .where(Patient.phone == phone, Practice.status == "active")
        .order_by(Practice.name)
    ).all()
    practices = []
    for patient, practice in rows:
        treatments = db.exec(
            select(Treatment.name)
            .join(PatientTreatment, PatientTreatment.treatment_id == Treatment.id)  # type: ignore[arg-type]
            .where(PatientTreatment.patient_id == patient.id)
        ).all()
        messages = db.exec(
            select(Message)
            .where(Message.practice_id == practice.id, Message.phone == phone)
            .order_by(col(Message.created_at))
        ).all()
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
                    "toegevoegd_op": _iso(patient.added_at),
                    "afgemeld_op": _iso(patient.opted_out_at),
                    "aantal_aanbiedingen": patient.offers_count,
                },
                "berichten": [
                    {
                        "richting": "uitgaand" if m.direction == "out" else "inkomend",
                        "tekst": m.body,
                        "status": m.status,
                        "tijd": _iso(m.created_at),
                    }
                    for m in messages
                ],
            }
        )
    return {"telefoon": phone, "praktijken": practices}


def _patients_by_phone(db: Session, phone: str) -> list[tuple[Patient, Practice]]:
    return list(
        db.exec(
            select(Patient, Practice)
            .join(Practice, Practice.id == Patient.practice_id)  # type: ignore[arg-type]
            .where(Patient.phone == phone, Practice.status == "active")
        ).all()
    )


def _suppress(db: Session, secret: str, phone: str, reason: str, now: datetime) -> None:
    key = suppression_key(secret, phone)
    if db.get(Suppression, key) is None:
        db.add(Suppression(key=key, reason=reason, created_at=now))


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
        _file(
            db,
            practice.id,  # type: ignore[arg-type]
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
        data = patient_data(db, phone)
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
        return Outcome(
            kind, "Uw verzoek is doorgestuurd naar de praktijk(en); zij passen het aan.", names
        )
    if kind in ("verwijdering", "bezwaar"):
        ids = [patient.id for patient, _ in found]
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
            db.exec(  # type: ignore[call-overload]
                update(Offer)
                .where(col(Offer.patient_id).in_(ids), col(Offer.status) == OfferStatus.QUEUED)
                .values(status=OfferStatus.EXPIRED)
            )
        if kind == "verwijdering":
            # The delivery record stays (billing); who it went to and what it said do not.
            db.exec(  # type: ignore[call-overload]
                update(Message).where(col(Message.phone) == phone).values(phone="", body="")
            )
            if ids:
                db.exec(delete(Patient).where(col(Patient.id).in_(ids)))  # type: ignore[call-overload]
        else:
            if ids:
                db.exec(  # type: ignore[call-overload]
                    update(Patient)
                    .where(col(Patient.id).in_(ids))
                    .values(status="removed", opted_out_at=now, updated_at=now)
                )
        _suppress(db, secret, phone, kind, now)
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


def fulfil_staff(db: Session, kind: str, email: str, message: str, now: datetime) -> Outcome:
    """A staff member's or owner's own request. Inzage/overdracht are answered at once; the
    rest go to the practice's inbox (the employer decides, e.g. about deleting an account)."""
    row = db.exec(
        select(User, Practice)
        .join(Practice, Practice.id == User.practice_id)  # type: ignore[arg-type]
        .where(User.email == email, Practice.status == "active")
    ).first()
    if row is None:
        return Outcome(kind, "Wij hebben geen account met dit e-mailadres gevonden.")
    user, practice = row
    if kind in ("inzage", "overdracht"):
        _file(
            db,
            practice.id,
            kind,
            "staff",
            "email",
            now,
            status="done",
            user_id=user.id,  # type: ignore[arg-type]
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
    _file(
        db,
        practice.id,
        kind,
        "staff",
        "email",
        now,
        status="open",
        user_id=user.id,  # type: ignore[arg-type]
        message=text,
        resolution="",
    )
    return Outcome(
        kind,
        "Uw verzoek staat in de inbox van uw praktijk; de eigenaar handelt het af.",
        [practice.name],
    )


# --- the practice's inbox ------------------------------------------------------------------


@dataclass(frozen=True)
class InboxRow:
    id: int
    kind: str
    subject: str
    verified_by: str
    message: str
    status: str
    received_at: datetime
    due_at: datetime
    resolution: str
    overdue: bool


def inbox(db: Session, practice_id: int, now: datetime, status: str = "") -> list[InboxRow]:
    stmt = select(PrivacyRequest).where(PrivacyRequest.practice_id == practice_id)
    if status in STATUSES:
        stmt = stmt.where(PrivacyRequest.status == status)
    rows = db.exec(
        stmt.order_by(col(PrivacyRequest.status) != "open", col(PrivacyRequest.due_at)).limit(200)
    ).all()
    return [
        InboxRow(
            r.id,  # type: ignore[arg-type]
            r.kind,
            r.subject,
            r.verified_by,
            r.message,
            r.status,
            r.received_at,
            r.due_at,
            r.resolution,
            r.status == "open" and now > r.due_at,
        )
        for r in rows
    ]


def resolve(
    db: Session, actor: Actor, *, request_id: int, status: str, resolution: str, now: datetime
) -> PrivacyRequest:
    """Mark a request done or rejected (with a note), or open again."""
    if status not in STATUSES:
        raise DomainError("Onbekende status.")
    request = db.exec(
        select(PrivacyRequest).where(
            PrivacyRequest.id == request_id, PrivacyRequest.practice_id == actor.practice_id
        )
    ).first()
    if request is None:
        raise NotFound("Dit verzoek bestaat niet (meer).")
    note = " ".join((resolution or "").split())[:500]
    if status == "rejected" and not note:
        raise DomainError("Schrijf waarom het verzoek is afgewezen.", field="resolution")
    request.status = status
    request.resolution = note or request.resolution
    request.resolved_at = None if status == "open" else now
    request.handled_by_user_id = actor.user_id
    db.add(request)
    audit.by_actor(db, actor, f"privacy.request_{status}", "privacy_request", request.id, now)
    return request
