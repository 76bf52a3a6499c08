"""The workflow engine driving the rapid review (domain.md Q1–Q4, D1–D2, C2, C5, C7, §19, A2)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from practice_review.calendar import LONDON, WorkingCalendar
from practice_review.errors import EventNotAvailable, InvalidData, NotPermitted, TransitionRefused
from practice_review.roles import role_allows
from practice_review.workflow import clocks as clock_rules
from practice_review.workflow.context import Attendee, Declaration, Endorsement, Meeting, ReviewContext
from practice_review.workflow.definitions import load_directory
from practice_review.workflow.engine import Decision, WorkflowEngine

WORKFLOWS = Path(__file__).resolve().parent.parent / "workflows"
CALENDAR = WorkingCalendar()
ENGINE = WorkflowEngine(load_directory(WORKFLOWS), CALENDAR)
RAPID = ENGINE.current("rapid")

RECEIVED = date(2026, 1, 5)  # Monday
MEETING_DAY = date(2026, 1, 27)  # Tuesday
TODAY = date(2026, 1, 28)

LA = Attendee("p-la", "Alex Ashworth", "Salford City Council", "local_authority")
ICB = Attendee("p-icb", "Bea Byrne", "NHS Greater Manchester ICB", "icb")
POLICE = Attendee("p-pol", "Cal Chen", "Greater Manchester Police", "police")
CHAIR = Attendee("p-chair", "Dee Dunn", "SSCP", None)
EVERYONE = (LA, ICB, POLICE, CHAIR)


def at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, 0, tzinfo=LONDON)


def meeting(
    kind: str,
    attendees: tuple[Attendee, ...] = EVERYONE,
    *,
    id: int = 1,
    on: date = MEETING_DAY,
    shared: datetime | None | str = "early",
) -> Meeting:
    documents = at(on - timedelta(days=2)) if shared == "early" else shared
    return Meeting(id=id, kind=kind, scheduled_for=at(on), documents_shared_at=documents, attendees=attendees)  # type: ignore[arg-type]


def no_interest(person: Attendee, id: int, on: date = date(2026, 1, 6)) -> Declaration:
    return Declaration(id, person.person_id, person.name, person.organisation, "panel_member", False, "no interest", on)


def interest(person: Attendee, id: int, ruling: str | None, on: date = date(2026, 1, 6)) -> Declaration:
    return Declaration(
        id,
        person.person_id,
        person.name,
        person.organisation,
        "panel_member",
        True,
        "manages the health visiting service under review",
        on,
        ruling,
    )


DECLARED = tuple(no_interest(p, i) for i, p in enumerate(EVERYONE, start=1))


def endorsement(party: str, agrees: bool = True, person_id: str | None = None) -> Endorsement:
    return Endorsement(party, person_id or f"p-{party}", party.replace("_", " ").title(), agrees, TODAY)


ALL_ENDORSE = tuple(endorsement(p) for p in ("local_authority", "icb", "police", "independent_scrutineer"))


def context(
    state: str,
    *,
    meetings: tuple[Meeting, ...] = (),
    declarations: tuple[Declaration, ...] = DECLARED,
    endorsements: tuple[Endorsement, ...] = (),
    today: date = TODAY,
    last: date = date(2026, 1, 20),
) -> ReviewContext:
    return ReviewContext(
        state,
        last,
        today,
        CALENDAR,
        meetings=meetings,
        declarations=declarations,
        endorsements=endorsements,
    )


def fire(
    ctx: ReviewContext,
    event: str,
    data: dict[str, Any] | None = None,
    *,
    on: date = TODAY,
    role: str = "business_unit",
    partner: str | None = None,
    clocks: dict[str, clock_rules.Clock] | None = None,
) -> Decision:
    return ENGINE.fire(RAPID, replace(ctx, clocks=clocks or {}), event, on, data or {}, role, partner)


def refused(ctx: ReviewContext, event: str, data: dict[str, Any] | None = None, **kwargs: Any) -> list[dict[str, str]]:
    with pytest.raises(TransitionRefused) as caught:
        fire(ctx, event, data, **kwargs)
    blocked = caught.value.extra["blocked_by"]
    for b in blocked:  # A2: the detail names each rule and its reason
        assert f"{b['rule']}: {b['message']}" in caught.value.detail
    return blocked


def rules(blocked: list[dict[str, str]]) -> list[str]:
    return [b["rule"] for b in blocked]


def screening_ctx(*attendees: Attendee, **kwargs: Any) -> ReviewContext:
    kwargs.setdefault("meetings", (meeting("screening", attendees or EVERYONE),))
    return context("referred", **kwargs)


def hold_ctx(*attendees: Attendee, shared: datetime | None | str = "early", **kwargs: Any) -> ReviewContext:
    kwargs.setdefault("meetings", (meeting("rapid_review", attendees or EVERYONE, shared=shared),))
    return context("meeting_scheduled", **kwargs)


# S2, F1: the decision also records the immediate safety actions, a national review recommendation and
# how the family is involved.
DECISION = {
    "immediate_safety_actions": "None needed beyond the existing plan",
    "national_review_recommended": False,
    "family_involvement": "involved",
}
HOLD = {"recommendation": "lcspr", **DECISION}


# ---------------------------------------------------------------- Q1 / Q2 quorum


def test_q2_screen_in_with_all_three_partners_present_moves_to_awaiting_notification() -> None:
    decision = fire(screening_ctx(), "screen_in")
    assert (decision.from_state, decision.to_state) == ("referred", "awaiting_notification")
    assert decision.review_open
    assert decision.meeting_id == 1


def test_q2_screen_in_without_police_is_blocked_naming_police() -> None:
    blocked = refused(screening_ctx(LA, ICB, CHAIR), "screen_in")
    assert rules(blocked) == ["Q2"]
    assert "police" in blocked[0]["message"]
    assert "icb" not in blocked[0]["message"]


def test_q2_screen_in_without_any_screening_meeting_is_blocked() -> None:
    blocked = refused(context("referred", meetings=(meeting("rapid_review"),)), "screen_in")
    assert rules(blocked) == ["Q2"]
    assert "screening meeting" in blocked[0]["message"] and "recorded" in blocked[0]["message"]


def test_q2_screen_out_and_close_share_the_screening_guards() -> None:
    ctx = screening_ctx(LA, ICB)
    assert "Q2" in rules(refused(ctx, "screen_out", {"redirect_to": "good_outcome"}))
    assert "Q2" in rules(refused(ctx, "close_no_further_action", {"reason": "no harm"}))
    assert fire(screening_ctx(), "screen_out", {"redirect_to": "good_outcome"}).to_state == "redirected"
    closed = fire(screening_ctx(), "close_no_further_action", {"reason": "no harm"})
    assert (closed.to_state, closed.review_open) == ("closed", False)


def test_q1_hold_meeting_with_all_three_partners_records_the_decision() -> None:
    decision = fire(hold_ctx(), "hold_meeting", HOLD, on=MEETING_DAY)
    assert decision.to_state == "decision_recorded"
    assert decision.data == HOLD


def test_q1_hold_meeting_without_police_and_icb_is_blocked_naming_each() -> None:
    blocked = refused(hold_ctx(LA, CHAIR), "hold_meeting", HOLD)
    assert rules(blocked) == ["Q1", "Q1"]
    assert any("police" in b["message"] for b in blocked)
    assert any("icb" in b["message"] for b in blocked)


def test_q1_two_local_authority_people_do_not_make_up_for_a_missing_partner() -> None:
    second_la = Attendee("p-la2", "Eve Evans", "Salford City Council", "local_authority")
    ctx = hold_ctx(LA, second_la, ICB, declarations=(*DECLARED, no_interest(second_la, 9)))
    blocked = refused(ctx, "hold_meeting", HOLD)
    assert rules(blocked) == ["Q1"] and "police" in blocked[0]["message"]


def test_q1_the_named_meeting_is_the_one_checked() -> None:
    good, poor = meeting("rapid_review", id=1), meeting("rapid_review", (LA, ICB), id=2, on=date(2026, 1, 26))
    ctx = context("meeting_scheduled", meetings=(good, poor))
    assert fire(ctx, "hold_meeting", HOLD).meeting_id == 1  # latest by default
    assert "Q1" in rules(refused(ctx, "hold_meeting", {**HOLD, "meeting_id": 2}))
    with pytest.raises(InvalidData) as caught:
        fire(ctx, "hold_meeting", {**HOLD, "meeting_id": 7})
    assert caught.value.errors[0]["field"] == "data.meeting_id"


def test_c7_a_meeting_held_after_occurred_on_is_blocked() -> None:
    blocked = refused(hold_ctx(), "hold_meeting", HOLD, on=MEETING_DAY - timedelta(days=1))
    assert "C7" in rules(blocked)
    assert any("after occurred_on" in b["message"] for b in blocked)


def test_c5_a_meeting_given_in_utc_is_held_on_its_london_date() -> None:
    """00:30 on Wed 10 June 2026 in London is 23:30 UTC on the 9th: the meeting's day is the 10th (C5),
    for the C7 check on occurred_on and for D1's "declared by the day of the meeting"."""
    scheduled = datetime(2026, 6, 9, 23, 30, tzinfo=UTC)
    late_night = Meeting(1, "rapid_review", scheduled, scheduled - timedelta(days=3), EVERYONE)
    declarations = (*(d for d in DECLARED if d.person_id != ICB.person_id), no_interest(ICB, 9, on=date(2026, 6, 10)))
    ctx = context(
        "meeting_scheduled",
        meetings=(late_night,),
        declarations=declarations,
        today=date(2026, 6, 10),
        last=date(2026, 6, 1),
    )
    assert fire(ctx, "hold_meeting", HOLD, on=date(2026, 6, 10)).to_state == "decision_recorded"
    blocked = refused(ctx, "hold_meeting", HOLD, on=date(2026, 6, 9))
    assert rules(blocked) == ["C7"] and "2026-06-10" in blocked[0]["message"]


