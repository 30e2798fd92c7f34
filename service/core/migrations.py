"""Run Alembic from code (the CLI and the tests), against a given URL."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Engine

from service.core.config import PROJECT_ROOT
from service.core.postgis import ensure_postgis


def alembic_config(url: str) -> Config:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    # '%' is ConfigParser interpolation syntax; URLs with escaped passwords contain it.
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade_to_head(engine: Engine) -> str:
    """Enable PostGIS (or explain who must), apply every migration; return PostGIS' version."""
    postgis_version = ensure_postgis(engine)
    command.upgrade(alembic_config(engine.url.render_as_string(hide_password=False)), "head")
    return postgis_version
