"""Run the Alembic migrations of the console against the configured database."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from .settings import Settings

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(settings: Settings) -> Config:
    """An Alembic configuration built in code, so the installed package migrates without an ini file."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", settings.database_url.replace("%", "%%"))
    return config


def migrate(settings: Settings, revision: str = "head") -> list[str]:
    """Bring the database schema up to `revision`; returns the revisions applied (none: up to date)."""
    config = alembic_config(settings)
    command.upgrade(config, revision)
    applied: list[str] = config.attributes.get("applied", [])
    return applied