# ---------------------------------------------------------------- Q3


def test_q3_a_substitute_counts_for_quorum() -> None:
    stand_in = Attendee("p-pol2", "Fin Ford", "Greater Manchester Police", "police", substitute=True)
    ctx = hold_ctx(LA, ICB, stand_in, declarations=(*DECLARED, no_interest(stand_in, 9)))
    assert fire(ctx, "hold_meeting", HOLD).to_state == "decision_recorded"


def test_q3_a_substitute_counts_only_for_the_partner_they_represent() -> None:
    stand_in = Attendee("p-icb2", "Fin Ford", "NHS Greater Manchester ICB", "icb", substitute=True)
    ctx = hold_ctx(LA, ICB, stand_in, declarations=(*DECLARED, no_interest(stand_in, 9)))
    blocked = refused(ctx, "hold_meeting", HOLD)
    assert rules(blocked) == ["Q1"] and "police" in blocked[0]["message"]


def test_q3_a_member_ruled_excluding_does_not_count_for_quorum() -> None:
    declarations = (*DECLARED, interest(POLICE, 9, "excluding"))
    blocked = refused(hold_ctx(declarations=declarations), "hold_meeting", HOLD)
    assert sorted(rules(blocked)) == ["Q1", "Q3"]
    q3 = next(b for b in blocked if b["rule"] == "Q3")
    assert "Cal Chen" in q3["message"] and "excluded" in q3["message"]
    assert "police" in next(b for b in blocked if b["rule"] == "Q1")["message"]


