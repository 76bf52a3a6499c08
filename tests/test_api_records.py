"""The service's other features through HTTP: health, calendar, workflows, creating and listing reviews,
meetings, declarations, information requests and who is recorded in the history (api.md)."""

from __future__ import annotations

from typing import Any

import pytest

from practice_review.services.common import Services
from practice_review.services.keys import create_key

from .helpers import (
    LA_SECOND,
    PANEL,
    POLICE_SUBSTITUTE,
    RECEIVED_ON,
    SCREENING_AT,
    SCREENING_DOCS,
    Api,
    KeyFor,
    history,
    problem,
    record_return,
    request_information,
)

LA, ICB, POLICE = PANEL
SCHOOL = "Salford Primary School"
TRUST = "Northern Care Alliance NHS Foundation Trust"


def get(api: Api, path: str, headers: dict[str, str] | None = None, **params: Any) -> Any:
    return api.ok(api.client.get(path, params=params, headers=headers or api.bu))


# ---------------------------------------------------------------- health and calendar


def test_health_needs_no_key(client: Any) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_calendar_adds_and_counts_working_days(api: Api) -> None:
    added = get(api, "/calendar/working-days/add", start="2025-12-19", days=15)
    assert added == {"start": "2025-12-19", "days": 15, "date": "2026-01-14"}  # C2's worked example
    counted = get(api, "/calendar/working-days/count", start="2025-12-19", end="2026-01-14")
    assert counted == {"start": "2025-12-19", "end": "2026-01-14", "working_days": 15}
    # Christmas Eve is a working day; Christmas Day, Boxing Day and New Year's Day are not.
    assert get(api, "/calendar/working-days/count", start="2025-12-23", end="2025-12-24")["working_days"] == 1
    assert get(api, "/calendar/working-days/count", start="2025-12-24", end="2025-12-26")["working_days"] == 0
    problem(api.client.get("/calendar/working-days/add", params={"start": "2025-12-19", "days": 15}), 401)


def test_calendar_lists_holidays_with_substitute_days(api: Api) -> None:
    holidays = get(api, "/calendar/holidays", year=2026)
    dates = [h["date"] for h in holidays]
    assert dates == sorted(dates) and all(d.startswith("2026-") for d in dates)
    assert "2026-12-25" in dates  # Friday
    assert "2026-12-26" not in dates  # Boxing Day falls on a Saturday: a weekend, not listed
    assert "2026-12-28" in dates  # its substitute bank holiday, Monday
    assert {"2026-01-01", "2026-04-03", "2026-04-06", "2026-05-04", "2026-05-25", "2026-08-31"} <= set(dates)
    assert len(dates) == 8
    assert all(h["name"] for h in holidays)


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/calendar/working-days/add", {"start": "1980-01-01", "days": 5}),
        ("/calendar/working-days/add", {"start": "2100-12-01", "days": 100}),
        ("/calendar/working-days/count", {"start": "2026-01-01", "end": "2101-01-01"}),
        ("/calendar/holidays", {"year": 2101}),
    ],
    ids=["start-before", "leaves-calendar", "end-after", "year-after"],
)
def test_a_date_outside_the_calendar_is_refused(api: Api, path: str, params: dict[str, Any]) -> None:
    body = problem(api.client.get(path, params=params, headers=api.bu), 422)
    assert body["errors"]


# ---------------------------------------------------------------- workflows


def test_workflows_describe_the_rapid_review(api: Api) -> None:
    workflows = get(api, "/workflows")
    rapid = next(w for w in workflows if w["review_type"] == "rapid")
    assert rapid["initial_states"] == ["referred"]
    assert {
        "referred",
        "awaiting_notification",
        "meeting_scheduled",
        "decision_recorded",
        "escalated",
        "endorsed",
        "submitted",
        "concluded",
    } <= set(rapid["states"])
    events = {e["name"]: e for e in rapid["events"]}
    assert events["screen_in"]["from"] == ["referred"] and events["screen_in"]["to"] == "awaiting_notification"
    assert [g["rule"] for g in events["screen_in"]["guards"]] == ["C7", "Q2", "D1", "D2"]
    assert "partner:local_authority" in events["notify_national_panel"]["roles"]
    assert [g["rule"] for g in events["hold_meeting"]["guards"]] == ["C7", "Q1", "D1", "D2", "Q4", "F1"]
    clocks = {c["name"]: c for c in rapid["clocks"]}
    assert set(clocks) == {"screening", "notification", "rapid_review"}
    assert clocks["rapid_review"]["working_days"] == 15
    assert clocks["rapid_review"]["stops_on"] == ["submit_to_national_panel"]
    assert get(api, "/workflows/rapid") == rapid


