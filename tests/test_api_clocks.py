"""Pausing, resuming and extending clocks, and reporting delays to the National Panel (C6), through HTTP
and as plain functions of `practice_review.workflow.clocks`.

"Today" is Mon 2026-03-02 (conftest). England and Wales bank holidays over Christmas 2025: Thu 25 and
Fri 26 December, Thu 1 January 2026.
"""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest

from practice_review.calendar import WorkingCalendar
from practice_review.config import Settings
from practice_review.workflow import clocks as clock_rules
from practice_review.workflow.context import Clock

from .conftest import WORKFLOWS
from .helpers import (
    DECISION,
    ENDORSERS,
    PANEL,
    Api,
    KeyFor,
    blocked,
    history,
    messages,
    problem,
    unchanged,
    working_day,
)

CORONER = "Coroner's inquest opened; police asked partners to pause"
RESUMED = "Police confirmed the review may continue"


# ---------------------------------------------------------------- helpers


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """The C6 tests below pause the rapid review clock over Christmas, so they run for a partnership whose
    rapid.yaml declares that clock pausable (T3: the shipped file does not; tests/test_timescales.py
    checks the refusal)."""
    workflows = tmp_path / "workflows"
    shutil.copytree(WORKFLOWS, workflows)
    rapid = workflows / "rapid.yaml"
    declared = rapid.read_text()
    assert "    pausable: false" in declared
    rapid.write_text(declared.replace("    pausable: false", "    pausable: true"))
    return Settings(database_url=database_url, workflows_dir=workflows)


def clock(review: dict[str, Any], name: str) -> dict[str, Any]:
    return next(c for c in review["clocks"] if c["name"] == name)


def count_working_days(api: Api, start: str, end: str) -> int:
    body = api.ok(api.client.get("/calendar/working-days/count", params={"start": start, "end": end}, headers=api.bu))
    return body["working_days"]


def change(
    api: Api, review_id: str, name: str, action: str, body: dict[str, Any], headers: dict[str, str] | None = None
) -> httpx.Response:
    return api.client.post(f"/reviews/{review_id}/clocks/{name}/{action}", json=body, headers=headers or api.bu)


def pause(api: Api, review_id: str, name: str, on: str, reason: str = CORONER) -> httpx.Response:
    return change(api, review_id, name, "pause", {"occurred_on": on, "reason": reason})


def resume(api: Api, review_id: str, name: str, on: str, reason: str = RESUMED) -> httpx.Response:
    return change(api, review_id, name, "resume", {"occurred_on": on, "reason": reason})


def extend(
    api: Api, review_id: str, name: str, new_due_on: str, reason: str = "Reviewer unavailable"
) -> httpx.Response:
    return change(api, review_id, name, "extend", {"new_due_on": new_due_on, "reason": reason})


def report_delay(
    api: Api, review_id: str, name: str, on: str, note: str = "Emailed the National Panel"
) -> httpx.Response:
    return change(api, review_id, name, "delay-reported", {"reported_on": on, "note": note})


def notified_in_december(api: Api) -> dict[str, Any]:
    """A rapid review screened in on Mon 15 Dec 2025 and notified to the National Panel on Tue 16 Dec:
    its 15-working-day rapid_review clock is due Fri 9 Jan 2026."""
    review = api.create_review(received_on="2025-12-12", child_reference="Child C")
    meeting = api.meeting(review["id"], "screening", "2025-12-15T10:00:00+00:00", "2025-12-12T09:00:00+00:00")
    api.attend(review["id"], meeting["id"])
    for person in PANEL:
        api.declare(review["id"], person, "2025-12-15")
    api.ok(api.fire(review["id"], "screen_in", "2025-12-15"))
    return api.ok(api.fire(review["id"], "notify_national_panel", "2025-12-16"))


def submitted_in_january(api: Api, review_id: str) -> dict[str, Any]:
    """The rest of the rapid review: meeting on Mon 12 Jan, endorsed 14 Jan, submitted Fri 16 Jan 2026."""
    endorsed_in_january(api, review_id)
    return api.ok(api.fire(review_id, "submit_to_national_panel", "2026-01-16"))