def test_q3_a_member_ruled_noted_still_counts() -> None:
    declarations = (*DECLARED, interest(POLICE, 9, "noted"))
    assert fire(hold_ctx(declarations=declarations), "hold_meeting", HOLD).to_state == "decision_recorded"


def test_q3_an_excluded_member_does_not_block_when_their_partner_is_otherwise_represented() -> None:
    other = Attendee("p-pol2", "Fin Ford", "Greater Manchester Police", "police")
    declarations = (*DECLARED, no_interest(other, 9), interest(POLICE, 10, "excluding"))
    ctx = hold_ctx(LA, ICB, POLICE, other, declarations=declarations)
    assert fire(ctx, "hold_meeting", HOLD).to_state == "decision_recorded"


# ---------------------------------------------------------------- D1 / D2 / D4


def test_d1_an_attendee_with_no_declaration_blocks_the_decision() -> None:
    declarations = tuple(d for d in DECLARED if d.person_id != ICB.person_id)
    blocked = refused(hold_ctx(declarations=declarations), "hold_meeting", HOLD)
    assert rules(blocked) == ["D1"]
    assert "Bea Byrne" in blocked[0]["message"]


def test_d1_a_declaration_dated_after_the_meeting_does_not_count() -> None:
    declarations = (
        *(d for d in DECLARED if d.person_id != ICB.person_id),
        no_interest(ICB, 9, on=MEETING_DAY + timedelta(days=1)),
    )
    assert rules(refused(hold_ctx(declarations=declarations), "hold_meeting", HOLD)) == ["D1"]


def test_d1_a_declaration_made_on_the_day_of_the_meeting_counts() -> None:
    declarations = (*(d for d in DECLARED if d.person_id != ICB.person_id), no_interest(ICB, 9, on=MEETING_DAY))
    assert fire(hold_ctx(declarations=declarations), "hold_meeting", HOLD).to_state == "decision_recorded"


def test_d1_applies_to_the_screening_meeting_too() -> None:
    declarations = tuple(d for d in DECLARED if d.person_id != CHAIR.person_id)
    blocked = refused(screening_ctx(declarations=declarations), "screen_in")
    assert rules(blocked) == ["D1"] and "Dee Dunn" in blocked[0]["message"]


def test_d2_an_interest_awaiting_the_chairs_ruling_blocks_the_decision() -> None:
    declarations = (*DECLARED, interest(LA, 9, None))
    blocked = refused(hold_ctx(declarations=declarations), "hold_meeting", HOLD)
    assert rules(blocked) == ["D2"]
    assert "Alex Ashworth" in blocked[0]["message"] and "declaration 9" in blocked[0]["message"]


def test_d2_an_interest_ruled_noted_lets_the_decision_go_ahead() -> None:
    declarations = (*DECLARED, interest(LA, 9, "noted"))
    assert fire(hold_ctx(declarations=declarations), "hold_meeting", HOLD).to_state == "decision_recorded"


def test_d4_a_later_declaration_supersedes_an_earlier_one() -> None:
    # No interest first, then an interest not yet ruled on: the later one is in force.
    declarations = (*DECLARED, interest(ICB, 9, None))
    assert rules(refused(hold_ctx(declarations=declarations), "hold_meeting", HOLD)) == ["D2"]
    # Excluded, then a new declaration of no interest: counts again.
    declarations = (*DECLARED, interest(POLICE, 9, "excluding"), no_interest(POLICE, 10))
    assert fire(hold_ctx(declarations=declarations), "hold_meeting", HOLD).to_state == "decision_recorded"


# ---------------------------------------------------------------- Q4


