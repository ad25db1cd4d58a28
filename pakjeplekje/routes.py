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
CLAIM_PREFERENCES = "/c/{token}/voorkeuren"  # redirects to the patient's PREFERENCES link
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
# Issue 15: patients join and manage themselves; practice software talks to us.
PUBLIC_SIGNUP = "/wachtlijst/{slug}"  # server-rendered, works without JavaScript
PUBLIC_SIGNUP_CONFIRM = "/wachtlijst/{slug}/bevestigen"  # the SMS code (double opt-in)
SIGNUP_POSTER = "/wachtlijst/{slug}/poster.pdf"  # A4 with the QR code, for the reception desk
PREFERENCES = "/voorkeuren/{token}"  # signed, no login: availability, pause, leave the list
CALENDAR_FEED = "/agenda/{token}.ics"  # secret, revocable: slots filled through PakJePlekje
API_V1 = "/api/v1"
API_V1_OPENAPI = "/api/v1/openapi.json"
API_V1_DOCS = "/api/v1/docs"
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
INTEGRATIONS = "/instellingen/koppelingen"  # API keys
WEBHOOKS = "/instellingen/webhooks"  # subscriptions and the delivery log

LOGOUT = "/api/auth/uitloggen"


def login(melding: str = "") -> str:
    """The login page, with the notice (`verlopen`, `uitgelogd`, …) it shows on arrival."""
    return f"{LOGIN}?{urlencode({'melding': melding})}" if melding else LOGIN


def results_csv(unit: str) -> str:
    """The CSV of /resultaten per `week` or `maand`."""
    return f"{RESULTS_CSV}?{urlencode({'per': unit})}"


def public_signup(slug: str) -> str:
    return PUBLIC_SIGNUP.format(slug=slug)


def signup_poster(slug: str) -> str:
    return SIGNUP_POSTER.format(slug=slug)


def preferences(token: str) -> str:
    return PREFERENCES.format(token=token)


def calendar_feed(token: str) -> str:
    return CALENDAR_FEED.format(token=token)
