"""The verification snippet of the README ("Webhooks"), verbatim: what a practice's software
runs on each request. Tests verify every delivery with exactly this function."""

import hashlib
import hmac
import time


def verify_pakjeplekje_signature(
    secret: str, header: str, body: bytes, tolerance: int = 300
) -> bool:
    """True when `header` (the PakJePlekje-Signature value) signs the raw request `body`
    with your endpoint's `secret` (whsec_…) and was made at most `tolerance` seconds ago."""
    try:
        fields = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(fields["t"])
    except (KeyError, ValueError):
        return False
    if abs(time.time() - timestamp) > tolerance:
        return False  # an old request replayed
    signed = f"{timestamp}.".encode() + body
    expected = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, fields.get("v1", ""))