def test_q4_documents_shared_late_without_reading_time_is_blocked() -> None:
    late = at(MEETING_DAY) - timedelta(hours=23)
    blocked = refused(hold_ctx(shared=late), "hold_meeting", HOLD)
    assert rules(blocked) == ["Q4"]
    assert "less than 24 hours" in blocked[0]["message"]
    assert "reading_time_allowed" in blocked[0]["message"]


def test_q4_documents_shared_late_with_reading_time_allowed_is_accepted() -> None:
    late = at(MEETING_DAY) - timedelta(hours=23)
    decision = fire(hold_ctx(shared=late), "hold_meeting", {**HOLD, "reading_time_allowed": True})
    assert decision.to_state == "decision_recorded"
    assert decision.data["reading_time_allowed"] is True


def test_q4_reading_time_explicitly_not_allowed_is_still_blocked() -> None:
    blocked = refused(hold_ctx(shared=None), "hold_meeting", {**HOLD, "reading_time_allowed": False})
    assert rules(blocked) == ["Q4"] and "not shared" in blocked[0]["message"]


def test_q4_documents_shared_exactly_24_hours_before_are_in_time() -> None:
    on_time = at(MEETING_DAY) - timedelta(hours=24)
    assert fire(hold_ctx(shared=on_time), "hold_meeting", HOLD).to_state == "decision_recorded"


# ---------------------------------------------------------------- C7


def test_c7_occurred_on_in_the_future_is_blocked() -> None:
    ctx = context("awaiting_notification")
    blocked = refused(ctx, "notify_national_panel", on=TODAY + timedelta(days=1))
    assert rules(blocked) == ["C7"] and "future" in blocked[0]["message"]
    assert fire(ctx, "notify_national_panel", on=TODAY).to_state == "gathering_information"


def test_c7_occurred_on_before_the_previous_event_is_blocked() -> None:
    ctx = context("awaiting_notification", last=date(2026, 1, 20))
    blocked = refused(ctx, "notify_national_panel", on=date(2026, 1, 19))
    assert rules(blocked) == ["C7"] and "before the review's previous event" in blocked[0]["message"]
    assert fire(ctx, "notify_national_panel", on=date(2026, 1, 20)).to_state == "gathering_information"


def test_c7_a_meeting_may_not_be_scheduled_before_the_day_it_is_recorded() -> None:
    ctx = context("gathering_information")
    blocked = refused(ctx, "schedule_meeting", {"meeting_on": "2026-01-27"}, on=TODAY)
    assert rules(blocked) == ["C7"] and "meeting_on" in blocked[0]["message"]
    decision = fire(ctx, "schedule_meeting", {"meeting_on": "2026-02-03"}, on=TODAY)
    assert decision.to_state == "meeting_scheduled"
    assert decision.data["meeting_on"] == date(2026, 2, 3)


# ---------------------------------------------------------------- §19 endorsements and escalation


def test_s19_endorse_with_every_party_agreeing_moves_to_endorsed() -> None:
    assert fire(context("decision_recorded", endorsements=ALL_ENDORSE), "endorse").to_state == "endorsed"


def test_s19_endorse_missing_a_party_is_blocked_naming_it() -> None:
    endorsements = tuple(e for e in ALL_ENDORSE if e.party != "police")
    blocked = refused(context("decision_recorded", endorsements=endorsements), "endorse")
    assert blocked == [{"rule": "§19", "message": "no endorsement from police"}]


def test_s19_endorse_when_a_party_disagrees_is_blocked() -> None:
    endorsements = (*(e for e in ALL_ENDORSE if e.party != "icb"), endorsement("icb", agrees=False))
    blocked = refused(context("decision_recorded", endorsements=endorsements), "endorse")
    assert rules(blocked) == ["§19"] and "icb does not agree" in blocked[0]["message"]


def test_s19_the_latest_endorsement_of_a_party_is_the_one_that_counts() -> None:
    endorsements = (endorsement("icb", agrees=False), *ALL_ENDORSE)
    assert fire(context("decision_recorded", endorsements=endorsements), "endorse").to_state == "endorsed"


def test_d2_an_endorser_ruled_excluding_cannot_endorse() -> None:
    declarations = (*DECLARED, interest(POLICE, 9, "excluding"))
    endorsements = (*(e for e in ALL_ENDORSE if e.party != "police"), endorsement("police", person_id=POLICE.person_id))
    blocked = refused(context("decision_recorded", endorsements=endorsements, declarations=declarations), "endorse")
    assert rules(blocked) == ["D2"] and "police" in blocked[0]["message"]


FIRST_LEVEL = {"level": "partners_representatives"}  # S3


def test_s19_S3_escalate_needs_a_disagreement() -> None:
    blocked = refused(context("decision_recorded", endorsements=ALL_ENDORSE), "escalate", FIRST_LEVEL, role="chair")
    assert rules(blocked) == ["§19"] and "disagreed" in blocked[0]["message"]
    assert rules(refused(context("decision_recorded"), "escalate", FIRST_LEVEL)) == ["§19"]
    disagreeing = (*ALL_ENDORSE[:2], endorsement("police", agrees=False))
    ctx = context("decision_recorded", endorsements=disagreeing)
    assert fire(ctx, "escalate", FIRST_LEVEL, role="chair").to_state == "escalated"


