"""Malformed and hostile input gets a clear 4xx problem, never a 5xx, and changes nothing."""

from __future__ import annotations

import pytest

from .helpers import Api, problem


@pytest.mark.parametrize("field", ["child_reference", "referrer_organisation"])
def test_control_characters_in_a_name_are_refused(api: Api, field: str) -> None:
    body = {
        "review_type": "rapid",
        "child_reference": "Child A",
        "received_on": "2026-02-02",
        "referrer_organisation": "Salford City Council",
        field: "A\u0000B",
    }
    refused = problem(api.client.post("/reviews", json=body, headers=api.bu), 422)
    assert refused["errors"][0]["field"] == field
    assert api.ok(api.client.get("/reviews", headers=api.bu))["items"] == []


def test_control_characters_in_event_data_are_refused(api: Api) -> None:
    review = api.create_review()
    body = problem(api.fire(review["id"], "withdraw", "2026-02-03", {"reason": "dup\u0000licate"}), 422)
    assert body["errors"] == [{"field": "data.reason", "message": "must not contain control characters"}]
    assert api.review(review["id"])["version"] == review["version"]


def test_a_body_over_one_mebibyte_is_refused_with_413(api: Api) -> None:
    body = b'{"summary": "' + b"x" * (1024 * 1024) + b'"}'
    response = api.client.post("/reviews", content=body, headers={**api.bu, "content-type": "application/json"})
    assert problem(response, 413)["title"] == "Request too large"


def test_very_deeply_nested_json_is_a_client_error(api: Api) -> None:
    review = api.create_review()
    body = b'{"event": "withdraw", "data": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    response = api.client.post(
        f"/reviews/{review['id']}/transitions", content=body, headers={**api.bu, "content-type": "application/json"}
    )
    assert 400 <= response.status_code < 500
    assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("path", ["/reviews/not-a-uuid", "/reviews/%00", "/reviews/not-a-uuid/history"])
def test_malformed_review_ids_are_unknown_reviews(api: Api, path: str) -> None:
    problem(api.client.get(path, headers=api.bu), 404)


def test_out_of_range_ids_and_cursors_are_client_errors(api: Api) -> None:
    review = api.create_review()
    problem(api.client.get(f"/reviews/{review['id']}/meetings/{2**63}", headers=api.bu), 422)
    problem(api.client.get("/reviews?cursor=bm90LWEtY3Vyc29y", headers=api.bu), 422)
    problem(api.client.get("/reviews?state=%00", headers=api.bu), 422)


def test_a_child_reference_that_looks_like_personal_data_is_refused(api: Api) -> None:
    for reference in ("John Smith", "Child 12/03/2019", "M5 4WT", "jo.smith@example.org"):
        refused = problem(
            api.client.post(
                "/reviews",
                headers=api.bu,
                json={
                    "review_type": "rapid",
                    "child_reference": reference,
                    "received_on": "2026-02-02",
                    "referrer_organisation": "Salford City Council",
                },
            ),
            422,
        )
        assert refused["errors"][0]["field"] == "child_reference" and "pseudonym" in refused["errors"][0]["message"]
    for pseudonym in ("Child A", "Baby B", "CR-2026-0113"):
        assert api.create_review(child_reference=pseudonym)["child_reference"] == pseudonym


def test_every_response_carries_a_request_id_and_the_log_never_holds_a_body(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level("INFO", logger="practice_review.requests"):
        given = api.client.get("/health", headers={"X-Request-Id": "partner-7781"})
        made = api.create_review(summary="Sibling disclosed neglect to a teacher")
    assert given.headers["x-request-id"] == "partner-7781"
    lines = [r.getMessage() for r in caplog.records if r.name == "practice_review.requests"]
    assert any(line.startswith("partner-7781 GET /health 200") for line in lines)
    assert any(" POST /reviews 201 " in line for line in lines)
    assert not any("Sibling disclosed" in line or made["child_reference"] in line for line in lines)