def test_the_workflow_diagram_is_mermaid_text(api: Api) -> None:
    response = api.client.get("/workflows/rapid/diagram", headers=api.bu)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert response.text.startswith("stateDiagram-v2")
    assert "referred --> awaiting_notification : screen_in" in response.text
    assert "escalated --> decision_recorded : resolve_escalation" in response.text


@pytest.mark.parametrize("path", ["/workflows/no_such_type", "/workflows/no_such_type/diagram"])
def test_an_unknown_workflow_is_a_problem(api: Api, path: str) -> None:
    body = problem(api.client.get(path, headers=api.bu), 422)  # UnknownWorkflow: 422 naming review_type
    assert [e["field"] for e in body["errors"]] == ["review_type"]
    assert "rapid" in body["errors"][0]["message"]


def test_creating_a_review_of_an_unknown_type_is_refused(api: Api) -> None:
    body = {
        "review_type": "no_such_type",
        "child_reference": "Child A",
        "received_on": RECEIVED_ON,
        "referrer_organisation": "Salford City Council",
    }
    refused = problem(api.client.post("/reviews", json=body, headers=api.bu), 422)
    assert [e["field"] for e in refused["errors"]] == ["review_type"]
    assert get(api, "/reviews")["items"] == []


# ---------------------------------------------------------------- creating and listing reviews


def test_idempotency_key_replays_the_first_response(api: Api) -> None:
    body = {
        "review_type": "rapid",
        "child_reference": "Child A",
        "received_on": RECEIVED_ON,
        "referrer_organisation": "Salford City Council",
        "themes": ["neglect"],
    }
    headers = {**api.bu, "Idempotency-Key": "referral-4711"}
    first = api.client.post("/reviews", json=body, headers=headers)
    retry = api.client.post("/reviews", json=body, headers=headers)
    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert retry.headers["location"] == first.headers["location"] == f"http://testserver/reviews/{first.json()['id']}"
    assert retry.headers.get("idempotent-replayed") == "true"
    assert "idempotent-replayed" not in first.headers
    listed = get(api, "/reviews")["items"]
    assert [r["id"] for r in listed] == [first.json()["id"]]
    assert len(history(api, first.json()["id"])) == 1  # created once

    other = problem(api.client.post("/reviews", json={**body, "child_reference": "Child B"}, headers=headers), 422)
    assert [e["field"] for e in other["errors"]] == ["Idempotency-Key"]
    assert len(get(api, "/reviews")["items"]) == 1

    # Another key is another request.
    fresh = api.client.post("/reviews", json=body, headers={**api.bu, "Idempotency-Key": "referral-4712"})
    assert fresh.status_code == 201 and fresh.json()["id"] != first.json()["id"]
    assert fresh.json()["reference"] == "RR-2026-0002"


