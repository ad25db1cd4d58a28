"""Who is asking, at the HTTP boundary: the peer unless it is a trusted proxy, never a header
the client wrote; IPv6 clients counted by their /64; the dev inboxes only for this machine."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import pytest
from starlette.testclient import TestClient

from pakjeplekje.config import ConfigError, load_settings
from pakjeplekje.domain.core_loop.claims import GUESS_LIMIT
from pakjeplekje.web.api import create_api

if TYPE_CHECKING:
    from conftest import AppEnv


@contextmanager
def client_at(address: str) -> Iterator[TestClient]:
    """The real HTTP routes, reached from the TCP peer `address`."""
    with TestClient(create_api(), follow_redirects=False, client=(address, 40000)) as client:
        yield client


def guess(address: str, forwarded: str | None = None) -> int:
    """One guessed claim token; the answer is 404 until this client is locked (429)."""
    headers = {"X-Forwarded-For": forwarded} if forwarded is not None else {}
    with client_at(address) as client:
        return client.post("/api/claim/geraden-token", headers=headers).status_code


def exhaust(address: str, forwarded: list[str] | None = None) -> None:
    for i in range(GUESS_LIMIT):
        fwd = forwarded[i % len(forwarded)] if forwarded else None
        assert guess(address, fwd) == 404


def test_a_forged_forwarded_for_does_not_make_a_new_client(app_env: AppEnv) -> None:
    """Without trusted proxies every guess counts for the peer, whatever header it sends."""
    exhaust("198.51.100.7", forwarded=[f"203.0.113.{i}" for i in range(1, 250)])
    assert guess("198.51.100.7", "192.0.2.99") == 429
    assert guess("198.51.100.8") == 404  # another client is not locked


def test_behind_a_trusted_proxy_the_rightmost_untrusted_entry_counts(
    app_env: AppEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The client may prepend anything; what the proxies appended decides."""
    monkeypatch.setenv("TRUSTED_PROXIES", "10.0.0.0/8, 192.0.2.1")
    app_env.reload()
    # client 203.0.113.5 → proxy 10.1.1.1 → proxy 192.0.2.1 (the peer); it forges the left end
    exhaust("192.0.2.1", forwarded=[f"1.2.3.{i}, 203.0.113.5, 10.1.1.1" for i in range(1, 250)])
    assert guess("192.0.2.1", "203.0.113.5, 10.1.1.1") == 429
    assert guess("192.0.2.1", "203.0.113.5,10.1.1.1") == 429  # spacing changes nothing
    assert guess("192.0.2.1", "203.0.113.6, 10.1.1.1") == 404  # another client behind it
    assert guess("198.51.100.9", "203.0.113.6") == 404  # an untrusted peer is itself


def test_an_ipv6_client_is_counted_by_its_64(app_env: AppEnv) -> None:
    """Any of 2^64 addresses of one prefix is the same client; the next prefix is not."""
    exhaust("2001:db8:1:2::1")
    assert guess("2001:db8:1:2:ffff:eeee:dddd:1") == 429
    assert guess("2001:db8:1:3::1") == 404


def test_trusted_proxies_with_a_typo_refuse_to_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRUSTED_PROXIES", "10.0.0.1, proxy.intern")
    with pytest.raises(ConfigError, match="TRUSTED_PROXIES"):
        load_settings()


@pytest.mark.parametrize("path", ["/dev/mail", "/dev/sms"])
@pytest.mark.parametrize("peer", ["127.0.0.1", "::1", "127.0.0.5"])
def test_dev_inboxes_answer_this_machine(app_env: AppEnv, path: str, peer: str) -> None:
    with client_at(peer) as client:
        assert client.get(path).status_code == 200


@pytest.mark.parametrize("path", ["/dev/mail", "/dev/sms"])
def test_dev_inboxes_are_absent_for_anyone_else(
    app_env: AppEnv, monkeypatch: pytest.MonkeyPatch, path: str
) -> None:
    """On a shared network the inbox would hand out every reset link; a forged header or a
    local proxy forwarding a stranger does not count as this machine."""
    with client_at("192.168.1.20") as client:
        assert client.get(path).status_code == 404
        assert client.get(path, headers={"X-Forwarded-For": "127.0.0.1"}).status_code == 404
    monkeypatch.setenv("TRUSTED_PROXIES", "127.0.0.1")
    app_env.reload()
    with client_at("127.0.0.1") as client:
        assert client.get(path, headers={"X-Forwarded-For": "198.51.100.3"}).status_code == 404
        assert client.get(path).status_code == 200
