"""The Alembic migrations build exactly the schema the models describe, on SQLite and PostgreSQL, and run
one at a time, only when asked (issue 19)."""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ProgrammingError

from practice_review.bootstrap import build_services
from practice_review.cli import main
from practice_review.config import Settings
from practice_review.services.keys import create_key
from practice_review.storage.database import normalise_url
from practice_review.storage.migrations import (
    RUNNING_ROLE_GRANTS,
    check_at_head,
    current_revision,
    downgrade,
    head_revision,
    upgrade,
)
from practice_review.storage.migrations import alembic_config as alembic_config_for
from practice_review.storage.models import Base

from .conftest import NO_POSTGRES, POSTGRES_URL, WORKFLOWS
from .server import CLI


def test_migrations_have_a_single_head(database_url: str) -> None:
    assert len(ScriptDirectory.from_config(alembic_config_for(database_url)).get_heads()) == 1


def test_upgraded_database_matches_the_models(database_url: str) -> None:
    engine = create_engine(normalise_url(database_url))
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
            assert set(inspect(connection).get_table_names()) >= set(Base.metadata.tables)
            assert (
                context.get_current_revision()
                == ScriptDirectory.from_config(alembic_config_for(database_url)).get_current_head()
            )
    finally:
        engine.dispose()


def test_0007_gives_existing_clocks_their_reviews_type(database_url: str) -> None:
    """An upgrade keeps what a running service already holds: clocks get the review type they list under."""
    config = alembic_config_for(database_url)
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


# ---------------------------------------------------------------- issue 19: running migrations safely


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database with nothing in it: a new SQLite file, or a new PostgreSQL database dropped afterwards."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    if not POSTGRES_URL:
        pytest.skip(NO_POSTGRES)
    with fresh_postgres_database() as url:
        yield url


@contextmanager
def fresh_postgres_database() -> Iterator[str]:
    assert POSTGRES_URL
    admin = create_engine(normalise_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")
    name = f"practice_review_migrations_{uuid.uuid4().hex[:10]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(normalise_url(POSTGRES_URL)).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _tables(database_url: str) -> set[str]:
    engine = create_engine(normalise_url(database_url))
    try:
        with engine.connect() as connection:
            return set(inspect(connection).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def test_each_migration_goes_up_down_and_up_again_and_all_the_way_down(empty_database_url: str) -> None:
    """What pytest-alembic's built-in checks do (its collector does not load under pytest 9): every revision
    upgrades, downgrades to the one before and upgrades again; head matches the models; base is empty."""
    scripts = ScriptDirectory.from_config(alembic_config_for(empty_database_url))
    revisions = [script.revision for script in reversed(list(scripts.walk_revisions()))]
    for before, revision in zip(["base", *revisions], revisions, strict=False):
        upgrade(empty_database_url, revision)
        downgrade(empty_database_url, before)
        upgrade(empty_database_url, revision)
        assert current_revision(empty_database_url) == revision
    engine = create_engine(normalise_url(empty_database_url))
    with engine.connect() as connection:
        assert (
            compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}), Base.metadata) == []
        )
    engine.dispose()
    downgrade(empty_database_url, "base")
    assert _tables(empty_database_url) == set()