def endorsed_in_january(api: Api, review_id: str) -> None:
    """The rapid review's meeting on Mon 12 Jan 2026 and the partners' endorsement on Wed 14 Jan."""
    api.ok(api.fire(review_id, "schedule_meeting", "2026-01-05", {"meeting_on": "2026-01-12"}))
    meeting = api.meeting(review_id, "rapid_review", "2026-01-12T10:00:00+00:00", "2026-01-09T09:00:00+00:00")
    api.attend(review_id, meeting["id"])
    api.ok(api.fire(review_id, "hold_meeting", "2026-01-12", {"recommendation": "no_further_action", **DECISION}))
    for party, person_id, name in ENDORSERS:
        api.endorse(review_id, party, person_id, name, endorsed_on="2026-01-13")
    api.ok(api.fire(review_id, "endorse", "2026-01-14"))


def lcspr(api: Api, received_on: str = "2026-02-16") -> dict[str, Any]:
    """An LCSPR commissioned on `received_on`; from Mon 16 Feb its reviewer is due today, Mon 2 March (L2)."""
    return api.create_review(review_type="lcspr", received_on=received_on, child_reference="Child L")


# ---------------------------------------------------------------- pause and resume (C6)


def test_a_pause_over_christmas_moves_the_deadline_by_the_working_days_paused(api: Api) -> None:
    review = notified_in_december(api)
    review_id = review["id"]
    before = clock(review, "rapid_review")
    assert before["due_on"] == working_day(api, "2025-12-16", 15) == "2026-01-09"

    paused = api.ok(pause(api, review_id, "rapid_review", "2025-12-19"))
    held = clock(paused, "rapid_review")
    assert (held["status"], held["paused_on"], held["due_on"], held["original_due_on"]) == (
        "paused",
        "2025-12-19",
        "2026-01-09",
        "2026-01-09",
    )
    assert paused["version"] == review["version"] + 1
    assert paused["state"] == "gathering_information"  # a pause moves no state
    event = history(api, review_id)[-1]
    assert (event["kind"], event["occurred_on"], event["event"]) == ("clock_paused", "2025-12-19", None)
    assert event["data"] == {"clock": "rapid_review", "reason": CORONER}

    resumed = api.ok(resume(api, review_id, "rapid_review", "2026-01-02"))
    # Paused after Fri 19 Dec up to and including Fri 2 Jan: 22, 23, 24, 29, 30, 31 Dec and 2 Jan.
    days = count_working_days(api, "2025-12-19", "2026-01-02")
    assert days == 7
    due = working_day(api, "2026-01-09", days)
    assert due == "2026-01-20"
    running = clock(resumed, "rapid_review")
    assert (running["due_on"], running["original_due_on"], running["paused_working_days"], running["paused_on"]) == (
        due,
        "2026-01-09",
        7,
        None,
    )
    assert running["status"] == "breached"  # running, and today (2 March) is past 20 January
    event = history(api, review_id)[-1]
    assert (event["kind"], event["occurred_on"]) == ("clock_resumed", "2026-01-02")
    assert event["data"] == {"clock": "rapid_review", "reason": RESUMED}
    assert event["effects"]["due_on"] == {"before": "2026-01-09", "after": "2026-01-20"}

    # Submitted on 16 January: late against the original deadline, in time against the moved one.
    submitted = submitted_in_january(api, review_id)
    done = clock(submitted, "rapid_review")
    assert (done["status"], done["stopped_on"], done["due_on"]) == ("met", "2026-01-16", "2026-01-20")
    assert [d["clock"] for d in submitted["delays_to_report"]] == ["rapid_review"]  # past the original date


def test_without_the_pause_the_same_submission_is_late(api: Api) -> None:
    review = notified_in_december(api)
    submitted = submitted_in_january(api, review["id"])
    done = clock(submitted, "rapid_review")
    assert (done["status"], done["due_on"], done["paused_working_days"]) == ("breached", "2026-01-09", 0)


