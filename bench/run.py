"""Benchmarks, printed as a table (`make bench`). Figures, not pass/fail: targets live in the issues.

Measures, in-process on a temporary SQLite file (and on a throw-away PostgreSQL database when
PRACTICE_REVIEW_BENCH_POSTGRES_URL names a server): calendar add/count per call, GET /reviews/{id}
latency, transitions per second walking rapid reviews with one client, and (bench/deadlines.py)
GET /deadlines and the sweep with 100,000 open reviews.
"""

from __future__ import annotations

import os
import platform
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import deadlines  # noqa: E402
from practice_review.api.app import create_app  # noqa: E402
from practice_review.bootstrap import build_services  # noqa: E402
from practice_review.calendar import WorkingCalendar  # noqa: E402
from practice_review.config import Settings  # noqa: E402
from practice_review.services.keys import create_key  # noqa: E402
from practice_review.storage.database import normalise_url  # noqa: E402
from practice_review.storage.migrations import upgrade  # noqa: E402
from tests.helpers import Api  # noqa: E402


def per_call(function, calls: int) -> float:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    for i in range(calls):
        function(i)
    return (time.perf_counter() - start) / calls


def calendar_rows() -> list[tuple[str, str]]:
    calendar = WorkingCalendar()
    start = date(2026, 1, 5)
    add = per_call(lambda i: calendar.add_working_days(start, 15), 100_000)
    count = per_call(lambda i: calendar.count_working_days(date(2026, 1, 1), date(2026, 12, 31)), 100_000)
    built = per_call(lambda i: WorkingCalendar(), 5)
    return [
        ("calendar: add 15 working days", f"{add * 1e6:.2f} µs/call"),
        ("calendar: count a year's working days", f"{count * 1e6:.2f} µs/call"),
        ("calendar: build (1990–2100)", f"{built * 1e3:.1f} ms"),
    ]


def api_rows(label: str, database_url: str) -> list[tuple[str, str]]:
    upgrade(database_url)
    services = build_services(Settings(database_url=database_url, workflows_dir=ROOT / "workflows"))
    services.today = lambda: date(2026, 3, 2)
    business_unit = {"Authorization": f"Bearer {create_key(services, 'bench', 'business_unit').secret}"}
    chair = {"Authorization": f"Bearer {create_key(services, 'bench chair', 'chair').secret}"}
    with TestClient(create_app(services=services)) as client:
        api = Api(client, business_unit, chair)
        reviews, transitions = 20, 7
        start = time.perf_counter()
        ids = [api.new_review_at()["id"] for _ in range(reviews)]
        walk = time.perf_counter() - start
        latencies = []
        for i in range(500):
            t = time.perf_counter()
            api.review(ids[i % len(ids)])
            latencies.append(time.perf_counter() - t)
    services.db.dispose()
    requests_per_review = (
        1 + 2 + 3 + 3 + 2 + 4 + transitions
    )  # create, meetings, attendance, declarations, endorsements, events
    return [
        (
            f"{label}: whole rapid review path, 1 client",
            f"{reviews * transitions / walk:.0f} transitions/s ({reviews * requests_per_review / walk:.0f} requests/s)",
        ),
        (f"{label}: GET /reviews/{{id}} median", f"{statistics.median(latencies) * 1e3:.2f} ms"),
        (f"{label}: GET /reviews/{{id}} p99", f"{statistics.quantiles(latencies, n=100)[98] * 1e3:.2f} ms"),
    ]


@contextmanager
def throwaway_postgres(server_url: str) -> Iterator[str]:
    """A new database on the server, dropped afterwards."""
    admin = create_engine(normalise_url(server_url), isolation_level="AUTOCOMMIT")
    name = f"practice_review_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(normalise_url(server_url)).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def main() -> None:
    rows = calendar_rows()
    with tempfile.TemporaryDirectory() as folder:
        rows += api_rows("sqlite", f"sqlite:///{folder}/bench.db")
        rows += deadlines.run("sqlite", f"sqlite:///{folder}/deadlines.db")
    postgres = os.environ.get("PRACTICE_REVIEW_BENCH_POSTGRES_URL")
    if postgres:
        with throwaway_postgres(postgres) as url:
            rows += api_rows("postgresql", url)
        with throwaway_postgres(postgres) as url:
            rows += deadlines.run("postgresql", url)
    else:
        print("PostgreSQL not benchmarked: set PRACTICE_REVIEW_BENCH_POSTGRES_URL (make bench does when it is up)")
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    width = max(len(name) for name, _ in rows)
    for name, figure in rows:
        print(f"{name:<{width}}  {figure}")


if __name__ == "__main__":
    main()
