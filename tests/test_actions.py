"""Action plans (K2): SMART actions, owners update their own, L9 before close, overdue in deadline polling."""

from __future__ import annotations

from .helpers import PANEL, Api, KeyFor, problem
from .test_api_review_types import APPOINTMENT, PARTNER_SIGNATORIES, declare_reviewer

SCHOOL = "Salford Primary School"
ACTION = {
    "recommendation": "Improve information sharing at transition to secondary school",
    "action": "Add a safeguarding handover to every Year 6 transfer",
    "owner_organisation": SCHOOL,
    "due_on": "2026-02-20",
    "intended_outcome": "No child moves school without the DSL knowing their history",
}


def plan(api: Api, review_id: str, **changes: str) -> dict:
    return api.ok(api.client.post(f"/reviews/{review_id}/actions", json={**ACTION, **changes}, headers=api.bu), 201)


def update(api: Api, review_id: str, action_id: int, headers: dict, **body: object):  # type: ignore[no-untyped-def]
    return api.client.patch(f"/reviews/{review_id}/actions/{action_id}", json=body, headers=headers)


def test_an_action_is_done_with_evidence_or_dropped_with_a_reason_each_a_history_event(api: Api) -> None:
    review = api.create_review()
    first, second = plan(api, review["id"]), plan(api, review["id"], due_on="2026-06-30")
    assert (first["status"], first["version"], first["overdue"]) == ("open", 1, True)  # due 20 Feb, today 2 Mar
    assert second["overdue"] is False

    assert field_names(problem(update(api, review["id"], first["id"], api.bu, status="done"), 422)) == {"evidence"}
    assert field_names(problem(update(api, review["id"], second["id"], api.bu, status="dropped"), 422)) == {"reason"}
    done = api.ok(
        update(
            api,
            review["id"],
            first["id"],
            api.bu,
            status="done",
            expected_version=1,
            evidence="Audit of 40 transfers: all handed over",
            completed_on="2026-02-27",
        )
    )
    assert (done["status"], done["completed_on"], done["version"], done["overdue"]) == ("done", "2026-02-27", 2, False)
    dropped = api.ok(
        update(api, review["id"], second["id"], api.bu, status="dropped", reason="Superseded by LSCP policy")
    )
    assert dropped["status"] == "dropped"

    stale = problem(update(api, review["id"], first["id"], api.bu, status="open", expected_version=1), 409)
    assert stale["current_version"] == 2
    kinds = [h["kind"] for h in api.ok(api.client.get(f"/reviews/{review['id']}/history", headers=api.bu))["items"]]
    assert kinds.count("action_added") == 2 and kinds.count("action_updated") == 2


def field_names(body: dict) -> set[str]:
    return {e["field"] for e in body["errors"]}


def test_owners_update_only_their_own_organisations_actions(api: Api, key_for: KeyFor) -> None:
    review = api.create_review()
    action = plan(api, review["id"])
    school = key_for("agency", organisation=SCHOOL)
    other = key_for("agency", organisation="Salford Royal NHS Foundation Trust")
    assert problem(update(api, review["id"], action["id"], other, status="done", evidence="x"), 404)  # not its own
    assert api.ok(api.client.get(f"/reviews/{review['id']}/actions", headers=school))[0]["id"] == action["id"]
    done = api.ok(update(api, review["id"], action["id"], school, status="done", evidence="Handover form in use"))
    assert done["status"] == "done"
    assert problem(api.client.post(f"/reviews/{review['id']}/actions", json=ACTION, headers=school), 403)


def test_a_review_whose_workflow_needs_an_action_plan_cannot_close_without_one(api: Api) -> None:
    review = api.create_review(review_type="serious_offence", received_on="2026-01-05")
    review_id = review["id"]
    meeting = api.meeting(review_id, "screening", "2026-01-08T10:00:00", "2026-01-07T09:00:00")
    api.attend(review_id, meeting["id"])
    for person in PANEL:
        api.declare(review_id, person, "2026-01-08")
    api.ok(api.fire(review_id, "accept", "2026-01-08"))
    declare_reviewer(api, review_id, "2026-01-09")
    api.ok(api.fire(review_id, "appoint_reviewer", "2026-01-12", APPOINTMENT))
    api.ok(api.fire(review_id, "agree_terms_of_reference", "2026-01-13"))
    api.ok(api.fire(review_id, "circulate_draft", "2026-01-19", {"family_involvement": "involved"}))
    for party, person_id, name in PARTNER_SIGNATORIES:  # L6 (L6a): after the L5 window of 10 working days
        api.endorse(review_id, party, person_id, name, endorsed_on="2026-02-02")
    api.ok(api.fire(review_id, "sign_off", "2026-02-09"))

    refused = problem(api.fire(review_id, "close", "2026-02-10"), 409)
    assert [b["rule"] for b in refused["blocked_by"]] == ["L9"]
    plan(api, review_id)
    assert api.ok(api.fire(review_id, "close", "2026-02-10"))["state"] == "closed"
    # The plan is followed up after the review has closed.
    action = api.ok(api.client.get(f"/reviews/{review_id}/actions", headers=api.bu))[0]
    assert api.ok(update(api, review_id, action["id"], api.bu, status="done", evidence="Done"))["status"] == "done"


def test_overdue_open_actions_show_in_deadlines_and_are_recorded_once_by_the_sweep(api: Api) -> None:
    review = api.create_review(received_on="2026-02-27")  # its clocks are due 2026-03-06
    overdue = plan(api, review["id"])  # due 2026-02-20
    plan(api, review["id"], due_on="2026-03-31")
    done = plan(api, review["id"], due_on="2026-02-10")
    api.ok(update(api, review["id"], done["id"], api.bu, status="done", evidence="Done"))

    listed = api.ok(api.client.get("/deadlines?status=breached", headers=api.bu))["items"]
    assert [(i["clock"], i["due_on"]) for i in listed] == [(f"action:{overdue['id']}", "2026-02-20")]
    swept = api.ok(api.client.post("/deadlines/sweep", json={}, headers=api.bu))["newly_breached"]
    assert [b["clock"] for b in swept] == [f"action:{overdue['id']}"]
    assert api.ok(api.client.post("/deadlines/sweep", json={}, headers=api.bu))["newly_breached"] == []
    kinds = [h["kind"] for h in api.ok(api.client.get(f"/reviews/{review['id']}/history", headers=api.bu))["items"]]
    assert kinds.count("action_overdue") == 1
