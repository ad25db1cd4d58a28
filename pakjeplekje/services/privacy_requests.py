"""The /privacy/verzoek use cases (web/privacy.py is their form): ask for a code, then prove
it and have the request carried out. Whether the number or address is known is decided in the
code job, after the answer, so the form answers every requester alike."""

from __future__ import annotations

from typing import Any

from pakjeplekje import clock
from pakjeplekje.config import get_settings
from pakjeplekje.domain.privacy import fulfilment, request_codes
from pakjeplekje.services import unit_of_work
from pakjeplekje.services.scheduler import send_privacy_code_task


def request_code(kind: str, channel: str, raw: str, client: str) -> request_codes.CodeRequest:
    """Raises DomainError (Dutch) when the input or the rate limits refuse it."""

    def ask(work: unit_of_work.UnitOfWork) -> request_codes.CodeRequest:
        sent = request_codes.request_code(
            work.db,
            kind=kind,
            channel=channel,
            raw=raw,
            client=client,
            secret=get_settings().secret_key,
            now=clock.now(),
        )
        work.enqueue(send_privacy_code_task, sent.code_id, sent.channel, sent.value, sent.code)
        return sent

    return unit_of_work.run(ask)


def confirm(
    *, ref: str, raw: str, code: str, message: str
) -> tuple[request_codes.Verified, fulfilment.Outcome | None]:
    """The code proves the requester; then the request is filed (and, where it can be, carried
    out) at every practice that knows them. No outcome when the code did not verify."""

    def carry_out(
        work: unit_of_work.UnitOfWork,
    ) -> tuple[request_codes.Verified, fulfilment.Outcome | None]:
        now, secret = clock.now(), get_settings().secret_key
        verified = request_codes.verify(
            work.db, ref=ref, raw=raw, code=code, secret=secret, now=now
        )
        if not verified.ok:
            return verified, None
        if verified.channel == "sms":
            outcome = fulfilment.fulfil_patient(
                work.db, verified.kind, verified.value, message, secret, now
            )
        else:
            outcome = fulfilment.fulfil_staff(work.db, verified.kind, verified.value, message, now)
        return verified, outcome

    return unit_of_work.run(carry_out)


def download(*, ref: str, raw: str) -> dict[str, Any] | None:
    """The JSON of "Download als JSON": only for the form whose inzage/overdracht code was just
    accepted, for the same number or address; None for anyone else (the route says nothing
    more)."""

    def read(work: unit_of_work.UnitOfWork) -> dict[str, Any] | None:
        now = clock.now()
        verified = request_codes.verified_download(
            work.db, ref=ref, raw=raw, secret=get_settings().secret_key, now=now
        )
        if verified is None:
            return None
        if verified.channel == "sms":
            return fulfilment.patient_data(work.db, verified.value, now)
        return fulfilment.staff_data_for(work.db, verified.value)

    return unit_of_work.run(read)
