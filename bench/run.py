"""The benchmark suite (`make bench`): prints one table and writes it, with the machine, to bench/results.md.

For SQLite and (when PRACTICE_REVIEW_BENCH_POSTGRES_URL names a server) PostgreSQL, each on a new database
served by `practice-review serve --workers 2`:
- load over real HTTP (bench/load.py): 1, 8 and 32 clients, each walking its own rapid reviews;
- then 100,000 open reviews are loaded, the server restarted, and single requests timed one after another:
  GET /reviews/{id} and GET /deadlines, with the server's start-up time and resident memory;
- the sweep recording 1,000 breaches among them.
And the working-day calendar per call. Figures, not pass/fail: the targets are issue 7's.
"""

from __future__ import annotations

import http.client
import os
import platform
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import deadlines  # noqa: E402
from bench.load import LoadResult, cpu_seconds, rss_mib, run_load  # noqa: E402
from practice_review.board.session import COOKIE as BOARD_COOKIE  # noqa: E402
from practice_review.bootstrap import build_services  # noqa: E402
from practice_review.calendar import WorkingCalendar  # noqa: E402
from practice_review.config import Settings  # noqa: E402
from practice_review.services.keys import create_key  # noqa: E402
from practice_review.storage.database import normalise_url  # noqa: E402
from practice_review.storage.migrations import upgrade  # noqa: E402
from tests.server import served  # noqa: E402

WORKERS = 2
CLIENTS = (1, 8, 32)
SECONDS = float(os.environ.get("BENCH_SECONDS", "15"))  # of load at each client count
RESULTS = ROOT / "bench" / "results.md"
BOARD_PAGES = [
    "/board",
    "/board?status=breached",
    "/board?status=on_track",
    "/board?type=lcspr",
    "/board?type=rapid&status=breached",
    "/board/calendar",
]
# Every filter /reviews and /deadlines offer, alone and together, including a type and a state no loaded
# review has (a filter matching nothing must not scan everything).
FILTERED_LISTINGS = [
    "/reviews",
    "/reviews?review_type=rapid",
    "/reviews?review_type=lcspr",
    "/reviews?state=gathering_information",
    "/reviews?state=concluded",
    "/reviews?open=true",
    "/reviews?open=false",
    "/reviews?review_type=rapid&state=gathering_information&open=true",
    "/deadlines",
    "/deadlines?status=running",
    "/deadlines?status=breached",
    "/deadlines?review_type=rapid",
    "/deadlines?review_type=lcspr",
    f"/deadlines?due_by={deadlines.due_by()}",
    f"/deadlines?due_by={deadlines.due_by()}&status=running&review_type=rapid",
]


@dataclass
class Row:
    measure: str
    sqlite: str = "–"
    postgresql: str = "–"
    target: str = ""  # issue 7's, for PostgreSQL with 2 workers
    verdict: str = ""


def per_call(function: Callable[[], object], calls: int) -> float:
    start = time.perf_counter()
    for _ in range(calls):
        function()
    return (time.perf_counter() - start) / calls


def ms(seconds: float) -> str:
    return f"{seconds * 1e3:.1f} ms"


def percentile(values: list[float], p: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1]


def verdict(value: float, target: float, higher_is_better: bool, unit: str) -> str:
    met = value >= target if higher_is_better else value <= target
    if met:
        return "met"
    missed = target / value if higher_is_better else value / target
    return f"missed: {value:.3g} {unit}, {missed:.1f}× off"


def calendar_rows() -> list[Row]:
    calendar = WorkingCalendar()
    add = per_call(lambda: calendar.add_working_days(date(2026, 1, 5), 15), 200_000)
    count = per_call(lambda: calendar.count_working_days(date(2026, 1, 1), date(2026, 12, 31)), 200_000)
    built = per_call(WorkingCalendar, 5)
    both = f"{add * 1e6:.2f} µs"
    return [
        Row("calendar: add 15 working days, per call", both, both, "< 20 µs", verdict(add * 1e6, 20, False, "µs")),
        Row("calendar: count a year's working days, per call", *[f"{count * 1e6:.2f} µs"] * 2),
        Row("calendar: build 1990–2100 (once, at start-up)", *[f"{built * 1e3:.0f} ms"] * 2),
    ]


