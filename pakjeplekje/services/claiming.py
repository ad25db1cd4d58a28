"""The patient's claim, as the claim page and the API make it (web/claim.py): an answer kept
since the slot was won first (`settled_claims`), then a read, and the write only when the
claim can still win; then the staff pages, the winner's confirmation text and the losers'
kept answers, all after the commit."""

from __future__ import annotations

from functools import partial

from pakjeplekje import clock
from pakjeplekje.adapters.settled_claims import settled_claims
from pakjeplekje.config import get_settings
from pakjeplekje.db import read_scope
from pakjeplekje.domain.core_loop import claims
from pakjeplekje.domain.tokens import hash_token
from pakjeplekje.services import unit_of_work
from pakjeplekje.services.scheduler import send_confirmation_task
from pakjeplekje.services.slot_gate import slot_gate


def _settled(token: str) -> claims.ClaimView | None:
    """The kept "taken" answer of a link that lost: no database, no pool connection."""
    if not token or len(token) > claims.TOKEN_MAX:
        return None
    return settled_claims().answer(hash_token(token))


def claim_by_link(token: str, channel: str, client: str) -> claims.ClaimResult:
    settled = _settled(token)
    if settled is not None:
        return claims.ClaimResult("taken", settled)
    with read_scope() as db:
        early = claims.decided(db, token, clock.now())
    if isinstance(early, claims.ClaimResult):  # taken, expired, unavailable: nothing to write
        return early
    if isinstance(early, claims.Race):
        with slot_gate.racing(early.slot_id):
            settled = _settled(token)  # the racer before this one may have won meanwhile
            if settled is not None:
                return claims.ClaimResult("taken", settled)
            return unit_of_work.run(partial(_claim, token, channel, client))
    return unit_of_work.run(partial(_claim, token, channel, client))  # unknown: counted


def _claim(
    token: str, channel: str, client: str, work: unit_of_work.UnitOfWork
) -> claims.ClaimResult:
    result = claims.claim(
        work.db,
        token,
        channel=channel,
        client=client,
        secret=get_settings().secret_key,
        now=clock.now(),
    )
    after_win(work, result.practice_id, result.filled_message, result.settled)
    if result.offer_id is not None:  # the patient's page must not wait for the provider
        work.enqueue(send_confirmation_task, result.offer_id)
    return result


def after_win(
    work: unit_of_work.UnitOfWork,
    practice_id: int | None,
    filled_message: str,
    settled: claims.Settled | None,
) -> None:
    """What a won claim (link or `JA`) sets off once committed: the staff pages hear of it,
    and the links that lost answer without the database. Nothing when nobody won."""
    work.practice_changed(practice_id, filled_message)
    if settled is not None:
        work.after_commit(partial(settled_claims().remember, settled, clock.now()))


def view_offer(token: str) -> claims.ClaimView | None:
    """The offer as its page shows it; the first look shows as "bekeken" on the staff page.
    A link that lost needs no look-up: a lost offer is never marked "bekeken"."""
    settled = _settled(token)
    if settled is not None:
        return settled

    def look(work: unit_of_work.UnitOfWork) -> claims.ClaimView | None:
        view = claims.view(work.db, token, clock.now())
        if view is not None:
            work.practice_changed(view.first_view_of)
        return view

    return unit_of_work.run(look)
