"""The printable A4 poster with the QR code of a practice's public sign-up page."""

from __future__ import annotations

from pakjeplekje import routes
from pakjeplekje.adapters import poster_pdf
from pakjeplekje.config import get_settings
from pakjeplekje.db import session_scope
from pakjeplekje.domain.waitlist import poster


def signup_url(slug: str) -> str:
    """The full address the QR code and the printed line point to."""
    return get_settings().url(routes.public_signup(slug))


def poster_pdf_for(slug: str) -> bytes | None:
    """The poster of the active practice with this slug, or None (unknown or deleted)."""
    with session_scope() as db:
        name = poster.practice_name(db, slug)
    if name is None:
        return None
    return poster_pdf.render(name, signup_url(slug))
