"""Fixtures: every database test runs on SQLite and, when PRACTICE_REVIEW_TEST_POSTGRES_URL is set, on
PostgreSQL, each time on a database the Alembic migrations built (never `create_all`)."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from practice_review.api.app import create_app
from practice_review.bootstrap import build_services
from practice_review.config import PROJECT_ROOT, Settings
from practice_review.services.common import Services
from practice_review.services.keys import create_key
from practice_review.storage.database import normalise_url
from practice_review.storage.migrations import upgrade
from practice_review.storage.models import Base

from .helpers import Api

POSTGRES_URL = os.environ.get("PRACTICE_REVIEW_TEST_POSTGRES_URL")
# issue 19: `make test` finds a server (.ci/find-postgres) or says why not in PRACTICE_REVIEW_TEST_POSTGRES_WHY_NOT
NO_POSTGRES = os.environ.get("PRACTICE_REVIEW_TEST_POSTGRES_WHY_NOT") or (
    "PostgreSQL not configured: set PRACTICE_REVIEW_TEST_POSTGRES_URL to run this on it (`make test` and .ci/run do)"
)
WORKFLOWS = PROJECT_ROOT / "workflows"
TODAY = date(2026, 3, 2)  # a Monday; tests see this as "today" in London


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file, copied for each test."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str | None]:
    """A throw-away PostgreSQL database for this test session, migrated once."""
    if not POSTGRES_URL:
        yield None
        return
    admin = create_engine(normalise_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")
    name = f"practice_review_test_{uuid.uuid4().hex[:10]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(normalise_url(POSTGRES_URL)).set(database=name).render_as_string(hide_password=False)
    try:
        upgrade(url)
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def empty_postgres(postgres_url: str | None) -> Iterator[Callable[[], None] | None]:
    """Empties the session's PostgreSQL database as `TRUNCATE … RESTART IDENTITY` would: every table's rows
    deleted (past the append-only guards) and every sequence back at its start. On tables this small DELETE
    takes milliseconds, where TRUNCATE took most of a second a test (it makes new files for every table)."""
    if postgres_url is None:
        yield None
        return
    engine = create_engine(postgres_url)
    emptying = [text(f'DELETE FROM "{t.name}"') for t in reversed(Base.metadata.sorted_tables)]
    restart = text("SELECT setval(seqrelid, seqstart, false) FROM pg_sequence")

    def empty() -> None:
        with engine.begin() as connection:
            connection.execute(text("SET LOCAL session_replication_role = replica"))
            for statement in emptying:
                connection.execute(statement)
            connection.execute(restart)

    yield empty
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    sqlite_template: Path,
    postgres_url: str | None,
    empty_postgres: Callable[[], None] | None,
) -> str:
    if request.param == "sqlite":
        path = tmp_path / "practice_review.db"
        shutil.copyfile(sqlite_template, path)
        return f"sqlite:///{path}"
    if postgres_url is None or empty_postgres is None:
        pytest.skip(NO_POSTGRES)
    empty_postgres()
    return postgres_url


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, workflows_dir=WORKFLOWS)


@pytest.fixture
def services(settings: Settings) -> Iterator[Services]:
    built = build_services(settings)
    built.today = lambda: TODAY
    yield built
    built.db.dispose()


@pytest.fixture
def client(services: Services) -> Iterator[TestClient]:
    with TestClient(create_app(services=services)) as test_client:
        yield test_client


@pytest.fixture
def key_for(services: Services) -> Callable[..., dict[str, str]]:
    """Authorization headers for a new key: key_for("chair"), key_for("partner", partner="police")."""

    def make(
        role: str, partner: str | None = None, organisation: str | None = None, person_id: str | None = None
    ) -> dict[str, str]:
        name = f"test {role} {partner or organisation or ''}".strip()
        key = create_key(services, name, role, partner, organisation, person_id=person_id)
        return {"Authorization": f"Bearer {key.secret}"}

    return make


@pytest.fixture
def api(client: TestClient, key_for: Callable[..., dict[str, str]]) -> Api:
    return Api(client, key_for("business_unit"), key_for("chair"))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """`make test` runs with `--dist loadgroup`: the tests of a module that share a module-scoped fixture
    (a served board, a browser, an OpenID provider) go to one worker, so each is started once, not on
    every worker that happens to get one of them."""
    for item in items:
        fixtures = getattr(item, "_fixtureinfo", None)
        if fixtures is None:
            continue
        if any(d.scope == "module" for defs in fixtures.name2fixturedefs.values() for d in defs):
            item.add_marker(pytest.mark.xdist_group(item.nodeid.split("::")[0]))
