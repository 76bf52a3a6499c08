"""Where a request's CPU time goes (`make profile`): py-spy samples one server process under load.

Starts `practice-review serve` (one process) on a new database, runs 4 clients walking rapid reviews
(bench/load.py) for 20 seconds while py-spy samples whichever thread holds the GIL, then prints the
share of samples by layer and by the innermost project function on the stack.
PostgreSQL when PRACTICE_REVIEW_BENCH_POSTGRES_URL names a server (make profile sets it), else SQLite.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.load import cpu_seconds, run_load  # noqa: E402
from bench.run import throwaway_postgres  # noqa: E402
from practice_review.bootstrap import build_services  # noqa: E402
from practice_review.config import Settings  # noqa: E402
from practice_review.services.keys import create_key  # noqa: E402
from practice_review.storage.migrations import upgrade  # noqa: E402
from tests.server import served  # noqa: E402

SECONDS, CLIENTS = 20, 4
LAYERS = {
    "HTTP framework (FastAPI, Starlette, uvicorn, anyio, asyncio)": (
        "fastapi",
        "starlette",
        "uvicorn",
        "anyio",
        "asyncio",
    ),
    "SQLAlchemy ORM": ("sqlalchemy/orm",),
    "SQLAlchemy Core (statements, caching, results, pool)": ("sqlalchemy",),
    "psycopg (driver)": ("psycopg",),
    "pydantic": ("pydantic",),
    "transitions (state machines)": ("transitions",),
    "project code": ("practice_review",),
}


def layer(frame: str) -> str:
    path = frame.rsplit("(", 1)[-1]
    return next((name for name, prefixes in LAYERS.items() if path.startswith(prefixes)), "other (standard library)")


def profile(database_url: str, output: Path) -> float:
    upgrade(database_url)
    services = build_services(Settings(database_url=database_url))
    key = create_key(services, "profile", "business_unit").secret
    services.db.dispose()
    with served(database_url, workers=1) as server:
        spy = subprocess.Popen(
            [shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy")), "record", "--gil", "-r", "250"]
            + ["-d", str(SECONDS), "-f", "raw", "-o", str(output), "-p", str(server.process.pid)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        before = cpu_seconds(server)
        result = run_load(server.port, key, CLIENTS, SECONDS)
        per_write = (cpu_seconds(server) - before) / result.writes
        spy.wait()
    return per_write


def owner(frame: str) -> str:
    """The project function a sample is charged to, naming the framework's share plainly."""
    if "practice_review/api/limits.py" in frame or "practice_review/api/request_log.py" in frame:
        return "FastAPI below the middleware: routing, dependencies, thread hand-off, response"
    if "practice_review/cli.py" in frame:
        return "uvicorn's event loop: sockets, HTTP parsing"
    return frame.rsplit(":", 1)[0] + ")"


def report(samples: Path) -> None:
    layers, functions, total = Counter[str](), Counter[str](), 0
    for line in samples.read_text().splitlines():
        stack, count = line.rsplit(" ", 1)
        frames, n = stack.split(";"), int(count)
        total += n
        layers[layer(frames[-1])] += n
        ours = [f for f in frames if "(practice_review/" in f]
        functions[owner(ours[-1]) if ours else "(no project frame)"] += n
    print(f"\n{total} samples of the thread holding the GIL\n\nby layer (where the sampled line is):")
    for name, n in layers.most_common():
        print(f"  {n / total:6.1%}  {name}")
    print("\nby the innermost project function on the stack (what it spends, itself and below):")
    for name, n in functions.most_common(15):
        print(f"  {n / total:6.1%}  {name}")


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        samples = Path(folder) / "samples.txt"
        postgres = os.environ.get("PRACTICE_REVIEW_BENCH_POSTGRES_URL")
        if postgres:
            with throwaway_postgres(postgres) as url:
                per_write = profile(url, samples)
        else:
            per_write = profile(f"sqlite:///{folder}/profile.db", samples)
        print(f"{'PostgreSQL' if postgres else 'SQLite'}: server CPU per write {per_write * 1e3:.2f} ms")
        report(samples)


if __name__ == "__main__":
    main()
