"""Dutch words for stored status values: one place for every screen, page and export view.

The database keeps the codes (`waiting`, `sent`); people read these. Lives beside the four
domain packages so each of them (and the privacy views, which may not import the core loop or
the waitlist) can use it.
"""

from __future__ import annotations

from pakjeplekje.domain.offers import OfferStatus, SlotStatus

UNSURE_SMS = "unsure"  # a display code, never a stored status

OFFER_LABELS: dict[str, str] = {
    OfferStatus.QUEUED: "in wachtrij",
    OfferStatus.SENDING: "verzenden…",
    OfferStatus.SENT: "verstuurd",
    OfferStatus.DELIVERED: "afgeleverd",
    OfferStatus.FAILED: "mislukt",
    OfferStatus.CLICKED: "bekeken",
    OfferStatus.CLAIMED: "geclaimd",
    OfferStatus.LOST: "te laat",
    OfferStatus.EXPIRED: "verlopen",
    OfferStatus.SKIPPED: "niet verstuurd: buitenlands nummer (proefperiode)",
    OfferStatus.DECLINED: "nee, dank u",
}
# An offer's line on Plekken and the dashboard: its status, or `UNSURE_SMS` for one left
# `sending` for too long (dispatch.outcome_unknown: the text may have left; never resent).
OFFER_LINE_LABELS: dict[str, str] = {
    **OFFER_LABELS,
    UNSURE_SMS: "onbekend of verstuurd — controleer",
}
SLOT_LABELS: dict[str, str] = {
    SlotStatus.OPEN: "Open",
    SlotStatus.CLAIMED: "Gevuld",
    SlotStatus.CLOSED: "Gesloten",
    SlotStatus.EXPIRED: "Verlopen",
}
PATIENT_LABELS: dict[str, str] = {
    # the words of the waitlist grid, its filter and its CSV: staff and patient read the same
    "waiting": "wacht",
    "pending": "te beoordelen",  # an online sign-up awaiting staff review; never texted
    "booked": "geboekt",
    "removed": "verwijderd",
}
MESSAGE_LABELS: dict[str, str] = {  # an SMS as the provider reported it
    "queued": "in wachtrij",
    "sending": "verzenden…",
    "sent": "verstuurd",
    "delivered": "afgeleverd",
    "undelivered": "niet afgeleverd",
    "failed": "mislukt",
    "received": "ontvangen",
}
CONSENT_LABELS: dict[str, str] = {
    "balie": "Mondeling aan de balie",
    "formulier": "Formulier",
    "zelf": "Zelf aangemeld",
    "online": "Online aangemeld (sms-code)",
}
ROLE_LABELS: dict[str, str] = {"owner": "eigenaar", "staff": "medewerker"}
USER_LABELS: dict[str, str] = {
    "active": "actief",
    "invited": "uitgenodigd",
    "disabled": "uitgeschakeld",
}


def label(labels: dict[str, str], code: str | None) -> str:
    """The Dutch word for `code`; an unknown code as it is stored, nothing as "—"."""
    if not code:
        return "—"
    return labels.get(code, code)
