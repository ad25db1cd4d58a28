"""The HTTP POST of a webhook delivery (httpx: already in every install through reflex, now a
declared dependency). No redirects followed, 5 s in all; outside dev the host name must
resolve to public addresses only, so a practice's URL cannot make our servers call into their
own network (SSRF). Known gap: the name is resolved here and again by the connection (a DNS
answer that changes in between is not caught); the egress firewall of the deployment is the
second line."""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

TIMEOUT_S = 5.0


@dataclass(frozen=True)
class PostResult:
    status_code: int | None  # None: no HTTP answer (timeout, refused, connection error)
    error: str  # short, without the URL or the body: it is shown in the delivery log


def _private_target(url: str) -> bool:
    """True when the host is, or resolves to, an address that is not public."""
    host = urlsplit(url).hostname or ""
    port = urlsplit(url).port or 443
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except OSError:
        return False  # unresolvable: the POST fails on its own
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%")[0])
        if not address.is_global:
            return True
    return False


def post(url: str, body: bytes, headers: dict[str, str], *, allow_private: bool) -> PostResult:
    if not allow_private and _private_target(url):
        return PostResult(None, "Adres binnen een privénetwerk geweigerd")
    try:
        with httpx.Client(timeout=TIMEOUT_S, follow_redirects=False, trust_env=False) as client:
            response = client.post(url, content=body, headers=headers)
    except httpx.TimeoutException:
        return PostResult(None, "Time-out (geen antwoord binnen 5 seconden)")
    except httpx.HTTPError as exc:
        return PostResult(None, f"Verbinding mislukt ({type(exc).__name__})")
    return PostResult(
        response.status_code, "" if response.is_success else f"HTTP {response.status_code}"
    )
