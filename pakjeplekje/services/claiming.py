"""The patient's claim, as the claim page and the API make it (web/claim.py): a read first,
the write only when the claim can still win; then the staff pages and the winner's
confirmation text, both after the commit."""

from __future__ import annotations

from pakjeplekje import clock
from pakjeplekje.config import get_settings
from pakjeplekje.db import read_scope
from pakjeplekje.domain.core_loop import claims
from pakjeplekje.services import unit_of_work
from pakjeplekje.services.scheduler import send_confirmation_task


def claim_by_link(token: str, channel: str, client: str) -> claims.ClaimResult:
    with read_scope() as db:
        early = claims.decided(db, token, clock.now())
    if early is not None:  # taken, expired, unavailable: nothing to write, nothing to tell
        return early

    def claim(work: unit_of_work.UnitOfWork) -> claims.ClaimResult:
        result = claims.claim(
            work.db,
            token,
            channel=channel,
            client=client,
            secret=get_settings().secret_key,
            now=clock.now(),
        )
        work.practice_changed(result.practice_id, result.filled_message)  # None: nobody won
        if result.offer_id is not None:  # the patient's page must not wait for the provider
            work.enqueue(send_confirmation_task, result.offer_id)
        return result

    return unit_of_work.run(claim)


def view_offer(token: str) -> claims.ClaimView | None:
    """The offer as its page shows it; the first look shows as "bekeken" on the staff page."""

    def look(work: unit_of_work.UnitOfWork) -> claims.ClaimView | None:
        view = claims.view(work.db, token, clock.now())
        if view is not None:
            work.practice_changed(view.first_view_of)
        return view

    return unit_of_work.run(look)
