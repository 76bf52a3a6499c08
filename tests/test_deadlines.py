"""Deadline polling and the breach sweep (C5), including eight sweeps at once from real processes."""

from __future__ import annotations

import os
import subprocess
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import httpx

from practice_review.services.keys import create_key

from .conftest import TODAY
from .helpers import Api, problem
from .server import CLI, served


def deadlines(api: Api, **params: str) -> dict:
    return api.ok(api.client.get("/deadlines", params=params, headers=api.bu))


def history_kinds(api: Api, review_id: str) -> list[str]:
    return [h["kind"] for h in api.ok(api.client.get(f"/reviews/{review_id}/history", headers=api.bu))["items"]]


def test_deadlines_list_running_and_breached_clocks_earliest_first(api: Api) -> None:
    late = api.create_review(received_on="2026-02-02")  # screening and notification due 2026-02-09: breached
    soon = api.create_review(received_on="2026-02-27", child_reference="Child B")  # due 2026-03-06: running
    request = {"organisation": "Salford Primary School", "kind": "chronology", "requested_on": "2026-02-27"}
    api.ok(api.client.post(f"/reviews/{soon['id']}/information-requests", json=request, headers=api.bu), 201)

    listed = deadlines(api)
    assert listed["as_of"] == TODAY.isoformat()
    # Earliest first; on the same date clocks before information requests, each in the order recorded.
    assert [(i["reference"], i["clock"], i["due_on"], i["status"]) for i in listed["items"]] == [
        (late["reference"], "screening", "2026-02-09", "breached"),
        (late["reference"], "notification", "2026-02-09", "breached"),
        (soon["reference"], "screening", "2026-03-06", "running"),
        (soon["reference"], "notification", "2026-03-06", "running"),
        (soon["reference"], "information:1", "2026-03-06", "running"),
    ]
    remaining = {(i["reference"], i["clock"]): i["working_days_remaining"] for i in listed["items"]}
    assert remaining[(late["reference"], "screening")] == -15
    assert remaining[(soon["reference"], "screening")] == 4

    assert {i["reference"] for i in deadlines(api, status="breached")["items"]} == {late["reference"]}
    assert {i["status"] for i in deadlines(api, status="running")["items"]} == {"running"}
    assert deadlines(api, due_by="2026-03-05")["items"] == deadlines(api, status="breached")["items"]
    assert deadlines(api, review_type="lcspr")["items"] == []


def test_deadlines_page_through_every_item_once(api: Api) -> None:
    for day in ("2026-02-02", "2026-02-09", "2026-02-16"):
        api.create_review(received_on=day)
    seen, cursor = [], None
    while True:
        page = deadlines(api, limit="2", **({"cursor": cursor} if cursor else {}))
        seen += [(i["review_id"], i["clock"]) for i in page["items"]]
        if not (cursor := page["next_cursor"]):
            break
    assert len(seen) == len(set(seen)) == 6
    assert problem(api.client.get("/deadlines?cursor=Zm9v", headers=api.bu), 422)


def test_sweep_records_each_breach_once(api: Api) -> None:
    late = api.create_review(received_on="2026-02-02")
    on_time = api.create_review(received_on="2026-02-27", child_reference="Child B")

    first = api.ok(api.client.post("/deadlines/sweep", json={}, headers=api.bu))
    assert sorted((b["reference"], b["clock"]) for b in first["newly_breached"]) == [
        (late["reference"], "notification"),
        (late["reference"], "screening"),
    ]
    again = api.ok(api.client.post("/deadlines/sweep", json={"as_of": "2026-03-02"}, headers=api.bu))
    assert again["newly_breached"] == []

    assert history_kinds(api, late["id"]).count("clock_breached") == 2
    assert "clock_breached" not in history_kinds(api, on_time["id"])
    assert {c["name"]: c["status"] for c in api.review(late["id"])["clocks"]}["screening"] == "breached"
    assert deadlines(api, status="breached")["items"][0]["reference"] == late["reference"]


def test_a_clock_stopped_late_is_recorded_breached_when_it_stops(api: Api) -> None:
    review = api.create_review(received_on="2026-02-02")
    api.prepare(review["id"], "screen_in")
    api.ok(api.fire(review["id"], "screen_in", "2026-02-12"))  # screening was due 2026-02-09
    assert history_kinds(api, review["id"]).count("clock_breached") == 1
    assert api.ok(api.client.post("/deadlines/sweep", json={}, headers=api.bu))["newly_breached"] == [
        {"review_id": review["id"], "reference": review["reference"], "clock": "notification", "due_on": "2026-02-09"}
    ]


def test_a_breached_clock_still_stops_and_shows_when_it_stopped(api: Api) -> None:
    review = api.create_review(received_on="2026-02-02")
    api.ok(api.client.post("/deadlines/sweep", json={}, headers=api.bu))
    api.prepare(review["id"], "screen_in")
    after = api.ok(api.fire(review["id"], "screen_in", "2026-02-12"))
    screening = next(c for c in after["clocks"] if c["name"] == "screening")
    assert (screening["status"], screening["stopped_on"]) == ("breached", "2026-02-12")
    assert history_kinds(api, review["id"]).count("clock_breached") == 2  # screening and notification, once each


def test_sweep_is_refused_a_future_date_and_other_roles(api: Api, key_for) -> None:  # type: ignore[no-untyped-def]
    assert problem(api.client.post("/deadlines/sweep", json={"as_of": "2026-03-03"}, headers=api.bu), 409)
    assert problem(api.client.post("/deadlines/sweep", json={}, headers=key_for("read_only")), 403)


def test_eight_concurrent_sweeps_from_cli_and_http_record_each_breach_once(
    api: Api, services, database_url: str
) -> None:  # type: ignore[no-untyped-def]
    """Four CLI sweeps and four HTTP sweeps at once, against a server of two worker processes (issue 7)."""
    reviews = [api.create_review(received_on="2026-02-02", child_reference=f"Child {i}") for i in range(12)]
    key = create_key(services, "scheduler", "business_unit").secret
    env = {**os.environ, "PRACTICE_REVIEW_DATABASE_URL": database_url}
    with served(database_url, workers=2) as server, httpx.Client(base_url=server.base_url, timeout=60) as client:

        def over_http() -> int:
            response = client.post(
                "/deadlines/sweep", json={"as_of": TODAY.isoformat()}, headers={"Authorization": f"Bearer {key}"}
            )
            assert response.status_code == 200, response.text
            return len(response.json()["newly_breached"])

        def from_cli() -> int:
            done = subprocess.run(
                [CLI, "sweep", "--as-of", TODAY.isoformat()], env=env, capture_output=True, text=True, timeout=120
            )
            assert done.returncode == 0, done.stderr
            return int(done.stdout.strip().splitlines()[-1].split(": ")[1].split()[0])

        with ThreadPoolExecutor(8) as pool:
            counts = list(pool.map(lambda job: job(), [over_http, from_cli] * 4))

    assert sum(counts) == 2 * len(reviews)  # screening and notification, for each review, by one sweep or another
    per_review = Counter(history_kinds(api, r["id"]).count("clock_breached") for r in reviews)
    assert per_review == {2: len(reviews)}
