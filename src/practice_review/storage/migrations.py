"""Running the Alembic migrations from the service and the CLI."""

from __future__ import annotations

from alembic import command
from alembic.config import Config

from ..config import PROJECT_ROOT
from .database import normalise_url


def alembic_config(database_url: str) -> Config:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    config.set_main_option("sqlalchemy.url", normalise_url(database_url).replace("%", "%%"))
    return config


def upgrade(database_url: str) -> None:
    """`alembic upgrade head` on `database_url`."""
    command.upgrade(alembic_config(database_url), "head")
