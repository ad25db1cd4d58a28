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
PRIVACY_REQUEST = "/privacy/verzoek"  # server-rendered (api_privacy), not a Reflex page

DASHBOARD = "/dashboard"
WAITLIST = "/wachtlijst"
SLOTS = "/plekken"
SUBSCRIPTION = "/abonnement"
PRIVACY = "/privacy"
SETTINGS = "/instellingen"
TEAM = "/instellingen/medewerkers"

LOGIN_GRANT = "/api/auth/sessie"  # ?grant=…: trades a login grant for the session cookie
LOGOUT = "/api/auth/uitloggen"
WAITLIST_EXPORT = "/api/wachtlijst/export.csv"
WAITLIST_TEMPLATE = "/api/wachtlijst/sjabloon.csv"
EXPORT_PATH = "/api/privacy/export.zip"  # the practice's ZIP, behind a one-use token


def login(melding: str = "") -> str:
    """The login page, with the notice (`verlopen`, `uitgelogd`, …) it shows on arrival."""
    return f"{LOGIN}?{urlencode({'melding': melding})}" if melding else LOGIN
