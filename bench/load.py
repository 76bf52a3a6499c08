"""Load over real HTTP: a `practice-review serve` process, clients each walking their own rapid reviews.

Every client keeps one HTTP/1.1 connection and walks new rapid reviews along the happy path, one after
another: create, screening meeting, attendance, three declarations, and the seven events with their
meeting, attendance and four endorsements between them (19 writes, 7 of them workflow events). The
clients are threads using the standard library's `http.client`, so the load generator costs little of
the machine's CPU next to the server.
"""

from __future__ import annotations

import http.client
import json
import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.helpers import ENDORSERS, HAPPY_PATH, MEETING_AT, MEETING_DOCS, PANEL, SCREENING_AT, SCREENING_DOCS
from tests.server import Served


def rss_mib(server: Served) -> float:
    """Resident memory of the server and its worker processes."""
    pid = server.process.pid
    return sum(_rss_kib(p) for p in [pid, *_descendants(pid)]) / 1024


def cpu_seconds(server: Served) -> float:
    """CPU time the server and its workers have used so far."""
    pid, total = server.process.pid, 0
    for p in [pid, *_descendants(pid)]:
        fields = _stat(p)
        total += int(fields[11]) + int(fields[12]) if fields else 0
    return total / os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return []


def _descendants(pid: int) -> list[int]:
    processes = (int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit())
    children = [p for p in processes if _stat(p)[1:2] == [str(pid)]]
    return children + [grandchild for child in children for grandchild in _descendants(child)]


def _rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


@dataclass
class Timings:
    writes: list[float] = field(default_factory=list)  # other than transitions
    events: list[float] = field(default_factory=list)  # POST /reviews/{id}/transitions

    @property
    def all(self) -> list[float]:
        return self.writes + self.events


class Walker:
    """One client: walks its own rapid reviews over one keep-alive connection."""

    def __init__(self, port: int, key: str) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
        self.timings = Timings()

    def call(self, method: str, path: str, body: Any, expect: int = 200, event: bool = False) -> Any:
        payload = json.dumps(body)
        start = time.perf_counter()
        self.connection.request(method, path, payload, self.headers)
        response = self.connection.getresponse()
        data = response.read()
        (self.timings.events if event else self.timings.writes).append(time.perf_counter() - start)
        if response.status != expect:
            raise RuntimeError(f"{method} {path}: {response.status} {data[:300]!r}")
        return json.loads(data)

    def meeting(self, review: str, kind: str, at: str, documents: str) -> None:
        meeting = self.call(
            "POST",
            f"/reviews/{review}/meetings",
            {"kind": kind, "scheduled_for": at, "documents_shared_at": documents},
            201,
        )
        self.call("PUT", f"/reviews/{review}/meetings/{meeting['id']}/attendance", PANEL)

    def walk_one(self, until: str | None = None) -> str:
        """A new review walked along the happy path, stopping before the event `until` (None: to the end)."""
        review = self.call(
            "POST",
            "/reviews",
            {
                "review_type": "rapid",
                "child_reference": "Child A",
                "received_on": "2026-02-02",
                "referrer_organisation": "Salford City Council",
            },
            201,
        )["id"]
        for event, occurred_on, data in HAPPY_PATH:
            if event == until:
                break
            if event == "screen_in":
                self.meeting(review, "screening", SCREENING_AT, SCREENING_DOCS)
                for person in PANEL:
                    declaration = {
                        "person_id": person["person_id"],
                        "name": person["name"],
                        "organisation": person["organisation"],
                        "role": "panel member",
                        "has_interest": False,
                        "declared_on": "2026-02-05",
                    }
                    self.call("POST", f"/reviews/{review}/declarations", declaration, 201)
            elif event == "hold_meeting":
                self.meeting(review, "rapid_review", MEETING_AT, MEETING_DOCS)
            elif event == "endorse":
                for party, person_id, name in ENDORSERS:
                    endorsement = {
                        "party": party,
                        "person_id": person_id,
                        "name": name,
                        "agrees": True,
                        "endorsed_on": "2026-02-17",
                    }
                    self.call("POST", f"/reviews/{review}/endorsements", endorsement, 201)
            body = {"event": event, "occurred_on": occurred_on, "data": data}
            self.call("POST", f"/reviews/{review}/transitions", body, event=True)
        return str(review)


@dataclass
class LoadResult:
    clients: int
    seconds: float
    timings: Timings
    errors: list[str]

    @property
    def writes(self) -> int:
        return len(self.timings.all)

    @property
    def events_per_second(self) -> float:
        return len(self.timings.events) / self.seconds

    @property
    def writes_per_second(self) -> float:
        return self.writes / self.seconds


def run_load(port: int, key: str, clients: int, seconds: float) -> LoadResult:
    """`clients` walkers at once for about `seconds` (each finishes the review it is walking)."""
    walkers = [Walker(port, key) for _ in range(clients)]
    errors: list[str] = []
    stop = threading.Event()
    barrier = threading.Barrier(clients + 1)

    def work(walker: Walker) -> None:
        barrier.wait()
        try:
            while not stop.is_set():
                walker.walk_one()
        except Exception as exc:  # noqa: BLE001 - reported in the table, the run goes on
            errors.append(repr(exc))

    threads = [threading.Thread(target=work, args=(walker,)) for walker in walkers]
    for thread in threads:
        thread.start()
    barrier.wait()
    start = time.perf_counter()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    timings = Timings(
        writes=[t for w in walkers for t in w.timings.writes],
        events=[t for w in walkers for t in w.timings.events],
    )
    return LoadResult(clients, elapsed, timings, errors)


def hammer(
    port: int, key: str, clients: int, seconds: float, method: str, path: str, body: str, ids: list[str]
) -> dict:
    """bench/requests.lua's figures without wrk: `clients` threads, one keep-alive connection each, sending
    one kind of request for `seconds`; client i takes ids i, i + clients, ... (none shares a review)."""
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    timings: list[list[float]] = [[] for _ in range(clients)]
    failed = [0] * clients
    stop = threading.Event()

    def work(i: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        n = 0
        while not stop.is_set():
            target = path.replace("{id}", ids[(i + n * clients) % len(ids)])
            n += 1
            start = time.perf_counter()
            connection.request(method, target, body or None, headers)
            response = connection.getresponse()
            response.read()
            timings[i].append(time.perf_counter() - start)
            failed[i] += not 200 <= response.status < 300

    threads = [threading.Thread(target=work, args=(i,)) for i in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    every = sorted(t for client in timings for t in client)
    return {
        "requests": len(every),
        "seconds": elapsed,
        "p50_us": every[len(every) // 2] * 1e6,
        "p99_us": every[min(len(every) - 1, len(every) * 99 // 100)] * 1e6,
        "errors": 0,
        "non_2xx": sum(failed),
    }