@dataclass
class DatabaseFigures:
    loads: list[LoadResult]
    cpu_per_write: list[float]  # server CPU seconds per write, at each client count
    started_empty: float
    started_full: float
    rss_full: float
    get_review: list[float]
    get_deadlines: list[float]
    slowest_listing: tuple[float, str]  # median seconds, path
    slowest_page: tuple[float, str]  # of the board's
    loaded_in: float
    sweeps: list[tuple[float, int]]  # seconds, breaches recorded


def timed_gets(port: int, headers: dict[str, str], paths: list[str], repeat: int) -> list[float]:
    """Each path `repeat` times, one request after another on one connection; seconds each took."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    timings = []
    for _ in range(repeat):
        for path in paths:
            start = time.perf_counter()
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            response.read()
            timings.append(time.perf_counter() - start)
            assert response.status == 200, (path, response.status)
    return timings


def measure(database_url: str) -> DatabaseFigures:
    upgrade(database_url)
    services = build_services(Settings(database_url=database_url))
    key = create_key(services, "bench", "business_unit").secret
    loads, cpu_per_write = [], []
    with served(database_url, WORKERS) as server:
        started_empty = server.started_in
        for clients in CLIENTS:
            cpu_before = cpu_seconds(server)
            result = run_load(server.port, key, clients, SECONDS)
            cpu_per_write.append((cpu_seconds(server) - cpu_before) / result.writes)
            loads.append(result)
            print(f"  {clients} clients: {result.events_per_second:.0f} transitions/s", flush=True)
    with services.db.read() as session:  # reviews the clients walked: meetings, declarations, history
        walked = [row[0] for row in session.execute(text("SELECT id FROM reviews ORDER BY id LIMIT 200"))]
    loaded_in = deadlines.load(services)
    api, board = {"Authorization": f"Bearer {key}"}, {"Cookie": f"{BOARD_COOKIE}={key}"}
    with served(database_url, WORKERS) as server:
        get_review = timed_gets(server.port, api, [f"/reviews/{review_id}" for review_id in walked], 3)
        get_deadlines = timed_gets(server.port, api, [f"/deadlines?due_by={deadlines.due_by()}&status=running"], 300)
        listings = [(statistics.median(timed_gets(server.port, api, [path], 20)), path) for path in FILTERED_LISTINGS]
        pages = [(statistics.median(timed_gets(server.port, board, [path], 20)), path) for path in BOARD_PAGES]
        started_full, rss_full = server.started_in, rss_mib(server)
    services.today = lambda: deadlines.TODAY
    sweeps = deadlines.sweeps(services)
    services.db.dispose()
    return DatabaseFigures(
        loads,
        cpu_per_write,
        started_empty,
        started_full,
        rss_full,
        get_review,
        get_deadlines,
        max(listings),
        max(pages),
        loaded_in,
        sweeps,
    )


def database_rows(figures: dict[str, DatabaseFigures]) -> list[Row]:
    rows: list[Row] = []

    def add(measure: str, value: Callable[[DatabaseFigures], str], target: str = "", check: str = "") -> None:
        row = Row(measure, target=target)
        for name, figure in figures.items():
            setattr(row, name, value(figure))
        row.verdict = check
        rows.append(row)

    pg = figures.get("postgresql")
    for i, clients in enumerate(CLIENTS):
        target = clients == 32
        events = pg.loads[i].events_per_second if pg else 0.0
        add(
            f"{clients} client{'s' if clients > 1 else ''}: transitions/s (POST /transitions)",
            lambda f, i=i: f"{f.loads[i].events_per_second:.0f}",
            "≥ 500" if target else "",
            verdict(events, 500, True, "/s") if target and pg else "",
        )
        add(
            f"{clients} client{'s' if clients > 1 else ''}: all writes/s (19 per review, 7 transitions)",
            lambda f, i=i: f"{f.loads[i].writes_per_second:.0f}",
        )
        p99 = percentile(pg.loads[i].timings.events, 99) * 1e3 if pg else 0.0
        add(
            f"{clients} client{'s' if clients > 1 else ''}: transition latency p50 / p99",
            lambda f, i=i: (
                f"{ms(percentile(f.loads[i].timings.events, 50))} / {ms(percentile(f.loads[i].timings.events, 99))}"
            ),
            "p99 < 100 ms" if target else "",
            verdict(p99, 100, False, "ms") if target and pg else "",
        )
        add(
            f"{clients} client{'s' if clients > 1 else ''}: any write latency p50 / p99",
            lambda f, i=i: (
                f"{ms(percentile(f.loads[i].timings.all, 50))} / {ms(percentile(f.loads[i].timings.all, 99))}"
            ),
        )
        add(
            f"{clients} client{'s' if clients > 1 else ''}: server CPU per write",
            lambda f, i=i: ms(f.cpu_per_write[i]),
        )
        add(
            f"{clients} client{'s' if clients > 1 else ''}: failed requests",
            lambda f, i=i: str(len(f.loads[i].errors)),
        )
    get_review = statistics.median(pg.get_review) * 1e3 if pg else 0.0
    add(
        "100,000 reviews: GET /reviews/{id} median (p99)",
        lambda f: f"{ms(statistics.median(f.get_review))} ({ms(percentile(f.get_review, 99))})",
        "< 5 ms",
        verdict(get_review, 5, False, "ms") if pg else "",
    )
    add(
        "100,000 reviews: GET /deadlines?due_by&status=running median (p99)",
        lambda f: f"{ms(statistics.median(f.get_deadlines))} ({ms(percentile(f.get_deadlines, 99))})",
        "< 50 ms (issue 4)",
        verdict(statistics.median(pg.get_deadlines) * 1e3, 50, False, "ms") if pg else "",
    )
    add(
        f"100,000 reviews: slowest median of {len(FILTERED_LISTINGS)} filtered listings (every filter)",
        lambda f: f"{ms(f.slowest_listing[0])} `{f.slowest_listing[1]}`",
    )
    add(
        f"100,000 reviews: slowest median of {len(BOARD_PAGES)} board pages (issue 8)",
        lambda f: f"{ms(f.slowest_page[0])} `{f.slowest_page[1]}`",
    )
    add("server start-up, empty database (2 workers)", lambda f: f"{f.started_empty:.2f} s")
    add("server start-up, 100,000 reviews (2 workers)", lambda f: f"{f.started_full:.2f} s")
    add("server resident memory, 100,000 reviews (3 processes)", lambda f: f"{f.rss_full:.0f} MiB")
    add("loading 100,000 reviews with their clocks", lambda f: f"{f.loaded_in:.1f} s")
    add(
        "sweep recording about 1,000 breaches, median of 3",
        lambda f: "{:.2f} s ({} breaches)".format(*sorted(f.sweeps)[1]),
    )
    return rows


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
            version = connection.execute(text("SHOW server_version")).scalar()
        admin.dispose()
        os.environ["BENCH_POSTGRES_VERSION"] = str(version)


def machine() -> str:
    cpuinfo = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    model = next((line.split(":", 1)[1].strip() for line in cpuinfo.splitlines() if "model name" in line), "?")
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"{os.cpu_count()} cores ({model}), {memory:.0f} GiB RAM, {platform.system()} {platform.release()}; "
        f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, "
        f"PostgreSQL {os.environ.get('BENCH_POSTGRES_VERSION', 'not run')} on the same machine; "
        f"server: `practice-review serve --workers {WORKERS}`, load generator on the same machine; "
        f"{SECONDS:.0f} s of load per client count"
    )


def table(rows: list[Row]) -> str:
    lines = [
        "| measure | SQLite | PostgreSQL | target (PostgreSQL) | |",
        "| --- | --- | --- | --- | --- |",
    ]
    lines += [f"| {r.measure} | {r.sqlite} | {r.postgresql} | {r.target} | {r.verdict} |" for r in rows]
    return "\n".join(lines)


def main() -> None:
    figures: dict[str, DatabaseFigures] = {}
    with tempfile.TemporaryDirectory() as folder:
        print("sqlite", flush=True)
        figures["sqlite"] = measure(f"sqlite:///{folder}/bench.db")
    postgres = os.environ.get("PRACTICE_REVIEW_BENCH_POSTGRES_URL")
    if postgres:
        print("postgresql", flush=True)
        with throwaway_postgres(postgres) as url:
            figures["postgresql"] = measure(url)
    else:
        print("PostgreSQL not benchmarked: set PRACTICE_REVIEW_BENCH_POSTGRES_URL (make bench does when it is up)")
    rows = calendar_rows() + database_rows(figures)
    report = (
        f"{table(rows)}\n\nMachine: {machine()}.\n\nWhat each row measures, and where the time goes: bench/README.md.\n"
    )
    print(report)
    RESULTS.write_text(f"# Benchmark results (`make bench`, {date.today().isoformat()})\n\n{report}")
    print(f"written to {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
