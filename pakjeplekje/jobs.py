"""Background work: texting offers. Each step is its own short transaction; the provider is
called outside any transaction, and only after the offer was claimed for sending."""

from __future__ import annotations

import logging

from pakjeplekje import clock, live
from pakjeplekje.adapters.sms import SmsError, get_sms_sender, status_callback_url
from pakjeplekje.config import get_settings
from pakjeplekje.db import session_scope
from pakjeplekje.domain import dispatch
from pakjeplekje.logmask import mask_phone

log = logging.getLogger(__name__)


def send_offers(offer_ids: list[int]) -> int:
    """Text every queued offer in `offer_ids`; returns how many left. Safe to run twice.

    The staff pages of every practice involved refresh once the batch is done."""
    settings = get_settings()
    sender = get_sms_sender(settings)
    callback = status_callback_url(settings) if settings.sms_backend == "twilio" else None
    sent = 0
    touched: set[int] = set()
    for offer_id in offer_ids:
        with session_scope() as db:
            sms = dispatch.claim_for_sending(db, offer_id, settings.url("/c/"), clock.now())
        if sms is None:
            continue
        touched.add(sms.practice_id)
        try:
            result = sender.send(sms.phone, sms.body, callback)
        except SmsError as exc:
            if exc.maybe_sent:  # it may have gone out: leave it `sending`, never text twice
                log.warning("offer %s: provider outcome unknown, left for review", offer_id)
                continue
            log.warning(
                "offer %s to %s failed: code=%s retryable=%s",
                offer_id,
                mask_phone(sms.phone),
                exc.code,
                exc.retryable,
            )
            with session_scope() as db:
                dispatch.record_failed(db, sms, exc.code, exc.retryable, clock.now())
            continue
        with session_scope() as db:
            dispatch.record_sent(db, sms, result.provider_id, result.status, clock.now())
        sent += 1
    for practice_id in touched:
        live.publish(practice_id)
    return sent


def send_confirmation(offer_id: int) -> bool:
    """Text the winner that the slot is theirs. A failure is recorded, never retried blindly."""
    settings = get_settings()
    with session_scope() as db:
        sms = dispatch.confirmation_for(db, offer_id, clock.now())
    if sms is None:
        return False
    try:
        result = get_sms_sender(settings).send(sms.phone, sms.body, None)
    except SmsError as exc:
        log.warning("confirmation to %s failed: code=%s", mask_phone(sms.phone), exc.code)
        with session_scope() as db:
            dispatch.record_message(db, sms, None, "failed", exc.code, clock.now())
        return False
    with session_scope() as db:
        dispatch.record_message(db, sms, result.provider_id, result.status, None, clock.now())
    return True
