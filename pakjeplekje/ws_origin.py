"""Refuse websocket handshakes from other sites (cross-site websocket hijacking).

The session cookie rides along on every same-site websocket, so a page on another origin must
not be able to open one: the Origin must match the Host the browser connected to, or the
configured PUBLIC_BASE_URL (behind a proxy that rewrites Host).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.types import ASGIApp, Receive, Scope, Send

from pakjeplekje.config import get_settings


def origin_allowed(origin: str | None, host: str | None, public_origin: str) -> bool:
    if not origin:
        return True  # browsers always send Origin on websockets; other clients carry no cookie
    if origin == public_origin:
        return True
    parts = urlsplit(origin)
    return parts.scheme in {"http", "https"} and bool(host) and parts.netloc == host


class WebsocketOriginGuard:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
            if not origin_allowed(
                headers.get("origin"), headers.get("host"), get_settings().public_origin
            ):
                await send({"type": "websocket.close", "code": 1008})
                return
        await self.app(scope, receive, send)
