"""A tab whose app process was killed keeps its token on the process it reconnects to; a tab
duplicated while its process lives still gets a token of its own (pakjeplekje/ui/socket_takeover).

The holder of the tab is a real second process, killed with SIGKILL as the fault suite does:
what tells a dead process from a live one is Redis dropping the dead one's connections."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import textwrap
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
import redis.asyncio

from pakjeplekje.ui.socket_takeover import TakeoverTokenManager
from tests.local_services import redis_db

ROOT = Path(__file__).resolve().parent.parent

HOLDER = textwrap.dedent(
    """
    import asyncio, sys
    import redis.asyncio
    from pakjeplekje.ui.socket_takeover import TakeoverTokenManager

    async def main():
        manager = TakeoverTokenManager(redis.asyncio.Redis.from_url(sys.argv[1]))
        assert await manager.link_token_to_sid(sys.argv[2], "sid-in-the-other-process") is None
        print(manager.instance_id, flush=True)
        await asyncio.sleep(600)

    asyncio.run(main())
    """
)


@pytest.fixture
def redis_url() -> Iterator[str]:
    with redis_db() as url:
        yield url


@pytest.fixture
def holder(redis_url: str) -> Iterator[tuple[subprocess.Popen[str], str, str]]:
    """Another app process holding the socket of one tab: (process, tab token, its instance)."""
    token = str(uuid.uuid4())
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, redis_url, token],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    instance = proc.stdout.readline().strip()
    assert instance, "the holder process did not start"
    yield proc, token, instance
    proc.kill()
    proc.wait(timeout=10)


def _owner(url: str, token: str) -> str:
    import pickle

    raw = redis.Redis.from_url(url).get(f"token_manager_socket_record_{token}")
    assert raw is not None
    return str(pickle.loads(raw).instance_id)  # noqa: S301  # Reflex's record, our test Redis


async def _link(url: str, token: str, sid: str) -> tuple[str | None, str]:
    client = redis.asyncio.Redis.from_url(url)
    manager = TakeoverTokenManager(client)
    try:
        new_token = await manager.link_token_to_sid(token, sid)
        return new_token, manager.instance_id
    finally:
        if manager._alive_task is not None:
            manager._alive_task.cancel()
        await client.aclose()


def test_a_tab_back_from_a_killed_process_keeps_its_token(
    redis_url: str, holder: tuple[subprocess.Popen[str], str, str]
) -> None:
    proc, token, instance = holder
    assert _owner(redis_url, token) == instance
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    # the record is still there (nothing removed it), but its process is gone
    assert _owner(redis_url, token) == instance

    new_token, here = asyncio.run(_link(redis_url, token, "sid-after-reconnect"))

    assert new_token is None  # the same token: the same state in Redis
    assert _owner(redis_url, token) == here


def test_a_tab_duplicated_while_its_process_lives_gets_a_token_of_its_own(
    redis_url: str, holder: tuple[subprocess.Popen[str], str, str]
) -> None:
    _, token, instance = holder

    new_token, here = asyncio.run(_link(redis_url, token, "sid-of-the-copy"))

    assert new_token is not None and new_token != token
    assert _owner(redis_url, token) == instance  # the original tab is left where it is
    assert _owner(redis_url, new_token) == here