def _cli(database_url: str, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PRACTICE_REVIEW_DATABASE_URL": database_url}
    return subprocess.Popen([CLI, *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_several_migrates_at_once_all_succeed_one_after_another(empty_database_url: str) -> None:
    """Found 1: three `migrate` at once gave DuplicateTable; now each waits for the migration lock."""
    running = [_cli(empty_database_url, "migrate") for _ in range(4)]
    finished = [(p.wait(timeout=300), p.stdout.read(), p.stderr.read()) for p in running]  # type: ignore[union-attr]
    assert [code for code, _, _ in finished] == [0, 0, 0, 0], finished
    assert current_revision(empty_database_url) == head_revision()


def test_commands_other_than_migrate_refuse_a_database_not_yet_migrated(empty_database_url: str) -> None:
    """Found 1: sweep and deliver, fired together by cron after a release, no longer race to migrate."""
    commands = (["sweep"], ["deliver"], ["keys", "list"], ["audit", "verify"], ["serve", "--no-migrate"])
    running = [_cli(empty_database_url, *command) for command in commands]
    for process in running:
        assert process.wait(timeout=120) == 2
        err = process.stderr.read()  # type: ignore[union-attr]
        assert err.count("\n") == 1 and "no schema yet: run `practice-review migrate`" in err, err
    assert current_revision(empty_database_url) is None


def test_a_database_one_revision_behind_or_ahead_is_refused_in_one_line(
    empty_database_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PRACTICE_REVIEW_DATABASE_URL", empty_database_url)
    head = head_revision()
    previous = ScriptDirectory.from_config(alembic_config_for(empty_database_url)).get_revision(head).down_revision
    upgrade(empty_database_url, str(previous))
    assert main(["keys", "list"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"at revision {previous}, behind this code's {head}" in err

    upgrade(empty_database_url)
    engine = create_engine(normalise_url(empty_database_url))
    with engine.begin() as connection:  # as if a newer release had migrated it, then the app was rolled back
        connection.execute(text("UPDATE alembic_version SET version_num = 'f00dfeed0099'"))
    engine.dispose()
    for args in (["keys", "list"], ["sweep"], ["serve", "--no-migrate"], ["migrate"]):
        assert main(args) == 2, args
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "at revision f00dfeed0099, newer than this code's" in err, (args, err)


def test_migrate_never_prints_the_password(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """Found 2: `migrate` printed the database URL with its password."""
    if not POSTGRES_URL:
        pytest.skip(NO_POSTGRES)
    with fresh_postgres_database() as url:
        with_password = make_url(url).set(password="hunter2-secret").render_as_string(hide_password=False)
        monkeypatch.setenv("PRACTICE_REVIEW_DATABASE_URL", with_password)  # trust auth ignores it
        assert main(["migrate"]) == 0
        out, err = capsys.readouterr()
        assert "database at head" in out and "***" in out
        assert "hunter2" not in out + err
        monkeypatch.setenv("PRACTICE_REVIEW_DATABASE_URL", with_password.replace(":5432", ":1"))
        assert main(["keys", "list"]) == 2
        err = capsys.readouterr().err
        assert err.startswith("database error: ") and err.count("\n") == 1 and "hunter2" not in err


def test_the_running_role_cannot_drop_the_history_triggers_but_runs_the_service() -> None:
    """docs/operating.md "Database roles": the migrating role owns the schema; the running role only reads and
    writes rows, so neither a bug nor an attacker holding its password can drop the append-only triggers (A1)."""
    if not POSTGRES_URL:
        pytest.skip(NO_POSTGRES)
    role = f"practice_review_run_{uuid.uuid4().hex[:8]}"
    with fresh_postgres_database() as url:
        upgrade(url)
        owner = create_engine(normalise_url(url), isolation_level="AUTOCOMMIT")
        with owner.connect() as connection:
            connection.execute(text(f"CREATE ROLE {role} LOGIN"))
            for grant in RUNNING_ROLE_GRANTS:
                connection.execute(text(grant.format(role=role)))
        running_url = make_url(url).set(username=role, password=None).render_as_string(hide_password=False)
        try:
            services = build_services(Settings(database_url=running_url, workflows_dir=WORKFLOWS))
            try:
                check_at_head(running_url)
                create_key(services, "runs as the running role", "business_unit", None, None)
                with pytest.raises(ProgrammingError, match="must be owner"), services.db.write() as session:
                    session.execute(text("DROP TRIGGER history_events_append_only ON history_events"))
                with pytest.raises(ProgrammingError, match="must be owner"), services.db.write() as session:
                    session.execute(text("ALTER TABLE history_events DISABLE TRIGGER ALL"))
            finally:
                services.db.dispose()
        finally:
            with owner.connect() as connection:
                connection.execute(text(f"DROP OWNED BY {role}"))
            owner.dispose()
            admin = create_engine(normalise_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
                connection.execute(text(f"DROP ROLE IF EXISTS {role}"))
            admin.dispose()
