"""Opening a slot queues its wave as several small send jobs (services/slots.SEND_CHUNK), so
every worker takes part and a worker that dies takes few offers with it; together the jobs
text each offer once."""

from __future__ import annotations

import pytest

from pakjeplekje.services import slots as slots_service
from tests.conftest import Factory
from tests.fake_twilio import twilio_texts_fixture  # noqa: F401  (fixture)
from tests.job_queue import JobQueue, job_queue_fixture  # noqa: F401  (fixture)
from tests.test_trial_sms import BELGIAN, DUTCH, desk, open_slot

pytestmark = pytest.mark.usefixtures("office_now")  # wave one leaves at once on a workday


def test_a_wave_goes_out_as_small_jobs_that_text_each_offer_once(
    twilio_texts: list[dict], job_queue: JobQueue, factory: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(slots_service, "SEND_CHUNK", 2)
    place = desk(factory, "Stukjes", paying=True)
    open_slot(place)
    queued = job_queue.huey.pending()
    assert [task.name for task in queued] == ["send_offers_task", "send_offers_task"]
    assert sorted(len(task.args[0]) for task in queued) == [1, 2]
    assert job_queue.run() == 2
    assert sorted(t["to"] for t in twilio_texts) == sorted((*DUTCH, BELGIAN))


def test_chunks_keep_every_id_once_in_order() -> None:
    assert slots_service.chunks(list(range(12)), 5) == [[0, 1, 2, 3, 4], [5, 6, 7, 8, 9], [10, 11]]
    assert slots_service.chunks([], 5) == []