def test_s19_a_disagreement_later_withdrawn_is_no_ground_for_escalation() -> None:
    """The police first disagree, then endorse: the latest endorsement stands, for endorse and escalate alike."""
    changed_mind = (endorsement("police", agrees=False), *ALL_ENDORSE)
    ctx = context("decision_recorded", endorsements=changed_mind)
    assert rules(refused(ctx, "escalate", FIRST_LEVEL, role="chair")) == ["§19"]
    assert fire(ctx, "endorse").to_state == "endorsed"
    available = {a.event: a.allowed for a in ENGINE.available_events(RAPID, ctx)}
    assert available == {"escalate": False, "endorse": True, "withdraw": True}


def test_s19_S3_resolving_an_escalation_returns_to_decision_recorded_with_a_recommendation() -> None:
    ctx = context("escalated", endorsements=ALL_ENDORSE)  # S3: with the three partners' endorsements
    decision = fire(ctx, "resolve_escalation", {"recommendation": "other_review"}, role="independent_scrutineer")
    assert (decision.to_state, decision.data) == ("decision_recorded", {"recommendation": "other_review"})


# ---------------------------------------------------------------- data validation


def test_invalid_data_for_a_recommendation_outside_the_enum() -> None:
    with pytest.raises(InvalidData) as caught:
        fire(hold_ctx(), "hold_meeting", {**DECISION, "recommendation": "serious_case_review"})
    assert caught.value.errors == [
        {"field": "data.recommendation", "message": "must be one of lcspr, other_review, no_further_action"}
    ]


def test_invalid_data_for_a_missing_required_field() -> None:
    with pytest.raises(InvalidData) as caught:
        fire(hold_ctx(), "hold_meeting", DECISION)
    assert caught.value.errors == [{"field": "data.recommendation", "message": "is required"}]
    with pytest.raises(InvalidData, match="data.reason"):
        fire(context("gathering_information"), "withdraw", {"reason": None})


def test_invalid_data_for_an_unknown_field() -> None:
    with pytest.raises(InvalidData) as caught:
        fire(context("awaiting_notification"), "notify_national_panel", {"child_name": "X"})
    assert caught.value.errors[0]["field"] == "data.child_name"
    assert "not a field" in caught.value.errors[0]["message"]


def test_invalid_data_names_every_bad_field_and_each_type() -> None:
    with pytest.raises(InvalidData) as caught:
        fire(
            hold_ctx(),
            "hold_meeting",
            {**DECISION, "recommendation": "x", "reading_time_allowed": "yes", "meeting_id": "1", "extra": 1},
        )
    fields = {e["field"]: e["message"] for e in caught.value.errors}
    assert set(fields) == {"data.recommendation", "data.reading_time_allowed", "data.meeting_id", "data.extra"}
    assert fields["data.reading_time_allowed"] == "must be true or false"
    assert fields["data.meeting_id"] == "must be an integer"
    with pytest.raises(InvalidData, match="data.meeting_on"):
        fire(context("gathering_information"), "schedule_meeting", {"meeting_on": "2026-02-30"})
    with pytest.raises(InvalidData, match="data.meeting_id"):
        fire(hold_ctx(), "hold_meeting", {**HOLD, "meeting_id": True})


def test_invalid_data_is_reported_before_guards() -> None:
    # Police missing as well, but the caller is first told the data is wrong.
    with pytest.raises(InvalidData):
        fire(hold_ctx(LA, ICB), "hold_meeting", {"recommendation": "maybe"})


# ---------------------------------------------------------------- availability and permissions


def test_event_not_available_from_this_state() -> None:
    with pytest.raises(EventNotAvailable) as caught:
        fire(context("referred"), "hold_meeting", HOLD)
    assert caught.value.extra["state"] == "referred"
    assert caught.value.extra["available"] == ["screen_in", "screen_out", "close_no_further_action", "withdraw"]
    assert "cannot happen in state 'referred'" in caught.value.detail


def test_event_not_available_for_an_unknown_event() -> None:
    with pytest.raises(EventNotAvailable) as caught:
        fire(context("referred"), "teleport")
    assert "not an event of this workflow" in caught.value.detail


def test_nothing_is_available_from_a_final_state() -> None:
    for final in sorted(RAPID.final_states):
        with pytest.raises(EventNotAvailable):
            fire(context(final), "withdraw", {"reason": "again"})
        assert ENGINE.available_events(RAPID, context(final)) == []


def test_not_permitted_for_a_role_the_event_does_not_name() -> None:
    with pytest.raises(NotPermitted, match="role 'reviewer' may not fire 'screen_in'"):
        fire(screening_ctx(), "screen_in", role="reviewer")
    with pytest.raises(NotPermitted):
        fire(hold_ctx(), "hold_meeting", HOLD, role="read_only")
    assert fire(hold_ctx(), "hold_meeting", HOLD, role="chair").to_state == "decision_recorded"


