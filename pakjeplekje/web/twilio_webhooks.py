"""Twilio webhooks: inbound SMS (answered with TwiML) and delivery status callbacks.

Both verify `X-Twilio-Signature` against PUBLIC_BASE_URL + path — the URL Twilio called, not
the one a proxy hands us — and refuse (403) when it does not match or no token is set.
"""

from __future__ import annotations

import logging

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from pakjeplekje import clock
from pakjeplekje import routes as paths
from pakjeplekje.config import get_settings
from pakjeplekje.domain.core_loop import replies
from pakjeplekje.logmask import mask_phone
from pakjeplekje.services import sms_replies, unit_of_work
from pakjeplekje.services.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)


async def _signed_params(request: Request) -> dict[str, str] | None:
    settings = get_settings()
    form = await request.form()
    params = {key: str(value) for key, value in form.items()}
    signature = request.headers.get("x-twilio-signature", "")
    if not settings.twilio_auth_token or not signature:
        return None
    url = settings.url(request.url.path) + (f"?{request.url.query}" if request.url.query else "")
    if not RequestValidator(settings.twilio_auth_token).validate(url, params, signature):
        return None
    return params


def _forbidden() -> Response:
    return PlainTextResponse("Forbidden", status_code=403)


async def inbound_sms(request: Request) -> Response:
    params = await _signed_params(request)
    if params is None:
        return _forbidden()
    phone, body = params.get("From", ""), params.get("Body", "")
    reply = await run_in_threadpool(sms_replies.handle, phone, body)
    log.info("inbound sms from %s handled", mask_phone(phone))
    twiml = MessagingResponse()
    if reply.text:
        twiml.message(reply.text)
    return Response(str(twiml), media_type="application/xml")


async def status_callback(request: Request) -> Response:
    params = await _signed_params(request)
    if params is None:
        return _forbidden()
    code = params.get("ErrorCode", "")

    def apply(work: UnitOfWork) -> None:
        practice_id = replies.apply_status(
            work.db,
            params.get("MessageSid", ""),
            params.get("MessageStatus", ""),
            int(code) if code.isdecimal() else None,
            clock.now(),
        )
        work.practice_changed(practice_id)  # afgeleverd / mislukt on the staff page

    await run_in_threadpool(unit_of_work.run, apply)
    return Response(status_code=204)


def routes() -> list[Route]:
    return [
        Route(paths.TWILIO_INBOUND, inbound_sms, methods=["POST"]),
        Route(paths.TWILIO_STATUS, status_callback, methods=["POST"]),
    ]
