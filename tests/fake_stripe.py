"""A local stand-in for the Stripe API, reached by the real `stripe` SDK through STRIPE_API_BASE,
and webhook requests signed exactly as Stripe signs them.

It keeps what the app created (customers, Checkout and portal sessions, meter events) for the
tests to inspect, and serves subscriptions the tests put in `subscriptions`.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import re
import threading
import time
from typing import Any

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

WEBHOOK_SECRET = "whsec_test_pakjeplekje"
SECRET_KEY = "sk_test_pakjeplekje"
PRICE_BASIS = "price_basis_test"
PRICE_PRO = "price_pro_test"
PRICE_METER = "price_sms_meter_test"


def sign(payload: bytes, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    """`Stripe-Signature`: t=…,v1=HMAC-SHA256(secret, "t.payload")."""
    t = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{t}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


_ids = itertools.count(1)


def event(kind: str, obj: dict[str, Any], *, created: int | None = None) -> dict[str, Any]:
    return {
        "id": f"evt_{next(_ids):06d}",
        "object": "event",
        "type": kind,
        "created": int(time.time()) if created is None else created,
        "api_version": "2026-10-28.endive",
        "livemode": False,
        "data": {"object": obj},
    }


def subscription(
    sub_id: str,
    customer: str,
    status: str = "active",
    price: str = PRICE_BASIS,
    *,
    start: int | None = None,
    days: int = 30,
    cancel_at_period_end: bool = False,
    extra_prices: tuple[str, ...] = (),
) -> dict[str, Any]:
    begin = int(time.time()) - 3600 if start is None else start
    end = begin + days * 86400
    return {
        "id": sub_id,
        "object": "subscription",
        "customer": customer,
        "status": status,
        "cancel_at_period_end": cancel_at_period_end,
        "ended_at": int(time.time()) if status == "canceled" else None,
        "items": {
            "object": "list",
            "data": [
                {
                    "id": f"si_{n}_{sub_id}",
                    "object": "subscription_item",
                    "price": {"id": p, "object": "price"},
                    "current_period_start": begin,
                    "current_period_end": end,
                }
                for n, p in enumerate((price, *extra_prices))
            ],
        },
        "metadata": {},
    }


def checkout_completed(session_id: str, practice_id: int, customer: str, sub_id: str) -> dict:
    return {
        "id": session_id,
        "object": "checkout.session",
        "mode": "subscription",
        "client_reference_id": str(practice_id),
        "customer": customer,
        "subscription": sub_id,
        "status": "complete",
    }


def _flat(form: Any) -> dict[str, str]:
    return {key: form.get(key) for key in form}


class FakeStripe:
    """The endpoints the app calls, on a real HTTP server in this process."""

    def __init__(self) -> None:
        self.server = HTTPServer(host="127.0.0.1", port=0)
        self.customers: dict[str, dict[str, str]] = {}
        self.checkout_sessions: list[dict[str, str]] = []
        self.portal_sessions: list[dict[str, str]] = []
        self.meter_events: list[dict[str, str]] = []
        self.subscriptions: dict[str, dict[str, Any]] = {}
        self.requests: list[tuple[str, str, dict[str, str], dict[str, str]]] = []
        self.down = False
        self._lock = threading.Lock()

    def start(self) -> FakeStripe:
        self.server.expect_request(re.compile(".*")).respond_with_handler(self._handle)
        self.server.start()
        return self

    def stop(self) -> None:
        if self.server.is_running():
            self.server.clear()
            self.server.stop()

    @property
    def base_url(self) -> str:
        return self.server.url_for("").rstrip("/")

    def _json(self, body: dict[str, Any], status: int = 200) -> Response:
        return Response(json.dumps(body), status=status, content_type="application/json")

    def _error(self, status: int, message: str, code: str = "resource_missing") -> Response:
        return self._json(
            {"error": {"type": "invalid_request_error", "code": code, "message": message}},
            status,
        )

    def _handle(self, request: Request) -> Response:
        form = _flat(request.form)
        headers = {k.lower(): v for k, v in request.headers.items()}
        with self._lock:
            self.requests.append((request.method, request.path, form, headers))
        path = request.path
        if path.startswith(("/checkout/", "/portal/")):  # where the browser lands
            page = f"<!doctype html><title>Fake Stripe</title><h1>Fake Stripe {path}</h1>"
            return Response(page, content_type="text/html")
        if self.down:
            return self._error(500, "fake outage", "api_error")
        if headers.get("authorization") != f"Bearer {SECRET_KEY}":
            return self._error(401, "Invalid API Key provided", "api_key_invalid")
        with self._lock:
            return self._route(request.method, path, form)

    def _route(self, method: str, path: str, form: dict[str, str]) -> Response:
        if method == "POST" and path == "/v1/customers":
            cus_id = f"cus_{next(_ids):06d}"
            self.customers[cus_id] = form
            return self._json({"id": cus_id, "object": "customer", "email": form.get("email")})
        if method == "POST" and path == "/v1/checkout/sessions":
            cs_id = f"cs_test_{next(_ids):06d}"
            self.checkout_sessions.append({"id": cs_id, **form})
            return self._json(
                {
                    "id": cs_id,
                    "object": "checkout.session",
                    "mode": form.get("mode"),
                    "customer": form.get("customer"),
                    "client_reference_id": form.get("client_reference_id"),
                    "url": f"{self.base_url}/checkout/{cs_id}",
                }
            )
        if method == "POST" and path == "/v1/billing_portal/sessions":
            bps_id = f"bps_{next(_ids):06d}"
            self.portal_sessions.append({"id": bps_id, **form})
            return self._json(
                {
                    "id": bps_id,
                    "object": "billing_portal.session",
                    "customer": form.get("customer"),
                    "url": f"{self.base_url}/portal/{bps_id}",
                }
            )
        match = re.fullmatch(r"/v1/subscriptions/([\w-]+)", path)
        if method in ("GET", "DELETE") and match:
            found = self.subscriptions.get(match[1])
            if found is None:
                return self._error(404, f"No such subscription: '{match[1]}'")
            if method == "DELETE":  # cancel now, as Stripe does
                found.update(status="canceled", ended_at=int(time.time()))
            return self._json(found)
        if method == "POST" and path == "/v1/billing/meter_events":
            self.meter_events.append(form)
            return self._json({"object": "billing.meter_event", **form})
        return self._error(404, f"Unrecognized request URL ({method}: {path})")
