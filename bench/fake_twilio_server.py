"""A local fake of Twilio's Messages API for load runs: a server process (the app's workers)
texts through the real twilio SDK against it (`TWILIO_API_BASE_URL`), and it accepts every
text with a fresh `SM…` sid, as fast as it can. tests/fake_twilio.py is the pytest fixture for
unit tests; this one runs outside pytest, for as long as a load run needs it.

`python -m bench.fake_twilio_server --port 8401` or `with fake_twilio() as url: ...`.
"""

from __future__ import annotations

import argparse
import itertools
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

ACCOUNT_SID = "AC" + "10ad" * 8
AUTH_TOKEN = "load-test-twilio-token"  # what the app checks inbound webhooks against
FROM = "+3197010000000"


def twilio_env(base_url: str) -> dict[str, str]:
    """What the app needs to text through this fake and to check webhooks signed with it."""
    return {
        "SMS_BACKEND": "twilio",
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_FROM": FROM,
        "TWILIO_API_BASE_URL": base_url,
    }


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: the SDK reuses its connection
    counter = itertools.count(1)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
        if not self.path.endswith("/Messages.json"):
            self.send_error(404)
            return
        sid = f"SM{next(self.counter):032x}"
        body = json.dumps(
            {
                "account_sid": ACCOUNT_SID,
                "api_version": "2010-04-01",
                "body": form.get("Body", ""),
                "date_created": "Tue, 24 Nov 2026 08:00:00 +0000",
                "date_sent": None,
                "date_updated": "Tue, 24 Nov 2026 08:00:00 +0000",
                "direction": "outbound-api",
                "error_code": None,
                "error_message": None,
                "from": form.get("From"),
                "messaging_service_sid": form.get("MessagingServiceSid"),
                "num_media": "0",
                "num_segments": "1",
                "price": None,
                "price_unit": None,
                "sid": sid,
                "status": "queued",
                "subresource_uris": {},
                "to": form.get("To", ""),
                "uri": f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{sid}.json",
            }
        ).encode()
        self.send_response(201)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:  # quiet: thousands of texts per run
        return


@contextmanager
def fake_twilio(port: int = 0) -> Iterator[str]:
    """The fake on 127.0.0.1 (a free port by default) until the block ends; yields its URL."""
    server = ThreadingHTTPServer(("127.0.0.1", port), _Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8401)
    port = parser.parse_args().port
    server = ThreadingHTTPServer(("127.0.0.1", port), _Handler)
    server.daemon_threads = True
    print(f"fake Twilio on http://127.0.0.1:{port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
