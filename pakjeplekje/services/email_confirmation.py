"""The owner asks for the e-mail confirmation link again (the dashboard's "stuur opnieuw")."""

from __future__ import annotations

from pakjeplekje import clock
from pakjeplekje.config import get_settings
from pakjeplekje.domain.accounts import email_confirmation
from pakjeplekje.domain.actor import Actor
from pakjeplekje.services.unit_of_work import unit_of_work


def resend(actor: Actor) -> bool:
    """Whether the mail left: the owner is told when the mail server refused it. Raises
    DomainError (Dutch) when the rules refuse a new link."""
    with unit_of_work() as work:
        work.send_mail(email_confirmation.resend(work.db, actor, get_settings().url, clock.now()))
    return work.failed == 0
