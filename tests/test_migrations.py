"""The Alembic migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect

from practice_review.storage.database import normalise_url
from practice_review.storage.migrations import alembic_config
from practice_review.storage.models import Base


def test_migrations_have_a_single_head(database_url: str) -> None:
    assert len(ScriptDirectory.from_config(alembic_config(database_url)).get_heads()) == 1


def test_upgraded_database_matches_the_models(database_url: str) -> None:
    engine = create_engine(normalise_url(database_url))
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
            assert set(inspect(connection).get_table_names()) >= set(Base.metadata.tables)
            assert (
                context.get_current_revision()
                == ScriptDirectory.from_config(alembic_config(database_url)).get_current_head()
            )
    finally:
        engine.dispose()
