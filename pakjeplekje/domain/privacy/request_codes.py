"""Proving who asks: a 6-digit code by SMS (patients, to their mobile number) or by e-mail
(staff). Valid 10 minutes, 5 attempts, at most 3 codes per number/address per hour and a
per-client limit. The answer to "send me a code" is the same whether or not we know the
number, and so is the work behind it: a code row is stored and a job queued either way; the
job sends only to a known number (`code_delivery`)."""

from __future__ import annotations

import secrets
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func
from sqlmodel import Session, col, select, update

from pakjeplekje.domain import phones, throttle
from pakjeplekje.domain.accounts.identity import normalize_email
from pakjeplekje.domain.errors import DomainError
from pakjeplekje.domain.privacy.requests import KINDS
from pakjeplekje.domain.tokens import hash_token, keyed_hash, new_token
from pakjeplekje.models import (
    VerificationCode,
)

CODE_VALIDITY = timedelta(minutes=10)
DOWNLOAD_WINDOW = timedelta(minutes=30)  # after an inzage/overdracht code: the JSON download


MAX_ATTEMPTS = 5


CODES_PER_HOUR = 3


CLIENT_LIMIT = 10  # code requests per client per 15 minutes (throttle window)


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


def _what(channel: str) -> str:
    return "nummer" if channel == "sms" else "e-mailadres"


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
    count_client(db, client=client, secret=secret, now=now)
    return issue_code(db, kind=kind, channel=channel, value=value, secret=secret, now=now)


def count_client(db: Session, *, client: str, secret: str, now: datetime) -> None:
    """The per-client limit on code requests (CLIENT_LIMIT per throttle window): every request
    counts, answered or refused. Shared by every form that sends codes (privacy, sign-up)."""
    client_key = keyed_hash(secret, "verzoek-client", client or "unknown")
    if throttle.is_locked(db, client_key, now):
        raise DomainError(TOO_MANY_CLIENT)
    throttle.register_failure(db, client_key, CLIENT_LIMIT, now)


def issue_code(
    db: Session, *, kind: str, channel: str, value: str, secret: str, now: datetime
) -> CodeRequest:
    """A code row for the normalised `value`, at most CODES_PER_HOUR per number or address
    (whatever the form: a number gets no more texts by switching forms)."""
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


def verify(
    db: Session,
    *,
    ref: str,
    raw: str,
    code: str,
    secret: str,
    now: datetime,
    kinds: Collection[str] = tuple(KINDS),
) -> Verified:
    """Step 2. A failure is a result, not an exception: its attempt counter must be committed.

    `kinds`: the codes this form accepts — a sign-up code never files a privacy request, and a
    privacy code never confirms a sign-up."""
    row = None
    if ref and len(ref) <= 200:
        row = db.exec(
            select(VerificationCode).where(VerificationCode.ref_hash == hash_token(ref))
        ).first()
    if row is None or row.kind not in kinds:
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
    spent = db.exec(
        update(VerificationCode)
        .where(col(VerificationCode.id) == row.id, col(VerificationCode.used_at).is_(None))
        .values(used_at=now)
    ).rowcount
    if spent != 1:
        return Verified(False, USED)
    return Verified(True, kind=row.kind, channel=row.channel, value=value)


def verified_download(
    db: Session, *, ref: str, raw: str, secret: str, now: datetime
) -> Verified | None:
    """ "Download als JSON" after a verified inzage or overdracht: the same form reference and
    number (or address) whose code was accepted, within DOWNLOAD_WINDOW of that. Anything else
    (unknown or unused reference, another number, another kind of request, too late): None,
    and nothing says which."""
    if not ref or len(ref) > 200:
        return None
    row = db.exec(
        select(VerificationCode).where(VerificationCode.ref_hash == hash_token(ref))
    ).first()
    if row is None or row.used_at is None or row.kind not in ("inzage", "overdracht"):
        return None
    if now > row.used_at + DOWNLOAD_WINDOW:
        return None
    try:
        value = _subject(row.channel, raw)
    except DomainError:
        return None
    if not secrets.compare_digest(_subject_key(secret, row.channel, value), row.subject_key):
        return None
    return Verified(True, kind=row.kind, channel=row.channel, value=value)
