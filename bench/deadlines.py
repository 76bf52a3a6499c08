"""Deadline polling and the sweep with 100,000 open reviews (issue 4's benchmark).

Loads 100,000 open rapid reviews (each with its three clocks), of which three groups of 1,000 have a
running clock newly past its deadline at successive dates; then measures the median latency of
`GET /deadlines?due_by=…&status=running` over HTTP (in-process), of a sweep that records 1,000
breaches, three times, and of the board's pages (issue 8) signed in with the same key.
"""

from __future__ import annotations

import statistics
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import insert, text

from practice_review.api.app import create_app
from practice_review.bootstrap import build_services
from practice_review.config import Settings
from practice_review.roles import Caller
from practice_review.services.deadlines import sweep
from practice_review.services.keys import create_key
from practice_review.storage import models as m
from practice_review.storage.migrations import upgrade

ROOT = Path(__file__).resolve().parents[1]
REVIEWS = 100_000
NEWLY_BREACHED = 1_000
TODAY = date(2026, 6, 1)
SWEEP_DATES = (date(2026, 5, 4), date(2026, 5, 11), date(2026, 5, 18))  # each group is due the day before
BOARD_PAGES = ("/board", "/board?status=breached", "/board?status=on_track", "/board/calendar")


def _load(services, reviews: int) -> None:  # type: ignore[no-untyped-def]
    version = services.engine.current("rapid").version
    now = datetime.now(UTC)
    chunk = 5_000
    with services.db.engine.begin() as connection:
        for start in range(0, reviews, chunk):
            rows, clocks = [], []
            for n in range(start, min(start + chunk, reviews)):
                review_id = str(uuid.uuid4())
                received = date(2026, 1, 5) + timedelta(days=n % 60)
                rows.append(
                    {
                        "id": review_id,
                        "reference": f"RR-2026-{n:06d}",
                        "review_type": "rapid",
                        "workflow_version": version,
                        "state": "gathering_information",
                        "version": 3,
                        "open": True,
                        "child_reference": f"Child {n}",
                        "received_on": received,
                        "became_aware_on": received,
                        "referrer_organisation": "Salford City Council",
                        "themes": [],
                        "summary": "",
                        "description": {},
                        "facts": {},
                        "last_occurred_on": received,
                        "state_entered_seq": 3,
                        "created_at": now,
                        "updated_at": now,
                    }
                )
                group = n // NEWLY_BREACHED
                due = (
                    SWEEP_DATES[group] - timedelta(days=1)
                    if group < len(SWEEP_DATES)
                    else TODAY + timedelta(days=n % 200)
                )
                stopped = {
                    "status": "met",
                    "started_on": received,
                    "due_on": received,
                    "original_due_on": received,
                    "stopped_on": received,
                }
                clocks += [
                    {"review_id": review_id, "name": "screening", **stopped},
                    {"review_id": review_id, "name": "notification", **stopped},
                    {
                        "review_id": review_id,
                        "name": "rapid_review",
                        "status": "running",
                        "started_on": received,
                        "due_on": due,
                        "original_due_on": due,
                        "stopped_on": None,
                    },
                ]
            connection.execute(insert(m.Review), rows)
            connection.execute(insert(m.Clock), clocks)


def run(label: str, database_url: str, reviews: int = REVIEWS) -> list[tuple[str, str]]:
    upgrade(database_url)
    services = build_services(Settings(database_url=database_url, workflows_dir=ROOT / "workflows"))
    services.today = lambda: TODAY
    started = time.perf_counter()
    _load(services, reviews)
    with services.db.engine.begin() as connection:  # planner statistics, as autovacuum keeps them on a live database
        connection.execute(text("ANALYZE"))
    loaded = time.perf_counter() - started
    headers = {"Authorization": f"Bearer {create_key(services, 'bench', 'read_only').secret}"}
    scheduler = Caller(key_id=0, key_name="bench sweep", role="business_unit")
    due_by = (TODAY + timedelta(days=30)).isoformat()
    with TestClient(create_app(services=services)) as client:
        latencies = []
        for _ in range(60):
            t = time.perf_counter()
            response = client.get(f"/deadlines?due_by={due_by}&status=running", headers=headers)
            latencies.append(time.perf_counter() - t)
            assert response.status_code == 200 and len(response.json()["items"]) == 100
        client.post("/board/sign-in", data={"key": headers["Authorization"].removeprefix("Bearer ")})
        board = {page: _median_ms(client, page) for page in BOARD_PAGES}
    sweeps = []
    for as_of in SWEEP_DATES:
        t = time.perf_counter()
        result = sweep(services, scheduler, as_of)
        sweeps.append(time.perf_counter() - t)
        assert len(result["newly_breached"]) == NEWLY_BREACHED, len(result["newly_breached"])
    services.db.dispose()
    return [
        (f"{label}: load {reviews:,} reviews with clocks", f"{loaded:.1f} s"),
        (f"{label}: GET /deadlines?due_by&status=running median", f"{statistics.median(latencies) * 1e3:.1f} ms"),
        (f"{label}: sweep recording {NEWLY_BREACHED:,} breaches, median of 3", f"{statistics.median(sweeps):.2f} s"),
        *((f"{label}: GET {page} (the board) median", f"{ms:.1f} ms") for page, ms in board.items()),
    ]


def _median_ms(client: TestClient, page: str) -> float:
    latencies = []
    for _ in range(20):
        t = time.perf_counter()
        response = client.get(page)
        latencies.append(time.perf_counter() - t)
        assert response.status_code == 200 and "<tbody" in response.text
    return statistics.median(latencies) * 1e3
