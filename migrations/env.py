"""Alembic environment: the URL is the service's own configuration unless the caller set one."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from practice_review.config import Settings
from practice_review.storage.database import normalise_url
from practice_review.storage.models import Base

config = context.config
url = config.get_main_option("sqlalchemy.url") or Settings.from_env().database_url
target_metadata = Base.metadata


def run_migrations_offline() -> None:
    context.configure(url=normalise_url(url), target_metadata=target_metadata, literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connectable = config.attributes.get("connection")
    if connectable is not None:
        _run(connectable)
        return
    engine = create_engine(normalise_url(url))
    with engine.connect() as connection:
        _run(connection)
    engine.dispose()


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
