"""The benchmark suite (`make bench`): prints its tables and writes them, with the machine, to bench/results.md.

For SQLite and (when PRACTICE_REVIEW_BENCH_POSTGRES_URL names a server) PostgreSQL, each on a new database
served by `practice-review serve --workers 2`:
- the service beside its floor (bench/side_by_side.py, bench/floor.py): each hot path at 1, 8 and 32
  clients, with issue 15's targets as ratios to the floor measured in the same run;
- then 100,000 open reviews are loaded, the server restarted, and single requests timed one after another:
  GET /reviews/{id} and GET /deadlines, with the server's start-up time and resident memory;
- the sweep recording 1,000 breaches among them.
And the working-day calendar per call.
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
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import deadlines  # noqa: E402
from bench.load import rss_mib  # noqa: E402
from bench.side_by_side import PATHS, SECONDS, WRK, Figures, side_by_side, start_floor  # noqa: E402
from practice_review.board.session import COOKIE as BOARD_COOKIE  # noqa: E402
from practice_review.bootstrap import build_services  # noqa: E402
from practice_review.calendar import WorkingCalendar  # noqa: E402
from practice_review.config import Settings  # noqa: E402
from practice_review.services.keys import create_key  # noqa: E402
from practice_review.services.sessions import open_session  # noqa: E402
from practice_review.storage.database import normalise_url  # noqa: E402
from practice_review.storage.migrations import upgrade  # noqa: E402
from tests.server import served  # noqa: E402

WORKERS = 2
PATHS_ONLY = os.environ.get("BENCH_ONLY") == "paths"  # the side-by-side tables alone, results.md untouched
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
    paths: Figures
    started_empty: float = 0.0
    started_full: float = 0.0
    rss_full: float = 0.0
    get_review: list[float] = field(default_factory=list)
    get_deadlines: list[float] = field(default_factory=list)
    slowest_listing: tuple[float, str] = (0.0, "")  # median seconds, path
    slowest_page: tuple[float, str] = (0.0, "")  # of the board's
    loaded_in: float = 0.0
    sweeps: list[tuple[float, int]] = field(default_factory=list)  # seconds, breaches recorded


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
    created = create_key(services, "bench", "business_unit")
    key = created.secret
    with served(database_url, WORKERS) as server:
        started_empty = server.started_in
        floor = start_floor(database_url)
        try:
            paths, walked = side_by_side(services, server, floor, key)
        finally:
            floor.process.terminate()
            floor.process.wait(timeout=30)
    if PATHS_ONLY:
        services.db.dispose()
        return DatabaseFigures(paths)
    loaded_in = deadlines.load(services)
    signed_in = open_session(services, created.id, 60)  # the board's cookie names a session, not the key
    api, board = {"Authorization": f"Bearer {key}"}, {"Cookie": f"{BOARD_COOKIE}={signed_in}"}
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
        paths,
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


def side_by_side_table(name: str, paths: Figures) -> str:
    """One database's hot paths beside the floor: throughput, p50 / p99 and server CPU per request."""
    lines = [
        f"### {name}: the service beside its floor",
        "",
        "| path | clients | service req/s | floor req/s | ratio | service p50 / p99 | floor p50 / p99 "
        "| p99 ratio | server CPU per request: service / floor | failed |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for (path, clients), (s, f) in paths.items():
        lines.append(
            f"| `{path}` | {clients} | {s.throughput:.0f} | {f.throughput:.0f} | {s.throughput / f.throughput:.2f}× "
            f"| {ms(s.p50)} / {ms(s.p99)} | {ms(f.p50)} / {ms(f.p99)} | {s.p99 / f.p99:.2f}× "
            f"| {ms(s.cpu)} / {ms(f.cpu)} | {s.failed} / {f.failed} |"
        )
    return "\n".join(lines)


def target_rows(figures: dict[str, DatabaseFigures]) -> list[tuple[str, str, str]]:
    """Issue 15's targets, on PostgreSQL at 32 clients (SQLite's beside PostgreSQL's at 1 client)."""
    pg, lite = figures.get("postgresql"), figures.get("sqlite")
    if pg is None:
        return []
    read, write, health, livez = (pg.paths[(p.name, 32)] for p in (PATHS[0], PATHS[2], PATHS[4], PATHS[5]))

    def at_least(value: float, target: float) -> str:
        return "met" if value >= target else f"missed by {target / value:.2f}×"

    def at_most(value: float, target: float) -> str:
        return "met" if value <= target else f"missed by {value / target:.2f}×"

    rows = [
        (
            "GET /reviews/{id}: throughput ≥ 0.8× the floor's",
            f"{read[0].throughput / read[1].throughput:.2f}×",
            at_least(read[0].throughput / read[1].throughput, 0.8),
        ),
        (
            "GET /reviews/{id}: p99 ≤ 1.5× the floor's",
            f"{read[0].p99 / read[1].p99:.2f}×",
            at_most(read[0].p99 / read[1].p99, 1.5),
        ),
        (
            "transition: throughput ≥ 0.6× the floor's write",
            f"{write[0].throughput / write[1].throughput:.2f}×",
            at_least(write[0].throughput / write[1].throughput, 0.6),
        ),
        ("transition: ≥ 300/s at 32 clients", f"{write[0].throughput:.0f}/s", at_least(write[0].throughput, 300)),
        ("transition: p99 < 100 ms at 32 clients", ms(write[0].p99), at_most(write[0].p99, 0.1)),
        (
            "GET /health ≥ 0.9× a bare endpoint (the floor's /livez; /health also asks the database)",
            f"{health[0].throughput / livez[1].throughput:.2f}×",
            at_least(health[0].throughput / livez[1].throughput, 0.9),
        ),
        (
            "GET /health ≥ 0.9× the floor's /health (the same SELECT 1)",
            f"{health[0].throughput / health[1].throughput:.2f}×",
            at_least(health[0].throughput / health[1].throughput, 0.9),
        ),
        (
            "GET /livez ≥ 0.9× a bare endpoint",
            f"{livez[0].throughput / livez[1].throughput:.2f}×",
            at_least(livez[0].throughput / livez[1].throughput, 0.9),
        ),
        ("server CPU ≤ 2 ms per read", ms(read[0].cpu), at_most(read[0].cpu, 0.002)),
        ("server CPU ≤ 3 ms per transition", ms(write[0].cpu), at_most(write[0].cpu, 0.003)),
    ]
    if lite is not None:
        for path in PATHS:
            s, p = lite.paths[(path.name, 1)][0], pg.paths[(path.name, 1)][0]
            rows.append(
                (
                    f"SQLite within 1.5× of PostgreSQL, 1 client: `{path.name}` throughput",
                    f"{s.throughput:.0f}/s vs {p.throughput:.0f}/s",
                    at_least(s.throughput / p.throughput, 1 / 1.5),
                )
            )
    return rows


def targets_table(figures: dict[str, DatabaseFigures]) -> str:
    rows = target_rows(figures)
    if not rows:
        return "Issue 15's targets are PostgreSQL's: not run."
    lines = [
        "### Issue 15's targets (PostgreSQL, 2 workers, 32 clients)",
        "",
        "| target | measured | |",
        "| --- | --- | --- |",
    ]
    return "\n".join(lines + [f"| {t} | {v} | {verdict} |" for t, v, verdict in rows])


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
        f"server: `practice-review serve --workers {WORKERS}` beside bench/floor.py (uvicorn, 2 workers); "
        f"load by {'wrk' if WRK else 'bench/load.py (no wrk)'} on the same machine, {SECONDS:g} s per path, client "
        "count and app"
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
    sides = "\n\n".join(side_by_side_table(name, f.paths) for name, f in figures.items())
    if PATHS_ONLY:
        print(f"{targets_table(figures)}\n\n{sides}")
        return
    rows = calendar_rows() + database_rows(figures)
    report = (
        f"{targets_table(figures)}\n\n{sides}\n\n### Single requests, the sweep, the calendar\n\n{table(rows)}\n\n"
        f"Machine: {machine()}.\n\nWhat each row measures, and where the time goes: bench/README.md.\n"
    )
    print(report)
    RESULTS.write_text(f"# Benchmark results (`make bench`, {date.today().isoformat()})\n\n{report}")
    print(f"written to {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