def test_not_permitted_is_checked_even_when_the_event_is_not_available_here() -> None:
    with pytest.raises(NotPermitted):
        fire(context("referred"), "hold_meeting", HOLD, role="agency")


def test_local_authority_partner_may_notify_the_national_panel_but_police_may_not() -> None:
    ctx = context("awaiting_notification")
    assert (
        fire(ctx, "notify_national_panel", role="partner", partner="local_authority").to_state
        == "gathering_information"
    )
    with pytest.raises(NotPermitted):
        fire(ctx, "notify_national_panel", role="partner", partner="police")
    with pytest.raises(NotPermitted):
        fire(ctx, "notify_national_panel", role="partner", partner=None)
    with pytest.raises(NotPermitted):
        fire(ctx, "notify_national_panel", role="local_authority")


def test_a2_evaluation_reports_every_unmet_rule_at_once() -> None:
    declarations = (*(d for d in DECLARED if d.person_id != CHAIR.person_id), interest(LA, 9, None))
    ctx = hold_ctx(LA, ICB, CHAIR, shared=None, declarations=declarations, today=TODAY)
    blocked = refused(ctx, "hold_meeting", HOLD, on=TODAY + timedelta(days=3))
    assert sorted(set(rules(blocked))) == ["C7", "D1", "D2", "Q1", "Q4"]
    assert any("police" in b["message"] for b in blocked if b["rule"] == "Q1")
    assert any("Dee Dunn" in b["message"] for b in blocked if b["rule"] == "D1")


def test_available_events_lists_every_event_from_the_state_with_what_blocks_it() -> None:
    without_meeting = ENGINE.available_events(RAPID, context("referred"))
    assert [(a.event, a.to) for a in without_meeting] == [
        ("screen_in", "awaiting_notification"),
        ("screen_out", "redirected"),
        ("close_no_further_action", "closed"),
        ("withdraw", "withdrawn"),
    ]
    by_event = {a.event: a for a in without_meeting}
    for name in ("screen_in", "screen_out", "close_no_further_action"):
        assert not by_event[name].allowed
        assert [b.rule for b in by_event[name].blocked_by] == ["Q2"]
    assert by_event["withdraw"].allowed and by_event["withdraw"].blocked_by == []
    assert by_event["withdraw"].roles == ("business_unit",)

    with_meeting = ENGINE.available_events(RAPID, screening_ctx())
    assert all(a.allowed for a in with_meeting)


def test_available_events_previews_with_todays_date_and_no_data() -> None:
    # Documents late: hold_meeting shows Q4 because no reading time is claimed yet.
    late = at(MEETING_DAY) - timedelta(hours=2)
    available = {a.event: a for a in ENGINE.available_events(RAPID, hold_ctx(shared=late))}
    assert [b.rule for b in available["hold_meeting"].blocked_by] == ["Q4"]
    # A review whose last event is after today cannot move at all (C7).
    stuck = ENGINE.available_events(RAPID, context("awaiting_notification", last=TODAY + timedelta(days=1)))
    assert all(not a.allowed and "C7" in [b.rule for b in a.blocked_by] for a in stuck)


# ---------------------------------------------------------------- clocks (C2, C5)


def test_create_time_clocks_run_from_received_on_and_became_aware_on() -> None:
    created = {
        c.name: c
        for c in clock_rules.initial_clocks(
            RAPID.clocks, {"received_on": RECEIVED, "became_aware_on": date(2026, 1, 2)}, CALENDAR
        )
    }
    assert created["screening"].status == clock_rules.RUNNING
    assert created["screening"].due_on == date(2026, 1, 12)  # Mon + 5 working days
    assert created["notification"].started_on == date(2026, 1, 2)
    assert created["notification"].due_on == date(2026, 1, 9)
    assert created["rapid_review"].status == clock_rules.NOT_STARTED
    assert created["rapid_review"].due_on is None


def test_notification_clock_defaults_to_received_on() -> None:
    created = {c.name: c for c in clock_rules.initial_clocks(RAPID.clocks, {"received_on": RECEIVED}, CALENDAR)}
    assert created["notification"].started_on == RECEIVED
    assert created["notification"].due_on == date(2026, 1, 12)


def test_c2_notify_national_panel_starts_the_15_working_day_rapid_review_clock() -> None:
    received = date(2025, 12, 15)
    created = {c.name: c for c in clock_rules.initial_clocks(RAPID.clocks, {"received_on": received}, CALENDAR)}
    ctx = context("awaiting_notification", last=received, today=date(2025, 12, 19))
    decision = fire(ctx, "notify_national_panel", on=date(2025, 12, 19), clocks=created)
    rapid = decision.clock_changes["rapid_review"]
    assert rapid.status == clock_rules.RUNNING
    assert rapid.started_on == date(2025, 12, 19)
    assert rapid.due_on == rapid.original_due_on == date(2026, 1, 14)  # the C2 worked example
    assert decision.clock_changes["notification"].status == clock_rules.MET  # due Mon 22 Dec
    assert "screening" not in decision.clock_changes  # only its own events stop it


