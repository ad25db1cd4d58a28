"""Twilio's error codes that say something about the patient, in one place.

The SMS adapter reads them to know that no retry will help; `dispatch` and the delivery
callback read them to opt the patient out or flag the number for staff. The domain owns them
(adapters may import the domain, never the other way round).
"""

from __future__ import annotations

UNSUBSCRIBED = 21610  # the number sent STOP to the provider
INVALID_NUMBER = 21211  # not a valid phone number
NOT_A_MOBILE = 21614  # valid, but cannot receive SMS

OPTED_OUT_CODES = frozenset({UNSUBSCRIBED})
INVALID_NUMBER_CODES = frozenset({INVALID_NUMBER, NOT_A_MOBILE})
# No retry will fix these: the send fails for good, and the codes above say what to do next.
PERMANENT_CODES = OPTED_OUT_CODES | INVALID_NUMBER_CODES
