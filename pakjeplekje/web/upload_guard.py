"""`POST /_upload` (reflex's upload endpoint) answers a client mistake with 4xx, never 500.

Reflex raises (HTTP 500) when the `reflex-event-handler` header names a handler that takes no
upload. We check the handler first; anything else that still fails inside reflex's upload
code on a request we could not vet (garbage multipart, a vanished tab) becomes 400 as well,
and is logged, so a real fault stays visible to the operator.
"""

from __future__ import annotations

import logging

from reflex_base.event import resolve_upload_chunk_handler_param, resolve_upload_handler_param
from reflex_base.registry import RegistrationContext
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pakjeplekje import routes

log = logging.getLogger(__name__)

REFUSED = "Deze upload is niet geldig. Vernieuw de pagina en probeer het opnieuw."


def _takes_an_upload(handler_name: str) -> bool:
    """Whether the registered handler accepts files the way reflex will call it."""
    try:
        registered = RegistrationContext.get().event_handlers.get(handler_name)
    except LookupError:
        return False
    if registered is None:
        return False
    handler = registered.handler
    resolve = (
        resolve_upload_chunk_handler_param
        if handler.is_background
        else resolve_upload_handler_param
    )
    try:
        resolve(handler)
    except (TypeError, ValueError):  # reflex's UploadTypeError / UploadValueError
        return False
    return True


class UploadGuard:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path") != routes.UPLOAD:
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v for k, v in scope.get("headers", [])}
        name = headers.get("reflex-event-handler", b"").decode("utf-8", "replace")
        if scope.get("method") == "POST" and not (
            headers.get("reflex-client-token") and _takes_an_upload(name)
        ):
            await PlainTextResponse(REFUSED, status_code=400)(scope, receive, send)
            return
        started = False

        async def no_server_errors(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                if message["status"] >= 500:
                    raise _Refused
                started = True
            await send(message)

        try:
            await self.app(scope, receive, no_server_errors)
        except Exception:
            if started:
                raise
            log.exception("upload refused after a failure in reflex's upload handling")
            await PlainTextResponse(REFUSED, status_code=400)(scope, receive, send)


class _Refused(Exception):
    """Reflex was about to answer 500: answer 400 instead (see UploadGuard)."""