def test_c5_submitting_on_the_due_date_meets_the_clock_and_a_day_later_breaches_it() -> None:
    running = {
        "rapid_review": clock_rules.started(
            next(c for c in RAPID.clocks if c.name == "rapid_review"), date(2025, 12, 19), CALENDAR
        )
    }
    due = date(2026, 1, 14)
    ctx = context("endorsed", last=date(2026, 1, 10), today=date(2026, 2, 1))
    met = fire(ctx, "submit_to_national_panel", on=due, clocks=running).clock_changes["rapid_review"]
    assert (met.status, met.stopped_on) == (clock_rules.MET, due)
    late = fire(ctx, "submit_to_national_panel", on=date(2026, 1, 15), clocks=running).clock_changes["rapid_review"]
    assert late.status == clock_rules.BREACHED
    assert late.due_on == due


def test_c5_a_running_clock_past_its_deadline_reports_breached() -> None:
    clock = clock_rules.started(next(c for c in RAPID.clocks if c.name == "screening"), RECEIVED, CALENDAR)
    assert clock_rules.reported_status(clock, clock.due_on) == clock_rules.RUNNING  # type: ignore[arg-type]
    assert clock_rules.reported_status(clock, date(2026, 1, 13)) == clock_rules.BREACHED
    assert clock_rules.working_days_remaining(clock, date(2026, 1, 7), CALENDAR) == 3
    assert clock_rules.working_days_remaining(clock, date(2026, 1, 14), CALENDAR) == -2


def test_q2_screen_in_stops_the_screening_clock_met_or_breached() -> None:
    created = {c.name: c for c in clock_rules.initial_clocks(RAPID.clocks, {"received_on": RECEIVED}, CALENDAR)}
    assert created["screening"].due_on == date(2026, 1, 12)
    in_time = date(2026, 1, 12)
    ctx = screening_ctx(meetings=(meeting("screening", on=in_time),), last=RECEIVED)
    met = fire(ctx, "screen_in", on=in_time, clocks=created).clock_changes
    assert met == {
        "screening": replace(created["screening"], status=clock_rules.MET, stopped_on=in_time, working_days_taken=5)
    }
    late = date(2026, 1, 13)
    ctx = screening_ctx(meetings=(meeting("screening", on=late),), last=RECEIVED)
    breached = fire(ctx, "screen_in", on=late, clocks=created).clock_changes
    assert breached["screening"].status == clock_rules.BREACHED


def test_withdraw_cancels_running_clocks_and_leaves_stopped_ones() -> None:
    clocks = {c.name: c for c in clock_rules.initial_clocks(RAPID.clocks, {"received_on": RECEIVED}, CALENDAR)}
    clocks["screening"] = clock_rules.stopped(clocks["screening"], date(2026, 1, 9), CALENDAR)
    decision = fire(context("awaiting_notification"), "withdraw", {"reason": "referral made in error"}, clocks=clocks)
    assert (decision.to_state, decision.review_open) == ("withdrawn", False)
    assert set(decision.clock_changes) == {"notification"}
    cancelled = decision.clock_changes["notification"]
    assert (cancelled.status, cancelled.stopped_on) == (clock_rules.CANCELLED, TODAY)
    assert "rapid_review" not in decision.clock_changes  # never started: nothing to cancel


def test_a_rapid_review_runs_from_referral_to_conclusion_with_every_clock_met() -> None:
    """§5.1: referral Mon 5 Jan 2026 to the Panel's response, each step on its business date."""
    clocks = {c.name: c for c in clock_rules.initial_clocks(RAPID.clocks, {"received_on": RECEIVED}, CALENDAR)}
    ctx = context(
        "referred",
        meetings=(meeting("screening", id=1, on=date(2026, 1, 9)), meeting("rapid_review", id=2)),
        endorsements=ALL_ENDORSE,
        last=RECEIVED,
    )
    steps = [
        ("screen_in", date(2026, 1, 9), {}),
        ("notify_national_panel", date(2026, 1, 9), {}),
        ("schedule_meeting", date(2026, 1, 12), {"meeting_on": "2026-01-27"}),
        ("hold_meeting", MEETING_DAY, HOLD),
        ("endorse", date(2026, 1, 28), {}),
        ("submit_to_national_panel", date(2026, 1, 30), {}),
        ("record_panel_response", date(2026, 2, 13), {"panel_view": "agrees"}),
    ]
    for event, on, data in steps:
        ctx = replace(ctx, today=on)
        decision = ENGINE.fire(RAPID, replace(ctx, clocks=clocks), event, on, data, "business_unit", None)
        clocks = {**clocks, **decision.clock_changes}
        ctx = replace(ctx, state=decision.to_state, last_occurred_on=on)
    assert ctx.state == "concluded" and not RAPID.is_open(ctx.state)
    assert {name: c.status for name, c in clocks.items()} == {
        "screening": clock_rules.MET,
        "notification": clock_rules.MET,
        "rapid_review": clock_rules.MET,
    }
    assert clocks["rapid_review"].due_on == date(2026, 1, 30)  # 15 working days from Fri 9 Jan
    assert ENGINE.available_events(RAPID, ctx) == []


