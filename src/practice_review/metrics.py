"""Prometheus metrics (GET /metrics): requests by route and status, and what the database says at scrape time.

Request counts and latencies are kept in this process (with `--workers N`, set PROMETHEUS_MULTIPROC_DIR to
an empty folder so every worker's are added up; docs/operating.md). The rest is read from the database at
each scrape: pool use, the delivery queue, breaches, open reviews and each job's last success.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import REGISTRY, Collector

from .services.common import Services
from .services.operations import JOBS, counts

CONTENT_TYPE = CONTENT_TYPE_LATEST
REQUESTS = Counter(
    "practice_review_http_requests",
    "HTTP requests answered, by method, route template and status",
    ["method", "route", "status"],
)
LATENCY = Histogram(
    "practice_review_http_request_duration_seconds",
    "Time to answer a request, by method and route template",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)


def observe(method: str, route: str, status: int, seconds: float) -> None:
    REQUESTS.labels(method, route, str(status)).inc()
    LATENCY.labels(method, route).observe(seconds)


class _FromDatabase(Collector):
    def __init__(self, services: Services) -> None:
        self.services = services

    def collect(self) -> Iterator[Metric]:
        found = counts(self.services)
        yield _gauge("practice_review_outbox_messages", "Outbox messages by status", "status", found.outbox)
        yield _gauge("practice_review_email_messages", "E-mail reminders by status", "status", found.emails)
        yield _gauge("practice_review_reviews_open", "Open reviews by review type", "review_type", found.open_reviews)
        breaches = GaugeMetricFamily("practice_review_clock_breaches_recorded", "Clock breaches recorded (C5), ever")
        breaches.add_metric([], found.breaches)
        yield breaches
        last = GaugeMetricFamily(
            "practice_review_job_last_success_timestamp_seconds",
            "When each scheduled job last succeeded (Unix time; 0: never)",
            labels=["job"],
        )
        for job in JOBS:
            at = found.last_success.get(job)
            last.add_metric([job], at.timestamp() if at else 0)
        yield last
        yield from _pool(self.services)


def _gauge(name: str, documentation: str, label: str, values: dict[str, int]) -> GaugeMetricFamily:
    gauge = GaugeMetricFamily(name, documentation, labels=[label])
    for key, value in sorted(values.items()):
        gauge.add_metric([key], value)
    return gauge


def _pool(services: Services) -> Iterator[Metric]:
    pool: Any = services.db.engine.pool
    if not hasattr(pool, "checkedout"):  # SQLite's pool keeps no counts worth watching
        return
    in_use = GaugeMetricFamily(
        "practice_review_db_pool_connections", "Database connections of this process", labels=["state"]
    )
    in_use.add_metric(["in_use"], pool.checkedout())
    in_use.add_metric(["idle"], pool.checkedin())
    yield in_use
    size = GaugeMetricFamily("practice_review_db_pool_size", "Connections the pool keeps open (before overflow)")
    size.add_metric([], pool.size())
    yield size


def render(services: Services) -> bytes:
    """The text exposition: this process's (or every worker's) request metrics, then the database's."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        requests = CollectorRegistry()
        MultiProcessCollector(requests)
    else:
        requests = REGISTRY
    database = CollectorRegistry(auto_describe=False)
    database.register(_FromDatabase(services))
    return generate_latest(requests) + generate_latest(database)