def test_a_weekend_pause_counts_only_working_days(api: Api) -> None:
    review = lcspr(api)  # reviewer_appointment due Mon 2 March
    api.ok(pause(api, review["id"], "reviewer_appointment", "2026-02-20"))  # a Friday
    resumed = api.ok(resume(api, review["id"], "reviewer_appointment", "2026-02-23"))  # the Monday
    assert clock(resumed, "reviewer_appointment")["paused_working_days"] == 1
    assert clock(resumed, "reviewer_appointment")["due_on"] == "2026-03-03"
    api.ok(pause(api, review["id"], "reviewer_appointment", "2026-02-25"))
    again = api.ok(resume(api, review["id"], "reviewer_appointment", "2026-02-27"))  # Thu and Fri: 2 more
    moved = clock(again, "reviewer_appointment")
    assert (moved["paused_working_days"], moved["due_on"], moved["original_due_on"]) == (3, "2026-03-05", "2026-03-02")
    assert (moved["status"], moved["working_days_remaining"]) == ("running", 3)


def test_a_pause_and_resume_on_the_same_day_moves_nothing(api: Api) -> None:
    review = lcspr(api)
    api.ok(pause(api, review["id"], "reviewer_appointment", "2026-02-24"))
    resumed = api.ok(resume(api, review["id"], "reviewer_appointment", "2026-02-24"))
    assert clock(resumed, "reviewer_appointment")["due_on"] == "2026-03-02"
    assert clock(resumed, "reviewer_appointment")["paused_working_days"] == 0


def test_a_paused_clock_past_its_due_date_is_paused_never_breached(api: Api) -> None:
    paused_review = notified_in_december(api)
    api.ok(pause(api, paused_review["id"], "rapid_review", "2025-12-19"))
    left_running = notified_in_december(api)

    held = clock(api.review(paused_review["id"]), "rapid_review")
    assert (held["status"], held["due_on"]) == ("paused", "2026-01-09")  # today, 2 March, is long past it
    assert clock(api.review(left_running["id"]), "rapid_review")["status"] == "breached"

    listed = api.ok(api.client.get("/reviews", headers=api.bu))["items"]
    by_id = {r["id"]: r for r in listed}
    assert clock(by_id[paused_review["id"]], "rapid_review")["status"] == "paused"
    assert clock(by_id[left_running["id"]], "rapid_review")["status"] == "breached"

    assert api.review(paused_review["id"])["delays_to_report"] == [
        {"clock": "rapid_review", "original_due_on": "2026-01-09", "due_on": "2026-01-09", "status": "paused"}
    ]


def test_a_clock_stopped_while_paused_counts_the_days_paused(api: Api) -> None:
    review = notified_in_december(api)
    api.ok(pause(api, review["id"], "rapid_review", "2025-12-19"))  # due 9 Jan; never resumed
    assert clock(api.review(review["id"]), "rapid_review")["status"] == "paused"
    submitted = submitted_in_january(api, review["id"])  # 16 Jan, with 17 working days paused since 19 Dec
    done = clock(submitted, "rapid_review")
    assert (done["stopped_on"], done["paused_on"]) == ("2026-01-16", None)
    assert done["status"] == "met"


def test_a_withdrawn_review_cancels_its_paused_clock(api: Api) -> None:
    review = notified_in_december(api)
    api.ok(pause(api, review["id"], "rapid_review", "2025-12-19"))
    withdrawn = api.ok(api.fire(review["id"], "withdraw", "2026-01-05", {"reason": "Criminal trial first"}))
    cancelled = clock(withdrawn, "rapid_review")
    assert (cancelled["status"], cancelled["stopped_on"], cancelled["paused_on"]) == ("cancelled", "2026-01-05", None)
    with unchanged(api, review["id"]):
        body = problem(resume(api, review["id"], "rapid_review", "2026-01-05"), 409)
    assert "withdrawn" in body["detail"]


# ---------------------------------------------------------------- extend (C6)


