"""A patient's "Nee" (claim page button, or `NEE` by SMS via `sms_replies`): the offer ends
declined, the slot's next patient is texted at once, and the staff pages hear of it."""

from __future__ import annotations

from functools import partial

from pakjeplekje import clock
from pakjeplekje.config import get_settings
from pakjeplekje.domain.core_loop import declines, waves
from pakjeplekje.services import unit_of_work
from pakjeplekje.services.slots import enqueue_texts


def after_decline(work: unit_of_work.UnitOfWork, declined: declines.Declined | None) -> None:
    """The next patient(s) for the slot, texted after the commit; nothing when no offer
    was declined."""
    if declined is None:
        return
    countries = get_settings().sms_allowed_countries
    offer_ids = waves.release_next(work.db, declined.slot_id, clock.now(), countries)
    enqueue_texts(work, offer_ids)
    work.practice_changed(declined.practice_id)


def decline_by_link(token: str) -> bool:
    """The claim page's "Nee, dank u"; False when the link was no longer open."""
    return unit_of_work.run(partial(_decline, token))


def _decline(token: str, work: unit_of_work.UnitOfWork) -> bool:
    declined = declines.decline_link(work.db, token, clock.now())
    after_decline(work, declined)
    return declined is not None
