"""Reflex settings. Our contract names (REDIS_URL, PORT, PUBLIC_BASE_URL) are mapped here."""

import os

import reflex as rx
from reflex.plugins.sitemap import SitemapPlugin

_port = int(os.environ.get("PORT") or 3000)
_public = (os.environ.get("PUBLIC_BASE_URL") or f"http://localhost:{_port}").rstrip("/")
_origins = [_public]
if (os.environ.get("APP_ENV") or "dev") == "dev":
    _origins += [f"http://localhost:{_port}", f"http://127.0.0.1:{_port}"]

config = rx.Config(
    app_name="pakjeplekje",
    app_module_import="pakjeplekje.app",
    telemetry_enabled=False,
    frontend_port=_port,
    backend_port=_port,
    redis_url=os.environ.get("REDIS_URL") or None,
    # Socket.IO refuses a websocket whose Origin is not listed: no cross-site hijacking.
    cors_allowed_origins=list(dict.fromkeys(_origins)),
    plugins=[rx.plugins.RadixThemesPlugin(theme=rx.theme(accent_color="teal", radius="medium"))],
    disable_plugins=[SitemapPlugin],
    show_built_with_reflex=False,
)