def test_an_extension_moves_the_deadline_and_keeps_the_original(api: Api) -> None:
    review = lcspr(api)
    assert clock(review, "reviewer_appointment")["due_on"] == working_day(api, "2026-02-16", 10) == "2026-03-02"
    assert review["delays_to_report"] == []

    reason = "Preferred reviewer available from 9 March"
    extended = api.ok(extend(api, review["id"], "reviewer_appointment", "2026-03-13", reason))
    moved = clock(extended, "reviewer_appointment")
    assert (moved["status"], moved["due_on"], moved["original_due_on"], moved["working_days_remaining"]) == (
        "running",
        "2026-03-13",
        "2026-03-02",
        9,
    )
    event = history(api, review["id"])[-1]
    assert (event["kind"], event["occurred_on"]) == ("clock_extended", "2026-03-02")
    assert event["data"] == {"clock": "reviewer_appointment", "new_due_on": "2026-03-13", "reason": reason}
    assert extended["delays_to_report"] == [
        {"clock": "reviewer_appointment", "original_due_on": "2026-03-02", "due_on": "2026-03-13", "status": "running"}
    ]

    again = api.ok(extend(api, review["id"], "reviewer_appointment", "2026-03-20", "Second reviewer withdrew"))
    assert (
        clock(again, "reviewer_appointment")["due_on"],
        clock(again, "reviewer_appointment")["original_due_on"],
    ) == (
        "2026-03-20",
        "2026-03-02",
    )


@pytest.mark.parametrize("new_due_on", ["2026-03-02", "2026-02-27"], ids=["same-day", "earlier"])
def test_an_extension_must_be_to_a_later_date(api: Api, new_due_on: str) -> None:
    review = lcspr(api)
    with unchanged(api, review["id"]):
        entries = blocked(extend(api, review["id"], "reviewer_appointment", new_due_on), "C6")
    assert new_due_on in messages(entries, "C6") and "2026-03-02" in messages(entries, "C6")


def test_an_extension_is_measured_against_the_current_deadline(api: Api) -> None:
    review = lcspr(api)
    api.ok(extend(api, review["id"], "reviewer_appointment", "2026-03-13"))
    with unchanged(api, review["id"]):
        entries = blocked(extend(api, review["id"], "reviewer_appointment", "2026-03-10"), "C6")
    assert "2026-03-13" in messages(entries, "C6")


def test_a_paused_clock_can_be_extended_and_stays_paused(api: Api) -> None:
    review = lcspr(api)
    api.ok(pause(api, review["id"], "reviewer_appointment", "2026-02-20"))
    extended = api.ok(extend(api, review["id"], "reviewer_appointment", "2026-03-06"))
    held = clock(extended, "reviewer_appointment")
    assert (held["status"], held["due_on"], held["original_due_on"]) == ("paused", "2026-03-06", "2026-03-02")
    resumed = api.ok(resume(api, review["id"], "reviewer_appointment", "2026-02-27"))  # 5 working days paused
    assert clock(resumed, "reviewer_appointment")["due_on"] == working_day(api, "2026-03-06", 5) == "2026-03-13"


# ---------------------------------------------------------------- refusals (C6, C7, 404)


def test_only_a_running_clock_can_be_paused(api: Api) -> None:
    review = lcspr(api)
    with unchanged(api, review["id"]):
        entries = blocked(pause(api, review["id"], "factual_accuracy", "2026-02-20"), "C6")  # not started
    assert "not_started" in messages(entries, "C6")

    rapid = notified_in_december(api)  # its screening clock was met on 15 December
    with unchanged(api, rapid["id"]):
        entries = blocked(pause(api, rapid["id"], "screening", "2025-12-19"), "C6")
    assert "met" in messages(entries, "C6")

    api.ok(pause(api, review["id"], "reviewer_appointment", "2026-02-20"))
    with unchanged(api, review["id"]):
        entries = blocked(pause(api, review["id"], "reviewer_appointment", "2026-02-23"), "C6")  # already paused
    assert "paused" in messages(entries, "C6")


def test_a_clock_cannot_be_paused_before_it_started(api: Api) -> None:
    review = lcspr(api)  # started 16 February
    with unchanged(api, review["id"]):
        entries = blocked(pause(api, review["id"], "reviewer_appointment", "2026-02-13"), "C6")
    assert "2026-02-16" in messages(entries, "C6")


def test_only_a_paused_clock_can_be_resumed(api: Api) -> None:
    review = lcspr(api)
    for name in ("reviewer_appointment", "factual_accuracy"):  # running; not started
        with unchanged(api, review["id"]):
            entries = blocked(resume(api, review["id"], name, "2026-02-20"), "C6")
        assert "only a paused clock" in messages(entries, "C6")


