"""The HTTP contract an integrator relies on (issue 19, Build 7): a retried POST with its Idempotency-Key
changes things once and answers as the first time; a 201 says where the new thing is, absolutely; every
representation has an ETag, and a stale If-Match is refused with 412."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from practice_review.api.app import create_app
from practice_review.services.common import Services

from .helpers import PANEL, PROBLEM, PROXY, SCREENING_AT, SCREENING_DOCS, Api, KeyFor, history
from .server import served_in_thread
from .test_concurrency import _at_once

ACTION = {
    "recommendation": "Share chronologies earlier",
    "action": "Agree a protocol",
    "owner_organisation": "Salford City Council",
    "due_on": "2026-06-30",
    "intended_outcome": "Chronologies in time",
}


@dataclass(frozen=True)
class Post:
    """One POST of the API: where (its ids filled from the world), what, and by whom."""

    path: str
    body: Any
    key: str = "business_unit"


@dataclass
class World:
    api: Api
    keys: dict[str, dict[str, str]]
    ids: dict[str, Any]

    def effects(self) -> tuple[Any, ...]:
        """Everything a POST can change, as a caller sees it."""
        client, bu = self.api.client, self.api.bu
        return (
            [len(history(self.api, self.ids[r])) for r in ("rapid", "lcspr")],
            self.api.ok(client.get("/reviews", params={"limit": 200}, headers=bu))["items"],
            self.api.ok(client.get("/keys", headers=self.keys["admin"])),
            self.api.ok(client.get("/subscriptions", headers=self.keys["admin"])),
        )


def make_world(api: Api, key_for: KeyFor) -> World:
    keys = {
        "business_unit": api.bu,
        "chair": api.chair,
        "admin": key_for("admin"),
        "partner": key_for("partner", partner="local_authority", organisation="Salford City Council"),
    }
    rapid = api.create_review()["id"]
    lcspr = api.create_review(review_type="lcspr", child_reference="Child C")["id"]
    client = api.client
    ids = {
        "rapid": rapid,
        "lcspr": lcspr,
        "meeting": api.meeting(rapid, "screening", SCREENING_AT, SCREENING_DOCS)["id"],
        "declaration": api.declare(rapid, PANEL[0], "2026-02-05", has_interest=True, details="Manages it")["id"],
        "request": api.ok(
            client.post(
                f"/reviews/{rapid}/information-requests",
                json={"organisation": "Salford City Council", "kind": "chronology"},
                headers=api.bu,
            ),
            201,
        )["id"],
        "subscription": api.ok(
            client.post("/subscriptions", json={"url": "https://la.example/hook", "kinds": ["breach"]}, headers=api.bu),
            201,
        )["id"],
        "key": api.ok(
            client.post("/keys", json={"name": "to revoke", "role": "read_only"}, headers=keys["admin"]), 201
        )["id"],
    }
    return World(api, keys, ids)


# Every POST of the API that can succeed from the world above, in an order that lets each succeed.
POSTS = [
    Post(
        "/reviews",
        {
            "review_type": "rapid",
            "child_reference": "Child B",
            "received_on": "2026-02-02",
            "referrer_organisation": "Greater Manchester Police",
        },
    ),
    Post("/reviews/{rapid}/links", {"external": {"kind": "coroner", "reference": "INQ-1"}, "relation": "parallel"}),
    Post("/reviews/{rapid}/meetings", {"kind": "panel", "scheduled_for": "2026-02-10T10:00:00+00:00"}),
    Post(
        "/reviews/{rapid}/declarations",
        {
            "person_id": "icb-1",
            "name": "Imran Shah",
            "organisation": "NHS Greater Manchester ICB",
            "role": "panel member",
            "has_interest": False,
            "declared_on": "2026-02-05",
        },
    ),
    Post("/reviews/{rapid}/declarations/{declaration}/ruling", {"ruling": "noted"}, "chair"),
    Post(
        "/reviews/{rapid}/endorsements",
        {
            "party": "police",
            "person_id": "gmp-1",
            "name": "Pat Reilly",
            "agrees": True,
            "endorsed_on": "2026-02-17",
            "proxy": PROXY,
        },
    ),
    Post("/reviews/{rapid}/information-requests", {"organisation": "Greater Manchester Police", "kind": "other"}),
    Post("/reviews/{rapid}/information-requests/{request}/return", {"returned_on": "2026-03-02"}),
    Post("/reviews/{rapid}/actions", ACTION),
    Post("/reviews/{lcspr}/clocks/completion/pause", {"occurred_on": "2026-02-20", "reason": "Criminal trial (§8)"}),
    Post("/reviews/{lcspr}/clocks/completion/resume", {"occurred_on": "2026-02-23", "reason": "Verdict given"}),
    Post("/reviews/{lcspr}/clocks/completion/extend", {"new_due_on": "2026-09-30", "reason": "Inquest date set"}),
    Post("/reviews/{lcspr}/clocks/completion/delay-reported", {"reported_on": "2026-02-24", "note": "Told by e-mail"}),
    Post("/reviews/{rapid}/transitions", {"event": "withdraw", "occurred_on": "2026-02-25", "data": {"reason": "x"}}),
    Post("/deadlines/sweep", {"as_of": "2026-03-02"}),
    Post("/subscriptions", {"url": "https://police.example/hook", "kinds": ["transition"]}, "partner"),
    Post("/subscriptions/{subscription}/secret/rotate", {"keep_previous_for_hours": 1}),
    Post("/keys", {"name": "a new key", "role": "read_only"}, "admin"),
    Post("/keys/{key}/revoke", None, "admin"),
]
SHOWS_A_SECRET = {"/subscriptions", "/subscriptions/{subscription}/secret/rotate", "/keys"}


def send(world: World, post: Post, key: str | None, body: Any = None) -> httpx.Response:
    headers = {**world.keys[post.key], **({"Idempotency-Key": key} if key else {})}
    return world.api.client.post(post.path.format(**world.ids), json=body or post.body, headers=headers)


def test_every_post_retried_with_its_key_changes_things_once_and_answers_the_same(api: Api, key_for: KeyFor) -> None:
    world = make_world(api, key_for)
    for number, post in enumerate(POSTS):
        key = f"retry-{number}"
        first = send(world, post, key)
        assert first.status_code in (200, 201), f"{post.path}: {first.status_code} {first.text}"
        after_first = world.effects()
        retry = send(world, post, key)
        assert world.effects() == after_first, f"{post.path}: the retry changed something"
        if post.path in SHOWS_A_SECRET:  # shown once: the retry says where the thing is, not the secret again
            assert (retry.status_code, retry.headers["content-type"]) == (409, PROBLEM), post.path
            assert retry.json()["type"].endswith("/problems/idempotent-secret-withheld")
            assert "secret" not in retry.json() and "key" not in retry.json()
            assert retry.json()["location"] == retry.headers["location"]
            assert (
                retry.headers["location"].startswith("http://testserver/")
                and str(first.json()["id"]) in retry.headers["location"]
            )
            continue
        assert (retry.status_code, retry.json()) == (first.status_code, first.json()), post.path
        assert retry.headers["idempotent-replayed"] == "true" and "idempotent-replayed" not in first.headers
        if first.status_code == 201:
            assert retry.headers["location"] == first.headers["location"]


def test_a_key_reused_for_another_request_is_refused_and_changes_nothing(api: Api, key_for: KeyFor) -> None:
    world = make_world(api, key_for)
    post = Post("/reviews/{rapid}/actions", ACTION)
    assert send(world, post, "plan-1").status_code == 201
    before = world.effects()
    other = send(world, post, "plan-1", {**ACTION, "action": "Something else"})
    elsewhere = world.api.client.post(
        f"/reviews/{world.ids['lcspr']}/actions", json=ACTION, headers={**api.bu, "Idempotency-Key": "plan-1"}
    )
    for refused in (other, elsewhere):
        assert (refused.status_code, refused.headers["content-type"]) == (422, PROBLEM)
        assert [e["field"] for e in refused.json()["errors"]] == ["Idempotency-Key"]
    assert world.effects() == before


def test_a_refused_post_is_not_kept_so_its_retry_runs_afresh(api: Api) -> None:
    """A 409 changed nothing; once the rule is met, the same key succeeds (D2: the interest gets ruled)."""
    review = api.create_review()["id"]
    headers = {**api.bu, "Idempotency-Key": "pause-1"}
    body = {"reason": "Criminal trial (§8)"}
    refused = api.client.post(f"/reviews/{review}/clocks/rapid_review/pause", json=body, headers=headers)
    assert refused.status_code in (404, 409) and "idempotent-replayed" not in refused.headers
    again = api.client.post(f"/reviews/{review}/clocks/rapid_review/pause", json=body, headers=headers)
    assert again.status_code == refused.status_code and "idempotent-replayed" not in again.headers


def test_keys_belong_to_their_caller(api: Api, key_for: KeyFor) -> None:
    """Two callers choosing the same key make two things: a key is scoped to whoever sent it."""
    other = key_for("business_unit")
    body = {"review_type": "rapid", "child_reference": "Child E", "received_on": "2026-02-02"}
    body["referrer_organisation"] = "Salford City Council"
    mine = api.client.post("/reviews", json=body, headers={**api.bu, "Idempotency-Key": "same"})
    theirs = api.client.post("/reviews", json=body, headers={**other, "Idempotency-Key": "same"})
    assert mine.status_code == theirs.status_code == 201 and mine.json()["id"] != theirs.json()["id"]


@pytest.fixture
def live(services: Services, key_for: KeyFor) -> Iterator[Api]:
    with served_in_thread(create_app(services=services)) as url, httpx.Client(base_url=url, timeout=60) as client:
        yield Api(client, key_for("business_unit"), key_for("chair"))


@pytest.mark.parametrize("path", ["actions", "transitions"])
def test_racing_duplicates_over_http_have_one_effect(live: Api, path: str) -> None:
    review = live.create_review()["id"]
    body = ACTION if path == "actions" else {"event": "withdraw", "data": {"reason": "referred in error"}}
    headers = {**live.bu, "Idempotency-Key": f"race-{path}"}

    responses = _at_once(16, lambda: live.client.post(f"/reviews/{review}/{path}", json=body, headers=headers))

    assert len({r.status_code for r in responses}) == 1 and responses[0].status_code in (200, 201)
    assert len({r.text for r in responses}) == 1  # every duplicate got the first answer
    assert sum(r.headers.get("idempotent-replayed") == "true" for r in responses) == 15
    events = [h["kind"] for h in history(live, review)]
    assert events.count("action_added" if path == "actions" else "transition") == 1, events


# ---------------------------------------------------------------- Location


def test_every_201_says_absolutely_where_the_new_thing_is_and_it_is_there(api: Api, key_for: KeyFor) -> None:
    world = make_world(api, key_for)
    for post in POSTS:
        response = send(world, post, None)
        if response.status_code != 201:
            continue
        location = response.headers["location"]
        assert location.startswith("http://testserver/"), (post.path, location)
        created = response.json().get("id")
        assert location.endswith(f"/{created}"), (post.path, location)
        found = api.client.get(location, headers=world.keys[post.key])  # and it is there to read
        assert found.status_code == 200 and found.json()["id"] == created, (post.path, found.text)


# ---------------------------------------------------------------- ETag, If-Match, If-None-Match


def test_a_stale_if_match_is_refused_with_412_and_changes_nothing(api: Api) -> None:
    review = api.create_review()
    got = api.client.get(f"/reviews/{review['id']}", headers=api.bu)
    tag = got.headers["etag"]
    assert tag.startswith(f'"{review["version"]}.')
    patch = {"summary": "Corrected"}
    changed = api.client.patch(f"/reviews/{review['id']}", json=patch, headers={**api.bu, "If-Match": tag})
    assert changed.status_code == 200 and changed.headers["etag"] != tag
    # the write's answer is the representation a read gives: the same tag, good for If-None-Match
    assert api.client.get(f"/reviews/{review['id']}", headers=api.bu).headers["etag"] == changed.headers["etag"]

    stale = api.client.patch(f"/reviews/{review['id']}", json={"summary": "Mine"}, headers={**api.bu, "If-Match": tag})
    assert (stale.status_code, stale.headers["content-type"]) == (412, PROBLEM)
    assert stale.json()["current_version"] == changed.json()["version"]
    assert stale.json()["type"].endswith("/problems/precondition-failed")
    fire = {"event": "withdraw", "data": {"reason": "x"}}
    refused = api.client.post(f"/reviews/{review['id']}/transitions", json=fire, headers={**api.bu, "If-Match": tag})
    assert refused.status_code == 412
    assert api.review(review["id"])["summary"] == "Corrected" and api.review(review["id"])["state"] == review["state"]

    current = changed.headers["etag"]
    fired = api.client.post(f"/reviews/{review['id']}/transitions", json=fire, headers={**api.bu, "If-Match": current})
    assert fired.status_code == 200 and fired.json()["state"] == "withdrawn"


def test_if_match_guards_an_action_and_a_clock(api: Api) -> None:
    review = api.create_review(review_type="lcspr")["id"]
    action = api.client.post(f"/reviews/{review}/actions", json=ACTION, headers=api.bu)
    tag = action.headers["etag"]
    done = {"status": "done", "evidence": "Protocol signed"}
    first = api.client.patch(action.headers["location"], json=done, headers={**api.bu, "If-Match": tag})
    assert first.status_code == 200
    again = api.client.patch(action.headers["location"], json=done, headers={**api.bu, "If-Match": tag})
    assert again.status_code == 412

    stale = '"0.x"'
    api.client.patch(f"/reviews/{review}", json={"summary": "moves the version on"}, headers=api.bu)
    version = api.review(review)["version"]
    pause = {"reason": "Criminal trial (§8)"}
    paused = api.client.post(
        f"/reviews/{review}/clocks/completion/pause", json=pause, headers={**api.bu, "If-Match": stale}
    )
    assert paused.status_code == 412
    assert api.review(review)["version"] == version


def test_if_none_match_answers_304_for_the_same_representation(api: Api) -> None:
    review = api.create_review()["id"]
    for path in (f"/reviews/{review}", f"/reviews/{review}/history", "/reviews", "/workflows/rapid"):
        first = api.client.get(path, headers=api.bu)
        tag = first.headers["etag"]
        again = api.client.get(path, headers={**api.bu, "If-None-Match": tag})
        assert (again.status_code, again.content) == (304, b""), path
        assert again.headers["etag"] == tag
    before = api.client.get(f"/reviews/{review}", headers=api.bu).headers["etag"]
    api.client.patch(f"/reviews/{review}", json={"summary": "new"}, headers=api.bu)
    changed = api.client.get(f"/reviews/{review}", headers={**api.bu, "If-None-Match": before})
    assert changed.status_code == 200 and changed.json()["summary"] == "new"


def test_case_data_is_never_stored_by_caches(api: Api) -> None:
    review = api.create_review()["id"]
    for path in (f"/reviews/{review}", "/reviews", "/deadlines", f"/reviews/{review}/history", "/reviews/nope"):
        assert api.client.get(path, headers=api.bu).headers["cache-control"] == "no-store", path
    assert "no-store" not in api.client.get("/workflows", headers=api.bu).headers.get("cache-control", "")
