"""The Alembic migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text

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


def test_0007_gives_existing_clocks_their_reviews_type(database_url: str) -> None:
    """An upgrade keeps what a running service already holds: clocks get the review type they list under."""
    config = alembic_config(database_url)
    engine = create_engine(normalise_url(database_url))
    command.downgrade(config, "0006")
    try:
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO reviews (id, reference, review_type, workflow_version, state, version, open,"
                    " child_reference, received_on, became_aware_on, referrer_organisation, themes, summary,"
                    " description, facts, last_occurred_on, state_entered_seq, created_at, updated_at, last_hash)"
                    " VALUES ('r1', 'LCSPR-2026-001', 'lcspr', 'v1', 'commissioned', 1, true, 'Child A',"
                    " '2026-01-05', '2026-01-05', 'Salford City Council', '[]', '', '{}', '{}', '2026-01-05', 1,"
                    " '2026-01-05', '2026-01-05', '')"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO clocks (review_id, name, status, due_on)"
                    " VALUES ('r1', 'completion', 'running', '2026-07-01')"
                )
            )
        command.upgrade(config, "head")
        with engine.connect() as connection:
            assert connection.execute(text("SELECT name, review_type FROM clocks")).all() == [("completion", "lcspr")]
    finally:
        command.upgrade(config, "head")
        engine.dispose()