def test_a_clock_cannot_be_resumed_before_it_was_paused(api: Api) -> None:
    review = lcspr(api)
    api.ok(pause(api, review["id"], "reviewer_appointment", "2026-02-20"))
    with unchanged(api, review["id"]):
        entries = blocked(resume(api, review["id"], "reviewer_appointment", "2026-02-19"), "C6")
    assert "2026-02-20" in messages(entries, "C6")


def test_a_pause_dated_before_the_last_resume_is_refused(api: Api) -> None:
    review = lcspr(api)
    api.ok(pause(api, review["id"], "reviewer_appointment", "2026-02-20"))
    api.ok(resume(api, review["id"], "reviewer_appointment", "2026-02-27"))  # 23–27 Feb: 5 working days
    with unchanged(api, review["id"]):
        body = problem(pause(api, review["id"], "reviewer_appointment", "2026-02-23"), 409)  # inside that pause
    assert {b["rule"] for b in body["blocked_by"]} <= {"C6", "C7"}


def test_an_unknown_clock_is_not_found(api: Api) -> None:
    review = lcspr(api)
    with unchanged(api, review["id"]):
        for action, body in (
            ("pause", {"occurred_on": "2026-02-20", "reason": CORONER}),
            ("resume", {"occurred_on": "2026-02-20"}),
            ("extend", {"new_due_on": "2026-03-13", "reason": "x"}),
            ("delay-reported", {"reported_on": "2026-02-20"}),
        ):
            refused = problem(change(api, review["id"], "rapid_review", action, body), 404)  # an LCSPR has none
            assert "rapid_review" in refused["detail"]
    problem(pause(api, "3f1c9a2e-8d4b-4c6a-9e1f-2b7d5a0c4e81", "reviewer_appointment", "2026-02-20"), 404)


def test_a_clock_change_in_the_future_is_refused(api: Api) -> None:
    review = lcspr(api)
    with unchanged(api, review["id"]):
        entries = blocked(pause(api, review["id"], "reviewer_appointment", "2026-03-03"), "C7")
    assert "future" in messages(entries, "C7")
    api.ok(pause(api, review["id"], "reviewer_appointment", "2026-02-20"))
    with unchanged(api, review["id"]):
        entries = blocked(resume(api, review["id"], "reviewer_appointment", "2026-03-03"), "C7")
    assert "future" in messages(entries, "C7")
    with unchanged(api, review["id"]):
        blocked(report_delay(api, review["id"], "reviewer_appointment", "2026-03-03"), "C7")


@pytest.mark.parametrize("action", ["pause", "extend"])
def test_a_pause_or_extension_needs_a_reason(api: Api, action: str) -> None:
    review = lcspr(api)
    body = {"occurred_on": "2026-02-20"} if action == "pause" else {"new_due_on": "2026-03-13"}
    with unchanged(api, review["id"]):
        problem(change(api, review["id"], "reviewer_appointment", action, body), 422)
        problem(change(api, review["id"], "reviewer_appointment", action, {**body, "reason": ""}), 422)


@pytest.mark.parametrize("role", ["chair", "read_only"])
def test_only_the_business_unit_changes_clocks(api: Api, key_for: KeyFor, role: str) -> None:
    review = lcspr(api, received_on="2026-02-02")  # reviewer_appointment overdue since 16 February
    api.ok(pause(api, review["id"], "completion", "2026-02-20"))
    headers = key_for(role)
    with unchanged(api, review["id"]):
        for name, action, body in (
            ("reviewer_appointment", "pause", {"occurred_on": "2026-02-20", "reason": CORONER}),
            ("completion", "resume", {"occurred_on": "2026-02-27", "reason": RESUMED}),
            ("reviewer_appointment", "extend", {"new_due_on": "2026-03-13", "reason": "x"}),
            ("reviewer_appointment", "delay-reported", {"reported_on": "2026-02-20", "note": "told"}),
        ):
            problem(change(api, review["id"], name, action, body, headers), 403)


# ---------------------------------------------------------------- delays to report to the National Panel (C6)


