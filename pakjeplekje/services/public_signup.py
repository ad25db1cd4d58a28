"""The public sign-up use cases (web/public_signup.py is their form): ask for a code, then
confirm it and join the practice's waitlist. One unit of work each; the code text leaves in a
job after the commit."""

from __future__ import annotations

from dataclasses import dataclass

from pakjeplekje import clock
from pakjeplekje.config import get_settings
from pakjeplekje.domain.waitlist import signup
from pakjeplekje.services import unit_of_work
from pakjeplekje.services.scheduler import send_signup_code_task


@dataclass(frozen=True)
class PracticeView:
    """What the public page shows of a practice (no ORM object leaves the transaction)."""

    id: int
    name: str
    slug: str
    treatments: list[tuple[int, str]]


def practice(slug: str) -> PracticeView | None:
    def read(work: unit_of_work.UnitOfWork) -> PracticeView | None:
        found = signup.open_practice(work.db, slug)
        if found is None:
            return None
        return PracticeView(found.id, found.name, found.slug, signup.treatments(work.db, found.id))

    return unit_of_work.run(read)


def start(slug: str, form: signup.SignupForm, client: str) -> signup.Started | None:
    """None for an unknown practice; raises DomainError / ValidationFailed (Dutch) for bad
    input, a suppressed number or a rate limit — and then nothing was sent or stored."""

    def ask(work: unit_of_work.UnitOfWork) -> signup.Started | None:
        found = signup.open_practice(work.db, slug)
        if found is None:
            return None
        settings = get_settings()
        started = signup.start(
            work.db,
            found,
            form,
            client=client,
            secret=settings.secret_key,
            countries=settings.sms_allowed_countries,
            now=clock.now(),
        )
        work.enqueue(
            send_signup_code_task,
            started.code.code_id,
            found.id,
            started.code.value,
            started.code.code,
        )
        return started

    return unit_of_work.run(ask)


def confirm(slug: str, carried: str, code: str) -> signup.Outcome | None:
    """None for an unknown practice. A wrong code is an Outcome with `error` (its attempt is
    committed); a tampered or stale form raises DomainError and writes nothing."""

    def carry_out(work: unit_of_work.UnitOfWork) -> signup.Outcome | None:
        found = signup.open_practice(work.db, slug)
        if found is None:
            return None
        outcome = signup.confirm(
            work.db,
            found,
            carried=carried,
            code=code,
            secret=get_settings().secret_key,
            now=clock.now(),
        )
        if outcome.patient_id is not None:
            work.practice_changed(found.id)
        return outcome

    return unit_of_work.run(carry_out)
