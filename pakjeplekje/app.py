"""The rx.App: registers pages, mounts the HTTP routes, refuses an unsafe production config."""

from __future__ import annotations

import reflex as rx

from pakjeplekje.config import ConfigError, get_settings
from pakjeplekje.logmask import configure_logging
from pakjeplekje.services.scheduler import embedded_consumer
from pakjeplekje.ui import live, socket_takeover
from pakjeplekje.ui.pages import (  # noqa: F401  (importing registers the pages)
    auth,
    billing,
    dashboard,
    integrations,
    landing,
    practice_settings,
    privacy,  # /privacy; /privacy/verzoek is an HTTP route
    privacy_policy,
    results,
    slots,
    team,
    waitlist,
    webhooks,
)
from pakjeplekje.ui.state.guard import framework_error
from pakjeplekje.web.api import create_api

configure_logging()
get_settings().check_startable()
if rx.config.get_config().trusted_proxy_hops:  # would make reflex's client_ip a header value
    raise ConfigError("Gebruik TRUSTED_PROXIES, niet REFLEX_TRUSTED_PROXY_HOPS.")

app = rx.App(
    html_lang="nl",
    stylesheets=["/pakjeplekje.css"],
    api_transformer=create_api(),
    # Reflex's own handlers given nonsense: one log line (never the request and its cookie).
    backend_exception_handler=framework_error,
)
# A tab whose app process died reconnects to another one with its state (ui/socket_takeover.py).
socket_takeover.install(app)

# Single-process mode: the job consumer runs inside the app (REDIS_URL: separate workers).
app.register_lifespan_task(embedded_consumer)
# Live updates from jobs, routes and other processes reach this process's staff browsers.
app.register_lifespan_task(live.relay)