@pytest.mark.parametrize("how", ["overdue", "extended", "paused"])
def test_a_delay_is_listed_until_it_is_reported(api: Api, how: str) -> None:
    if how == "overdue":
        review = lcspr(api, received_on="2026-02-02")  # reviewer due 16 February, not yet appointed
        expected = {"original_due_on": "2026-02-16", "due_on": "2026-02-16", "status": "breached"}
    else:
        review = lcspr(api)
        assert review["delays_to_report"] == []  # due today: not late yet
        if how == "extended":
            api.ok(extend(api, review["id"], "reviewer_appointment", "2026-03-13"))
            expected = {"original_due_on": "2026-03-02", "due_on": "2026-03-13", "status": "running"}
        else:
            api.ok(pause(api, review["id"], "reviewer_appointment", "2026-02-20"))
            expected = {"original_due_on": "2026-03-02", "due_on": "2026-03-02", "status": "paused"}
    review = api.review(review["id"])
    assert review["delays_to_report"] == [{"clock": "reviewer_appointment", **expected}]
    assert clock(review, "reviewer_appointment")["delayed"] is True

    note = "Told the National Panel by email; new date agreed"
    reported = api.ok(report_delay(api, review["id"], "reviewer_appointment", "2026-02-27", note))
    assert reported["delays_to_report"] == []
    shown = clock(reported, "reviewer_appointment")
    assert shown["delay_reported_on"] == "2026-02-27" and shown["status"] == expected["status"]
    event = history(api, review["id"])[-1]
    assert (event["kind"], event["occurred_on"]) == ("delay_reported", "2026-02-27")
    assert event["data"] == {"clock": "reviewer_appointment", "note": note}


def test_a_clock_with_no_delay_has_nothing_to_report(api: Api) -> None:
    review = lcspr(api)
    for name in ("reviewer_appointment", "completion", "factual_accuracy"):
        with unchanged(api, review["id"]):
            entries = blocked(report_delay(api, review["id"], name, "2026-02-27"), "C6")
        assert "no delay" in messages(entries, "C6")


def test_a_clock_met_after_its_original_date_is_a_delay(api: Api) -> None:
    review = lcspr(api, received_on="2026-02-02")  # reviewer due 16 February
    api.ok(extend(api, review["id"], "reviewer_appointment", "2026-02-27"))
    reviewer = {"person_id": "rev-1", "name": "Morgan Hale", "organisation": "Hale Consultancy"}
    api.declare(review["id"], reviewer, "2026-02-20")
    appointment = {
        "reviewer": {
            **{k: reviewer[k] for k in ("person_id", "name")},
            "contract_signed": True,
            "policy_confirmed": True,
        }
    }
    appointed = api.ok(api.fire(review["id"], "appoint_reviewer", "2026-02-23", appointment))
    met = clock(appointed, "reviewer_appointment")
    assert (met["status"], met["stopped_on"], met["due_on"], met["original_due_on"]) == (
        "met",
        "2026-02-23",
        "2026-02-27",
        "2026-02-16",
    )
    assert [d["clock"] for d in appointed["delays_to_report"]] == ["reviewer_appointment"]


def test_a_window_clock_is_never_a_delay_to_report(api: Api) -> None:
    review = api.create_review(review_type="serious_offence", received_on="2026-01-05")
    meeting = api.meeting(review["id"], "screening", "2026-01-08T10:00:00+00:00", "2026-01-07T10:00:00+00:00")
    api.attend(review["id"], meeting["id"])
    for person in PANEL:
        api.declare(review["id"], person, "2026-01-08")
    api.ok(api.fire(review["id"], "accept", "2026-01-08"))
    reviewer = {"person_id": "rev-1", "name": "Morgan Hale", "organisation": "Hale Consultancy"}
    api.declare(review["id"], reviewer, "2026-01-14")
    appointment = {
        "reviewer": {"person_id": "rev-1", "name": "Morgan Hale", "contract_signed": True, "policy_confirmed": True}
    }
    api.ok(api.fire(review["id"], "appoint_reviewer", "2026-01-15", appointment))
    api.ok(api.fire(review["id"], "agree_terms_of_reference", "2026-01-20"))  # L6a: L3
    involved = {"family_involvement": "involved"}  # L6a: L4
    circulated = api.ok(api.fire(review["id"], "circulate_draft", "2026-02-02", involved))  # window until 16 February
    window = clock(circulated, "factual_accuracy")
    assert (window["window"], window["status"], window["delayed"]) == (True, "met", False)
    assert circulated["delays_to_report"] == []


