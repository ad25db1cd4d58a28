"""Security headers on every response the app serves: Reflex's prerendered pages, its 404
page, and our own server-rendered pages (claim page, privacy form, e-mail links, dev inboxes).

The Content-Security-Policy is as strict as the Reflex build allows:
- `script-src 'self'` plus the SHA-256 of each inline `<script>` of *this* page (React
  Router's hydration data and the theme/scroll snippets of the prerendered HTML), computed
  from the body we send, so no `'unsafe-inline'`: script injected into markup never runs.
- `'unsafe-eval'`: Reflex carries every client action a server event sends back — `rx.toast`,
  `rx.call_script`, `rx.call_function` — as JavaScript source that the page `eval`s
  (`applyEvent` in .web/utils/state.js). Without it no toast, no live "plek gevuld" notice.
- `style-src 'self' 'unsafe-inline'`: Emotion (Radix/Reflex styling) writes `<style>`
  elements at run time, and our small server-rendered pages carry one inline stylesheet.
- `connect-src 'self'` plus the configured backend origin, over http(s) and ws(s) (the
  websocket `/_event` and `/_upload`).
- `frame-ancestors 'none'` (and `X-Frame-Options: DENY` for old browsers), `object-src 'none'`,
  `base-uri 'self'`, `form-action 'self'`.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import re
from functools import lru_cache
from urllib.parse import urlsplit

from reflex.config import get_config
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pakjeplekje.config import get_settings

COMMON = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",  # a page that sets its own (no-referrer) keeps it
}
# An inline script: a <script> element without a src attribute.
_INLINE_SCRIPT = re.compile(rb"<script(?![^>]*\ssrc=)[^>]*>(.*?)</script\s*>", re.S | re.I)
# Body senders that bypass the body we must read (zero-copy file sends).
_FILE_EXTENSIONS = ("http.response.pathsend", "http.response.zerocopysend")


@lru_cache(maxsize=8)
def _connect_sources(public_base_url: str) -> str:
    """'self' plus the backend's origin over http(s) and ws(s) (reflex's env.json points the
    page at the configured api_url, which need not be the host the browser typed)."""
    origins = ["'self'"]
    for url in (public_base_url, get_config().api_url):
        parts = urlsplit(url or "")
        if parts.scheme in {"http", "https"} and parts.netloc:
            ws = "wss" if parts.scheme == "https" else "ws"
            origins += [f"{parts.scheme}://{parts.netloc}", f"{ws}://{parts.netloc}"]
    return " ".join(dict.fromkeys(origins))


def script_hashes(html: bytes) -> list[str]:
    """'sha256-…' of every inline script, exactly as the browser hashes it."""
    found = []
    for match in _INLINE_SCRIPT.finditer(html):
        digest = base64.b64encode(hashlib.sha256(match.group(1)).digest()).decode()
        found.append(f"'sha256-{digest}'")
    return list(dict.fromkeys(found))


def content_security_policy(html: bytes) -> str:
    scripts = " ".join(["'self'", "'unsafe-eval'", *script_hashes(html)])
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src {scripts}",
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data: blob:",
            "font-src 'self' data:",
            f"connect-src {_connect_sources(get_settings().public_base_url)}",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def _decoded(body: bytes, encoding: str) -> bytes:
    if encoding == "gzip":
        return gzip.decompress(body)
    return body


class SecurityHeaders:
    """ASGI middleware: common headers on every HTTP response, and on HTML the CSP built from
    the page's own inline scripts (the body is held back until it is complete to hash it)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extensions = scope.get("extensions") or {}
        if any(name in extensions for name in _FILE_EXTENSIONS):
            scope = dict(scope)
            scope["extensions"] = {k: v for k, v in extensions.items() if k not in _FILE_EXTENSIONS}
        held: Message | None = None
        body: list[bytes] = []

        async def send_with_headers(message: Message) -> None:
            nonlocal held
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in COMMON.items():
                    headers.setdefault(name, value)
                if headers.get("content-type", "").startswith("text/html"):
                    held = message
                    return
                await send(message)
            elif message["type"] == "http.response.body" and held is not None:
                body.append(message.get("body", b""))
                if message.get("more_body", False):
                    return
                complete = b"".join(body)
                headers = MutableHeaders(scope=held)
                try:
                    html = _decoded(complete, headers.get("content-encoding", "").lower())
                except (OSError, EOFError):
                    html = b""
                headers["Content-Security-Policy"] = content_security_policy(html)
                start, held = held, None
                await send(start)
                await send({"type": "http.response.body", "body": complete})
            else:
                await send(message)

        await self.app(scope, receive, send_with_headers)
