"""The AVG suppression list: numbers that asked (erasure, objection) never to be added to a
waitlist again; manual adds and CSV imports consult it.

Why it is lawful: after erasure we keep only an HMAC of the number (keyed with the server
secret; not reversible without it), the reason and the date. AVG art. 17(3)(b)/(e) and art. 21
together with art. 6(1)(c): to honour the erasure/objection durably we must be able to
recognise the number if a practice re-imports an old list. It is the minimum needed (no name,
no practice, no number in clear text).
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from pakjeplekje.domain.tokens import keyed_hash
from pakjeplekje.models import (
    Suppression,
)

SUPPRESSED = (
    "Dit nummer heeft via een AVG-verzoek gevraagd niet meer benaderd te worden; het kan niet "
    "op de wachtlijst."
)


def suppression_key(secret: str, phone: str) -> str:
    return keyed_hash(secret, "suppress", phone)


def suppressed_phones(db: Session, phones_e164: list[str], secret: str) -> set[str]:
    """Which of these numbers asked (erasure/objection) never to be added again. The key is
    the server secret (SECRET_KEY): rotating it forgets the list, so rotate with care."""
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


def suppress(db: Session, secret: str, phone: str, reason: str, now: datetime) -> None:
    key = suppression_key(secret, phone)
    if db.get(Suppression, key) is None:
        db.add(Suppression(key=key, reason=reason, created_at=now))
