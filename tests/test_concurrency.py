"""Optimistic concurrency over real HTTP: of 16 identical concurrent transitions exactly one wins.

Run on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from practice_review.api.app import create_app
from practice_review.services.common import Services

from .helpers import Api
from .server import served, served_in_thread

CLIENTS = 16


@pytest.fixture(params=["one process", "two worker processes"])
def live_api(
    request: pytest.FixtureRequest, services: Services, key_for: Callable[..., dict[str, str]], database_url: str
) -> Iterator[Api]:
    """The app over real HTTP: served by uvicorn in a thread of this process, or by `practice-review serve
    --workers 2` (issue 7: several processes against one database stay correct)."""
    keys = key_for("business_unit"), key_for("chair")
    if request.param == "two worker processes":
        with served(database_url, workers=2) as server, httpx.Client(base_url=server.base_url, timeout=60) as client:
            yield Api(client, *keys)
        return
    with served_in_thread(create_app(services=services)) as url, httpx.Client(base_url=url, timeout=60) as client:
        yield Api(client, *keys)


def _at_once(count: int, action: Callable[[], httpx.Response]) -> list[httpx.Response]:
    barrier = threading.Barrier(count)

    def run() -> httpx.Response:
        barrier.wait()
        return action()

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(lambda _: run(), range(count)))


def test_sixteen_identical_transitions_exactly_one_succeeds(live_api: Api) -> None:
    review = live_api.new_review_at("notify_national_panel")
    version = review["version"]

    responses = _at_once(
        CLIENTS, lambda: live_api.fire(review["id"], "notify_national_panel", "2026-02-06", expected_version=version)
    )

    assert Counter(r.status_code for r in responses) == {200: 1, 409: CLIENTS - 1}
    for refused in (r for r in responses if r.status_code == 409):
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.json()["current_version"] == version + 1
    after = live_api.review(review["id"])
    assert (after["state"], after["version"]) == ("gathering_information", version + 1)
    history = live_api.ok(live_api.client.get(f"/reviews/{review['id']}/history", headers=live_api.bu))["items"]
    assert [h["event"] for h in history].count("notify_national_panel") == 1


def test_concurrent_retries_with_one_idempotency_key_create_one_review(live_api: Api) -> None:
    body = {
        "review_type": "rapid",
        "child_reference": "Child B",
        "received_on": "2026-02-02",
        "referrer_organisation": "Greater Manchester Police",
    }
    headers = {**live_api.bu, "Idempotency-Key": "referral-4471"}

    responses = _at_once(CLIENTS, lambda: live_api.client.post("/reviews", json=body, headers=headers))

    assert {r.status_code for r in responses} == {201}
    assert len({r.json()["id"] for r in responses}) == 1
    listed = live_api.ok(live_api.client.get("/reviews", headers=live_api.bu))["items"]
    assert [r["child_reference"] for r in listed] == ["Child B"]
