"""A practice's software as tests see it: a real local HTTP server (pytest-httpserver) that
keeps every webhook request and answers with the statuses a test chooses."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from tests.webhook_verify import verify_pakjeplekje_signature


@dataclass
class Received:
    headers: dict[str, str]  # names in lower case
    body: bytes
    signature_ok: bool  # checked on arrival, as the practice's software does

    @property
    def event(self) -> dict[str, Any]:
        parsed: dict[str, Any] = json.loads(self.body)
        return parsed


@dataclass
class Receiver:
    """One endpoint path on the server: `statuses` are answered in turn (the last repeats)."""

    server: HTTPServer
    path: str
    statuses: list[int] = field(default_factory=lambda: [200])
    received: list[Received] = field(default_factory=list)
    secret: str = ""  # the endpoint's signing secret, once the test has it

    def __post_init__(self) -> None:
        self.server.expect_request(self.path, method="POST").respond_with_handler(self._answer)

    def _answer(self, request: Request) -> Response:
        headers = {k.lower(): v for k, v in request.headers.items()}
        body = request.get_data()
        signed = headers.get("pakjeplekje-signature", "")
        ok = bool(self.secret) and verify_pakjeplekje_signature(self.secret, signed, body)
        self.received.append(Received(headers, body, ok))
        status = self.statuses[min(len(self.received), len(self.statuses)) - 1]
        return Response("ok" if status < 300 else "nee", status=status)

    @property
    def url(self) -> str:
        return self.server.url_for(self.path)

    def verified(self) -> list[dict[str, Any]]:
        """Every request's event; each signature was checked with the README's snippet."""
        events = []
        for request in self.received:
            assert request.headers["content-type"] == "application/json"
            assert request.signature_ok, request.headers.get("pakjeplekje-signature")
            assert request.headers["pakjeplekje-event-id"] == request.event["id"]
            events.append(request.event)
        return events
