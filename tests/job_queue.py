"""The huey queue as a test sees it: jobs are enqueued by the real code and stay there until
the test runs them, like the embedded consumer would a moment later.

Import `job_queue_fixture` into a test module to get the `job_queue` fixture there."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from huey import Huey
from huey.storage import MemoryStorage

from pakjeplekje.services import scheduler


@dataclass(frozen=True)
class JobQueue:
    huey: Huey

    def pending(self) -> list[str]:
        """Names of the queued tasks (their arguments are not the test's business)."""
        return [task.name for task in self.huey.pending()]

    def run(self) -> int:
        """Run every queued task, in order, as a consumer would; returns how many ran.

        A task that raises fails the test (the consumer would only log it)."""
        ran = 0
        while (task := self.huey.dequeue()) is not None:
            task.execute()
            ran += 1
        return ran


@pytest.fixture(name="job_queue")
def job_queue_fixture(monkeypatch: pytest.MonkeyPatch) -> JobQueue:
    """The app's huey with a private in-memory queue: nothing runs until `run()`."""
    monkeypatch.setattr(scheduler.huey, "storage", MemoryStorage("pakjeplekje-test"))
    return JobQueue(scheduler.huey)