def test_reviews_are_listed_newest_first_page_by_page(api: Api) -> None:
    created = [api.create_review(child_reference=f"Child {n}")["id"] for n in range(5)]
    seen: list[str] = []
    pages = 0
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = get(api, "/reviews", **params)
        pages += 1
        assert len(page["items"]) <= 2
        seen += [r["id"] for r in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
        assert pages < 10, "pagination does not end"
    assert pages == 3
    assert seen == list(reversed(created))  # all five, newest first, none twice
    problem(api.client.get("/reviews", params={"cursor": "not-a-cursor"}, headers=api.bu), 422)


def test_reviews_are_filtered_by_type_state_and_open(api: Api) -> None:
    ids = [api.create_review(child_reference=f"Child {n}")["id"] for n in range(5)]
    screened, withdrawn = ids[1], ids[3]
    api.walk(screened, until="notify_national_panel")
    api.ok(api.fire(withdrawn, "withdraw", RECEIVED_ON, {"reason": "duplicate referral"}))

    def listed(**params: Any) -> set[str]:
        return {r["id"] for r in get(api, "/reviews", **params)["items"]}

    assert listed(state="awaiting_notification") == {screened}
    assert listed(open="false") == {withdrawn}
    assert listed(open="true") == set(ids) - {withdrawn}
    assert listed(state="referred") == set(ids) - {screened, withdrawn}
    assert listed(state="referred", open="false") == set()
    assert listed(review_type="rapid") == set(ids)
    assert listed(review_type="lcspr") == set()
    referred = get(api, "/reviews", state="referred", limit=2)
    assert len(referred["items"]) == 2 and referred["next_cursor"]
    rest = get(api, "/reviews", state="referred", limit=2, cursor=referred["next_cursor"])
    assert {r["id"] for r in referred["items"] + rest["items"]} == set(ids) - {screened, withdrawn}
    assert rest["next_cursor"] is None


# ---------------------------------------------------------------- meetings and attendance


def test_a_meeting_shows_quorum_and_declarations(api: Api) -> None:
    review = api.create_review()
    meeting = api.meeting(review["id"], "screening", SCREENING_AT, SCREENING_DOCS)
    url = f"/reviews/{review['id']}/meetings/{meeting['id']}"
    assert meeting["quorate"] is False and meeting["missing_partners"] == ["local_authority", "icb", "police"]

    api.attend(review["id"], meeting["id"], PANEL)
    api.declare(review["id"], LA, "2026-02-04")
    police = api.declare(
        review["id"], POLICE, "2026-02-04", has_interest=True, details="Investigated the family in 2024"
    )
    api.rule(review["id"], police["id"], "excluding")
    shown = get(api, url)
    assert shown["quorate"] is False
    assert shown["missing_partners"] == ["police"]
    assert shown["undeclared_attendees"] == ["icb-1"]
    assert shown["excluded_attendees"] == ["gmp-1"]
    assert shown["documents_shared_in_time"] is True

    api.declare(review["id"], ICB, "2026-02-04")
    api.declare(review["id"], POLICE_SUBSTITUTE, "2026-02-04")
    api.attend(review["id"], meeting["id"], [*PANEL, POLICE_SUBSTITUTE])
    shown = get(api, url)
    assert shown["quorate"] is True and shown["missing_partners"] == []
    assert shown["undeclared_attendees"] == [] and shown["excluded_attendees"] == ["gmp-1"]
    substitute = next(a for a in shown["attendees"] if a["person_id"] == "gmp-2")
    assert substitute["substitute"] is True
    assert api.ok(api.fire(review["id"], "screen_in", "2026-02-05"))["state"] == "awaiting_notification"


@pytest.mark.parametrize(
    ("given", "meant"),
    [
        ("2026-06-16T10:00:00", "2026-06-16T09:00:00Z"),  # no offset: London time, here BST
        ("2026-02-16T11:00:00+01:00", "2026-02-16T10:00:00Z"),
        ("2026-02-16T10:00:00Z", "2026-02-16T10:00:00Z"),
    ],
    ids=["naive-bst", "plus-one", "utc"],
)
def test_a_meeting_keeps_the_time_it_was_given(api: Api, given: str, meant: str) -> None:
    review = api.create_review()
    recorded = api.meeting(review["id"], "rapid_review", given, None)
    assert recorded["scheduled_for"] == meant
    assert get(api, f"/reviews/{review['id']}/meetings/{recorded['id']}")["scheduled_for"] == meant


def test_documents_shared_across_the_clock_change_are_counted_in_real_hours(api: Api) -> None:
    # Clocks go forward at 01:00 on Sun 29 Mar 2026: noon Saturday to noon Sunday (London) is 23 hours (C4, Q4).
    review = api.create_review()
    recorded = api.meeting(review["id"], "rapid_review", "2026-03-29T12:00:00", "2026-03-28T12:00:00")
    assert recorded["documents_shared_in_time"] is False
    assert get(api, f"/reviews/{review['id']}/meetings/{recorded['id']}")["documents_shared_in_time"] is False


def test_a_partner_key_replaces_only_its_own_attendees(api: Api, key_for: KeyFor) -> None:
    review = api.create_review()
    meeting = api.meeting(review["id"], "screening", SCREENING_AT, SCREENING_DOCS)
    url = f"/reviews/{review['id']}/meetings/{meeting['id']}"
    api.attend(review["id"], meeting["id"], PANEL)

    police = key_for("partner", partner="police")
    shown = api.ok(api.client.put(f"{url}/attendance", json=[POLICE_SUBSTITUTE], headers=police))
    assert sorted(a["person_id"] for a in shown["attendees"]) == ["gmp-2", "icb-1", "la-1"]

    la = key_for("partner", partner="local_authority")
    api.ok(api.client.put(f"{url}/attendance", json=[LA, LA_SECOND], headers=la))
    attendees = {a["person_id"]: a for a in get(api, url)["attendees"]}
    assert sorted(attendees) == ["gmp-2", "icb-1", "la-1", "la-2"]
    assert attendees["icb-1"]["name"] == "Imran Shah" and attendees["gmp-2"]["substitute"] is True
    recorded = [h for h in history(api, review["id"]) if h["kind"] == "attendance_recorded"]
    assert [h["actor"]["partner"] for h in recorded] == [None, "police", "local_authority"]

    # The Business Unit's list replaces everyone.
    api.attend(review["id"], meeting["id"], [ICB])
    assert [a["person_id"] for a in get(api, url)["attendees"]] == ["icb-1"]


# ---------------------------------------------------------------- declarations (D1, D4)


def test_a_new_declaration_supersedes_the_old_one(api: Api) -> None:
    review = api.create_review()
    meeting = api.meeting(review["id"], "screening", SCREENING_AT, SCREENING_DOCS)
    api.attend(review["id"], meeting["id"], PANEL)
    for person in PANEL:
        api.declare(review["id"], person, "2026-02-03")
    interest = api.declare(
        review["id"], LA, "2026-02-04", has_interest=True, details="Manages the social work team under review"
    )

    listed = get(api, f"/reviews/{review['id']}/declarations")
    dana = [d for d in listed if d["person_id"] == "la-1"]
    assert [(d["has_interest"], d["superseded"]) for d in dana] == [(False, True), (True, False)]
    assert dana[0]["details"] == "" and dana[0]["declared_on"] == "2026-02-03"  # the old one is kept as it was
    meeting_view = get(api, f"/reviews/{review['id']}/meetings/{meeting['id']}")
    assert meeting_view["interests_awaiting_ruling"] == [interest["id"]]  # the later one is in force
    refused = api.fire(review["id"], "screen_in", "2026-02-05")
    assert refused.status_code == 409
    assert [b["rule"] for b in refused.json()["blocked_by"]] == ["D2"]
    assert "Dana Okafor" in refused.json()["blocked_by"][0]["message"]

    api.rule(review["id"], interest["id"], "noted")
    listed = get(api, f"/reviews/{review['id']}/declarations")
    assert [d["ruling"] for d in listed if d["person_id"] == "la-1"] == [None, "noted"]
    assert len(listed) == 4
    assert api.ok(api.fire(review["id"], "screen_in", "2026-02-05"))["state"] == "awaiting_notification"


# ---------------------------------------------------------------- information requests


def test_information_is_due_five_working_days_after_the_request(api: Api) -> None:
    review = api.create_review(received_on="2025-12-19")
    request = request_information(api, review["id"], TRUST, "2025-12-22")
    expected = get(api, "/calendar/working-days/add", start="2025-12-22", days=5)["date"]
    assert request["due_on"] == expected == "2025-12-31"  # 25 and 26 Dec are bank holidays
    assert get(api, "/calendar/working-days/count", start="2025-12-22", end=request["due_on"])["working_days"] == 5
    assert {"2025-12-25", "2025-12-26"} <= {h["date"] for h in get(api, "/calendar/holidays", year=2025)}
    assert request["status"] == "overdue" and request["returned_on"] is None  # today is 2 Mar 2026


def test_a_return_is_recorded_once(api: Api) -> None:
    review = api.create_review(received_on="2025-12-19")
    on_time = request_information(api, review["id"], TRUST, "2025-12-22")
    late = request_information(api, review["id"], TRUST, "2025-12-22", kind="agency_summary")

    returned = api.ok(record_return(api, review["id"], on_time["id"], "2025-12-31"))
    assert (returned["returned_on"], returned["status"]) == ("2025-12-31", "returned")
    assert api.ok(record_return(api, review["id"], late["id"], "2026-01-02"))["status"] == "returned_late"

    version, events = api.review(review["id"])["version"], history(api, review["id"])
    again = problem(record_return(api, review["id"], on_time["id"], "2026-01-05"), 409)
    assert "2025-12-31" in again["detail"]
    assert api.review(review["id"])["version"] == version and history(api, review["id"]) == events
    listed = {r["id"]: r for r in get(api, f"/reviews/{review['id']}/information-requests")}
    assert listed[on_time["id"]]["returned_on"] == "2025-12-31"
    problem(record_return(api, review["id"], 999999, "2026-01-05"), 404)


def test_an_agency_key_sees_and_returns_only_what_was_asked_of_it(api: Api, key_for: KeyFor) -> None:
    asked = api.create_review(received_on="2025-12-19", child_reference="Child A")
    not_asked = api.create_review(received_on="2025-12-19", child_reference="Child B")
    school_request = request_information(api, asked["id"], SCHOOL, "2025-12-22")
    trust_request = request_information(api, asked["id"], TRUST, "2025-12-22")
    request_information(api, not_asked["id"], TRUST, "2025-12-22")
    school = key_for("agency", organisation=SCHOOL)

    assert [r["id"] for r in get(api, "/reviews", headers=school)["items"]] == [asked["id"]]
    assert get(api, f"/reviews/{asked['id']}", headers=school)["id"] == asked["id"]
    problem(api.client.get(f"/reviews/{not_asked['id']}", headers=school), 404)  # to it, no such review
    problem(api.client.get(f"/reviews/{not_asked['id']}/history", headers=school), 404)
    visible = get(api, f"/reviews/{asked['id']}/information-requests", headers=school)
    assert [r["id"] for r in visible] == [school_request["id"]]

    version = api.review(asked["id"])["version"]
    problem(record_return(api, asked["id"], trust_request["id"], "2025-12-30", headers=school), 404)
    assert api.review(asked["id"])["version"] == version
    returned = api.ok(record_return(api, asked["id"], school_request["id"], "2025-12-30", headers=school))
    assert returned["status"] == "returned"
    last = history(api, asked["id"])[-1]
    assert last["kind"] == "information_returned" and last["actor"]["role"] == "agency"
    trust = {r["id"]: r for r in get(api, f"/reviews/{asked['id']}/information-requests")}[trust_request["id"]]
    assert trust["returned_on"] is None


# ---------------------------------------------------------------- who did it (A1)


def test_history_records_the_key_and_the_person_acting(api: Api, services: Services) -> None:
    review = api.new_review_at("notify_national_panel")
    key = create_key(services, "LA case system", "partner", "local_authority")
    headers = {"Authorization": f"Bearer {key.secret}", "X-Acting-For": "Dana Okafor (Head of Service)"}
    api.ok(api.fire(review["id"], "notify_national_panel", "2026-02-06", headers=headers))
    api.ok(
        api.client.post(
            f"/reviews/{review['id']}/declarations",
            headers={**api.bu, "X-Acting-For": "Jo Bloggs"},
            json={
                "person_id": "rv-1",
                "name": "Rae Vine",
                "organisation": "Independent",
                "role": "reviewer",
                "has_interest": False,
                "declared_on": "2026-02-06",
            },
        ),
        201,
    )

    notified, declared = history(api, review["id"])[-2:]
    assert notified["event"] == "notify_national_panel"
    assert notified["actor"] == {
        "key_id": key.id,
        "key_name": "LA case system",
        "role": "partner",
        "partner": "local_authority",
        "acting_for": "Dana Okafor (Head of Service)",
    }
    assert declared["kind"] == "declaration_recorded"
    assert declared["actor"]["key_name"] == "test business_unit" and declared["actor"]["acting_for"] == "Jo Bloggs"
    created = history(api, review["id"])[0]
    assert created["kind"] == "review_created" and created["actor"]["acting_for"] is None


def test_need_to_know_an_agency_sees_other_organisations_events_redacted(api: Api, key_for: KeyFor) -> None:
    review = api.create_review(received_on="2025-12-19")
    meeting = api.meeting(review["id"], "screening", "2025-12-22T10:00:00+00:00", None)
    school_person = {"person_id": "s-1", "name": "Sam Teacher", "organisation": SCHOOL, "partner": None}
    api.attend(review["id"], meeting["id"], [*PANEL, school_person])
    api.declare(review["id"], PANEL[0], "2025-12-22", has_interest=True, details="Manages the service")
    request_information(api, review["id"], TRUST, "2025-12-22")
    own = request_information(api, review["id"], SCHOOL, "2025-12-22")
    school = key_for("agency", organisation=SCHOOL)

    events = get(api, f"/reviews/{review['id']}/history", headers=school)["items"]
    by_kind = {e["kind"]: e for e in events if e["kind"] != "information_requested"}
    requested = [e for e in events if e["kind"] == "information_requested"]
    assert [e["redacted"] for e in requested] == [True, False] and requested[1]["data"]["id"] == own["id"]
    assert by_kind["review_created"]["redacted"] and by_kind["review_created"]["data"] == {}
    assert by_kind["declaration_recorded"]["data"] == {} and by_kind["attendance_recorded"]["data"] == {}
    assert all(set(e["actor"]) <= {"role", "key_name", "acting_for"} for e in events)
    seen = get(api, f"/reviews/{review['id']}/meetings/{meeting['id']}", headers=school)
    assert [a["person_id"] for a in seen["attendees"]] == ["s-1"]
    assert get(api, f"/reviews/{review['id']}/declarations", headers=school) == []
    assert get(api, f"/reviews/{review['id']}", headers=school)["referrer_organisation"] == "(withheld)"
    everything = get(api, f"/reviews/{review['id']}/history")["items"]
    assert not any(e["redacted"] for e in everything) and len(everything) == len(events)
