"""A rapid review from referral to the National Panel's response, through the HTTP API (policy §5.1, §17–19)."""

from __future__ import annotations

from .helpers import DECISION, ENDORSERS, HAPPY_PATH, Api


def clock(review: dict, name: str) -> dict:
    return next(c for c in review["clocks"] if c["name"] == name)


def test_whole_rapid_review_path_records_every_step(api: Api) -> None:
    created = api.create_review(themes=["neglect"], summary="Referral from children's social care")
    assert created["reference"] == "RR-2026-0001"
    assert created["state"] == "referred" and created["version"] == 1 and created["open"] is True
    assert clock(created, "screening")["due_on"] == "2026-02-09"  # Q2: 5 working days from receipt
    assert clock(created, "notification")["due_on"] == "2026-02-09"
    assert clock(created, "rapid_review")["status"] == "not_started"

    review = api.walk(created["id"], until="hold_meeting")
    assert review["state"] == "meeting_scheduled"
    rapid = clock(review, "rapid_review")
    # Today is Mon 2 Mar 2026: still running after its deadline, so reported breached (C5), one working day over.
    assert (rapid["started_on"], rapid["due_on"], rapid["status"]) == ("2026-02-06", "2026-02-27", "breached")
    assert rapid["working_days_remaining"] == -1
    assert clock(review, "screening")["status"] == "met"
    assert clock(review, "notification")["status"] == "met"

    final = api.walk(created["id"])
    assert final["state"] == "concluded" and final["open"] is False
    assert final["available_events"] == []
    assert {
        k: v
        for k, v in clock(final, "rapid_review").items()
        if k in {"name", "status", "started_on", "due_on", "original_due_on", "stopped_on", "working_days_remaining"}
    } == {
        "name": "rapid_review",
        "status": "met",
        "started_on": "2026-02-06",
        "due_on": "2026-02-27",
        "original_due_on": "2026-02-27",
        "stopped_on": "2026-02-20",
        "working_days_remaining": None,
    }

    history = api.ok(api.client.get(f"/reviews/{created['id']}/history", headers=api.bu))["items"]
    assert [h["seq"] for h in history] == list(range(1, final["version"] + 1))
    transitions = [h for h in history if h["kind"] == "transition"]
    assert [t["event"] for t in transitions] == [e for e, _, _ in HAPPY_PATH]
    assert [t["occurred_on"] for t in transitions] == [d for _, d, _ in HAPPY_PATH]
    assert transitions[3]["data"] == {"recommendation": "lcspr", **DECISION}  # S2, F1: what the decision records
    assert transitions[-1]["to_state"] == "concluded"
    assert {h["kind"] for h in history} >= {
        "review_created",
        "meeting_recorded",
        "attendance_recorded",
        "declaration_recorded",
        "endorsement_recorded",
    }
    assert all(h["actor"]["role"] == "business_unit" for h in transitions)


def test_available_events_say_what_is_missing_and_then_allow(api: Api) -> None:
    review = api.create_review()
    screen_in = next(e for e in review["available_events"] if e["event"] == "screen_in")
    assert screen_in["allowed"] is False
    assert [b["rule"] for b in screen_in["blocked_by"]] == ["Q2"]

    api.prepare(review["id"], "screen_in")
    screen_in = next(e for e in api.review(review["id"])["available_events"] if e["event"] == "screen_in")
    assert screen_in == {
        "event": "screen_in",
        "to": "awaiting_notification",
        "allowed": True,
        "roles": ["business_unit"],
        "blocked_by": [],
    }


def test_endorsements_are_recorded_by_each_party(api: Api) -> None:
    review = api.new_review_at("endorse")
    for party, person_id, name in ENDORSERS:
        api.endorse(review["id"], party, person_id, name)
    listed = api.ok(api.client.get(f"/reviews/{review['id']}/endorsements", headers=api.bu))
    assert [e["party"] for e in listed] == [p for p, _, _ in ENDORSERS]
    assert api.ok(api.fire(review["id"], "endorse", "2026-02-18"))["state"] == "endorsed"


def test_each_transition_answers_with_the_review_as_a_fresh_read_shows_it(api: Api) -> None:
    """The response is built from the facts the transition already holds; it must match a new GET."""
    review = api.create_review()
    for event, occurred_on, data in HAPPY_PATH:
        api.prepare(review["id"], event)
        fired = api.ok(api.fire(review["id"], event, occurred_on, data))
        assert fired == api.review(review["id"]), event