# ---------------------------------------------------------------- practice_review.workflow.clocks, as plain functions


@pytest.fixture(scope="module")
def calendar() -> WorkingCalendar:
    return WorkingCalendar()


def running_clock(due: date = date(2026, 1, 9), started: date = date(2025, 12, 16)) -> Clock:
    return Clock("rapid_review", clock_rules.RUNNING, started_on=started, due_on=due, original_due_on=due)


def test_unit_pause_then_resume_across_bank_holidays(calendar: WorkingCalendar) -> None:
    held = clock_rules.paused(running_clock(), date(2025, 12, 19))
    assert (held.status, held.paused_on, held.due_on) == (clock_rules.PAUSED, date(2025, 12, 19), date(2026, 1, 9))
    back = clock_rules.resumed(held, date(2026, 1, 2), calendar)
    assert back.status == clock_rules.RUNNING and back.paused_on is None
    assert back.paused_working_days == 7
    assert back.due_on == date(2026, 1, 20) and back.original_due_on == date(2026, 1, 9)


def test_unit_resume_adds_nothing_for_a_pause_over_a_bank_holiday_weekend(calendar: WorkingCalendar) -> None:
    # Paused Wed 24 Dec, resumed Fri 26 Dec (Boxing Day): the 25th and 26th are not working days.
    back = clock_rules.resumed(clock_rules.paused(running_clock(), date(2025, 12, 24)), date(2025, 12, 26), calendar)
    assert back.paused_working_days == 0 and back.due_on == date(2026, 1, 9)
    # Resumed on Mon 29 Dec instead: one working day.
    later = clock_rules.resumed(clock_rules.paused(running_clock(), date(2025, 12, 24)), date(2025, 12, 29), calendar)
    assert later.paused_working_days == 1 and later.due_on == date(2026, 1, 12)


def test_unit_pauses_add_up(calendar: WorkingCalendar) -> None:
    clock = running_clock()
    clock = clock_rules.resumed(clock_rules.paused(clock, date(2025, 12, 19)), date(2026, 1, 2), calendar)  # 7
    clock = clock_rules.resumed(clock_rules.paused(clock, date(2026, 1, 5)), date(2026, 1, 7), calendar)  # 2
    assert clock.paused_working_days == 9
    assert clock.due_on == calendar.add_working_days(date(2026, 1, 9), 9) == date(2026, 1, 22)
    assert clock.original_due_on == date(2026, 1, 9)


@pytest.mark.parametrize(
    "status",
    [clock_rules.NOT_STARTED, clock_rules.PAUSED, clock_rules.MET, clock_rules.BREACHED, clock_rules.CANCELLED],
)
def test_unit_only_a_running_clock_pauses(status: str) -> None:
    with pytest.raises(clock_rules.ClockError, match=status):
        clock_rules.paused(replace(running_clock(), status=status), date(2025, 12, 19))


def test_unit_a_pause_before_the_start_is_refused() -> None:
    with pytest.raises(clock_rules.ClockError, match="2025-12-16"):
        clock_rules.paused(running_clock(), date(2025, 12, 15))


@pytest.mark.parametrize("status", [clock_rules.NOT_STARTED, clock_rules.RUNNING, clock_rules.MET])
def test_unit_only_a_paused_clock_resumes(calendar: WorkingCalendar, status: str) -> None:
    with pytest.raises(clock_rules.ClockError, match="only a paused clock"):
        clock_rules.resumed(replace(running_clock(), status=status), date(2026, 1, 2), calendar)


def test_unit_a_resume_before_the_pause_is_refused(calendar: WorkingCalendar) -> None:
    held = clock_rules.paused(running_clock(), date(2025, 12, 19))
    with pytest.raises(clock_rules.ClockError, match="2025-12-19"):
        clock_rules.resumed(held, date(2025, 12, 18), calendar)


