"""`make fuzz`: schemathesis against the LIVE service, a `practice-review serve` process on a free local port,
on SQLite and (when its server answers) PostgreSQL: every operation, every phase (examples, coverage,
fuzzing, and stateful sequences following the spec's links), with a Business Unit key and a seeded review.
Fails on any server error, undocumented status code or content type. `python -m tests.fuzz [--max-examples N]`.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from practice_review.storage.database import normalise_url

from .server import CLI, served

CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"
SCHEMATHESIS = str(Path(sys.executable).with_name("schemathesis"))
POSTGRES = os.environ.get("PRACTICE_REVIEW_FUZZ_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
AUDIT_KEYS = "fuzz:" + "f" * 40  # the served process signs with a real (throw-away) key, not the development one


@contextmanager
def sqlite_database() -> Iterator[str]:
    with tempfile.TemporaryDirectory() as folder:
        yield f"sqlite:///{folder}/fuzz.db"


@contextmanager
def postgres_database() -> Iterator[str | None]:
    try:
        admin = create_engine(normalise_url(POSTGRES), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            name = f"practice_review_fuzz_{uuid.uuid4().hex[:10]}"
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001 - no PostgreSQL here: say so and fuzz SQLite only
        print(f"fuzz: PostgreSQL at {POSTGRES} not available ({type(exc).__name__}): SQLite only")
        yield None
        return
    try:
        yield make_url(normalise_url(POSTGRES)).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def business_unit_key(database_url: str) -> str:
    env = {**os.environ, "PRACTICE_REVIEW_DATABASE_URL": database_url, "PRACTICE_REVIEW_AUDIT_KEYS": AUDIT_KEYS}
    subprocess.run([CLI, "migrate"], env=env, capture_output=True, check=True)  # issue 19: only migrate migrates
    made = subprocess.run(
        [CLI, "keys", "create", "--name", "fuzz", "--role", "business_unit"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return made.stdout.strip().splitlines()[-1]


def seed(base_url: str, key: str) -> None:
    """A review with a meeting, a declaration, a request and an action, so ids in the spec's examples exist."""
    headers = {"Authorization": f"Bearer {key}"}
    with httpx.Client(base_url=base_url, headers=headers, timeout=30) as client:
        review = client.post(
            "/reviews",
            json={
                "review_type": "rapid",
                "child_reference": "Child A",
                "received_on": "2026-02-02",
                "referrer_organisation": "Salford City Council",
            },
        ).json()["id"]
        client.post(f"/reviews/{review}/meetings", json={"kind": "screening", "scheduled_for": "2026-02-05T10:00"})
        client.post(f"/reviews/{review}/information-requests", json={"organisation": "A School", "kind": "chronology"})


ALL_PHASES = "examples,coverage,fuzzing,stateful"


def fuzz(database_url: str, max_examples: int, label: str, phases: str = ALL_PHASES) -> int:
    key = business_unit_key(database_url)
    os.environ["PRACTICE_REVIEW_AUDIT_KEYS"] = AUDIT_KEYS
    with served(database_url) as server:
        seed(server.base_url, key)
        command = [
            SCHEMATHESIS,
            "run",
            f"{server.base_url}/openapi.json",
            "--header",
            f"Authorization: Bearer {key}",
            "--checks",
            CHECKS,
            "--phases",
            phases,
            "--max-examples",
            str(max_examples),
            "--workers",
            "1",
            "--seed",
            "14",
            "--no-color",
        ]
        print(f"fuzz ({label}): {' '.join(c if 'Bearer' not in c else 'Authorization: Bearer …' for c in command)}")
        return subprocess.run(command, check=False).returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--max-examples", type=int, default=50)
    parser.add_argument("--sqlite-only", action="store_true")
    args = parser.parse_args()
    failed = 0
    with sqlite_database() as url:
        failed |= fuzz(url, args.max_examples, "SQLite")
    if not args.sqlite_only:
        with postgres_database() as url:
            if url:
                failed |= fuzz(url, args.max_examples, "PostgreSQL")
    return failed


if __name__ == "__main__":
    sys.exit(main())
