"""The staff session cookie: HttpOnly, so page scripts (and XSS) can never read the token.

HTTP routes set and clear it; the websocket handshake carries it to the server, where event
handlers read it from the connection's headers (reflex 0.10 keeps request cookies server-side).
"""

from __future__ import annotations

from http.cookies import CookieError, SimpleCookie

from starlette.responses import Response

from pakjeplekje.config import get_settings
from pakjeplekje.domain.accounts.sessions import ABSOLUTE_TIMEOUT

COOKIE_NAME = "pjp_sessie"
BINDING_MAX_AGE_S = 120  # the login grant lives 60 s


def binding_cookie_name() -> str:
    """The login-grant binding cookie; over https `__Host-`, so a sibling subdomain cannot
    plant one (cookie tossing would bring the login CSRF back)."""
    return "__Host-pjp_inlog" if get_settings().cookies_secure else "pjp_inlog"


def binding_cookie_for_script(binding: str) -> str:
    """The `document.cookie` assignment the page that asked for the grant makes."""
    secure = "; Secure" if get_settings().cookies_secure else ""
    return (
        f"{binding_cookie_name()}={binding}; Path=/; Max-Age={BINDING_MAX_AGE_S}; "
        f"SameSite=Strict{secure}"
    )


def cookie_from_header(header: str | None, name: str) -> str | None:

    if not header:
        return None
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(header)
    except CookieError:
        return None
    morsel = jar.get(name)
    return morsel.value if morsel else None


def token_from_cookie_header(header: str | None) -> str | None:
    return cookie_from_header(header, COOKIE_NAME)


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


def clear_binding_cookie(response: Response) -> None:
    response.delete_cookie(
        binding_cookie_name(),
        path="/",
        samesite="strict",
        secure=get_settings().cookies_secure,
    )
