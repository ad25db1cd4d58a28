"""The preferences link `/voorkeuren/<token>`: a signed value, no login, no stored token.

A token is `1.<practice id>.<patient id>.<binding>.<signature>`:
- `1` is the format version (a new format or a rotated meaning gets a new number);
- the ids say whose entry it is, the practice first, so a lookup is always tenant-scoped;
- `binding` is a keyed hash of the entry's row (when it was added, its phone number): a link
  only ever reaches the row it was made for. A deleted row whose id is reused (SQLite reuses
  the highest rowid), or a number staff corrected because the texts went to someone else,
  leaves the old link dead instead of handing the new row to whoever holds the old SMS;
- `signature` is an HMAC-SHA256 (128 bits kept) over all of the above with the app's
  secret key: changing any character, swapping ids, or inventing a token fails.

No expiry: a patient may keep an old SMS for months, and what the link can do (change one's
own preferences, pause, leave) is no more than replying STOP can. Pure functions: the secret
is passed in, nothing here reads settings or the database.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import UTC, datetime

VERSION = "1"
TOKEN_MAX = 120
_SHAPE = re.compile(
    r"1\.([1-9][0-9]{0,11})\.([1-9][0-9]{0,11})\.([A-Za-z0-9_-]{11})\.([A-Za-z0-9_-]{22})"
)


@dataclass(frozen=True)
class SignedLink:
    """What a genuine token names; the row still has to match `binding`."""

    practice_id: int
    patient_id: int
    binding: str


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def row_binding(secret: str, added_at: datetime, phone: str) -> str:
    """11 characters (64 bits) that tie a link to one row, readable by nobody without the key."""
    moment = added_at.replace(tzinfo=UTC) if added_at.tzinfo is None else added_at.astimezone(UTC)
    message = f"voorkeuren-rij:{moment.isoformat()}|{phone}".encode()
    return _b64(hmac.new(secret.encode(), message, hashlib.sha256).digest()[:8])


def _signature(secret: str, practice_id: int, patient_id: int, binding: str) -> str:
    message = f"voorkeuren:{VERSION}:{practice_id}:{patient_id}:{binding}".encode()
    return _b64(hmac.new(secret.encode(), message, hashlib.sha256).digest()[:16])


def sign(secret: str, practice_id: int, patient_id: int, added_at: datetime, phone: str) -> str:
    """The token for one waitlist entry (the same every time: nothing is stored)."""
    binding = row_binding(secret, added_at, phone)
    signature = _signature(secret, practice_id, patient_id, binding)
    return f"{VERSION}.{practice_id}.{patient_id}.{binding}.{signature}"


def verify(secret: str, token: str) -> SignedLink | None:
    """The link a token names when we signed it; None for anything else (malformed, altered,
    forged, too long), without saying which."""
    if not token or len(token) > TOKEN_MAX:
        return None
    match = _SHAPE.fullmatch(token)
    if match is None:
        return None
    practice_id, patient_id, binding = int(match[1]), int(match[2]), match[3]
    expected = _signature(secret, practice_id, patient_id, binding)
    if not hmac.compare_digest(expected, match[4]):
        return None
    return SignedLink(practice_id, patient_id, binding)


def matches_row(secret: str, link: SignedLink, added_at: datetime, phone: str) -> bool:
    """Whether the row found under the link's ids is still the row the link was made for."""
    return hmac.compare_digest(link.binding, row_binding(secret, added_at, phone))
