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
    assert body["errors"] == [{"field": "data.reason", "message": "must not contain control or format characters"}]
    assert api.review(review["id"])["version"] == review["version"]


def test_a_body_over_one_mebibyte_is_refused_with_413(api: Api) -> None:
    body = b'{"summary": "' + b"x" * (1024 * 1024) + b'"}'
    response = api.client.post("/reviews", content=body, headers={**api.bu, "content-type": "application/json"})
    refused = problem(response, 413)
    assert refused["title"] == "Request too large"
    assert refused["type"] == "http://testserver/problems/request-too-large"  # a page that explains it
    assert api.client.get(refused["type"]).status_code == 200


def test_very_deeply_nested_json_is_a_client_error(api: Api) -> None:
    review = api.create_review()
    body = b'{"event": "withdraw", "data": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    response = api.client.post(
        f"/reviews/{review['id']}/transitions", content=body, headers={**api.bu, "content-type": "application/json"}
    )
    body = problem(response, 422)  # as documented: the invalid-request problem naming the body
    assert body["type"].endswith("/problems/invalid-request") and body["errors"][0]["field"] == "body"


@pytest.mark.parametrize("content", [b"{not json", b"\xff\xfe\x00", b'{"kind": "screening",'])
def test_undecodable_json_is_the_documented_422(api: Api, content: bytes) -> None:
    review = api.create_review()
    response = api.client.post(
        f"/reviews/{review['id']}/meetings", content=content, headers={**api.bu, "content-type": "application/json"}
    )
    assert problem(response, 422)["type"].endswith("/problems/invalid-request")


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("DELETE", "/reviews/00000000-0000-4000-8000-000000000000", "GET, HEAD, PATCH"),
        ("PUT", "/reviews", "GET, HEAD, POST"),
        ("PATCH", "/subscriptions/1", "DELETE, GET, HEAD"),  # a subscription is read at its Location (issue 19)
    ],
)
def test_405_names_every_allowed_method(api: Api, method: str, path: str, allowed: str) -> None:
    response = api.client.request(method, path, headers=api.bu)
    problem(response, 405)
    assert response.headers["allow"] == allowed


def test_null_for_an_optional_field_is_as_documented(api: Api) -> None:
    review = api.create_review()
    updated = api.ok(
        api.client.patch(f"/reviews/{review['id']}", json={"themes": None, "summary": None}, headers=api.bu)
    )
    assert updated["themes"] == review["themes"] and updated["summary"] == review["summary"]
    body = {"person_id": "la-1", "name": "Dana Okafor", "organisation": "Salford City Council", "role": "panel member"}
    declared = api.client.post(
        f"/reviews/{review['id']}/declarations", json={**body, "has_interest": False, "details": None}, headers=api.bu
    )
    assert api.ok(declared, 201)["details"] == ""


@pytest.mark.parametrize("when", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:00:00-05:00", "1899-12-31T10:00:00"])
def test_a_meeting_far_outside_the_calendar_is_422(api: Api, when: str) -> None:
    review = api.create_review()
    response = api.client.post(
        f"/reviews/{review['id']}/meetings", json={"kind": "screening", "scheduled_for": when}, headers=api.bu
    )
    assert problem(response, 422)["errors"][0]["field"] == "scheduled_for"
    assert api.review(review["id"])["version"] == review["version"]


@pytest.mark.parametrize(
    "disguise",
    [
        "john smith",  # lower case
        "\u0408\u043ehn \u0405mith",  # Cyrillic J, o and S
        "\uff2a\uff4f\uff48\uff4e \uff33\uff4d\uff49\uff54\uff48",  # fullwidth
        "Siobh\u00e1n O'Neill",  # accents
        "Child \uff11\uff12/\uff10\uff13/\uff12\uff10\uff11\uff19",  # a date in fullwidth digits
    ],
)
def test_2_2_a_disguised_name_or_date_is_still_refused(api: Api, disguise: str) -> None:
    body = {
        "review_type": "rapid",
        "child_reference": disguise,
        "received_on": "2026-02-02",
        "referrer_organisation": "Salford City Council",
    }
    refused = problem(api.client.post("/reviews", json=body, headers=api.bu), 422)
    assert refused["errors"][0]["field"] == "child_reference" and "pseudonym" in refused["errors"][0]["message"]


@pytest.mark.parametrize("hidden", ["\u200b", "\u202e", "\ufeff", "\u2066", "\u00ad"])
@pytest.mark.parametrize("field", ["child_reference", "referrer_organisation", "summary"])
def test_format_characters_are_refused_in_every_free_text_field(api: Api, hidden: str, field: str) -> None:
    body = {
        "review_type": "rapid",
        "child_reference": "Child A",
        "received_on": "2026-02-02",
        "referrer_organisation": "Salford City Council",
        field: f"Jo{hidden}hn Smith" if field == "child_reference" else f"Salford{hidden} City Council",
    }
    refused = problem(api.client.post("/reviews", json=body, headers=api.bu), 422)
    assert refused["errors"][0]["field"] == field
    assert api.ok(api.client.get("/reviews", headers=api.bu))["items"] == []


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
