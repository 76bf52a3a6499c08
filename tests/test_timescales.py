"""Every timescale and list of parties comes from the workflow files (T1), information requests are due by
their kind (T2), the local decision starts the review clocks (L2a), and timeliness is reported against the
original deadline as well as the extended one, with only declared clocks pausable (T3).

"Today" is Mon 2026-03-02 (conftest); February 2026 has no bank holidays.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient

from practice_review.api.app import create_app
from practice_review.board import listing
from practice_review.bootstrap import build_services, register_workflows
from practice_review.calendar import WorkingCalendar
from practice_review.config import Settings
from practice_review.roles import Caller
from practice_review.services.common import Services
from practice_review.services.keys import create_key
from practice_review.storage.database import Database
from practice_review.workflow.context import Attempt, ReviewContext
from practice_review.workflow.definitions import (
    WorkflowError,
    content_version,
    load_directory,
    parse_definition,
    workflow_files,
)
from practice_review.workflow.engine import WorkflowEngine, remembered
from practice_review.workflow.guards import working_days_after

from .conftest import TODAY, WORKFLOWS
from .helpers import (
    DECISION,
    ENDORSERS,
    HAPPY_PATH,
    PANEL,
    Api,
    blocked,
    problem,
    request_information,
    unchanged,
    working_day,
)
from .test_api_review_types import APPOINTMENT, declare_reviewer

BEFORE_ISSUE_13 = Path(__file__).resolve().parent / "fixtures" / "workflows-before-issue-13"
FIRE = {
    "person_id": "fire-1",
    "name": "Alex Byrne",
    "organisation": "Greater Manchester Fire",
    "partner": "fire_service",
}


def clock(review: dict[str, Any], name: str) -> dict[str, Any]:
    return next(c for c in review["clocks"] if c["name"] == name)


def edit(path: Path, *changes: tuple[str, str]) -> None:
    text = path.read_text()
    for old, new in changes:
        assert old in text, f"{path.name} no longer says {old!r}"
        text = text.replace(old, new)
    path.write_text(text)


@pytest.fixture
def serve(database_url: str) -> Iterator[Callable[[Path], tuple[Services, Api]]]:
    """Start the service on a workflows folder (a restart each call); the services and a BU/chair API."""
    running: list[tuple[TestClient, Services]] = []

    def start(workflows: Path) -> tuple[Services, Api]:
        services = build_services(Settings(database_url=database_url, workflows_dir=workflows))
        services.today = lambda: TODAY
        client = TestClient(create_app(services=services))
        client.__enter__()
        running.append((client, services))
        bu = {"Authorization": f"Bearer {create_key(services, 'bu', 'business_unit').secret}"}
        chair = {"Authorization": f"Bearer {create_key(services, 'chair', 'chair').secret}"}
        return services, Api(client, bu, chair)

    yield start
    for client, services in running:
        client.__exit__(None, None, None)
        services.db.dispose()


# ---------------------------------------------------------------- T1: a partnership with other numbers and parties


def other_partnership(tmp_path: Path) -> Path:
    """The shipped workflows, edited as another partnership would: a fourth statutory partner, other
    endorsers, a 48-hour papers rule, other request deadlines, longer clocks, L5/L7/L8 changed."""
    workflows = tmp_path / "workflows"
    shutil.copytree(WORKFLOWS, workflows)
    edit(
        workflows / "partnership.yaml",
        (
            "statutory_partners: [local_authority, icb, police]",
            "statutory_partners: [local_authority, icb, police, fire_service]",
        ),
        (
            "endorsing_parties: [local_authority, icb, police, independent_scrutineer]",
            "endorsing_parties: [local_authority, icb, police, fire_service]",
        ),
        ("due_soon_working_days: 3", "due_soon_working_days: 5"),
        ("papers_hours: 24", "papers_hours: 48"),
        ("chronology: 5", "chronology: 7"),
        ("factual_accuracy: 10", "factual_accuracy: 15\n    health_records: 8"),
    )
    edit(
        workflows / "rapid.yaml",
        ("    from: received_on\n    working_days: 5", "    from: received_on\n    working_days: 7"),
        (
            "    starts_on: notify_national_panel\n    working_days: 15",
            "    starts_on: notify_national_panel\n    working_days: 20",
        ),
    )
    edit(
        workflows / "lcspr.yaml",
        (
            "    from: decided_on   # L2a: the local decision (the rapid review's endorse date when one opened it)\n"
            "    working_days: 10",
            "    from: decided_on\n    working_days: 12",
        ),
        (
            "    starts_on: circulate_draft\n    working_days: 10",
            "    starts_on: circulate_draft\n    working_days: 15",
        ),
        ("fact: sent_to_panel_on, days: 7", "fact: sent_to_panel_on, days: 10"),
        ("may_take_down_on: {months: 12}", "may_take_down_on: {months: 6}"),
    )
    return workflows


def test_T1_a_partnership_changes_every_number_and_list_in_its_workflow_files_only(
    serve: Callable[[Path], tuple[Services, Api]], tmp_path: Path
) -> None:
    services, api = serve(other_partnership(tmp_path))

    # Clock lengths: screening 7 working days, the rapid review 20, the LCSPR's reviewer 12.
    review = api.create_review(received_on="2026-02-02")
    assert clock(review, "screening")["due_on"] == working_day(api, "2026-02-02", 7) == "2026-02-11"
    lcspr = api.create_review(review_type="lcspr", received_on="2026-02-18", child_reference="Child L")
    assert clock(lcspr, "reviewer_appointment")["due_on"] == working_day(api, "2026-02-18", 12) == "2026-03-06"

    # T2: information requests by kind, a kind this partnership added, and a kind it does not have.
    due = {
        k: request_information(api, review["id"], "Salford Royal", "2026-02-02", k)["due_on"]
        for k in ("chronology", "agency_summary", "factual_accuracy", "health_records", "other")
    }
    assert due == {
        "chronology": working_day(api, "2026-02-02", 7),
        "agency_summary": working_day(api, "2026-02-02", 5),
        "factual_accuracy": working_day(api, "2026-02-02", 15),
        "health_records": working_day(api, "2026-02-02", 8),
        "other": working_day(api, "2026-02-02", 5),
    }
    body = {"organisation": "Salford Royal", "kind": "minutes", "requested_on": "2026-02-02"}
    with unchanged(api, review["id"]):
        refused = problem(
            api.client.post(f"/reviews/{review['id']}/information-requests", json=body, headers=api.bu), 422
        )
    assert "health_records" in refused["errors"][0]["message"] and refused["errors"][0]["field"] == "kind"

    # The meeting view: four partners for quorum, papers 48 hours ahead (shared 25 hours before).
    meeting = api.meeting(review["id"], "screening", "2026-02-05T10:00:00+00:00", "2026-02-04T09:00:00+00:00")
    seen = api.attend(review["id"], meeting["id"])
    assert (seen["quorate"], seen["missing_partners"]) == (False, ["fire_service"])
    assert (seen["documents_shared_in_time"], seen["papers_hours"]) == (False, 48)
    for person in [*PANEL, FIRE]:
        api.declare(review["id"], person, "2026-02-05")
    with unchanged(api, review["id"]):
        entries = blocked(api.fire(review["id"], "screen_in", "2026-02-05"), "Q2")
    assert [e["message"] for e in entries] == [f"no fire service representative present at meeting {meeting['id']}"]
    seen = api.attend(review["id"], meeting["id"], [*PANEL, FIRE])
    assert (seen["quorate"], seen["missing_partners"]) == (True, [])
    api.ok(api.fire(review["id"], "screen_in", "2026-02-05"))
    api.ok(api.fire(review["id"], "notify_national_panel", "2026-02-06"))
    notified = api.ok(api.fire(review["id"], "schedule_meeting", "2026-02-09", {"meeting_on": "2026-02-16"}))
    assert clock(notified, "rapid_review")["due_on"] == working_day(api, "2026-02-06", 20)

    # Q4 at the rapid review meeting: 25 hours is not 48.
    decision = api.meeting(review["id"], "rapid_review", "2026-02-16T10:00:00+00:00", "2026-02-15T09:00:00+00:00")
    api.attend(review["id"], decision["id"], [*PANEL, FIRE])
    with unchanged(api, review["id"]):
        entries = blocked(
            api.fire(review["id"], "hold_meeting", "2026-02-16", {"recommendation": "lcspr", **DECISION}), "Q4"
        )
    assert "less than 48 hours" in entries[0]["message"]
    api.ok(
        api.fire(
            review["id"],
            "hold_meeting",
            "2026-02-16",
            {"recommendation": "lcspr", "reading_time_allowed": True, **DECISION},
        )
    )

    # Endorsing parties: the fire service endorses, the scrutineer is not one of this partnership's.
    scrutineer = {"party": "independent_scrutineer", "person_id": "is-1", "name": "Ingrid Scrutton", "agrees": True}
    refused = problem(api.client.post(f"/reviews/{review['id']}/endorsements", json=scrutineer, headers=api.bu), 422)
    assert "fire_service" in refused["errors"][0]["message"]
    for party, person_id, name in ENDORSERS[:3]:
        api.endorse(review["id"], party, person_id, name)
    with unchanged(api, review["id"]):
        entries = blocked(api.fire(review["id"], "endorse", "2026-02-18"), "§19")
    assert [e["message"] for e in entries] == ["no endorsement from fire service"]
    api.endorse(review["id"], "fire_service", "fire-1", "Alex Byrne")
    assert api.ok(api.fire(review["id"], "endorse", "2026-02-18"))["state"] == "endorsed"

    # Partner codes: a fire_service partner key records its own attendance; an unknown code is refused.
    fire_key = {"Authorization": f"Bearer {create_key(services, 'fire', 'partner', 'fire_service').secret}"}
    other = api.create_review(received_on="2026-02-23", child_reference="Child F")
    screening = api.meeting(other["id"], "screening", "2026-02-26T10:00:00+00:00", None)
    path = f"/reviews/{other['id']}/meetings/{screening['id']}/attendance"
    assert api.ok(api.client.put(path, json=[FIRE], headers=fire_key))["attendees"][0]["partner"] == "fire_service"
    ambulance = {**FIRE, "person_id": "amb-1", "partner": "ambulance"}
    assert (
        "fire_service" in problem(api.client.put(path, json=[ambulance], headers=api.bu), 422)["errors"][0]["message"]
    )

    # The board's amber: due within 5 working days here. The LCSPR's reviewer is due in 4 (Fri 6 March).
    board_caller = Caller(key_id=0, key_name="board", role="business_unit")
    amber = listing.open_reviews(services, board_caller, "lcspr", "due_soon", None)
    assert [(r.review["id"], r.mark.level) for r in amber.rows] == [(lcspr["id"], "amber")]
    assert listing.statuses(services)["due_soon"] == "Due within 5 working days (amber)"

    # The OpenAPI spec and GET /workflows say the same.
    schemas = api.ok(api.client.get("/openapi.json"))["components"]["schemas"]
    assert schemas["EndorsementCreate"]["properties"]["party"]["enum"] == [
        "local_authority",
        "icb",
        "police",
        "fire_service",
    ]
    assert schemas["AttendeeIn"]["properties"]["partner"]["anyOf"][0]["enum"][-1] == "fire_service"
    assert "health_records" in schemas["InformationRequestCreate"]["properties"]["kind"]["enum"]
    rapid = api.ok(api.client.get("/workflows/rapid", headers=api.bu))
    assert rapid["settings"]["papers_hours"] == 48 and rapid["settings"]["statutory_partners"][-1] == "fire_service"
    assert next(c for c in rapid["clocks"] if c["name"] == "rapid_review")["working_days"] == 20


def test_T1_the_L5_L7_and_L8_numbers_move_with_the_lcspr_file(tmp_path: Path) -> None:
    definitions = {d.review_type: d for d in load_directory(other_partnership(tmp_path))}
    lcspr = definitions["lcspr"]
    assert next(c for c in lcspr.clocks if c.name == "factual_accuracy").working_days == 15  # L5
    publish = next(e for e in lcspr.events if e.name == "publish")
    assert (
        remembered(publish.remember, date(2026, 3, 2), {})["may_take_down_on"] == "2026-09-02"
    )  # L8: 6 months, not 12
    guard = next(g for g in publish.guards if g.rule == "L7")
    calendar = WorkingCalendar()
    ctx = ReviewContext("sent_to_panel", date(2026, 2, 16), TODAY, calendar, facts={"sent_to_panel_on": "2026-02-16"})
    seven_days_on = Attempt("publish", date(2026, 2, 25))  # enough for Salford's 7, not this partnership's 10
    assert [u.message for u in working_days_after(ctx, seven_days_on, **guard.params)] == [
        "not before 2026-03-02: 10 working days after sent to panel on 2026-02-16"
    ]
    assert working_days_after(ctx, Attempt("publish", date(2026, 3, 2)), **guard.params) == []


def test_T1_partnership_wide_settings_are_set_in_partnership_yaml_only(tmp_path: Path) -> None:
    workflows = tmp_path / "workflows"
    shutil.copytree(WORKFLOWS, workflows)
    rapid = workflows / "rapid.yaml"
    rapid.write_text(rapid.read_text() + "\nsettings:\n  statutory_partners: [police]\n  papers_hours: many\n")
    with pytest.raises(WorkflowError) as caught:
        load_directory(workflows)
    problems = " ".join(caught.value.problems)
    assert "rapid.yaml: settings: 'statutory_partners' is the partnership's: set it in partnership.yaml" in problems
    assert "settings.papers_hours must be a whole number" in problems
    (workflows / "rapid.yaml").write_text((WORKFLOWS / "rapid.yaml").read_text())
    edit(workflows / "lcspr.yaml", ("parties: statutory_partners", "parties: [local_authority, coroner]"))
    edit(workflows / "partnership.yaml", ("due_soon_working_days: 3", "due_soon_working_days: -1"))
    with pytest.raises(WorkflowError) as caught:
        load_directory(workflows)
    assert caught.value.problems == [
        "partnership.yaml: partnership.due_soon_working_days must be a whole number from 0 to 1000"
    ]
    edit(workflows / "partnership.yaml", ("due_soon_working_days: -1", "due_soon_working_days: 3"))
    with pytest.raises(WorkflowError) as caught:
        load_directory(workflows)
    assert any("coroner may not endorse" in p for p in caught.value.problems)


def test_T1_a_workflow_may_set_its_own_timescales_and_its_version_says_so(tmp_path: Path) -> None:
    workflows = tmp_path / "workflows"
    shutil.copytree(WORKFLOWS, workflows)
    before = {d.review_type: d for d in load_directory(workflows)}
    rapid = workflows / "rapid.yaml"
    rapid.write_text(rapid.read_text() + "\nsettings:\n  papers_hours: 72\n  information_requests: {chronology: 3}\n")
    after = {d.review_type: d for d in load_directory(workflows)}
    assert after["rapid"].settings.papers_hours == 72 and after["lcspr"].settings.papers_hours == 24
    assert dict(after["rapid"].settings.information_requests) == {"chronology": 3}
    assert after["rapid"].meeting_rules("rapid_review") == (("local_authority", "icb", "police"), 72)
    assert after["rapid"].version != before["rapid"].version and after["lcspr"].version == before["lcspr"].version
    edit(workflows / "partnership.yaml", ("other: 5", "other: 6"))  # the partnership's file versions every workflow
    again = {d.review_type: d for d in load_directory(workflows)}
    assert all(again[t].version != after[t].version for t in ("lcspr", "serious_offence", "good_outcome"))


# ---------------------------------------------------------------- T2


def test_T2_information_requests_are_due_by_their_kind(api: Api) -> None:
    review = api.create_review(received_on="2026-02-02")
    due = {
        kind: request_information(api, review["id"], "Salford Royal", "2026-02-09", kind)["due_on"]
        for kind in ("chronology", "agency_summary", "factual_accuracy", "other")
    }
    # §11, §15: five working days; §20.2 (L5): ten for comments on factual accuracy.
    assert due == {
        "chronology": "2026-02-16",
        "agency_summary": "2026-02-16",
        "factual_accuracy": "2026-02-23",
        "other": "2026-02-16",
    }
    deadlines = api.ok(api.client.get("/deadlines", params={"due_by": "2026-03-31"}, headers=api.bu))["items"]
    assert sorted(d["due_on"] for d in deadlines if d["clock"].startswith("information:")) == sorted(due.values())


# ---------------------------------------------------------------- L2a


def test_L2a_a_review_commissioned_directly_counts_from_its_commissioning_date(api: Api) -> None:
    for review_type in ("lcspr", "non_statutory"):
        review = api.create_review(review_type=review_type, received_on="2026-02-16", child_reference="Child D")
        assert review["facts"] == {}
        for name, due in (("reviewer_appointment", "2026-03-02"), ("completion", "2026-08-17")):
            assert (clock(review, name)["started_on"], clock(review, name)["due_on"]) == ("2026-02-16", due)


def test_L2a_the_endorse_date_is_remembered_and_the_workflow_says_where_clocks_start(api: Api) -> None:
    rapid = api.new_review_at("submit_to_national_panel")  # endorsed Wed 18 Feb
    assert rapid["facts"]["decided_on"] == "2026-02-18"
    described = api.ok(api.client.get("/workflows/lcspr", headers=api.bu))
    starts = {c["name"]: c["start"] for c in described["clocks"]}
    assert starts["reviewer_appointment"] == starts["completion"] == {"event": "created", "date": "decided_on"}
    panel = next(
        e
        for e in api.ok(api.client.get("/workflows/rapid", headers=api.bu))["events"]
        if e["name"] == "record_panel_response"
    )
    assert panel["opens"]["carry"] == ["decided_on"]


# ---------------------------------------------------------------- T3


def test_T3_the_rapid_review_clock_is_extended_with_a_reason_not_paused(api: Api) -> None:
    review = api.new_review_at("schedule_meeting")  # notified Fri 6 Feb: due Fri 27 Feb
    path = f"/reviews/{review['id']}/clocks/rapid_review"
    with unchanged(api, review["id"]):
        entries = blocked(
            api.client.post(f"{path}/pause", json={"occurred_on": "2026-02-09", "reason": "Coroner"}, headers=api.bu),
            "T3",
        )
    assert "extend it with a reason" in entries[0]["message"]
    assert clock(review, "rapid_review")["pausable"] is False and clock(review, "screening")["pausable"] is True
    described = api.ok(api.client.get("/workflows/rapid", headers=api.bu))
    assert {c["name"]: c["pausable"] for c in described["clocks"]} == {
        "screening": True,
        "notification": True,
        "rapid_review": False,
    }
    extended = api.ok(
        api.client.post(
            f"{path}/extend", json={"new_due_on": "2026-03-06", "reason": "Police disclosure awaited"}, headers=api.bu
        )
    )
    moved = clock(extended, "rapid_review")
    assert (moved["status"], moved["due_on"], moved["original_due_on"], moved["delayed"]) == (
        "running",
        "2026-03-06",
        "2026-02-27",
        True,
    )


def test_T3_timeliness_counts_a_clock_met_only_after_an_extension_as_late_against_the_original(api: Api) -> None:
    on_time = api.new_review_at()  # submitted Fri 20 Feb, due 27 Feb
    extended = api.new_review_at("schedule_meeting", child_reference="Child E")
    api.ok(
        api.client.post(
            f"/reviews/{extended['id']}/clocks/rapid_review/extend",
            json={"new_due_on": "2026-03-06", "reason": "Police disclosure awaited"},
            headers=api.bu,
        )
    )
    late = api.new_review_at("schedule_meeting", child_reference="Child F")
    for review in (extended, late):  # both submitted Mon 2 March, after the 27 February deadline
        api.ok(api.fire(review["id"], "schedule_meeting", "2026-02-23", {"meeting_on": "2026-02-24"}))
        meeting = api.meeting(review["id"], "rapid_review", "2026-02-24T10:00:00+00:00", "2026-02-20T09:00:00+00:00")
        api.attend(review["id"], meeting["id"])
        api.ok(
            api.fire(review["id"], "hold_meeting", "2026-02-24", {"recommendation": "no_further_action", **DECISION})
        )
        for party, person_id, name in ENDORSERS:
            api.endorse(review["id"], party, person_id, name, endorsed_on="2026-02-25")
        api.ok(api.fire(review["id"], "endorse", "2026-02-26"))
        api.ok(api.fire(review["id"], "submit_to_national_panel", "2026-03-02"))
    statuses = [clock(api.review(r["id"]), "rapid_review")["status"] for r in (on_time, extended, late)]
    assert statuses == ["met", "met", "breached"]  # C5, against the deadline as it stands

    figures = api.ok(
        api.client.get("/reports/summary", params={"from": "2026-02-01", "to": "2026-02-28"}, headers=api.bu)
    )
    rapid = next(c for c in figures["clocks"] if (c["review_type"], c["clock"]) == ("rapid", "rapid_review"))
    assert rapid["timeliness"] == {
        "met_on_time": 1,
        "met_after_extension": 1,
        "breached": 1,
        "running": 0,
        "cancelled": 0,
    }
    assert rapid["against_original_deadline"] == {"met": 1, "breached": 2, "running": 0, "cancelled": 0}
    assert rapid["against_extended_deadline"] == {"met": 2, "breached": 1, "running": 0, "cancelled": 0}
    assert (rapid["met"], rapid["breached"]) == (2, 1)  # as before: against the deadline as it stands
    # The delay shown: Mon 2 March is one working day after Fri 27 February.
    assert [
        (d["reference"], d["working_days_late"], d["original_due_on"], d["due_on"]) for d in rapid["delays"]
    ] == sorted(
        [
            (extended["reference"], 1, "2026-02-27", "2026-03-06"),
            (late["reference"], 1, "2026-02-27", "2026-02-27"),
        ]
    )
    csv_text = api.client.get(
        "/reports/summary", params={"from": "2026-02-01", "to": "2026-02-28", "format": "csv"}, headers=api.bu
    ).text
    assert "clocks,rapid/rapid_review,met_after_extension,1" in csv_text
    assert "clocks,rapid/rapid_review,original_deadline_breached,2" in csv_text
    assert f"clock delays,rapid/rapid_review,{late['reference']},1" in csv_text


# ---------------------------------------------------------------- reviews opened before this change


def old_definitions() -> list[Any]:
    """The workflows as the service stored them before T1–T3: no settings, clock starts or pausability."""
    olds = []
    for path in workflow_files(BEFORE_ISSUE_13):
        raw = yaml.safe_load(path.read_text())
        olds.append(replace(parse_definition(raw, path.name), version=content_version(raw), source=raw))
    return olds


def test_T1_L2a_reviews_opened_before_the_change_keep_their_version_and_go_on_working(
    database_url: str, serve: Callable[[Path], tuple[Services, Api]]
) -> None:
    # The service as it was: the old definitions registered and reviews opened on them.
    calendar = WorkingCalendar()
    db = Database(database_url)
    olds = old_definitions()
    register_workflows(db, olds)
    old = Services(db=db, engine=WorkflowEngine(olds, calendar), calendar=calendar, today=lambda: TODAY)
    with TestClient(create_app(services=old)) as client:
        bu = {"Authorization": f"Bearer {create_key(old, 'old bu', 'business_unit').secret}"}
        before = Api(client, bu, bu)
        lcspr = before.create_review(review_type="lcspr", received_on="2026-02-16", child_reference="Child L")
        # The old rapid workflow's decision had no S2/F1 fields.
        old_path = [(e, on, {k: v for k, v in data.items() if k not in DECISION}) for e, on, data in HAPPY_PATH]
        rapid = before.walk(before.create_review()["id"], "record_panel_response", old_path)
    db.dispose()

    services, api = serve(WORKFLOWS)  # restarted on the new files
    old_lcspr = next(d for d in olds if d.review_type == "lcspr")
    current = services.engine.current("lcspr")
    assert current.version != old_lcspr.version
    kept = api.review(lcspr["id"])
    assert kept["workflow_version"] == old_lcspr.version
    assert clock(kept, "reviewer_appointment")["due_on"] == "2026-03-02"
    assert clock(kept, "reviewer_appointment")["pausable"] is True
    # Settings it was stored without come from the partnership now: T2's ten days for factual accuracy.
    request = request_information(api, lcspr["id"], "Salford Royal", "2026-02-16", "factual_accuracy")
    assert request["due_on"] == working_day(api, "2026-02-16", 10)
    declare_reviewer(api, lcspr["id"], "2026-02-17")
    appointed = api.ok(api.fire(lcspr["id"], "appoint_reviewer", "2026-02-18", APPOINTMENT))
    assert (appointed["state"], appointed["workflow_version"]) == ("reviewer_appointed", old_lcspr.version)

    # A rapid review endorsed on the old version remembered no decision date: the LCSPR it opens now is
    # on the new version and counts from the panel response, as the old rapid review recorded it.
    concluded = api.ok(api.fire(rapid["id"], "record_panel_response", "2026-02-27", {"panel_view": "agrees"}))
    opened = api.review(concluded["links"][0]["review_id"])
    assert opened["workflow_version"] == current.version
    assert clock(opened, "reviewer_appointment")["started_on"] == "2026-02-27"
