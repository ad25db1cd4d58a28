"""Run the Alembic migrations programmatically (make run, the CLI and the tests share this)."""

from __future__ import annotations

from alembic.config import Config

from alembic import command
from pakjeplekje.config import PROJECT_ROOT, get_settings


def alembic_config(database_url: str | None = None) -> Config:
    cfg = Config(str(PROJECT_ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(PROJECT_ROOT / "alembic"))
    # configparser interpolates '%': escape it, or a percent-encoded password breaks migrate
    url = database_url or get_settings().database_url
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    cfg.attributes["configure_logger"] = False
    return cfg


def upgrade(database_url: str | None = None) -> None:
    settings = get_settings()
    if (database_url or settings.database_url).startswith("sqlite:///"):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(database_url), "head")
