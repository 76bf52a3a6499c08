"""Database connections: SQLite (default, embedded) or PostgreSQL.

On SQLite every connection uses WAL and a busy timeout, and write transactions begin IMMEDIATE, so
writers queue for the lock instead of failing with "database is locked" half-way through.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from sqlalchemy import Connection, Engine, Executable, Row, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

SQLITE_BUSY_TIMEOUT_SECONDS = 30


def normalise_url(url: str) -> str:
    """Accept plain postgresql:// URLs and use the psycopg (3) driver for them."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        dbapi_connection.isolation_level = None  # let SQLAlchemy's BEGIN below be the only one
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_SECONDS * 1000}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:  # type: ignore[no-untyped-def]
        mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
        if mode:  # "" for a single statement, which SQLite runs as a transaction of its own
            connection.exec_driver_sql(f"BEGIN {mode}")


class Database:
    def __init__(
        self, url: str, reports_url: str | None = None, info: dict[str, Any] | None = None, **pool: Any
    ) -> None:
        """`info` is in every session's `info` (the audit keys record_history signs with); `pool`: pool_size,
        max_overflow and pool_timeout for PostgreSQL (Settings.pool_*)."""
        self.url = normalise_url(url)
        self.is_sqlite = self.url.startswith("sqlite")
        if self.is_sqlite:
            self.engine = create_engine(
                self.url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS, "check_same_thread": False}
            )
            _configure_sqlite(self.engine)
            writer = self.engine.execution_options(sqlite_begin="IMMEDIATE")
        else:
            self.engine = create_engine(self.url, **{"pool_size": 10, "max_overflow": 20, **pool}, pool_pre_ping=True)
            writer = self.engine
        # A single read needs no transaction (one statement sees one snapshot): no BEGIN, no ROLLBACK.
        self._single = self.engine.execution_options(
            **({"sqlite_begin": ""} if self.is_sqlite else {"isolation_level": "AUTOCOMMIT"})
        )
        self._pinned: ContextVar[Connection | None] = ContextVar(f"pinned-{id(self)}", default=None)
        self._pinned_write: ContextVar[Session | None] = ContextVar(f"pinned-write-{id(self)}", default=None)
        self.info = dict(info or {})
        self._read = sessionmaker(self.engine, expire_on_commit=False, info=self.info)
        self._write = sessionmaker(writer, expire_on_commit=False, info=self.info)
        # The partnership's figures may come from a read replica, off the primary that takes the writes.
        self.reports_engine = create_engine(normalise_url(reports_url), pool_pre_ping=True) if reports_url else None
        self._reports = sessionmaker(self.reports_engine, expire_on_commit=False) if self.reports_engine else self._read

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self._read() as session, session.begin():
            yield session

    @contextmanager
    def reports(self) -> Iterator[Session]:
        """A read for the figures: on the reports replica when one is configured."""
        with self._reports() as session, session.begin():
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One transaction: everything inside commits together, or nothing does. Inside `one_write`, that
        write's transaction."""
        pinned = self._pinned_write.get()
        if pinned is not None:
            yield pinned
            return
        with self._write() as session, session.begin():
            yield session

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def first(self, statement: Executable, parameters: dict[str, Any] | None = None) -> Row[Any] | None:
        """The first row of one statement, without a session or a transaction (the per-request key lookup,
        a review with its records)."""
        pinned = self._pinned.get()
        if pinned is not None:
            return pinned.execute(statement, parameters).first()
        with self._single.connect() as connection:
            return connection.execute(statement, parameters).first()

    def all(self, statement: Executable, parameters: dict[str, Any] | None = None) -> list[Row[Any]]:
        """Every row of one statement, as `first` (one statement is one snapshot: no transaction)."""
        pinned = self._pinned.get()
        if pinned is not None:
            return list(pinned.execute(statement, parameters).all())
        with self._single.connect() as connection:
            return list(connection.execute(statement, parameters).all())

    @contextmanager
    def one_connection(self) -> Iterator[None]:
        """`first` calls inside share one pooled connection: one checkout (and pre-ping) for a request's
        key lookup and its read, as a request of the floor has (issue 15)."""
        with self._single.connect() as connection:
            token = self._pinned.set(connection)
            try:
                yield
            finally:
                self._pinned.reset(token)

    @contextmanager
    def one_write(self) -> Iterator[None]:
        """On PostgreSQL, one transaction for a request's key lookup (`first`) and its `write`: one checkout
        and pre-ping for a transition or a PATCH (issue 15). Not on SQLite, whose checkout is cheap and whose
        write transaction takes the database's one write lock: a request with a bad key must not queue for it."""
        if self.is_sqlite:
            yield
            return
        with self.write() as session:
            tokens = self._pinned.set(session.connection()), self._pinned_write.set(session)
            try:
                yield
            finally:
                self._pinned_write.reset(tokens[1])
                self._pinned.reset(tokens[0])

    def dispose(self) -> None:
        self.engine.dispose()
        if self.reports_engine is not None:
            self.reports_engine.dispose()


def insert_for(session: Session, table: Any) -> Any:
    """An INSERT that supports ON CONFLICT on both SQLite and PostgreSQL."""
    return dialect_insert(session.get_bind().dialect.name, table)


def dialect_insert(dialect: str, table: Any) -> Any:
    """insert_for, for a statement built once per dialect."""
    return (sqlite if dialect == "sqlite" else postgresql).insert(table)
