"""100,000 open reviews for the benchmarks, and the sweep over them.

Loads 100,000 open rapid reviews (each with its three clocks), of which three groups of 1,000 have a
running clock newly past its deadline at successive dates, so that a sweep at each date records 1,000
breaches.
"""

from __future__ import annotations

import time
import uuid
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import insert, text

from practice_review.roles import Caller
from practice_review.services.deadlines import sweep
from practice_review.storage import models as m

REVIEWS = 100_000
NEWLY_BREACHED = 1_000
TODAY = date(2026, 6, 1)
SWEEP_DATES = (date(2026, 5, 4), date(2026, 5, 11), date(2026, 5, 18))  # each group is due the day before


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
                        "version": 0,  # no history yet: a breach is its event 1 (A1)
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
                        "state_entered_seq": 0,
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
                    "review_type": "rapid",
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
                        "review_type": "rapid",
                        "status": "running",
                        "started_on": received,
                        "due_on": due,
                        "original_due_on": due,
                        "stopped_on": None,
                    },
                ]
            connection.execute(insert(m.Review), rows)
            connection.execute(insert(m.Clock), clocks)


def load(services, reviews: int = REVIEWS) -> float:  # type: ignore[no-untyped-def]
    """Insert the open reviews and their clocks, then ANALYZE (as autovacuum would); seconds taken."""
    started = time.perf_counter()
    _load(services, reviews)
    with services.db.engine.begin() as connection:
        connection.execute(text("ANALYZE"))
    return time.perf_counter() - started


def due_by() -> str:
    """A `due_by` filter that matches far more running clocks than one page holds."""
    return (TODAY + timedelta(days=30)).isoformat()


def sweeps(services) -> list[tuple[float, int]]:  # type: ignore[no-untyped-def]
    """A sweep on each of SWEEP_DATES: seconds taken and breaches recorded (NEWLY_BREACHED of the loaded
    reviews, and any other review's clock that fell due)."""
    scheduler = Caller(key_id=0, key_name="bench sweep", role="business_unit")
    results = []
    for as_of in SWEEP_DATES:
        started = time.perf_counter()
        recorded = len(sweep(services, scheduler, as_of)["newly_breached"])
        results.append((time.perf_counter() - started, recorded))
        assert recorded >= NEWLY_BREACHED, recorded
    return results
