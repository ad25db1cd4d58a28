"""Live updates stay inside their deployment: two deployments on one Redis server (different
database numbers) never hear each other's "plek gevuld" notices."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator

import pytest
import redis

from pakjeplekje.adapters import live_bus
from pakjeplekje.config import get_settings

HOST = "redis://127.0.0.1:6379"


@pytest.fixture
def server() -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(f"{HOST}/0", socket_timeout=2)
    try:
        client.ping()
    except redis.RedisError:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("CI=true but Redis is not running on 127.0.0.1:6379")
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    yield client
    get_settings.cache_clear()


def _heard(
    client: redis.Redis, listening_db: int, publishing_db: int, mp: pytest.MonkeyPatch
) -> bool:
    pubsub = client.pubsub()
    pubsub.subscribe(live_bus.channel(f"{HOST}/{listening_db}"))
    pubsub.get_message(timeout=1)  # the subscribe confirmation
    mp.setenv("REDIS_URL", f"{HOST}/{publishing_db}")
    get_settings.cache_clear()
    live_bus.publish(424242, "Plek gevuld")
    deadline = time.monotonic() + 1
    heard = False
    while time.monotonic() < deadline and not heard:
        message = pubsub.get_message(timeout=0.2)
        heard = bool(message and message["type"] == "message" and b"424242" in message["data"])
    pubsub.close()
    return heard


def test_a_deployment_hears_its_own_database_only(
    server: redis.Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert live_bus.channel(f"{HOST}/13") != live_bus.channel(f"{HOST}/14")
    assert _heard(server, 13, 13, monkeypatch)
    assert not _heard(server, 13, 14, monkeypatch)
