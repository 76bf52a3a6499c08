"""Lists page with cursors (a bare array keeps its shape: the next page is in `Link`), unknown query
parameters are refused, `/reviews?updated_since=` finds what changed, and browsers on the allow-list may
call the API (issue 19, Build 7)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from practice_review.api.app import create_app
from practice_review.config import Settings
from practice_review.services.common import Services

from .conftest import WORKFLOWS
from .helpers import PANEL, PROBLEM, Api, KeyFor
from .test_http_contract import ACTION


def walk(api: Api, path: str, limit: int, headers: dict[str, str] | None = None) -> list[list[Any]]:
    """Every page of a list, following `Link: rel="next"` (or `next_cursor`) from the first."""
    pages: list[list[Any]] = []
    url: str | None = f"{path}{'&' if '?' in path else '?'}limit={limit}"
    while url:
        response = api.client.get(url, headers=headers or api.bu)
        body = api.ok(response)
        items = body["items"] if isinstance(body, dict) else body
        pages.append(items)
        link = response.headers.get("link")
        if isinstance(body, dict):
            assert (body["next_cursor"] is None) == (link is None)
        if link is None:
            assert "x-next-cursor" not in response.headers
            break
        assert link.startswith("<http://testserver/") and link.endswith('>; rel="next"')
        url = link[1 : link.index(">")]
        assert len(pages) < 50
    return pages


def test_every_list_walks_page_by_page_to_the_whole_list(api: Api, key_for: KeyFor) -> None:
    admin = key_for("admin")
    review = api.create_review()["id"]
    for n in range(5):
        api.declare(review, {**PANEL[n % 3], "person_id": f"p-{n}"}, "2026-02-05")
        api.endorse(review, "police", f"gmp-{n}", f"Officer {n}")
        api.ok(
            api.client.post(
                f"/reviews/{review}/information-requests",
                json={"organisation": f"Agency {n}", "kind": "chronology"},
                headers=api.bu,
            ),
            201,
        )
        api.ok(api.client.post(f"/reviews/{review}/actions", json=ACTION, headers=api.bu), 201)
        api.ok(api.client.post("/keys", json={"name": f"key {n}", "role": "read_only"}, headers=admin), 201)
        hook = {"url": f"https://la{n}.example/hook", "kinds": ["transition"]}
        api.ok(api.client.post("/subscriptions", json=hook, headers=api.bu), 201)
    subscription = api.ok(api.client.get("/subscriptions", headers=api.bu))[0]["id"]
    for child in ("Child B", "Child C", "Child D"):  # a delivery to each subscription, each
        other = api.create_review(child_reference=child)["id"]
        api.ok(api.fire(other, "withdraw", data={"reason": "referred in error"}))

    lists = {
        f"/reviews/{review}/declarations": api.bu,
        f"/reviews/{review}/endorsements": api.bu,
        f"/reviews/{review}/information-requests": api.bu,
        f"/reviews/{review}/actions": api.bu,
        f"/reviews/{review}/history": api.bu,
        "/reviews": api.bu,
        "/keys": admin,
        "/subscriptions": api.bu,
        f"/subscriptions/{subscription}/deliveries": api.bu,
        "/deadlines": api.bu,
    }
    for path, headers in lists.items():
        whole = api.ok(api.client.get(f"{path}?limit=200", headers=headers))
        whole = whole["items"] if isinstance(whole, dict) else whole
        assert len(whole) >= 2, path
        pages = walk(api, path, 2, headers)
        assert [item for page in pages for item in page] == whole, path
        assert all(len(page) == 2 for page in pages[:-1]) and 1 <= len(pages[-1]) <= 2, path


def test_a_bare_array_list_stays_an_array_and_a_forged_cursor_is_refused(api: Api) -> None:
    review = api.create_review()["id"]
    for _ in range(3):
        api.ok(api.client.post(f"/reviews/{review}/actions", json=ACTION, headers=api.bu), 201)
    first = api.client.get(f"/reviews/{review}/actions?limit=2", headers=api.bu)
    assert isinstance(first.json(), list) and len(first.json()) == 2
    rest = api.client.get(f"/reviews/{review}/actions?cursor={first.headers['x-next-cursor']}", headers=api.bu)
    assert [a["id"] for a in rest.json()] == [
        api.ok(api.client.get(f"/reviews/{review}/actions", headers=api.bu))[2]["id"]
    ]
    for path in (f"/reviews/{review}/actions", f"/reviews/{review}/history", "/subscriptions/1/deliveries"):
        refused = api.client.get(f"{path}?cursor=bm90LWEtY3Vyc29y", headers=api.bu)
        assert (refused.status_code, refused.headers["content-type"]) == (422, PROBLEM), path
        assert [e["field"] for e in refused.json()["errors"]] == ["cursor"], path


@pytest.mark.parametrize(
    "path",
    [
        "/reviews",
        "/reviews/{review}",
        "/reviews/{review}/history",
        "/reviews/{review}/declarations",
        "/deadlines",
        "/workflows",
        "/calendar/holidays",
        "/health",
    ],
)
def test_an_unknown_query_parameter_is_refused_not_ignored(api: Api, path: str) -> None:
    review = api.create_review()["id"]
    refused = api.client.get(path.format(review=review), params={"bogus": "1"}, headers=api.bu)
    assert (refused.status_code, refused.headers["content-type"]) == (422, PROBLEM)
    assert [e["field"] for e in refused.json()["errors"]] == ["query.bogus"]


def test_an_unknown_query_parameter_on_a_write_changes_nothing(api: Api) -> None:
    body = {"review_type": "rapid", "child_reference": "Child A", "received_on": "2026-02-02"}
    body["referrer_organisation"] = "Salford City Council"
    refused = api.client.post("/reviews?dry_run=true", json=body, headers=api.bu)
    assert refused.status_code == 422
    assert api.ok(api.client.get("/reviews", headers=api.bu))["items"] == []


def test_updated_since_lists_the_reviews_changed_since(api: Api) -> None:
    old = api.create_review(child_reference="Child A")["id"]
    api.create_review(child_reference="Child B")
    mark = api.review(old)["updated_at"]
    since = datetime.fromisoformat(mark)
    changed = api.client.patch(f"/reviews/{old}", json={"summary": "new facts"}, headers=api.bu).json()
    assert datetime.fromisoformat(changed["updated_at"]) > since
    found = api.ok(api.client.get("/reviews", params={"updated_since": changed["updated_at"]}, headers=api.bu))
    assert [r["id"] for r in found["items"]] == [old]
    naive = api.client.get("/reviews", params={"updated_since": "2026-03-02T09:00:00"}, headers=api.bu)
    assert naive.status_code == 422 and naive.json()["errors"][0]["field"] == "query.updated_since"


# ---------------------------------------------------------------- CORS


@pytest.fixture
def cors_client(services: Services, database_url: str) -> Iterator[TestClient]:
    settings = Settings(
        database_url=database_url, workflows_dir=WORKFLOWS, cors_allow_origins="https://board.salford.example"
    )
    with TestClient(create_app(settings=settings, services=services)) as client:
        yield client


def test_cors_answers_the_allowed_origin_only(cors_client: TestClient, key_for: KeyFor) -> None:
    allowed, other = "https://board.salford.example", "https://evil.example"
    preflight = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, idempotency-key",
    }
    ok = cors_client.options("/reviews", headers={"Origin": allowed, **preflight})
    assert ok.status_code == 200 and ok.headers["access-control-allow-origin"] == allowed
    assert "idempotency-key" in ok.headers["access-control-allow-headers"].lower()
    refused = cors_client.options("/reviews", headers={"Origin": other, **preflight})
    assert (refused.status_code, refused.headers["content-type"]) == (400, PROBLEM)
    assert "access-control-allow-origin" not in refused.headers

    got = cors_client.get("/reviews", headers={"Origin": allowed, **key_for("read_only")})
    assert got.headers["access-control-allow-origin"] == allowed
    assert "etag" in got.headers["access-control-expose-headers"].lower()
    assert "access-control-allow-origin" not in cors_client.get("/reviews", headers={"Origin": other}).headers


def test_no_cors_without_an_allow_list(client: TestClient) -> None:
    answer = client.get("/health", headers={"Origin": "https://board.salford.example"})
    assert "access-control-allow-origin" not in answer.headers
