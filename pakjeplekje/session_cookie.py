"""The staff session cookie: HttpOnly, so page scripts (and XSS) can never read the token.

HTTP routes set and clear it; the websocket handshake carries it to the server, where event
handlers read it from the connection's headers (reflex 0.10 keeps request cookies server-side).
"""

from __future__ import annotations

from http.cookies import CookieError, SimpleCookie

from starlette.responses import Response

from pakjeplekje.config import get_settings
from pakjeplekje.domain.sessions import ABSOLUTE_TIMEOUT

COOKIE_NAME = "pjp_sessie"


def token_from_cookie_header(header: str | None) -> str | None:
    if not header:
        return None
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(header)
    except CookieError:
        return None
    morsel = jar.get(COOKIE_NAME)
    return morsel.value if morsel else None


def set_session_cookie(response: Response, token: str) -> None:
    response.set_cookie(
        COOKIE_NAME,
        token,
        max_age=int(ABSOLUTE_TIMEOUT.total_seconds()),
        path="/",
        httponly=True,
        samesite="lax",
        secure=get_settings().cookies_secure,
    )


def clear_session_cookie(response: Response) -> None:
    response.delete_cookie(
        COOKIE_NAME, path="/", httponly=True, samesite="lax", secure=get_settings().cookies_secure
    )
