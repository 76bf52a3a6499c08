"""The service beside its floor (bench/floor.py), on the same database, in the same run (issue 15).

Both run as `uvicorn` with 2 workers at the same time; each hot path is loaded by wrk (bench/requests.lua)
or, without wrk, by bench/load.py's `hammer`, at 1, 8 and 32 clients, the service first and then the
floor, so drift on the shared machine touches both alike.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert, select

from bench.load import Walker, cpu_seconds, hammer
from practice_review.storage import models as m
from tests.server import Served, answering, free_port

ROOT = Path(__file__).resolve().parents[1]
CLIENTS = (1, 8, 32)
SECONDS = float(os.environ.get("BENCH_SECONDS", "3"))  # of load for each path, client count and app
READ_REVIEWS = 64  # walked over HTTP to awaiting_notification: meetings, attendance, declarations, history
FRESH_PER_SECOND = 800  # reviews in awaiting_notification put aside per second of transitions
DUE_BY = "2026-12-31"
WRK = shutil.which("wrk")


@dataclass(frozen=True)
class Path_:
    name: str
    method: str
    path: str
    body: str = ""
    fresh: bool = False  # each request uses up its review (a transition)


PATHS = (
    Path_("GET /reviews/{id}", "GET", "/reviews/{id}"),
    Path_("GET /deadlines", "GET", f"/deadlines?due_by={DUE_BY}&status=running"),
    Path_(
        "POST /reviews/{id}/transitions",
        "POST",
        "/reviews/{id}/transitions",
        json.dumps({"event": "notify_national_panel", "occurred_on": "2026-02-06", "data": {}}),
        fresh=True,
    ),
    Path_("PATCH /reviews/{id}", "PATCH", "/reviews/{id}", json.dumps({"summary": "Corrected by the bench"})),
    Path_("GET /health", "GET", "/health"),
    Path_("GET /livez", "GET", "/livez"),
)


@dataclass
class Figure:
    requests: int
    seconds: float
    p50: float  # seconds, as the client saw it
    p99: float
    failed: int  # transport errors and non-2xx answers
    cpu: float  # server CPU seconds per request, the workers and their parent

    @property
    def throughput(self) -> float:
        return self.requests / self.seconds


def start_floor(database_url: str) -> Served:
    port = free_port()
    env = {**os.environ, "PRACTICE_REVIEW_DATABASE_URL": database_url, "PYTHONPATH": str(ROOT)}
    launched = time.perf_counter()
    command = [sys.executable, "-m", "uvicorn", "bench.floor:create_app", "--factory", "--workers", "2"]
    process = subprocess.Popen(
        [*command, "--port", str(port), "--no-access-log", "--log-level", "warning"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )
    return answering(process, port, launched)


def walked_reviews(port: int, key: str) -> list[str]:
    """READ_REVIEWS real rapid reviews in awaiting_notification, walked over HTTP by 8 clients."""
    found: list[str] = []

    def walk() -> None:
        walker = Walker(port, key)
        found.extend(walker.walk_one(until="notify_national_panel") for _ in range(READ_REVIEWS // 8))

    threads = [threading.Thread(target=walk) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return found


def copies(services, template: str, count: int) -> list[str]:  # type: ignore[no-untyped-def]
    """`count` copies of a walked review, its row and its clocks (without its history, meetings and
    declarations, which notify_national_panel does not read: so their history starts at 1), for
    transitions to use up."""
    reviews, clocks = m.Review.__table__, m.Clock.__table__
    with services.db.engine.begin() as connection:
        review = dict(connection.execute(select(reviews).where(reviews.c.id == template)).one()._mapping)
        its_clocks = [
            dict(c._mapping) for c in connection.execute(select(clocks).where(clocks.c.review_id == template))
        ]
        ids = [str(uuid.uuid4()) for _ in range(count)]
        now = datetime.now(UTC)
        connection.execute(
            insert(reviews),
            [
                {**review, "id": i, "reference": f"BENCH-{n:07d}-{i[:6]}", "created_at": now}
                | {"version": 0, "state_entered_seq": 0, "last_hash": ""}
                for n, i in enumerate(ids)
            ],
        )
        connection.execute(
            insert(clocks),
            [{**{k: v for k, v in c.items() if k != "id"}, "review_id": i} for i in ids for c in its_clocks],
        )
    return ids


def load(server: Served, key: str, clients: int, path: Path_, ids: list[str]) -> Figure:
    before = cpu_seconds(server)
    if WRK:
        with tempfile.NamedTemporaryFile("w", suffix=".ids") as listed:
            listed.write("\n".join(ids))
            listed.flush()
            env = {
                **os.environ,
                "BENCH_METHOD": path.method,
                "BENCH_PATH": path.path,
                "BENCH_BODY": path.body,
                "BENCH_KEY": key,
                "BENCH_IDS": listed.name,
                "BENCH_THREADS": str(clients),
            }
            command = [WRK, f"-t{clients}", f"-c{clients}", f"-d{max(1, round(SECONDS))}s", "--timeout", "10s"]
            script = ["-s", str(ROOT / "bench" / "requests.lua"), f"http://127.0.0.1:{server.port}"]
            output = subprocess.run([*command, *script], env=env, capture_output=True, text=True)
            if output.returncode:
                raise RuntimeError(f"wrk failed: {output.stderr or output.stdout}")
            result = json.loads(output.stdout.strip().splitlines()[-1])
    else:
        result = hammer(server.port, key, clients, SECONDS, path.method, path.path, path.body, ids)
    cpu = cpu_seconds(server) - before
    requests = max(result["requests"], 1)
    return Figure(
        result["requests"],
        result["seconds"],
        result["p50_us"] / 1e6,
        result["p99_us"] / 1e6,
        result["errors"] + result["non_2xx"],
        cpu / requests,
    )


Figures = dict[tuple[str, int], tuple[Figure, Figure]]  # (path, clients): (service, floor)


def side_by_side(services, service: Served, floor: Served, key: str) -> tuple[Figures, list[str]]:  # type: ignore[no-untyped-def]
    """Every path at every client count, the service and then the floor; and the reviews walked for reads."""
    reads = walked_reviews(service.port, key)
    per_run = int(FRESH_PER_SECOND * SECONDS) + 64
    fresh = copies(services, reads[0], per_run * len(CLIENTS))
    for server in (service, floor):  # warm both: connections in the pools, code paths run once
        load(server, key, 8, PATHS[0], reads)
    figures: Figures = {}
    for path in PATHS:
        for n, clients in enumerate(CLIENTS):
            ids = fresh[n * per_run : (n + 1) * per_run] if path.fresh else reads
            figures[(path.name, clients)] = (
                load(service, key, clients, path, ids),
                load(floor, key, clients, path, ids),
            )
            s, f = figures[(path.name, clients)]
            print(f"  {path.name} × {clients}: {s.throughput:.0f}/s vs floor {f.throughput:.0f}/s", flush=True)
    return figures, reads
