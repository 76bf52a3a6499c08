"""Optimistic concurrency over real HTTP: of 16 identical concurrent transitions exactly one wins, and of
board forms sent at once with the same version exactly one is recorded.

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

from .board_forms_helpers import HIDDEN, moment, words
from .helpers import SCREENING_AT, Api
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


def _signed_in(base_url: str, headers: dict[str, str]) -> httpx.Client:
    """A browser's own session on the board (its own cookie jar), signed in with the key."""
    browser = httpx.Client(base_url=base_url, timeout=60)
    key = headers["Authorization"].removeprefix("Bearer ")
    assert browser.post("/board/sign-in", data={"key": key}).status_code == 303
    return browser


def test_board_forms_sent_at_once_with_one_version_record_once_and_the_rest_see_who_changed_what(
    live_api: Api,
) -> None:
    """Issue 17: a board form's expected_version is checked under the review's row lock in the transaction
    that writes, so of people pressing "Record" on the same page at once exactly one is recorded."""
    review = live_api.create_review()
    path = f"/board/reviews/{review['id']}/do/meeting"
    browsers = [_signed_in(str(live_api.client.base_url), live_api.bu) for _ in range(CLIENTS)]
    answers = {"kind": "screening", **moment(SCREENING_AT, "scheduled_for")}
    forms = [{**dict(HIDDEN.findall(b.get(path).text)), **answers} for b in browsers]
    assert {f["expected_version"] for f in forms} == {str(review["version"])}
    barrier = threading.Barrier(CLIENTS)

    def press(browser: httpx.Client, form: dict[str, str]) -> httpx.Response:
        barrier.wait()
        return browser.post(path, data=form)

    with ThreadPoolExecutor(CLIENTS) as pool:
        responses = list(pool.map(press, browsers, forms))
    for browser in browsers:
        browser.close()

    assert Counter(r.status_code for r in responses) == {303: 1, 409: CLIENTS - 1}
    for stale in (words(r.text) for r in responses if r.status_code == 409):
        assert "Nothing was recorded" in stale and "Meeting recorded , by test business_unit" in stale, stale
        assert f"(version {review['version'] + 1})" in stale
    history = live_api.ok(live_api.client.get(f"/reviews/{review['id']}/history", headers=live_api.bu))["items"]
    assert [h["kind"] for h in history].count("meeting_recorded") == 1
    assert live_api.review(review["id"])["version"] == review["version"] + 1