def test_unit_extend_keeps_the_original_and_the_status() -> None:
    later = clock_rules.extended(running_clock(), date(2026, 1, 23))
    assert (later.due_on, later.original_due_on, later.status) == (date(2026, 1, 23), date(2026, 1, 9), "running")
    held = clock_rules.extended(clock_rules.paused(running_clock(), date(2025, 12, 19)), date(2026, 1, 23))
    assert (held.status, held.paused_on) == (clock_rules.PAUSED, date(2025, 12, 19))
    twice = clock_rules.extended(later, date(2026, 2, 6))
    assert (twice.due_on, twice.original_due_on) == (date(2026, 2, 6), date(2026, 1, 9))


@pytest.mark.parametrize("new_due_on", [date(2026, 1, 9), date(2026, 1, 8)], ids=["same", "earlier"])
def test_unit_extend_must_be_later(new_due_on: date) -> None:
    with pytest.raises(clock_rules.ClockError, match="not after"):
        clock_rules.extended(running_clock(), new_due_on)


@pytest.mark.parametrize(
    ("status", "stopped_on"),
    [
        (clock_rules.NOT_STARTED, None),
        (clock_rules.MET, date(2026, 1, 8)),
        (clock_rules.BREACHED, date(2026, 1, 12)),  # stopped late: over
        (clock_rules.CANCELLED, date(2026, 1, 8)),
    ],
)
def test_unit_only_a_ticking_clock_is_extended(status: str, stopped_on: date | None) -> None:
    with pytest.raises(clock_rules.ClockError, match="only a running or paused clock"):
        clock_rules.extended(replace(running_clock(), status=status, stopped_on=stopped_on), date(2026, 2, 6))


def test_unit_a_breach_recorded_by_a_sweep_can_be_extended_and_runs_again() -> None:
    swept = replace(running_clock(), status=clock_rules.BREACHED)  # still running towards its stop event
    later = clock_rules.extended(swept, date(2026, 3, 13))
    assert (later.status, later.due_on, later.original_due_on) == ("running", date(2026, 3, 13), date(2026, 1, 9))
    assert clock_rules.reported_status(later, date(2026, 3, 2)) == "running"


@pytest.mark.parametrize(
    ("status", "today", "window", "reported"),
    [
        (clock_rules.RUNNING, date(2026, 1, 9), False, "running"),  # due today: the end of the day (C5)
        (clock_rules.RUNNING, date(2026, 1, 12), False, "breached"),
        (clock_rules.RUNNING, date(2026, 1, 12), True, "met"),  # a window closes
        (clock_rules.PAUSED, date(2026, 3, 2), False, "paused"),  # never breached while paused
        (clock_rules.MET, date(2026, 3, 2), False, "met"),
        (clock_rules.CANCELLED, date(2026, 3, 2), False, "cancelled"),
    ],
)
def test_unit_reported_status(status: str, today: date, window: bool, reported: str) -> None:
    clock = replace(running_clock(), status=status, window=window)
    assert clock_rules.reported_status(clock, today) == reported


@pytest.mark.parametrize(
    ("clock", "today", "delayed"),
    [
        (running_clock(), date(2026, 1, 9), False),  # on time so far
        (running_clock(), date(2026, 1, 12), True),  # overdue
        (replace(running_clock(), due_on=date(2026, 1, 16)), date(2026, 1, 5), True),  # extended
        (replace(running_clock(), status="paused", paused_on=date(2025, 12, 19)), date(2025, 12, 22), True),
        (replace(running_clock(), status="met", stopped_on=date(2026, 1, 9)), date(2026, 3, 2), False),
        (
            replace(running_clock(), status="met", stopped_on=date(2026, 1, 12), due_on=date(2026, 1, 20)),
            date(2026, 3, 2),
            True,
        ),
        (replace(running_clock(), status="breached", stopped_on=date(2026, 1, 12)), date(2026, 3, 2), True),
        (replace(running_clock(), status="cancelled", stopped_on=date(2026, 1, 20)), date(2026, 3, 2), False),
        (Clock("rapid_review"), date(2026, 3, 2), False),  # not started
        (replace(running_clock(), window=True), date(2026, 3, 2), False),  # a window closes: no delay
    ],
    ids=[
        "on-time",
        "overdue",
        "extended",
        "paused",
        "met-on-time",
        "met-late",
        "breached",
        "cancelled",
        "not-started",
        "window",
    ],
)
def test_unit_delayed(clock: Clock, today: date, delayed: bool) -> None:
    assert clock_rules.delayed(clock, today) is delayed
