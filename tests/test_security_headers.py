"""Security headers on the pages we render ourselves, through the real routes; the Reflex
pages of the prod build are checked in tests/browser/test_edges.py."""

from __future__ import annotations

import base64
import gzip
import hashlib
from typing import TYPE_CHECKING

import pytest
from starlette.testclient import TestClient

from pakjeplekje.web.api import create_api
from pakjeplekje.web.security_headers import content_security_policy, script_hashes

if TYPE_CHECKING:
    from conftest import AppEnv


def directives(csp: str) -> dict[str, list[str]]:
    parsed = {}
    for part in csp.split(";"):
        name, *values = part.split()
        parsed[name] = values
    return parsed


def assert_locked_down(headers: object) -> None:
    h = headers  # httpx.Headers
    assert h["x-content-type-options"] == "nosniff"  # type: ignore[index]
    assert h["x-frame-options"] == "DENY"  # type: ignore[index]
    assert h["referrer-policy"] in {"same-origin", "no-referrer"}  # type: ignore[index]
    csp = directives(h["content-security-policy"])  # type: ignore[index]
    assert csp["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" not in csp["script-src"]
    assert csp["object-src"] == ["'none'"]
    assert csp["default-src"] == ["'self'"]


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/c/geen-echt-token", 404),  # the claim page's "unknown link" page
        ("/privacy/verzoek", 200),
        ("/dev/mail", 200),
        ("/dev/sms", 200),
    ],
)
def test_server_rendered_pages_carry_the_headers(app_env: AppEnv, path: str, status: int) -> None:
    with TestClient(create_api(), client=("127.0.0.1", 1)) as client:
        response = client.get(path)
    assert response.status_code == status
    assert response.headers["content-type"].startswith("text/html")
    assert_locked_down(response.headers)


def test_other_responses_are_not_sniffed_or_framed(app_env: AppEnv) -> None:
    with TestClient(create_api()) as client:
        response = client.get("/api/health")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert "content-security-policy" not in response.headers


def test_inline_scripts_are_allowed_by_their_own_hash_only() -> None:
    """What the browser hashes: the exact text between the tags; scripts with src need none."""
    page = b'<script>a()</script><script type="module">b()</script><script src="/x.js"></script>'
    expected = [
        "'sha256-" + base64.b64encode(hashlib.sha256(code).digest()).decode() + "'"
        for code in (b"a()", b"b()")
    ]
    assert script_hashes(page) == expected
    assert script_hashes(gzip.decompress(gzip.compress(page))) == expected
    assert all(h in content_security_policy(page) for h in expected)
