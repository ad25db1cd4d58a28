"""Route constants, so pages, links and redirects agree on one spelling."""

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

LOGOUT = "/api/auth/uitloggen"
