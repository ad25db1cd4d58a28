"""Who is asking: the client's address for rate limits and loopback-only pages.

The TCP peer is the only address nobody can forge. `X-Forwarded-For` counts only when that peer
is a proxy the operator listed in `TRUSTED_PROXIES`, and then only up to the right-most entry
that is not itself a trusted proxy: everything further left was written by the client.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network

Network = IPv4Network | IPv6Network
Address = IPv4Address | IPv6Address

UNKNOWN = "unknown"


def parse_networks(value: str) -> tuple[Network, ...]:
    """`TRUSTED_PROXIES`: IPs or CIDRs separated by commas or spaces; ValueError on a typo."""
    return tuple(
        ipaddress.ip_network(item, strict=False) for item in value.replace(",", " ").split()
    )


def _address(text: str) -> Address | None:
    """An IP from a peer or a header entry (`[v6]:port` and `v4:port` tolerated), or None."""
    text = text.strip()
    if text.startswith("[") and "]" in text:
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # IPv4 with a port
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _trusted(address: Address, proxies: tuple[Network, ...]) -> bool:
    return any(address.version == net.version and address in net for net in proxies)


def client_address(
    peer: str | None, forwarded_for: Iterable[str], proxies: tuple[Network, ...]
) -> str:
    """The peer, or behind trusted proxies the right-most untrusted `X-Forwarded-For` entry.
    `forwarded_for` holds the header's values in order (a header may be sent more than once)."""
    current = _address(peer or "")
    if current is None:
        return (peer or "").strip() or UNKNOWN
    if not _trusted(current, proxies):
        return str(current)
    entries = [e for value in forwarded_for for e in value.split(",") if e.strip()]
    for entry in reversed(entries):
        hop = _address(entry)
        if hop is None:  # not written by a proxy we trust: stop at the last hop we believe
            break
        current = hop
        if not _trusted(hop, proxies):
            break
    return str(current)


def limit_key(address: str) -> str:
    """What a per-client limit counts: the address, or for IPv6 its /64 (one subscriber's
    prefix: a client can pick any of its 2^64 addresses, never a new prefix)."""
    parsed = _address(address)
    if isinstance(parsed, IPv6Address):
        return str(IPv6Network((int(parsed), 64), strict=False))
    return str(parsed) if parsed is not None else address


def is_loopback(address: str) -> bool:
    parsed = _address(address)
    return parsed is not None and parsed.is_loopback
