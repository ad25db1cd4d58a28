"""Background work: texting offers and privacy codes. Each step is its own short transaction;
the provider is called outside any transaction, and only after the offer was claimed for
sending (or the code text counted)."""

from __future__ import annotations

import logging

from pakjeplekje import clock, routes
from pakjeplekje.adapters import live_bus
from pakjeplekje.adapters.mail import get_mailer
from pakjeplekje.adapters.settled_claims import settled_claims
from pakjeplekje.adapters.sms import SmsError, get_sms_sender, status_callback_url
from pakjeplekje.config import get_settings
from pakjeplekje.db import session_scope
from pakjeplekje.domain.core_loop import dispatch
from pakjeplekje.domain.emails import code_email
from pakjeplekje.domain.privacy import code_delivery, request_codes
from pakjeplekje.domain.waitlist import signup
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
        try:
            # A place in the sender's SMS_PER_SECOND window first, then the claim: a worker
            # that dies while waiting for one leaves the offer `queued`, not `sending`.
            with sender.reserve():
                with session_scope() as db:
                    sms = dispatch.claim_for_sending(
                        db,
                        offer_id,
                        settings.url(routes.claim("")),
                        clock.now(),
                        settings.sms_allowed_countries,
                    )
                if sms is None:
                    continue
                failure: SmsError | None = None
                # before the patient can answer: `JA` claims again
                settled_claims().texted(sms.phone)
                try:
                    result = sender.send(sms.phone, sms.body, callback)
                except SmsError as exc:
                    failure = exc
        except SmsError:  # only `reserve`: no place in time; still queued, the tick sends it
            log.warning("offer %s: no place in the SMS rate window; left queued", offer_id)
            continue
        touched.add(sms.practice_id)
        if failure is not None:
            if failure.maybe_sent:  # it may have gone out: leave it `sending`, never text twice
                log.warning("offer %s: provider outcome unknown, left for review", offer_id)
                continue
            log.warning(
                "offer %s to %s failed: code=%s retryable=%s",
                offer_id,
                mask_phone(sms.phone),
                failure.code,
                failure.retryable,
            )
            with session_scope() as db:
                dispatch.record_failed(db, sms, failure.code, failure.retryable, clock.now())
            continue
        with session_scope() as db:
            dispatch.record_sent(db, sms, result.provider_id, result.status, clock.now())
        sent += 1
    for practice_id in touched:
        live_bus.publish(practice_id)
    return sent


def send_confirmation(offer_id: int) -> bool:
    """Text the winner that the slot is theirs. A failure is recorded, never retried blindly."""
    settings = get_settings()
    with session_scope() as db:
        sms = dispatch.confirmation_for(db, offer_id, clock.now(), settings.sms_allowed_countries)
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


def send_signup_code(code_id: int, practice_id: int, phone: str, code: str) -> bool:
    """Text a sign-up code within the code-SMS caps (counted at the practice signed up for)."""
    settings = get_settings()
    caps = code_delivery.Caps(settings.code_sms_per_hour, settings.code_sms_per_practice_per_hour)
    with session_scope() as db:
        decision = code_delivery.reserve_signup_sms(
            db,
            code_id=code_id,
            phone=phone,
            practice_id=practice_id,
            countries=settings.sms_allowed_countries,
            caps=caps,
            now=clock.now(),
        )
    if not decision.send:
        log.warning("sign-up code SMS not sent: %s", decision.reason)
        return False
    try:
        get_sms_sender(settings).send(phone, signup.code_sms(code))
    except Exception as exc:  # the exception's text may quote the number
        log.warning("sign-up code SMS: sending failed (%s)", type(exc).__name__)
        return False
    return True


def send_privacy_code(code_id: int, channel: str, value: str, code: str) -> bool:
    """Text or mail a /privacy/verzoek code when `code_delivery` allows it. The requester got
    the same answer long before, whatever happens here; only the log hears of a cap."""
    settings = get_settings()
    caps = code_delivery.Caps(settings.code_sms_per_hour, settings.code_sms_per_practice_per_hour)
    with session_scope() as db:
        if channel == "sms":
            decision = code_delivery.reserve_sms(
                db,
                code_id=code_id,
                phone=value,
                countries=settings.sms_allowed_countries,
                caps=caps,
                now=clock.now(),
            )
        else:
            decision = code_delivery.mail_allowed(db, code_id=code_id, email=value, now=clock.now())
    if decision.reason == "global_cap":
        log.warning("privacy code SMS not sent: CODE_SMS_PER_HOUR (%s) reached", caps.per_hour)
    elif decision.reason == "practice_cap" or decision.capped:
        log.warning(
            "privacy code SMS %s: CODE_SMS_PER_PRACTICE_PER_HOUR (%s) reached for practice(s) %s",
            "sent (another practice had room)" if decision.send else "not sent",
            caps.per_practice,
            ", ".join(map(str, decision.capped)),
        )
    elif decision.reason == "country":
        log.info("privacy code SMS not sent: number outside SMS_ALLOWED_COUNTRIES")
    if not decision.send:
        return False
    try:
        if channel == "sms":
            get_sms_sender(settings).send(value, request_codes.code_sms(code))
        else:
            get_mailer(settings).send(code_email(value, code))
    except Exception as exc:  # the exception's text may quote the number or the address
        log.warning("privacy code %s: sending failed (%s)", channel, type(exc).__name__)
        return False
    return True
