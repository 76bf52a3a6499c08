"""A consistent copy of a SQLite database while the service runs: SQLite's online backup, never a file copy
(a copy taken mid-write, or without the WAL file, can be corrupt). PostgreSQL is backed up with pg_dump
(docs/operating.md "Backup and restore")."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from sqlalchemy.engine import make_url

from .database import SQLITE_BUSY_TIMEOUT_SECONDS, normalise_url


class CannotBackUp(ValueError):
    """This database is not backed up by this command; the message says what to use instead."""


def sqlite_path(database_url: str) -> Path:
    url = make_url(normalise_url(database_url))
    if url.get_backend_name() != "sqlite":
        raise CannotBackUp(
            "`practice-review backup` is for SQLite; back PostgreSQL up with pg_dump --format=custom "
            '(docs/operating.md "Backup and restore")'
        )
    if not url.database or url.database == ":memory:":
        raise CannotBackUp("an in-memory database has nothing to back up")
    return Path(url.database)


def backup(database_url: str, destination: Path) -> int:
    """Copy the database to `destination` (written beside it first, then renamed: never half a backup);
    returns the pages copied. The copy is checked with SQLite's integrity check."""
    source_path = sqlite_path(database_url)
    if not source_path.exists():
        raise CannotBackUp(f"there is no database at {source_path}")
    partial = destination.with_name(destination.name + ".partial")
    partial.unlink(missing_ok=True)
    source = sqlite3.connect(source_path, timeout=SQLITE_BUSY_TIMEOUT_SECONDS)
    target = sqlite3.connect(partial)
    try:
        source.backup(target)
        pages = int(target.execute("PRAGMA page_count").fetchone()[0])
        (verdict,) = target.execute("PRAGMA integrity_check").fetchone()
        if verdict != "ok":
            raise CannotBackUp(f"the copy failed SQLite's integrity check: {verdict}")
        target.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
    finally:
        target.close()
        source.close()
    os.replace(partial, destination)
    return pages
