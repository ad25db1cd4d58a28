"""Cross-site websocket hijacking: the session cookie rides on every websocket to our host, so
the handshake must be refused when the page that opens it lives on another origin."""

from __future__ import annotations

import base64
import os
import socket

import pytest

from tests.browser.flows import App


def _handshake_status(app: App, origin: str | None) -> int:
    """Open the app's event websocket by hand, as a browser on `origin` would."""
    key = base64.b64encode(os.urandom(16)).decode()
    lines = [
        "GET /_event/?EIO=4&transport=websocket HTTP/1.1",
        f"Host: localhost:{app.port}",
        "Upgrade: websocket",
        "Connection: Upgrade",
        f"Sec-WebSocket-Key: {key}",
        "Sec-WebSocket-Version: 13",
        "Cookie: pjp_sessie=whatever-the-victim-has",
    ]
    if origin is not None:
        lines.append(f"Origin: {origin}")
    with socket.create_connection(("127.0.0.1", app.port), timeout=10) as conn:
        conn.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        status_line = conn.recv(4096).split(b"\r\n", 1)[0].decode()
    return int(status_line.split()[1])


def test_own_origin_may_connect(app: App) -> None:
    assert _handshake_status(app, app.base_url) == 101


@pytest.mark.parametrize(
    "origin",
    ["https://evil.example", "http://localhost.evil.example", "null", "http://localhost:1"],
)
def test_foreign_origin_is_refused(app: App, origin: str) -> None:
    assert _handshake_status(app, origin) != 101
