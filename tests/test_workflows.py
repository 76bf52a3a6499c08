"""Workflow files: the shipped ones load, and each kind of broken file is refused with the reason named."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from practice_review.workflow.definitions import (
    WorkflowError,
    content_version,
    describe,
    load_directory,
    load_file,
    mermaid,
    parse_definition,
    workflow_files,
)

WORKFLOWS = Path(__file__).resolve().parent.parent / "workflows"


def minimal() -> dict[str, Any]:
    """A small valid workflow; each test below breaks one thing in it."""
    return {
        "review_type": "mini",
        "title": "Mini review",
        "states": {
            "open": {"initial": True},
            "working": {},
            "done": {"final": True},
            "withdrawn": {"final": True},
        },
        "every_event": {"guards": [{"rule": "C7", "check": "occurred_on_plausible"}]},
        "events": [
            {"name": "start", "from": "open", "to": "working", "roles": ["business_unit"]},
            {
                "name": "finish",
                "from": "working",
                "to": "done",
                "roles": ["business_unit", "partner:police"],
                "data": {"outcome": {"enum": ["ok", "not_ok"], "required": True}},
                "guards": [{"rule": "Q4", "check": "documents_shared_in_time", "with": {"hours": 48}}],
            },
            {"name": "withdraw", "from": "*", "to": "withdrawn", "roles": ["business_unit"]},
        ],
        "clocks": {
            "overall": {
                "rule": "C2",
                "starts_on": "created",
                "from": "received_on",
                "working_days": 10,
                "stops_on": ["finish"],
            },
            "work": {"rule": "C3", "starts_on": "start", "months": 6, "stops_on": ["finish"]},
        },
    }


def problems_of(source: dict[str, Any]) -> list[str]:
    with pytest.raises(WorkflowError) as caught:
        parse_definition(source, "mini.yaml")
    assert caught.value.problems
    # The message shown to whoever edits the file carries the file name and every problem.
    assert str(caught.value).startswith("mini.yaml: ")
    for problem in caught.value.problems:
        assert problem in str(caught.value)
    return caught.value.problems


def assert_problem(source: dict[str, Any], *fragments: str) -> None:
    problems = problems_of(source)
    assert any(all(f in p for f in fragments) for p in problems), problems


# ---------------------------------------------------------------- valid files


def test_the_shipped_workflows_directory_loads_with_the_rapid_review() -> None:
    definitions = load_directory(WORKFLOWS)
    by_type = {d.review_type: d for d in definitions}
    assert "rapid" in by_type
    rapid = by_type["rapid"]
    assert rapid.title == "Rapid review"
    assert rapid.reference_prefix == "RR"
    assert rapid.initial_states == ("referred",)
    assert rapid.final_states == {"concluded", "redirected", "closed", "withdrawn"}
    assert [c.name for c in rapid.clocks] == ["screening", "notification", "rapid_review"]
    rapid_clock = next(c for c in rapid.clocks if c.name == "rapid_review")
    assert (rapid_clock.starts_on, rapid_clock.working_days, rapid_clock.stops_on) == (
        "notify_national_panel",
        15,
        ("submit_to_national_panel",),
    )


def test_every_shipped_workflow_file_has_a_distinct_review_type() -> None:
    files = workflow_files(WORKFLOWS)  # every *.yaml but partnership.yaml (T1: the partnership's settings)
    assert files and all(f.name != "partnership.yaml" for f in files)
    types = [load_file(f).review_type for f in files]
    assert len(types) == len(set(types))


def test_rapid_withdraw_from_star_means_every_open_state() -> None:
    rapid = load_file(WORKFLOWS / "rapid.yaml")
    withdraw = next(e for e in rapid.events if e.name == "withdraw")
    assert set(withdraw.sources) == set(rapid.states) - rapid.final_states
    assert withdraw.dest == "withdrawn"


def test_the_minimal_definition_used_below_is_valid() -> None:
    definition = parse_definition(minimal())
    assert definition.states == ("open", "working", "done", "withdrawn")
    assert definition.events_from("open")[0].name == "start"
    assert [e.name for e in definition.events_from("working")] == ["finish", "withdraw"]
    assert definition.events_from("done") == []
    finish = definition.event("finish", "working")
    assert finish is not None and finish.data[0].enum == ("ok", "not_ok")
    assert finish.guards[0].params == {"hours": 48}
    assert definition.reference_prefix == "MIN"


# ---------------------------------------------------------------- invalid definitions


def test_an_event_naming_an_unknown_state_is_refused() -> None:
    source = minimal()
    source["events"][0]["to"] = "nowhere"
    assert_problem(source, "event 'start'", "unknown state 'nowhere'")
    source = minimal()
    source["events"][1]["from"] = "limbo"
    assert_problem(source, "event 'finish'", "unknown state 'limbo'")


def test_an_unknown_guard_check_is_refused() -> None:
    source = minimal()
    source["events"][1]["guards"] = [{"rule": "Q1", "check": "moon_is_full"}]
    assert_problem(source, "event 'finish'", "unknown guard 'moon_is_full'", "meeting_quorate")


def test_a_guard_given_an_unknown_parameter_is_refused() -> None:
    source = minimal()
    source["events"][1]["guards"] = [{"rule": "Q4", "check": "documents_shared_in_time", "with": {"days": 2}}]
    assert_problem(source, "guard 'documents_shared_in_time'", "'days'")


def test_a_guard_without_a_rule_id_is_refused() -> None:
    source = minimal()
    source["events"][1]["guards"] = [{"check": "occurred_on_plausible"}]
    assert_problem(source, "event 'finish'", "no rule id")


def test_an_unreachable_state_is_refused() -> None:
    source = minimal()
    source["states"]["orphan"] = {}
    source["events"].append({"name": "leave_orphan", "from": "orphan", "to": "done", "roles": ["business_unit"]})
    problems = problems_of(source)
    assert any("state 'orphan' is unreachable" in p for p in problems), problems


def test_a_clock_stopping_or_starting_on_an_unknown_event_is_refused() -> None:
    source = minimal()
    source["clocks"]["overall"]["stops_on"] = ["finish", "finsh"]
    assert_problem(source, "clock 'overall'", "stops on unknown event 'finsh'")
    source = minimal()
    source["clocks"]["work"]["starts_on"] = "begin"
    assert_problem(source, "clock 'work'", "starts on unknown event 'begin'")


def test_a_clock_must_give_exactly_one_duration() -> None:
    source = minimal()
    source["clocks"]["work"]["working_days"] = 5  # as well as months: 6
    assert_problem(source, "clock 'work'", "exactly one of working_days or months")
    source = minimal()
    del source["clocks"]["work"]["months"]
    assert_problem(source, "clock 'work'", "exactly one of working_days or months")


def test_an_unknown_role_is_refused() -> None:
    source = minimal()
    source["events"][0]["roles"] = ["business_unit", "janitor"]
    assert_problem(source, "event 'start'", "unknown role 'janitor'")
    source = minimal()
    source["events"][0]["roles"] = ["partner:probation"]  # not a statutory partner
    assert_problem(source, "event 'start'", "unknown role 'partner:probation'")
    source = minimal()
    source["events"][0]["roles"] = []
    assert_problem(source, "event 'start'", "no roles")


def test_a_non_final_state_with_no_way_out_is_refused() -> None:
    source = minimal()
    source["states"]["stuck"] = {}
    source["events"][0]["to"] = "stuck"
    source["events"].append({"name": "carry_on", "from": "open", "to": "working", "roles": ["business_unit"]})
    # withdraw "*" would otherwise leave it: restrict withdraw to the other open states.
    source["events"][2]["from"] = ["open", "working"]
    assert_problem(source, "state 'stuck' is not final but no event leaves it")


def test_a_definition_with_no_initial_state_is_refused() -> None:
    source = minimal()
    source["states"]["open"] = {}
    assert_problem(source, "no state is marked initial")


def test_an_event_leaving_a_final_state_is_refused() -> None:
    source = minimal()
    source["events"].append({"name": "reopen", "from": "done", "to": "working", "roles": ["business_unit"]})
    assert_problem(source, "event 'reopen'", "leaves final state 'done'")


def test_unknown_keys_and_types_are_refused() -> None:
    source = minimal()
    source["colour"] = "blue"
    assert_problem(source, "unknown top-level keys", "colour")
    source = minimal()
    source["events"][0]["when"] = "later"
    assert_problem(source, "event 'start'", "unknown keys", "when")
    source = minimal()
    source["events"][0]["data"] = {"count": {"type": "float"}}
    assert_problem(source, "data field 'count'", "unknown type 'float'")
    source = minimal()
    source["events"][0]["meeting"] = "picnic"
    assert_problem(source, "unknown meeting kind 'picnic'")
    source = minimal()
    source["states"]["open"] = {"initial": True, "colour": "red"}
    assert_problem(source, "state 'open'", "unknown options")


def test_missing_top_level_keys_are_named() -> None:
    source = minimal()
    del source["events"]
    assert_problem(source, "missing top-level key 'events'")
    with pytest.raises(WorkflowError, match="not a YAML mapping"):
        parse_definition(["a", "list"])  # type: ignore[arg-type]


def test_every_problem_in_a_file_is_reported_at_once() -> None:
    source = minimal()
    source["events"][0]["to"] = "nowhere"
    source["events"][1]["guards"] = [{"rule": "Q1", "check": "moon_is_full"}]
    source["events"][2]["roles"] = ["janitor"]
    source["clocks"]["overall"]["stops_on"] = ["finsh"]
    problems = problems_of(source)
    for fragment in (
        "unknown state 'nowhere'",
        "unknown guard 'moon_is_full'",
        "unknown role 'janitor'",
        "stops on unknown event 'finsh'",
    ):
        assert any(fragment in p for p in problems), (fragment, problems)


def test_load_directory_names_the_broken_file_and_refuses_duplicates(tmp_path: Path) -> None:
    with pytest.raises(WorkflowError, match="no workflow files"):
        load_directory(tmp_path)

    good = minimal()
    (tmp_path / "a.yaml").write_text(yaml.safe_dump(good))
    assert [d.review_type for d in load_directory(tmp_path)] == ["mini"]

    (tmp_path / "b.yaml").write_text(yaml.safe_dump(good))
    with pytest.raises(WorkflowError, match="review type 'mini' is declared twice"):
        load_directory(tmp_path)

    broken = copy.deepcopy(good)
    broken["review_type"] = "other"
    broken["events"][0]["roles"] = ["janitor"]
    (tmp_path / "b.yaml").write_text(yaml.safe_dump(broken))
    with pytest.raises(WorkflowError) as caught:
        load_directory(tmp_path)
    assert any(p.startswith("b.yaml: ") and "unknown role 'janitor'" in p for p in caught.value.problems)

    (tmp_path / "b.yaml").write_text("review_type: [unclosed\n")
    with pytest.raises(WorkflowError, match="not valid YAML"):
        load_directory(tmp_path)


# ---------------------------------------------------------------- diagram, description, version


def test_mermaid_starts_with_state_diagram_and_draws_every_transition() -> None:
    rapid = load_file(WORKFLOWS / "rapid.yaml")
    text = mermaid(rapid)
    lines = text.splitlines()
    assert lines[0] == "stateDiagram-v2"
    assert "    [*] --> referred" in lines
    for event in rapid.events:
        for source in event.sources:
            assert f"    {source} --> {event.dest} : {event.name}" in lines
    for final in rapid.final_states:
        assert f"    {final} --> [*]" in lines
    assert "    referred --> awaiting_notification : screen_in" in lines
    assert "    escalated --> withdrawn : withdraw" in lines
    assert "    concluded --> withdrawn : withdraw" not in lines


def test_describe_lists_every_event_with_its_guards_including_every_event_guards() -> None:
    rapid = load_file(WORKFLOWS / "rapid.yaml")
    described = describe(rapid)
    assert described["review_type"] == "rapid"
    assert described["version"] == rapid.version
    events = {e["name"]: e for e in described["events"]}
    assert set(events) == {e.name for e in rapid.events}
    hold = events["hold_meeting"]
    assert [g["rule"] for g in hold["guards"]] == ["C7", "Q1", "D1", "D2", "Q4", "F1"]
    assert hold["data"]["recommendation"] == {
        "type": "enum",
        "required": True,
        "enum": ["lcspr", "other_review", "no_further_action"],
    }
    assert events["notify_national_panel"]["roles"] == ["business_unit", "partner:local_authority"]
    clocks = {c["name"]: c for c in described["clocks"]}
    assert clocks["rapid_review"]["duration"] == "15 working days"
    assert clocks["notification"]["from"] == "became_aware_on"


def test_content_version_changes_with_the_content_and_not_otherwise() -> None:
    source = minimal()
    version = parse_definition(source).version
    assert parse_definition(copy.deepcopy(source)).version == version
    # Key order is not content.
    reordered = dict(reversed(list(copy.deepcopy(source).items())))
    reordered["clocks"]["overall"] = dict(reversed(list(reordered["clocks"]["overall"].items())))
    assert parse_definition(reordered).version == version
    # The version hashes the workflow with the settings it runs under (T1), as stored.
    assert content_version(parse_definition(source).source) == version
    # Any change to what the workflow says is a new version.
    retitled = copy.deepcopy(source)
    retitled["title"] = "Mini review (2026)"
    longer = copy.deepcopy(source)
    longer["clocks"]["overall"]["working_days"] = 15
    more_roles = copy.deepcopy(source)
    more_roles["events"][0]["roles"].append("chair")
    papers = copy.deepcopy(source) | {"settings": {"papers_hours": 48}}  # T1: its settings are content too
    versions = {
        version,
        parse_definition(retitled).version,
        parse_definition(longer).version,
        parse_definition(more_roles).version,
        parse_definition(papers).version,
    }
    assert len(versions) == 5


def test_reloading_the_shipped_file_gives_the_same_version() -> None:
    assert load_file(WORKFLOWS / "rapid.yaml").version == load_file(WORKFLOWS / "rapid.yaml").version
    source = yaml.safe_load((WORKFLOWS / "rapid.yaml").read_text(encoding="utf-8"))
    source["clocks"]["rapid_review"]["working_days"] = 20
    assert parse_definition(source).version != load_file(WORKFLOWS / "rapid.yaml").version


MALFORMED_SHAPES = {
    "data field not a mapping": (
        lambda d: d["events"][0].__setitem__("data", {"reason": "string"}),
        "must be a mapping",
    ),
    "state options not a mapping": (lambda d: d["states"].__setitem__("referred", "initial"), "must be a mapping"),
    "clocks as a list": (lambda d: d.__setitem__("clocks", ["a"]), "'clocks' must be a mapping"),
    "every_event as a list": (lambda d: d.__setitem__("every_event", ["x"]), "'every_event' must be a mapping"),
    "guard parameters as a list": (
        lambda d: d["events"][0]["guards"][0].__setitem__("with", [1]),
        "'with' must be a mapping",
    ),
    "max_length not a number": (
        lambda d: d["events"][0]["data"].__setitem__("meeting_id", {"max_length": "long"}),
        "max_length",
    ),
    "from as a mapping": (lambda d: d["events"][0].__setitem__("from", {"a": 1}), "'from' must be a name or a list"),
    "clock not a mapping": (lambda d: d["clocks"].__setitem__("screening", 5), "clock 'screening' must be a mapping"),
    "same event twice from one state": (
        lambda d: d["events"].append(dict(d["events"][0])),
        "declared twice from state",
    ),
}


@pytest.mark.parametrize("shape", MALFORMED_SHAPES)
def test_wrongly_shaped_yaml_is_a_workflow_error_not_a_crash(shape: str) -> None:
    source = yaml.safe_load((WORKFLOWS / "rapid.yaml").read_text())
    mutate, expected = MALFORMED_SHAPES[shape]
    mutate(source)
    with pytest.raises(WorkflowError) as raised:
        parse_definition(source, shape)
    assert any(expected in problem for problem in raised.value.problems), raised.value.problems
