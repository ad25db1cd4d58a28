"""Privacy requests (AVG art. 15–21) from the people whose data the practices hold: the
vocabulary the parts share. The parts, by job:

- `request_codes`: patients prove their mobile number with a 6-digit SMS code, staff their
  e-mail address; valid 10 minutes, 5 attempts, at most 3 codes per number/address per hour
  and a per-client limit. "Send me a code" answers alike whether or not we know the number
  (the job sends only to a known one: `code_delivery`).
- `fulfilment`: after verification — inzage / overdracht (the person sees and downloads their
  entries and messages at every practice, each practice named), verwijdering and bezwaar (at
  every practice; both add a `suppression` entry), correctie (free text to the inbox).
- `inbox`: every request is filed in the inbox of each practice concerned, due one month
  after receipt (AVG art. 12(3)), with what was done; the owner resolves it there.
- `suppression`: the numbers that asked never to be added again.
"""

from __future__ import annotations

from datetime import datetime

from pakjeplekje.domain.dutch_dates import add_months

KINDS = {
    "inzage": "Inzage",
    "correctie": "Correctie",
    "verwijdering": "Verwijdering",
    "overdracht": "Overdracht",
    "bezwaar": "Bezwaar",
}


STATUSES = {"open": "Open", "done": "Afgehandeld", "rejected": "Afgewezen"}


MESSAGE_MAX = 2000


def add_month(moment: datetime) -> datetime:
    """One calendar month later in Amsterdam (31 januari → 28/29 februari), as AVG art. 12(3)
    counts."""
    return add_months(moment, 1)
