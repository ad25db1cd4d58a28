"""The offer lifecycle, typed: every status an Offer (and a Slot) row can have, and the groups
of statuses the rules use, each named once.

The way forward is queued → sending → sent → delivered → clicked → claimed. On the way:
`sending` falls back to `queued` after a retryable provider failure or while the practice may
not text (`dispatch`), or ends `failed` (provider) or `skipped` (free trial, number abroad; an
offer can also be created `skipped`); a delivery callback moves `sending`/`sent` to `delivered`
or `failed`; a claimable offer ends `lost` when another one wins and `expired` when its slot
closes or starts; a claimed offer turns `lost` when staff reopen the slot (a no-show).

A status is stored as its plain string (the columns stay `str`, no migration); a member equals
that string, so rows read back as `str` match the members and the groups below.

One constructor, `add_offers`, creates offers for production (`slots.add_wave`) as well as for
the demo, the benchmarks and the tests, so they all build the same row.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from datetime import datetime
from enum import StrEnum

from sqlmodel import Session

from pakjeplekje.domain.tokens import new_token
from pakjeplekje.models import Offer, Slot


class OfferStatus(StrEnum):
    """Where one offer stands; the value is what the `offer.status` column stores."""

    QUEUED = "queued"  # waiting for the send job (first try, retry after backoff, held back)
    SENDING = "sending"  # one sender claimed it; the provider's answer is not recorded yet
    SENT = "sent"  # the provider accepted the text
    DELIVERED = "delivered"  # the provider reported delivery
    FAILED = "failed"  # the provider refused it for good (or retries ran out)
    CLICKED = "clicked"  # the patient opened the claim page ("bekeken")
    CLAIMED = "claimed"  # this offer won the slot
    LOST = "lost"  # another offer won, or staff reopened the slot after this one won
    EXPIRED = "expired"  # the slot started, closed or was claimed before an answer came
    SKIPPED = "skipped"  # never texted: a free trial may not text this number abroad
    DECLINED = "declined"  # the patient said no (NEE, or "Nee, dank u" on the claim page)


class SlotStatus(StrEnum):
    """Where a freed slot stands; the value is what the `slot.status` column stores."""

    OPEN = "open"  # offered to the waitlist: waves go out, the first claim wins
    CLAIMED = "claimed"  # a patient won it (staff may reopen it after a no-show)
    CLOSED = "closed"  # staff filled it themselves or called it off, or the practice left
    EXPIRED = "expired"  # its start passed while it was still open


# Still in the race: may win the slot (link or SMS), turns `lost` when another offer wins and
# `expired` when staff close the slot.
CLAIMABLE: tuple[OfferStatus, ...] = (
    OfferStatus.QUEUED,
    OfferStatus.SENDING,
    OfferStatus.SENT,
    OfferStatus.DELIVERED,
    OfferStatus.CLICKED,
)
# Claimable and not `sending`: what the expiry job and a practice's deletion expire. An offer in
# `sending` is left alone: its outcome is unknown, and `dispatch.stuck_offers` reports it.
WAITING_FOR_ANSWER: tuple[OfferStatus, ...] = (
    OfferStatus.QUEUED,
    OfferStatus.SENT,
    OfferStatus.DELIVERED,
    OfferStatus.CLICKED,
)
# Claimable and the patient has the text: a `JA` reply may claim it.
ANSWERABLE_BY_SMS: tuple[OfferStatus, ...] = (
    OfferStatus.SENT,
    OfferStatus.DELIVERED,
    OfferStatus.CLICKED,
)
# Claimable and the claim page not opened yet: opening it marks the offer `clicked`.
NOT_VIEWED: tuple[OfferStatus, ...] = (
    OfferStatus.QUEUED,
    OfferStatus.SENDING,
    OfferStatus.SENT,
    OfferStatus.DELIVERED,
)
# Handed to the provider (or being handed): a delivery callback may still move it on.
AWAITING_DELIVERY: tuple[OfferStatus, ...] = (OfferStatus.SENDING, OfferStatus.SENT)


def add_offers(
    db: Session,
    slot: Slot,
    patient_ids: Iterable[int],
    *,
    wave: int,
    now: datetime,
    skipped: Collection[int] = (),
    reasons: Mapping[int, str] | None = None,
) -> list[tuple[Offer, str]]:
    """Offer `slot` to each patient (in order), flushed so every offer has its id.

    Returns each offer with its raw claim token (≥ 128 bits; only the hash is stored). Production
    drops that token: `dispatch.claim_for_sending` issues a fresh one as the text goes out, so a
    working link exists only in the SMS. The demo, benchmarks and tests keep it to open the
    claim page without texting. Patients in `skipped` get their offer all the same, `skipped`:
    staff see who was passed over. `reasons`: why the wave chose each patient (staff see it)."""
    assert slot.id is not None
    issued: list[tuple[Offer, str]] = []
    for patient_id in patient_ids:
        raw, digest = new_token()
        offer = Offer(
            practice_id=slot.practice_id,
            slot_id=slot.id,
            patient_id=patient_id,
            token_hash=digest,
            wave=wave,
            status=OfferStatus.SKIPPED if patient_id in skipped else OfferStatus.QUEUED,
            created_at=now,
            expires_at=slot.starts_at,
            reason=(reasons or {}).get(patient_id, "")[:200],
        )
        issued.append((offer, raw))
    db.add_all([offer for offer, _ in issued])
    db.flush()
    return issued
