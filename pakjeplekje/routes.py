"""Route constants and URL builders, so pages, links and redirects agree on one spelling.

Plain strings only: the UI, the HTTP routes and the services may all import this module.
"""

from urllib.parse import urlencode

HOME = "/"
SIGNUP = "/account-aanmaken"
LOGIN = "/inloggen"
FORGOT_PASSWORD = "/wachtwoord-vergeten"
RESET_PASSWORD = "/wachtwoord-herstellen"
ACCEPT_INVITE = "/uitnodiging"
PRIVACY_POLICY = "/privacybeleid"
PRIVACY_REQUEST = "/privacy/verzoek"  # server-rendered (web/privacy.py), not a Reflex page

# Served by web/ (Starlette routes beside the Reflex app): pages a patient or a mail link
# opens, the API, webhooks and the dev inboxes.
CLAIM = "/c/{token}"
CLAIM_OPT_OUT = "/c/{token}/afmelden"
CLAIM_DECLINE = "/c/{token}/nee"
CLAIM_CALENDAR = "/c/{token}/afspraak.ics"
CLAIM_API = "/api/claim/{token}"
PRIVACY_REQUEST_CONFIRM = "/privacy/verzoek/bevestigen"
PRIVACY_REQUEST_DOWNLOAD = "/privacy/verzoek/gegevens.json"  # POST: the inzage as JSON
PRIVACY_UNDO_DELETION = "/privacy/herstel"
PRIVACY_CONFIRM_EMAIL = "/privacy/email-bevestigen"
CONFIRM_EMAIL = "/account/bevestigen"
SESSION_GRANT = "/api/auth/sessie"
HEALTH = "/api/health"
WAITLIST_EXPORT = "/api/wachtlijst/export.csv"
WAITLIST_TEMPLATE = "/api/wachtlijst/sjabloon.csv"
RESULTS_CSV = "/api/resultaten.csv"  # ?per=week|maand
PRIVACY_EXPORT = "/api/privacy/export.zip"  # the practice's ZIP, behind a one-use token
STRIPE_WEBHOOK = "/api/webhooks/stripe"
TWILIO_INBOUND = "/api/webhooks/twilio/sms"
TWILIO_STATUS = "/api/webhooks/twilio/status"
DEV_MAIL = "/dev/mail"
DEV_SMS = "/dev/sms"
UPLOAD = "/_upload"  # Reflex's own upload endpoint, guarded by web/upload_guard.py


def claim(token: str) -> str:
    """The link in an offer text."""
    return CLAIM.format(token=token)


DASHBOARD = "/dashboard"
WAITLIST = "/wachtlijst"
SLOTS = "/plekken"
RESULTS = "/resultaten"
SUBSCRIPTION = "/abonnement"
PRIVACY = "/privacy"
SETTINGS = "/instellingen"
TEAM = "/instellingen/medewerkers"

LOGOUT = "/api/auth/uitloggen"


def login(melding: str = "") -> str:
    """The login page, with the notice (`verlopen`, `uitgelogd`, …) it shows on arrival."""
    return f"{LOGIN}?{urlencode({'melding': melding})}" if melding else LOGIN


def results_csv(unit: str) -> str:
    """The CSV of /resultaten per `week` or `maand`."""
    return f"{RESULTS_CSV}?{urlencode({'per': unit})}"
