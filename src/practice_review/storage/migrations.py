"""Running the Alembic migrations, one process at a time, and checking a database is at the code's head.

Only `migrate` (and `serve`, unless `--no-migrate`) upgrades; every other command checks the revision and
refuses to run on a database that is behind (not yet migrated) or ahead (migrated by newer code, e.g. after
rolling the application back). Concurrent upgrades wait for each other: a PostgreSQL advisory lock held on
its own connection for the whole upgrade, a lock file beside a SQLite database.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.script.revision import RevisionError
from alembic.util.exc import CommandError
from filelock import FileLock
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from ..config import PROJECT_ROOT
from .database import normalise_url

MIGRATION_LOCK_ID = 7_319_004_219  # pg_advisory_lock key: any constant no other application uses
LOCK_WAIT_SECONDS = 600
# docs/operating.md "Database roles": what the running role is granted by the migrating role (the owner).
# It reads and writes rows; it owns nothing, so it cannot drop or disable the append-only triggers (A1).
RUNNING_ROLE_GRANTS = (
    "GRANT USAGE ON SCHEMA public TO {role}",
    "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}",
    "GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}",
    "ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {role}",
    "ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {role}",
)


class SchemaMismatch(RuntimeError):
    """The database's schema revision is not the code's head; the message says which way and what to do."""


def shown_url(database_url: str) -> str:
    """The URL with any password masked: for every line a person or a log will read."""
    try:
        return make_url(database_url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - an unparsable URL is shown as nothing rather than risk a secret
        return "<unparsable database URL>"


def alembic_config(database_url: str) -> Config:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    config.set_main_option("sqlalchemy.url", normalise_url(database_url).replace("%", "%%"))
    return config


@contextmanager
def migration_lock(database_url: str) -> Iterator[None]:
    """Hold the database's migration lock: every other upgrade waits until this one has finished."""
    url = make_url(normalise_url(database_url))
    if url.get_backend_name() == "sqlite":
        if not url.database or url.database == ":memory:":
            yield
            return
        with FileLock(f"{Path(url.database).resolve()}.migrate.lock", timeout=LOCK_WAIT_SECONDS):
            yield
        return
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text("SET lock_timeout = 0"))
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK_ID})
            try:
                yield
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK_ID})
    finally:
        engine.dispose()


def upgrade(database_url: str, revision: str = "head") -> None:
    """`alembic upgrade head` on `database_url`, under the migration lock (a waiting upgrade then finds
    the work done and does nothing)."""
    with migration_lock(database_url):
        _refuse_if_ahead(database_url)
        command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str) -> None:
    with migration_lock(database_url):
        command.downgrade(alembic_config(database_url), revision)


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    assert head is not None
    return head


def current_revision(database_url: str) -> str | None:
    """The database's revision (None: never migrated; a SQLite file that is not there is not created)."""
    url = make_url(normalise_url(database_url))
    if url.get_backend_name() == "sqlite" and url.database and not Path(url.database).exists():
        return None
    engine = create_engine(normalise_url(database_url))
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


def _refuse_if_ahead(database_url: str, current: str | None = None) -> None:
    """A revision this code does not know was written by a newer release: never migrate or run on it."""
    current = current or current_revision(database_url)
    if current is None:
        return
    try:
        ScriptDirectory.from_config(alembic_config(database_url)).get_revision(current)
    except (CommandError, RevisionError):
        raise SchemaMismatch(
            f"database {shown_url(database_url)} is at revision {current}, newer than this code's "
            f"{head_revision()}: run the release that migrated it (or downgrade it with that release)"
        ) from None


def check_at_head(database_url: str) -> None:
    """Raise SchemaMismatch unless the database is exactly at the code's head revision."""
    current, head = current_revision(database_url), head_revision()
    if current == head:
        return
    where = shown_url(database_url)
    if current is None:
        raise SchemaMismatch(f"database {where} has no schema yet: run `practice-review migrate` first")
    _refuse_if_ahead(database_url, current)
    raise SchemaMismatch(
        f"database {where} is at revision {current}, behind this code's {head}: run `practice-review migrate`"
    )