# ---------------------------------------------------------------- engine invariants (property)

GOOD_MEETINGS = (
    meeting("screening", id=1, on=date(2026, 1, 9)),
    meeting("rapid_review", id=2, on=MEETING_DAY),
)
ALL_PASS = context("referred", meetings=GOOD_MEETINGS, endorsements=ALL_ENDORSE, last=date(2026, 1, 5))
# The same, but the police disagree with the outcome: endorse is refused and escalate allowed (§19).
DISAGREEING = replace(ALL_PASS, endorsements=(*ALL_ENDORSE, endorsement("police", agrees=False)))
# The police disagreed, then changed their mind: all agree again.
RECONCILED = replace(ALL_PASS, endorsements=(endorsement("police", agrees=False), *ALL_ENDORSE))
VALID_DATA: dict[str, dict[str, Any]] = {
    "screen_out": {"redirect_to": "non_statutory"},
    "close_no_further_action": {"reason": "no further action"},
    "schedule_meeting": {"meeting_on": "2026-02-10"},
    "hold_meeting": HOLD,
    "escalate": {"level": "partners_representatives"},  # S3 (the test does not carry facts between events)
    "resolve_escalation": {"recommendation": "lcspr"},
    "reconsider_decision": {"recommendation": "lcspr"},
    "record_panel_response": {"panel_view": "agrees"},
    "withdraw": {"reason": "withdrawn by the partnership"},
}
EVENT_NAMES = sorted({e.name for e in RAPID.events}) + ["teleport"]
CALLERS = [
    ("business_unit", None),
    ("chair", None),
    ("independent_scrutineer", None),
    ("reviewer", None),
    ("read_only", None),
    ("partner", "local_authority"),
    ("partner", "police"),
]

BUSINESS_UNIT = ("business_unit", None)


@settings(max_examples=200, deadline=None)
@given(
    data=st.data(),
    start=st.sampled_from([ALL_PASS, DISAGREEING, RECONCILED]),
    length=st.integers(min_value=1, max_value=25),
)
def test_engine_invariants_over_random_event_sequences(data: st.DataObject, start: ReviewContext, length: int) -> None:
    """Random (event, caller) sequences, biased towards events that move the review on from its current
    state and towards the business unit, so that runs reach every state, the final ones included."""
    ctx = start
    clocks = {c.name: c for c in clock_rules.initial_clocks(RAPID.clocks, {"received_on": RECEIVED}, CALENDAR)}
    for _ in range(length):
        # Events leading on to an open state or to `concluded`; the others (closing ones included) are
        # in EVENT_NAMES too.
        moving_on = [e.name for e in RAPID.events_from(ctx.state) if RAPID.is_open(e.dest) or e.dest == "concluded"]
        event = data.draw(st.sampled_from(moving_on * 10 + EVENT_NAMES), label="event")
        role, partner = data.draw(st.sampled_from([BUSINESS_UNIT] * 4 + CALLERS), label="caller")
        with_data = data.draw(st.sampled_from([True, True, True, False]), label="with valid data")
        before = ctx.state
        ctx = replace(ctx, clocks=clocks)
        available = {a.event: a for a in ENGINE.available_events(RAPID, ctx)}
        # §19: a review is either ready to endorse or in disagreement, never both.
        assert not (
            available.get("endorse")
            and available["endorse"].allowed
            and available.get("escalate")
            and available["escalate"].allowed
        )
        if not RAPID.is_open(before):
            assert available == {}
        try:
            decision = ENGINE.fire(
                RAPID,
                ctx,
                event,
                TODAY,
                VALID_DATA.get(event, {}) if with_data else {},
                role,
                partner,
            )
        except (EventNotAvailable, NotPermitted, TransitionRefused, InvalidData):
            # A refusal has no decision, so nothing can move: the state stays `before`. Check the refusal
            # was deserved: an available, permitted event with valid data must not be refused by its guards.
            definition = RAPID.event(event, before)
            needs_data = definition is not None and any(f.required for f in definition.data)
            if event in available and available[event].allowed and (with_data or not needs_data):
                assert not role_allows(available[event].roles, role, partner)
            # Refusing left no trace in the machine all reviews share: the review offers what it offered.
            assert ENGINE.available_events(RAPID, ctx) == list(available.values())
            continue
        # Fired: only via the Decision, to the event's destination from this state.
        definition = RAPID.event(event, before)
        assert definition is not None
        assert event in available and available[event].allowed
        assert role_allows(definition.roles, role, partner)
        assert decision.from_state == before
        assert decision.to_state in definition.destinations
        assert decision.to_state in RAPID.states
        assert decision.review_open == RAPID.is_open(decision.to_state)
        clocks = {**clocks, **decision.clock_changes}
        ctx = replace(ctx, state=decision.to_state)
        if not decision.review_open:
            # A closed review has no deadline still ticking.
            assert all(c.status not in clock_rules.TICKING for c in clocks.values())
    assert ctx.state in RAPID.states
