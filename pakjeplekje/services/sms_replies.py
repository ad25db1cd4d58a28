"""A patient's text to us (the Twilio webhook). A `JA` with nothing left to claim is answered
without a transaction of its own: from what the win settled (`settled_claims`), else from
reads; its two log rows are written by group commit. A `JA` that may still win races for its
slot through the gate (`slot_gate`); everything else (STOP, START, help) runs in its own unit
of work."""

from __future__ import annotations

from functools import partial

from pakjeplekje import clock
from pakjeplekje.adapters.settled_claims import settled_claims
from pakjeplekje.db import read_scope
from pakjeplekje.domain.core_loop import claims, replies
from pakjeplekje.services import claiming, declining, unit_of_work
from pakjeplekje.services.group_commit import GroupCommit
from pakjeplekje.services.slot_gate import slot_gate

_message_log = GroupCommit()


def handle(phone: str, body: str) -> replies.Reply:
    looked: replies.Answered | claims.Race | None = _settled(phone, body)
    if looked is None:
        with read_scope() as db:
            looked = replies.answer_without_claim(db, phone, body, clock.now())
    if isinstance(looked, claims.Race):
        with slot_gate.racing(looked.slot_id):
            settled = _settled(phone, body)  # the racer before this one may have won meanwhile
            if settled is None:
                return unit_of_work.run(partial(_reply, phone, body))
            looked = settled
    if isinstance(looked, replies.Answered):  # in a claim storm: everyone after the winner
        _message_log.write(looked.log)
        return looked.reply
    return unit_of_work.run(partial(_reply, phone, body))


def _reply(phone: str, body: str, work: unit_of_work.UnitOfWork) -> replies.Reply:
    reply = replies.handle_reply(work.db, phone, body, clock.now())
    claiming.after_win(work, reply.practice_id, reply.filled_message, reply.settled)
    declining.after_decline(work, reply.declined)
    return reply


def _settled(phone: str, body: str) -> replies.Answered | None:
    if not replies.is_claim(phone, body):
        return None
    practice_id = settled_claims().lost_by_sms(phone)
    return None if practice_id is None else replies.taken(practice_id, phone, body, clock.now())
