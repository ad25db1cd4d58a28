"""Staff's slot use cases: open a freed slot (wave 1 is texted by a job after the commit),
close it, reopen it. Every change refreshes the practice's other staff tabs after the commit;
`skip` is the tab that made the change and refreshes itself."""

from __future__ import annotations

from pakjeplekje import clock
from pakjeplekje.config import get_settings
from pakjeplekje.domain.actor import Actor
from pakjeplekje.domain.core_loop import slots
from pakjeplekje.services import unit_of_work
from pakjeplekje.services.scheduler import send_offers_task

# A wave goes out as several small jobs, not one: every worker takes part (the shared
# SMS_PER_SECOND still paces them), and a worker that dies mid-wave takes at most this many
# offers with it (the one in flight stays `sending`, the rest `queued` for the minute tick).
# Each job refreshes the staff pages once, so not one job per offer.
SEND_CHUNK = 5


def chunks(ids: list[int], size: int | None = None) -> list[list[int]]:
    step = size or SEND_CHUNK
    return [ids[i : i + step] for i in range(0, len(ids), step)]


def enqueue_texts(work: unit_of_work.UnitOfWork, offer_ids: list[int]) -> None:
    """Texting waits on the provider: jobs do it after the commit, pages hear back live."""
    for chunk in chunks(offer_ids):
        work.enqueue(send_offers_task, chunk)


def open_slot(actor: Actor, form: slots.SlotForm, *, skip: str = "") -> str:
    """Returns the notice staff read (how many texts go out now, or when they will)."""

    def open_(work: unit_of_work.UnitOfWork) -> str:
        now = clock.now()
        countries = get_settings().sms_allowed_countries  # the free trial texts only these
        slot, offer_ids = slots.open_slot(work.db, actor, form, now, countries)
        enqueue_texts(work, offer_ids)
        work.practice_changed(actor.practice_id, skip=skip)
        return slots.opened_notice(work.db, slot, len(offer_ids), now)

    return unit_of_work.run(open_)


def close_slot(actor: Actor, slot_id: int, reason: str, *, skip: str = "") -> None:
    def close(work: unit_of_work.UnitOfWork) -> None:
        slots.close_slot(work.db, actor, slot_id=slot_id, reason=reason, now=clock.now())
        work.practice_changed(actor.practice_id, skip=skip)

    unit_of_work.run(close)


def reopen_slot(actor: Actor, slot_id: int, *, skip: str = "") -> None:
    def reopen(work: unit_of_work.UnitOfWork) -> None:
        slots.reopen_slot(work.db, actor, slot_id=slot_id, now=clock.now())
        work.practice_changed(actor.practice_id, skip=skip)

    unit_of_work.run(reopen)
