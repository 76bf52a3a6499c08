"""Every refusal a user can meet, through HTTP (api.md "Errors"; domain.md A2).

Each refusal is an `application/problem+json` document with `type`, `title`, `status` and `detail`;
a guard failure is a 409 listing every unmet rule in `blocked_by`; and a refused request changes
nothing: the review, its version, its state and its history read the same before and after.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from .helpers import (
    DECISION,
    ENDORSERS,
    LA_SECOND,
    MEETING_AT,
    MEETING_DOCS,
    PANEL,
    POLICE_SUBSTITUTE,
    PROXY,
    RECEIVED_ON,
    SCREENING_AT,
    SCREENING_DOCS,
    Api,
    KeyFor,
    blocked,
    field_errors,
    history,
    messages,
    problem,
    review_count,
    unchanged,
)

LA, ICB, POLICE = PANEL
MEETING_DAY = "2026-02-16"  # MEETING_AT's date
SCREENING_DAY = "2026-02-05"  # SCREENING_AT's date


# ---------------------------------------------------------------- helpers


def rapid_meeting(
    api: Api, attendees: list[dict[str, Any]], documents_shared_at: str | None = MEETING_DOCS
) -> tuple[str, int]:
    """A review waiting for its rapid review meeting, which is recorded with these attendees."""
    review = api.new_review_at("hold_meeting")
    assert review["state"] == "meeting_scheduled"
    meeting = api.meeting(review["id"], "rapid_review", MEETING_AT, documents_shared_at)
    api.attend(review["id"], meeting["id"], attendees)
    return review["id"], meeting["id"]


def screening_meeting(api: Api, attendees: list[dict[str, Any]], declared: list[dict[str, Any]]) -> tuple[str, int]:
    """A new referral with its screening meeting recorded; `declared` have declared no interest."""
    review = api.create_review()
    meeting = api.meeting(review["id"], "screening", SCREENING_AT, SCREENING_DOCS)
    api.attend(review["id"], meeting["id"], attendees)
    for person in declared:
        api.declare(review["id"], person, SCREENING_DAY)
    return review["id"], meeting["id"]


def hold(api: Api, review_id: str, **data: Any) -> httpx.Response:
    return api.fire(review_id, "hold_meeting", MEETING_DAY, {"recommendation": "lcspr", **DECISION, **data})


# ---------------------------------------------------------------- quorum (Q1–Q3)


def test_screening_meeting_without_police_is_not_quorate(api: Api) -> None:
    review_id, meeting_id = screening_meeting(api, [LA, ICB], declared=[LA, ICB])
    with unchanged(api, review_id):
        entries = blocked(api.fire(review_id, "screen_in", SCREENING_DAY), "Q2")
    assert messages(entries, "Q2") == f"no police representative present at meeting {meeting_id}"
    assert api.review(review_id)["state"] == "referred"


def test_rapid_review_meeting_without_police_is_not_quorate(api: Api) -> None:
    review_id, _ = rapid_meeting(api, [LA, ICB])
    with unchanged(api, review_id):
        entries = blocked(hold(api, review_id), "Q1")
    assert "police" in messages(entries, "Q1")


def test_a_substitute_counts_for_quorum(api: Api) -> None:
    review_id, meeting_id = rapid_meeting(api, [LA, ICB, POLICE_SUBSTITUTE])
    api.declare(review_id, POLICE_SUBSTITUTE, "2026-02-10")
    meeting = api.ok(api.client.get(f"/reviews/{review_id}/meetings/{meeting_id}", headers=api.bu))
    assert meeting["quorate"] is True and meeting["missing_partners"] == []
    review = api.ok(hold(api, review_id))
    assert review["state"] == "decision_recorded"


# ---------------------------------------------------------------- declarations (D1, D2, Q3)


def test_an_attendee_without_a_declaration_blocks_the_decision(api: Api) -> None:
    review_id, _ = rapid_meeting(api, [*PANEL, LA_SECOND])
    with unchanged(api, review_id):
        entries = blocked(hold(api, review_id), "D1")
    assert "Chris Lowe" in messages(entries, "D1")
    assert "Dana Okafor" not in messages(entries, "D1")  # declared at screening: on file


def test_a_declaration_dated_after_the_meeting_does_not_count(api: Api) -> None:
    review_id, _ = rapid_meeting(api, [*PANEL, LA_SECOND])
    api.declare(review_id, LA_SECOND, "2026-02-17")  # the day after the meeting
    with unchanged(api, review_id):
        entries = blocked(hold(api, review_id), "D1")
    assert "Chris Lowe" in messages(entries, "D1") and MEETING_DAY in messages(entries, "D1")


def test_a_declared_interest_not_yet_ruled_on_blocks_the_decision(api: Api) -> None:
    review_id, _ = rapid_meeting(api, [*PANEL, LA_SECOND])
    declaration = api.declare(
        review_id,
        LA_SECOND,
        "2026-02-10",
        has_interest=True,
        details="Manages the children's social care team under review",
    )
    with unchanged(api, review_id):
        entries = blocked(hold(api, review_id), "D2")
    assert "Chris Lowe" in messages(entries, "D2") and str(declaration["id"]) in messages(entries, "D2")


@pytest.mark.parametrize("kind", ["screening", "rapid_review"])
def test_an_excluded_member_does_not_count_for_quorum(api: Api, kind: str) -> None:
    if kind == "screening":
        review_id, _ = screening_meeting(api, PANEL, declared=[LA, ICB])
        event, day, data, quorum_rule = "screen_in", SCREENING_DAY, {}, "Q2"
    else:
        review_id, _ = rapid_meeting(api, PANEL)
        event, day, data, quorum_rule = "hold_meeting", MEETING_DAY, {"recommendation": "lcspr", **DECISION}, "Q1"
    declaration = api.declare(
        review_id,
        POLICE,
        "2026-02-04",
        has_interest=True,
        details="Past involvement with the family as investigating officer",
    )
    api.rule(review_id, declaration["id"], "excluding")
    with unchanged(api, review_id):
        entries = blocked(api.fire(review_id, event, day, data), quorum_rule, "Q3")
    assert "police" in messages(entries, quorum_rule)
    assert "Pat Reilly" in messages(entries, "Q3")


def test_a_noted_interest_lets_the_member_count(api: Api) -> None:
    review_id, meeting_id = rapid_meeting(api, PANEL)
    declaration = api.declare(
        review_id,
        POLICE,
        "2026-02-10",
        has_interest=True,
        details="Line manager of an officer who attended the incident",
    )
    api.rule(review_id, declaration["id"], "noted")
    meeting = api.ok(api.client.get(f"/reviews/{review_id}/meetings/{meeting_id}", headers=api.bu))
    assert meeting["quorate"] is True and meeting["excluded_attendees"] == []
    assert api.ok(hold(api, review_id))["state"] == "decision_recorded"


def test_a_declaration_after_the_meeting_does_not_lift_an_exclusion(api: Api) -> None:
    review_id, _ = rapid_meeting(api, PANEL)
    declaration = api.declare(
        review_id,
        POLICE,
        "2026-02-10",
        has_interest=True,
        details="Past involvement with the family as investigating officer",
    )
    api.rule(review_id, declaration["id"], "excluding")
    api.declare(review_id, POLICE, "2026-02-20")  # "no interest", four days after the meeting
    with unchanged(api, review_id):
        entries = blocked(hold(api, review_id), "Q1", "Q3")
    assert "Pat Reilly" in messages(entries, "Q3")


# ---------------------------------------------------------------- documents (Q4)


def test_late_papers_need_reading_time(api: Api) -> None:
    # Shared 22 hours before the meeting (MEETING_AT is 10:00 on 16 Feb).
    review_id, _ = rapid_meeting(api, PANEL, documents_shared_at="2026-02-15T12:00:00+00:00")
    with unchanged(api, review_id):
        entries = blocked(hold(api, review_id), "Q4")
    assert "24 hours" in messages(entries, "Q4")
    with unchanged(api, review_id):
        blocked(hold(api, review_id, reading_time_allowed=False), "Q4")
    review = api.ok(hold(api, review_id, reading_time_allowed=True))
    assert review["state"] == "decision_recorded"
    assert history(api, review_id)[-1]["data"]["reading_time_allowed"] is True


def test_late_papers_are_late_whatever_offset_the_times_carry(api: Api) -> None:
    # The meeting is at 10:00 London (given as 11:00+01:00); papers went out at 10:30 the day before: 23.5 hours.
    review_id, _ = rapid_meeting(api, PANEL)
    meeting = api.meeting(review_id, "rapid_review", "2026-02-16T11:00:00+01:00", "2026-02-15T10:30:00+00:00")
    api.attend(review_id, meeting["id"], PANEL)
    assert meeting["documents_shared_in_time"] is False  # as recorded
    with unchanged(api, review_id):
        entries = blocked(
            api.fire(
                review_id,
                "hold_meeting",
                MEETING_DAY,
                {"recommendation": "lcspr", **DECISION, "meeting_id": meeting["id"]},
            ),
            "Q4",
        )
    assert "24 hours" in messages(entries, "Q4")


def test_papers_never_shared_need_reading_time(api: Api) -> None:
    review_id, _ = rapid_meeting(api, PANEL, documents_shared_at=None)
    with unchanged(api, review_id):
        entries = blocked(hold(api, review_id), "Q4")
    assert "not shared" in messages(entries, "Q4")


# ---------------------------------------------------------------- endorsement and escalation (§19)


def test_endorse_names_the_partner_who_has_not_endorsed(api: Api) -> None:
    review = api.new_review_at("endorse")
    for party, person_id, name in ENDORSERS:
        if party != "police":
            api.endorse(review["id"], party, person_id, name)
    with unchanged(api, review["id"]):
        entries = blocked(api.fire(review["id"], "endorse", "2026-02-18"), "§19")
    assert len(entries) == 1 and "police" in entries[0]["message"]


def test_S3_a_disagreeing_partner_blocks_endorse_and_opens_escalation(api: Api, key_for: KeyFor) -> None:
    review_id = api.new_review_at("endorse")["id"]
    level = {"level": "partners_representatives"}  # S3: the first level

    def escalate_option() -> dict[str, Any]:
        return next(e for e in api.review(review_id)["available_events"] if e["event"] == "escalate")

    assert escalate_option()["allowed"] is False  # nobody has disagreed yet
    with unchanged(api, review_id):
        blocked(api.fire(review_id, "escalate", "2026-02-18", level, headers=api.chair), "§19")

    for party, person_id, name in ENDORSERS:
        api.endorse(review_id, party, person_id, name, agrees=party != "police")
    with unchanged(api, review_id):
        entries = blocked(api.fire(review_id, "endorse", "2026-02-18"), "§19")
    assert len(entries) == 1 and "police" in entries[0]["message"] and "not agree" in entries[0]["message"]

    assert escalate_option()["allowed"] is True
    escalated = api.ok(api.fire(review_id, "escalate", "2026-02-18", level, headers=api.chair))
    assert escalated["state"] == "escalated"
    for party, person_id, name in ENDORSERS[:3]:  # S3: the three partners endorse the resolution
        api.endorse(review_id, party, person_id, name, endorsed_on="2026-02-19")

    scrutineer = key_for("independent_scrutineer")
    resolved = api.ok(
        api.fire(review_id, "resolve_escalation", "2026-02-19", {"recommendation": "other_review"}, headers=scrutineer)
    )
    assert resolved["state"] == "decision_recorded"
    assert history(api, review_id)[-1]["data"] == {"recommendation": "other_review"}

    # The outcome changed: every endorsement must be given again.
    with unchanged(api, review_id):
        entries = blocked(api.fire(review_id, "endorse", "2026-02-20"), "§19")
    named = messages(entries, "§19")
    assert len(entries) == 4
    for label in ("local authority", "icb", "police", "independent scrutineer"):
        assert label in named
    listed = api.ok(api.client.get(f"/reviews/{review_id}/endorsements", headers=api.bu))
    assert [e["current"] for e in listed] == [False] * 7

    for party, person_id, name in ENDORSERS:
        api.endorse(review_id, party, person_id, name, endorsed_on="2026-02-19")
    assert api.ok(api.fire(review_id, "endorse", "2026-02-20"))["state"] == "endorsed"


# ---------------------------------------------------------------- versions and dates (C7)


def test_stale_expected_version_is_refused_with_the_current_version(api: Api) -> None:
    review = api.new_review_at("notify_national_panel")
    with unchanged(api, review["id"]):
        body = problem(
            api.fire(review["id"], "notify_national_panel", "2026-02-06", expected_version=review["version"] - 1), 409
        )
    assert body["current_version"] == review["version"]
    moved = api.ok(api.fire(review["id"], "notify_national_panel", "2026-02-06", expected_version=review["version"]))
    assert moved["version"] == review["version"] + 1


def test_occurred_on_in_the_future_is_refused(api: Api) -> None:
    review = api.new_review_at("notify_national_panel")
    with unchanged(api, review["id"]):
        entries = blocked(api.fire(review["id"], "notify_national_panel", "2026-03-03"), "C7")
    assert "future" in messages(entries, "C7")


def test_occurred_on_before_the_previous_event_is_refused(api: Api) -> None:
    review = api.new_review_at("notify_national_panel")  # screened in on 2026-02-05
    with unchanged(api, review["id"]):
        entries = blocked(api.fire(review["id"], "notify_national_panel", "2026-02-04"), "C7")
    assert "2026-02-05" in messages(entries, "C7")


def test_a_referral_received_in_the_future_is_refused(api: Api) -> None:
    body = {
        "review_type": "rapid",
        "child_reference": "Child A",
        "received_on": "2026-03-03",
        "referrer_organisation": "Salford City Council",
    }
    entries = blocked(api.client.post("/reviews", json=body, headers=api.bu), "C7")
    assert "received_on" in messages(entries, "C7")
    assert review_count(api) == 0
    assert api.create_review()["reference"] == "RR-2026-0001"  # no reference number was used up


# ---------------------------------------------------------------- events and data (422)


def test_an_unknown_event_is_refused(api: Api) -> None:
    review = api.create_review()
    with unchanged(api, review["id"]):
        body = problem(api.fire(review["id"], "approve", RECEIVED_ON), 422)
    assert "event" in field_errors(body)
    assert "approve" in body["detail"]


def test_an_event_not_possible_from_this_state_is_refused(api: Api) -> None:
    review = api.create_review()
    with unchanged(api, review["id"]):
        body = problem(api.fire(review["id"], "endorse", RECEIVED_ON), 422)
    assert "event" in field_errors(body)
    assert "referred" in body["detail"] and "screen_in" in body["detail"]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({**DECISION, "recommendation": "maybe"}, "data.recommendation"),
        (DECISION, "data.recommendation"),
        ({**DECISION, "recommendation": "lcspr", "colour": "red"}, "data.colour"),
        ({**DECISION, "recommendation": "lcspr", "reading_time_allowed": "yes"}, "data.reading_time_allowed"),
        ({**DECISION, "recommendation": "lcspr", "meeting_id": "1"}, "data.meeting_id"),
    ],
    ids=["bad-enum", "missing-required", "unknown-field", "not-boolean", "not-integer"],
)
def test_invalid_event_data_is_refused_naming_the_field(api: Api, data: dict[str, Any], field: str) -> None:
    review = api.new_review_at("hold_meeting")
    api.prepare(review["id"], "hold_meeting")
    with unchanged(api, review["id"]):
        body = problem(api.fire(review["id"], "hold_meeting", MEETING_DAY, data), 422)
    assert field_errors(body) == {field}


def test_a_data_string_over_its_limit_is_refused(api: Api) -> None:
    review = api.create_review()
    with unchanged(api, review["id"]):
        body = problem(api.fire(review["id"], "withdraw", RECEIVED_ON, {"reason": "r" * 4001}), 422)
    assert field_errors(body) == {"data.reason"}
    assert api.ok(api.fire(review["id"], "withdraw", RECEIVED_ON, {"reason": "r" * 4000}))["state"] == "withdrawn"


def test_a_meeting_of_another_review_is_refused(api: Api) -> None:
    other_id, other_meeting = screening_meeting(api, PANEL, declared=PANEL)
    review_id, _ = screening_meeting(api, PANEL, declared=PANEL)
    with unchanged(api, review_id):
        body = problem(api.fire(review_id, "screen_in", SCREENING_DAY, {"meeting_id": other_meeting}), 422)
    assert field_errors(body) == {"data.meeting_id"}
    assert api.review(other_id)["state"] == "referred"


# ---------------------------------------------------------------- keys and roles (401, 403)


def test_a_request_without_a_key_is_unauthorised(api: Api) -> None:
    review = api.create_review()
    with unchanged(api, review["id"]):
        response = api.client.post(
            f"/reviews/{review['id']}/transitions", json={"event": "withdraw", "data": {"reason": "duplicate"}}
        )
        problem(response, 401)
    assert response.headers["www-authenticate"] == "Bearer"
    problem(api.client.get("/reviews"), 401)


def test_an_unknown_key_is_unauthorised(api: Api) -> None:
    review = api.create_review()
    with unchanged(api, review["id"]):
        response = api.fire(
            review["id"],
            "withdraw",
            RECEIVED_ON,
            {"reason": "duplicate"},
            headers={"Authorization": "Bearer prk_not-a-key-this-service-issued"},
        )
        problem(response, 401)
    assert response.headers["www-authenticate"] == "Bearer"


def test_a_read_only_key_cannot_fire_events(api: Api, key_for: KeyFor) -> None:
    review = api.create_review()
    reader = key_for("read_only")
    assert api.ok(api.client.get(f"/reviews/{review['id']}", headers=reader))["id"] == review["id"]
    with unchanged(api, review["id"]):
        problem(api.fire(review["id"], "withdraw", RECEIVED_ON, {"reason": "duplicate"}, headers=reader), 403)


def test_a_reviewer_key_cannot_create_a_review(api: Api, key_for: KeyFor) -> None:
    body = {
        "review_type": "rapid",
        "child_reference": "Child A",
        "received_on": RECEIVED_ON,
        "referrer_organisation": "Salford City Council",
    }
    problem(api.client.post("/reviews", json=body, headers=key_for("reviewer")), 403)
    assert review_count(api) == 0


def test_only_a_local_authority_partner_key_notifies_the_national_panel(api: Api, key_for: KeyFor) -> None:
    review = api.new_review_at("notify_national_panel")
    with unchanged(api, review["id"]):
        body = problem(
            api.fire(review["id"], "notify_national_panel", "2026-02-06", headers=key_for("partner", partner="police")),
            403,
        )
    assert "notify_national_panel" in body["detail"]
    notified = api.ok(
        api.fire(
            review["id"], "notify_national_panel", "2026-02-06", headers=key_for("partner", partner="local_authority")
        )
    )
    assert notified["state"] == "gathering_information"
    assert history(api, review["id"])[-1]["actor"]["partner"] == "local_authority"


def test_a_partner_key_cannot_record_another_partners_attendance(api: Api, key_for: KeyFor) -> None:
    review = api.create_review()
    meeting = api.meeting(review["id"], "screening", SCREENING_AT, SCREENING_DOCS)
    api.attend(review["id"], meeting["id"], [LA, ICB])
    police = key_for("partner", partner="police")
    url = f"/reviews/{review['id']}/meetings/{meeting['id']}/attendance"
    with unchanged(api, review["id"]):
        body = problem(api.client.put(url, json=[POLICE, LA_SECOND], headers=police), 403)
    assert "la-2" in body["detail"]
    attendees = api.ok(api.client.get(f"/reviews/{review['id']}/meetings/{meeting['id']}", headers=api.bu))["attendees"]
    assert [a["person_id"] for a in attendees] == ["la-1", "icb-1"]


def test_an_admin_key_reads_no_review_data(api: Api, key_for: KeyFor) -> None:
    review = api.create_review()
    admin = key_for("admin")
    problem(api.client.get(f"/reviews/{review['id']}", headers=admin), 403)
    problem(api.client.get(f"/reviews/{review['id']}/history", headers=admin), 403)
    problem(api.client.get("/reviews", headers=admin), 403)
    # The key itself is good: it reads reference data.
    api.ok(api.client.get("/calendar/working-days/add", params={"start": "2026-02-02", "days": 1}, headers=admin))


# ---------------------------------------------------------------- malformed requests (422)


def test_a_body_that_is_not_json_is_refused(api: Api) -> None:
    review = api.create_review()
    headers = {**api.bu, "content-type": "application/json"}
    with unchanged(api, review["id"]):
        problem(api.client.post(f"/reviews/{review['id']}/transitions", content=b"{not json", headers=headers), 422)
    body = problem(api.client.post("/reviews", content=b"{not json", headers=headers), 422)
    assert body["errors"]
    assert review_count(api) == 1


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"child_reference": "c" * 65}, "child_reference"),
        ({"summary": "s" * 4001}, "summary"),
        ({"themes": ["t" * 101]}, "themes.0"),
        ({"child_name": "Jane Doe"}, "child_name"),
    ],
    ids=["child_reference-65", "summary-4001", "theme-101", "unknown-field"],
)
def test_an_oversized_or_unknown_create_field_is_refused(api: Api, fields: dict[str, Any], field: str) -> None:
    body = {
        "review_type": "rapid",
        "child_reference": "Child A",
        "received_on": RECEIVED_ON,
        "referrer_organisation": "Salford City Council",
        **fields,
    }
    refused = problem(api.client.post("/reviews", json=body, headers=api.bu), 422)
    assert field in field_errors(refused)
    assert review_count(api) == 0


def test_fields_at_their_limits_are_accepted(api: Api) -> None:
    created = api.create_review(child_reference="c" * 64, summary="s" * 4000)
    assert created["child_reference"] == "c" * 64 and len(created["summary"]) == 4000


def test_an_unknown_top_level_field_in_a_transition_is_refused(api: Api) -> None:
    review = api.create_review()
    with unchanged(api, review["id"]):
        body = problem(
            api.client.post(
                f"/reviews/{review['id']}/transitions",
                json={"event": "withdraw", "data": {"reason": "x"}, "reason": "x"},
                headers=api.bu,
            ),
            422,
        )
    assert "reason" in field_errors(body)


# ---------------------------------------------------------------- not found (404)


@pytest.mark.parametrize("review_id", ["0b6f2b4e-6d1c-4c55-9a8e-3f2d7c1e9a10", "RR-2026-0001", "not-a-review"])
def test_an_unknown_review_is_not_found(api: Api, review_id: str) -> None:
    api.create_review()  # RR-2026-0001 exists, but a reference is not an id
    problem(api.client.get(f"/reviews/{review_id}", headers=api.bu), 404)
    problem(api.client.get(f"/reviews/{review_id}/history", headers=api.bu), 404)
    problem(api.fire(review_id, "withdraw", RECEIVED_ON, {"reason": "x"}), 404)
    problem(
        api.client.post(
            f"/reviews/{review_id}/meetings", json={"kind": "screening", "scheduled_for": SCREENING_AT}, headers=api.bu
        ),
        404,
    )


def test_an_unknown_meeting_is_not_found(api: Api) -> None:
    other_id, other_meeting = screening_meeting(api, PANEL, declared=[])
    review = api.create_review()
    for meeting_id in (other_meeting, 999999):
        with unchanged(api, review["id"]):
            problem(api.client.get(f"/reviews/{review['id']}/meetings/{meeting_id}", headers=api.bu), 404)
            problem(
                api.client.put(f"/reviews/{review['id']}/meetings/{meeting_id}/attendance", json=[LA], headers=api.bu),
                404,
            )
    attendees = api.ok(api.client.get(f"/reviews/{other_id}/meetings/{other_meeting}", headers=api.bu))["attendees"]
    assert len(attendees) == 3  # the other review's meeting was not touched


# ---------------------------------------------------------------- more refusals a user can meet


def test_the_history_cannot_be_edited_or_deleted(api: Api) -> None:
    review = api.create_review()
    url = f"/reviews/{review['id']}/history"
    with unchanged(api, review["id"]):
        for method in ("PUT", "PATCH", "DELETE"):
            problem(api.client.request(method, url, json={"items": []}, headers=api.bu), 405)


def test_a_partner_key_endorses_only_for_its_own_partner(api: Api, key_for: KeyFor) -> None:
    review = api.new_review_at("endorse")
    icb = key_for("partner", partner="icb")
    body = {"party": "police", "person_id": "gmp-1", "name": "Pat Reilly", "agrees": True, "endorsed_on": "2026-02-17"}
    with unchanged(api, review["id"]):
        refused = problem(api.client.post(f"/reviews/{review['id']}/endorsements", json=body, headers=icb), 403)
    assert "icb" in refused["detail"]
    own = {**body, "party": "icb", "person_id": "icb-1", "name": "Imran Shah"}
    api.ok(api.client.post(f"/reviews/{review['id']}/endorsements", json=own, headers=icb), 201)


def test_an_excluded_person_cannot_endorse(api: Api) -> None:
    review_id = api.new_review_at("endorse")["id"]
    declaration = api.declare(review_id, POLICE, "2026-02-17", has_interest=True, details="Related to the family")
    api.rule(review_id, declaration["id"], "excluding")
    for party, person_id, name in ENDORSERS:
        api.endorse(review_id, party, person_id, name)
    with unchanged(api, review_id):
        entries = blocked(api.fire(review_id, "endorse", "2026-02-18"), "D2")
    assert "Pat Reilly" in messages(entries, "D2") and "police" in messages(entries, "D2")


def test_a_closed_review_takes_no_events(api: Api) -> None:
    review = api.create_review()
    api.ok(api.fire(review["id"], "withdraw", RECEIVED_ON, {"reason": "duplicate referral"}))
    with unchanged(api, review["id"]):
        body = problem(api.fire(review["id"], "screen_in", RECEIVED_ON), 422)
        problem(api.fire(review["id"], "withdraw", RECEIVED_ON, {"reason": "again"}), 422)
    assert "withdrawn" in body["detail"]


def test_became_aware_in_the_future_is_refused(api: Api) -> None:
    body = {
        "review_type": "rapid",
        "child_reference": "Child A",
        "received_on": RECEIVED_ON,
        "became_aware_on": "2026-03-05",
        "referrer_organisation": "Salford City Council",
    }
    entries = blocked(api.client.post("/reviews", json=body, headers=api.bu), "C7")
    assert "became_aware_on" in messages(entries, "C7")
    assert review_count(api) == 0


def test_a_referral_outside_the_calendar_is_refused(api: Api) -> None:
    body = {
        "review_type": "rapid",
        "child_reference": "Child A",
        "received_on": "1980-01-01",
        "referrer_organisation": "Salford City Council",
    }
    refused = problem(api.client.post("/reviews", json=body, headers=api.bu), 422)
    assert "1980-01-01" in refused["detail"]
    assert review_count(api) == 0
    assert api.create_review(received_on="2026-02-02")["reference"] == "RR-2026-0001"


@pytest.mark.parametrize(
    ("params", "headers", "field"),
    [
        ({"limit": 500}, {}, "query.limit"),
        ({"limit": 0}, {}, "query.limit"),
        ({}, {"X-Acting-For": "a" * 201}, "header.X-Acting-For"),
    ],
    ids=["limit-500", "limit-0", "acting-for-201"],
)
def test_out_of_range_query_and_headers_are_refused(
    api: Api, params: dict[str, Any], headers: dict[str, str], field: str
) -> None:
    body = problem(api.client.get("/reviews", params=params, headers={**api.bu, **headers}), 422)
    assert field_errors(body) == {field}


def test_an_overlong_idempotency_key_is_refused(api: Api) -> None:
    body = {
        "review_type": "rapid",
        "child_reference": "Child A",
        "received_on": RECEIVED_ON,
        "referrer_organisation": "Salford City Council",
    }
    refused = problem(api.client.post("/reviews", json=body, headers={**api.bu, "Idempotency-Key": "k" * 201}), 422)
    assert field_errors(refused) == {"header.Idempotency-Key"}
    assert review_count(api) == 0


@pytest.mark.parametrize(
    "path,body",
    [
        ("meetings", {"kind": "screening", "scheduled_for": "2026-02-05T10:00:00"}),
        (
            "declarations",
            {
                "person_id": "la-9",
                "name": "Lee Ward",
                "organisation": "Salford City Council",
                "role": "panel member",
                "has_interest": False,
                "declared_on": "2026-02-03",
            },
        ),
        (
            "endorsements",
            {
                "party": "police",
                "person_id": "gmp-1",
                "name": "Pat Reilly",
                "agrees": True,
                "endorsed_on": "2026-02-03",
                "proxy": PROXY,
            },
        ),
        (
            "information-requests",
            {"organisation": "Salford Primary School", "kind": "chronology", "requested_on": "2026-02-03"},
        ),
    ],
)
def test_a_closed_review_takes_no_new_records(api: Api, path: str, body: dict) -> None:
    review = api.create_review()
    api.ok(api.fire(review["id"], "withdraw", "2026-02-03", {"reason": "referred in error"}))
    with unchanged(api, review["id"]):
        response = api.client.post(f"/reviews/{review['id']}/{path}", json=body, headers=api.bu)
    assert "withdrawn" in problem(response, 409)["detail"]
