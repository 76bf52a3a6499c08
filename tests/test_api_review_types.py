"""Each review type's whole path, and each of its refusals, through HTTP (domain.md "The five review
types", L1–L9, D3, K1; api.md).

Dates are business dates as a user would report them, all on or before "today" (Mon 2026-03-02, C7),
and never before the review's previous event. Deadlines are checked against the calendar endpoint.
"""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from .helpers import (
    DECISION,
    PANEL,
    Api,
    KeyFor,
    blocked,
    field_errors,
    history,
    messages,
    problem,
    record_return,
    request_information,
    review_count,
    unchanged,
    working_day,
)

LA, ICB, POLICE = PANEL
REVIEWER = {"person_id": "rev-1", "name": "Morgan Hale", "organisation": "Hale Safeguarding Consultancy"}
APPOINTMENT = {
    "reviewer": {"person_id": "rev-1", "name": "Morgan Hale", "contract_signed": True, "policy_confirmed": True}
}
AGENCIES = ("Salford Royal NHS Foundation Trust", "Salford City Council Children's Services")
PARTNER_SIGNATORIES = [
    ("local_authority", "la-1", "Dana Okafor"),
    ("icb", "icb-1", "Imran Shah"),
    ("police", "gmp-1", "Pat Reilly"),
]
FIVE_TYPES = {"rapid", "lcspr", "serious_offence", "good_outcome", "non_statutory"}


# ---------------------------------------------------------------- helpers


def transitions(api: Api, review_id: str) -> list[tuple[str, str, str]]:
    return [(h["event"], h["to_state"], h["occurred_on"]) for h in history(api, review_id) if h["kind"] == "transition"]


def clocks(review: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["name"]: c for c in review["clocks"]}


def step(api: Api, review_id: str, event: str, occurred_on: str, data: dict[str, Any] | None = None) -> dict[str, Any]:
    """Fire `event`, which must succeed; the updated review."""
    return api.ok(api.fire(review_id, event, occurred_on, data))


def declare_reviewer(
    api: Api, review_id: str, declared_on: str, has_interest: bool = False, details: str = ""
) -> dict[str, Any]:
    body = {
        **REVIEWER,
        "role": "reviewer",
        "has_interest": has_interest,
        "details": details,
        "declared_on": declared_on,
    }
    return api.ok(api.client.post(f"/reviews/{review_id}/declarations", json=body, headers=api.bu), 201)


def appointment(**changes: Any) -> dict[str, Any]:
    return {"reviewer": {**APPOINTMENT["reviewer"], **changes}}


def screening(api: Api, review_id: str, day: str, attendees: list[dict[str, Any]] = PANEL, declare: bool = True) -> int:
    """A screening meeting at 10:00 on `day`, papers out the day before, attended (and declared) by `attendees`."""
    meeting = api.meeting(review_id, "screening", f"{day}T10:00:00+00:00", f"{day}T08:00:00+00:00")
    api.attend(review_id, meeting["id"], attendees)
    if declare:
        for person in attendees:
            api.declare(review_id, person, day)
    return meeting["id"]


# ---------------------------------------------------------------- an LCSPR, step by step

# An LCSPR commissioned directly on Wed 1 Oct 2025 and run to its end; (event, occurred_on, data).
LCSPR_RECEIVED = "2025-10-01"
LCSPR_PATH: list[tuple[str, str, dict[str, Any]]] = [
    ("appoint_reviewer", "2025-10-08", APPOINTMENT),
    ("agree_terms_of_reference", "2025-10-20", {"terms_of_reference": "Multi-agency response to neglect, 2024-25"}),
    ("circulate_draft", "2026-01-12", {"family_involvement": "involved"}),
    ("agree_final_report", "2026-01-21", {}),
    ("sign_off", "2026-01-23", {}),
    ("send_to_national_panel", "2026-02-16", {}),
    ("publish", "2026-02-25", {"url": "https://safeguarding.example/lcspr/child-l"}),
    ("close", "2026-02-27", {}),
]


def plan_action(api: Api, review_id: str) -> None:
    """L9: the action plan a review needs before it closes."""
    body = {
        "recommendation": "Share learning on neglect",
        "action": "Run multi-agency briefings",
        "owner_organisation": "Salford City Council",
        "due_on": "2026-06-30",
        "intended_outcome": "Practitioners recognise cumulative neglect",
    }
    api.ok(api.client.post(f"/reviews/{review_id}/actions", json=body, headers=api.bu), 201)


def prepare_lcspr(api: Api, review_id: str, event: str) -> None:
    """What the path needs before `event`: the reviewer's declaration, the agencies' answers, the sign-off."""
    if event == "appoint_reviewer":
        declare_reviewer(api, review_id, "2025-10-06")
    elif event == "agree_final_report":
        for organisation, returned_on in zip(AGENCIES, ("2026-01-19", "2026-01-20"), strict=True):
            request = request_information(api, review_id, organisation, "2026-01-12", "factual_accuracy")
            api.ok(record_return(api, review_id, request["id"], returned_on))
    elif event == "sign_off":
        for party, person_id, name in PARTNER_SIGNATORIES:
            api.endorse(review_id, party, person_id, name, endorsed_on="2026-01-22")
    elif event == "publish":  # S4: the three partners endorse the decision to publish
        for party, person_id, name in PARTNER_SIGNATORIES:
            api.endorse(review_id, party, person_id, name, endorsed_on="2026-02-16", decision="publish")
    elif event == "close":
        plan_action(api, review_id)


def lcspr_at(api: Api, until: str | None = None, **fields: Any) -> dict[str, Any]:
    """A new LCSPR walked along LCSPR_PATH up to (not including, nor prepared for) `until`."""
    review = api.create_review(review_type="lcspr", received_on=LCSPR_RECEIVED, child_reference="Child L", **fields)
    for event, occurred_on, data in LCSPR_PATH:
        if event == until:
            break
        prepare_lcspr(api, review["id"], event)
        review = step(api, review["id"], event, occurred_on, data)
    return review


# ---------------------------------------------------------------- rapid review outcomes (K1, L1)


def test_L2a_a_panel_response_recommending_an_lcspr_opens_it_linked_with_clocks_from_the_endorse_date(
    api: Api,
) -> None:
    rapid = api.new_review_at()  # record_panel_response on Fri 2026-02-27, recommendation lcspr
    assert rapid["state"] == "concluded" and rapid["open"] is False
    assert len(rapid["links"]) == 1
    link = rapid["links"][0]
    assert (link["relation"], link["direction"], link["review_type"], link["state"]) == (
        "opened",
        "outgoing",
        "lcspr",
        "commissioned",
    )

    lcspr = api.review(link["review_id"])
    assert lcspr["review_type"] == "lcspr" and lcspr["state"] == "commissioned" and lcspr["open"] is True
    assert lcspr["received_on"] == "2026-02-27"  # the panel response is the commissioning record (L1)
    assert lcspr["child_reference"] == rapid["child_reference"]
    assert lcspr["reference"].startswith("LCSPR-2026-") and link["reference"] == lcspr["reference"]

    # L2a: the clocks count from the local decision, the partners' endorsement on Wed 18 Feb, not the
    # Panel's response: a partnership that waits for the Panel shows the delay.
    assert lcspr["facts"]["decided_on"] == "2026-02-18"
    appointment_due = working_day(api, "2026-02-18", 10)
    assert appointment_due == "2026-03-04"
    running = clocks(lcspr)
    assert {k: running["reviewer_appointment"][k] for k in ("status", "started_on", "due_on", "original_due_on")} == {
        "status": "running",
        "started_on": "2026-02-18",
        "due_on": appointment_due,
        "original_due_on": appointment_due,
    }
    assert running["reviewer_appointment"]["working_days_remaining"] == 2  # 3 and 4 March
    assert {k: running["completion"][k] for k in ("status", "started_on", "due_on")} == {
        "status": "running",
        "started_on": "2026-02-18",
        "due_on": "2026-08-18",  # six months (C3), a Tuesday
    }
    assert running["factual_accuracy"]["status"] == "not_started" and running["factual_accuracy"]["due_on"] is None

    back = lcspr["links"]
    assert len(back) == 1
    assert (back[0]["relation"], back[0]["direction"], back[0]["review_id"], back[0]["reference"]) == (
        "opened_by",
        "incoming",
        rapid["id"],
        rapid["reference"],
    )

    response = history(api, rapid["id"])[-1]
    assert response["event"] == "record_panel_response"
    assert response["effects"]["opened"] == {"review_id": lcspr["id"], "reference": lcspr["reference"]}
    assert [h["kind"] for h in history(api, lcspr["id"])] == ["review_created"]
    assert review_count(api) == 2


@pytest.mark.parametrize(
    ("recommendation", "opened_type"), [("other_review", "non_statutory"), ("no_further_action", None)]
)
def test_L2a_the_recommendation_decides_what_the_panel_response_opens_counting_from_the_endorse_date(
    api: Api, recommendation: str, opened_type: str | None
) -> None:
    review = api.new_review_at("hold_meeting")
    api.prepare(review["id"], "hold_meeting")
    step(api, review["id"], "hold_meeting", "2026-02-16", {"recommendation": recommendation, **DECISION})
    rapid = api.walk(review["id"])  # endorse, submit, record_panel_response (2026-02-27)
    assert rapid["state"] == "concluded" and rapid["facts"]["recommendation"] == recommendation
    opened = history(api, rapid["id"])[-1]["effects"]["opened"]
    if opened_type is None:
        assert rapid["links"] == [] and opened is None
        assert review_count(api) == 1
        return
    (link,) = rapid["links"]
    assert (link["relation"], link["review_type"]) == ("opened", opened_type)
    assert opened == {"review_id": link["review_id"], "reference": link["reference"]}
    other = api.review(link["review_id"])
    assert other["state"] == "commissioned" and other["received_on"] == "2026-02-27"
    assert other["reference"].startswith("NSPR-2026-")
    assert other["facts"] == {"decided_on": "2026-02-18"}  # the rapid review's endorse date (L2a)
    assert clocks(other)["reviewer_appointment"]["started_on"] == "2026-02-18"
    assert clocks(other)["reviewer_appointment"]["due_on"] == working_day(api, "2026-02-18", 10)
    assert [(x["relation"], x["review_id"]) for x in other["links"]] == [("opened_by", rapid["id"])]


@pytest.mark.parametrize(
    ("redirect_to", "initial_state", "clock", "days"),
    [
        ("good_outcome", "referred", "screening", 5),
        ("serious_offence", "referred", "screening", 5),
        ("non_statutory", "commissioned", "reviewer_appointment", 10),
    ],
)
def test_screen_out_opens_the_review_it_redirects_to(
    api: Api, redirect_to: str, initial_state: str, clock: str, days: int
) -> None:
    rapid = api.create_review(received_on="2026-02-23")
    screening(api, rapid["id"], "2026-02-26")
    out = step(api, rapid["id"], "screen_out", "2026-02-26", {"redirect_to": redirect_to, "reason": "not statutory"})
    assert out["state"] == "redirected" and out["open"] is False
    assert clocks(out)["screening"]["status"] == "met" and clocks(out)["screening"]["stopped_on"] == "2026-02-26"

    (link,) = out["links"]
    assert (link["relation"], link["review_type"], link["state"]) == ("opened", redirect_to, initial_state)
    opened = api.review(link["review_id"])
    assert opened["review_type"] == redirect_to and opened["state"] == initial_state
    assert opened["received_on"] == "2026-02-26"
    due = working_day(api, "2026-02-26", days)
    assert due == ("2026-03-05" if days == 5 else "2026-03-12")
    assert {k: clocks(opened)[clock][k] for k in ("status", "started_on", "due_on")} == {
        "status": "running",
        "started_on": "2026-02-26",
        "due_on": due,
    }
    assert [(x["relation"], x["direction"], x["review_id"]) for x in opened["links"]] == [
        ("opened_by", "incoming", rapid["id"])
    ]
    assert history(api, rapid["id"])[-1]["effects"]["opened"]["review_id"] == opened["id"]


# ---------------------------------------------------------------- LCSPR: the whole path (L1–L9)


def test_S5_an_lcspr_runs_from_commissioning_to_close_with_draft_deletion_to_confirm(api: Api) -> None:
    review = api.create_review(review_type="lcspr", received_on=LCSPR_RECEIVED, child_reference="Child L")
    assert review["state"] == "commissioned" and review["reference"].startswith("LCSPR-2025-")
    review_id = review["id"]
    for event, occurred_on, data in LCSPR_PATH:
        prepare_lcspr(api, review_id, event)
        review = step(api, review_id, event, occurred_on, data)

    assert review["state"] == "closed" and review["open"] is False
    assert transitions(api, review_id) == [
        ("appoint_reviewer", "reviewer_appointed", "2025-10-08"),
        ("agree_terms_of_reference", "in_review", "2025-10-20"),
        ("circulate_draft", "factual_accuracy_check", "2026-01-12"),
        ("agree_final_report", "final_report_agreed", "2026-01-21"),
        ("sign_off", "signed_off", "2026-01-23"),
        ("send_to_national_panel", "sent_to_panel", "2026-02-16"),
        ("publish", "published", "2026-02-25"),
        ("close", "closed", "2026-02-27"),
    ]
    facts = review["facts"]
    assert facts["reviewer"] == APPOINTMENT["reviewer"]
    assert facts["terms_of_reference_agreed_on"] == "2025-10-20"
    assert facts["family_involvement"] == "involved"
    assert facts["sent_to_panel_on"] == "2026-02-16"
    assert facts["published_on"] == "2026-02-25"
    assert facts["may_take_down_on"] == "2027-02-25"  # 12 calendar months (L8, C4)
    assert "drafts_deleted_on" not in facts  # S5: closing does not pretend the drafts were deleted
    assert "S5" in {t["rule"] for t in review["outstanding_tasks"]}

    timed = clocks(review)
    assert (timed["reviewer_appointment"]["status"], timed["reviewer_appointment"]["stopped_on"]) == (
        "met",
        "2025-10-08",
    )
    assert timed["reviewer_appointment"]["due_on"] == working_day(api, LCSPR_RECEIVED, 10) == "2025-10-15"
    assert (timed["factual_accuracy"]["status"], timed["factual_accuracy"]["stopped_on"]) == ("met", "2026-01-21")
    assert timed["factual_accuracy"]["due_on"] == working_day(api, "2026-01-12", 10) == "2026-01-26"
    assert (timed["completion"]["status"], timed["completion"]["due_on"]) == ("met", "2026-04-01")
    assert review["available_events"] == []


def test_S4_an_lcspr_the_partnership_decides_not_to_publish_closes(api: Api) -> None:
    review = lcspr_at(api, "publish")
    assert review["state"] == "sent_to_panel"
    with unchanged(api, review["id"]):
        body = problem(api.fire(review["id"], "decide_not_to_publish", "2026-02-18"), 422)
    assert field_errors(body) == {"data.reason", "data.panel_told_on"}
    not_to_publish = {"reason": "Publication would identify the child", "panel_told_on": "2026-02-17"}
    with unchanged(api, review["id"]):  # S4: the three partners have not endorsed that decision
        entries = blocked(api.fire(review["id"], "decide_not_to_publish", "2026-02-18", not_to_publish), "S4")
    assert "not to publish" in messages(entries, "S4") and len(entries) == 3
    for party, person_id, name in PARTNER_SIGNATORIES:
        api.endorse(review["id"], party, person_id, name, endorsed_on="2026-02-17", decision="not_to_publish")
    held_back = step(api, review["id"], "decide_not_to_publish", "2026-02-18", not_to_publish)
    assert held_back["state"] == "not_published" and "published_on" not in held_back["facts"]
    assert held_back["facts"]["panel_told_on"] == "2026-02-17"
    plan_action(api, review["id"])
    closed = step(api, review["id"], "close", "2026-02-20")
    assert closed["state"] == "closed" and "drafts_deleted_on" not in closed["facts"]
    assert [t[0] for t in transitions(api, review["id"])][-2:] == ["decide_not_to_publish", "close"]


def test_decide_not_to_publish_needs_the_report_sent_to_the_panel(api: Api) -> None:
    review = lcspr_at(api, "send_to_national_panel")
    with unchanged(api, review["id"]):
        body = problem(api.fire(review["id"], "decide_not_to_publish", "2026-02-16", {"reason": "x"}), 422)
    assert "signed_off" in body["detail"]


# ---------------------------------------------------------------- D3: the reviewer is independent


@pytest.mark.parametrize(
    ("declaration", "ruling", "changes", "words"),
    [
        (None, None, {}, ["no declaration of interest"]),
        ("interest", None, {}, ["not yet ruled on"]),
        ("interest", "excluding", {}, ["excluding"]),
        ("none", None, {"contract_signed": False}, ["contract"]),
        ("none", None, {"policy_confirmed": False}, ["policy"]),
        (None, None, {"contract_signed": False, "policy_confirmed": False}, ["declaration", "contract", "policy"]),
    ],
    ids=["no-declaration", "interest-not-ruled", "interest-excluding", "no-contract", "policy-not-confirmed", "all"],
)
def test_a_reviewer_who_is_not_independent_is_refused(
    api: Api, declaration: str | None, ruling: str | None, changes: dict[str, Any], words: list[str]
) -> None:
    review = api.create_review(review_type="lcspr", received_on=LCSPR_RECEIVED)
    if declaration is not None:
        made = declare_reviewer(
            api,
            review["id"],
            "2025-10-06",
            has_interest=declaration == "interest",
            details="Commissioned by the trust under review in 2024" if declaration == "interest" else "",
        )
        if ruling:
            api.rule(review["id"], made["id"], ruling)
    with unchanged(api, review["id"]):
        entries = blocked(api.fire(review["id"], "appoint_reviewer", "2025-10-08", appointment(**changes)), "D3")
    assert len(entries) == len(words)
    for word in words:
        assert word in messages(entries, "D3")
    assert "Morgan Hale" in messages(entries, "D3")
    assert api.review(review["id"])["state"] == "commissioned"


def test_a_reviewer_whose_interest_was_noted_is_appointed(api: Api) -> None:
    review = api.create_review(review_type="lcspr", received_on=LCSPR_RECEIVED)
    made = declare_reviewer(api, review["id"], "2025-10-06", has_interest=True, details="Trained staff at the trust")
    api.rule(review["id"], made["id"], "noted")
    appointed = step(api, review["id"], "appoint_reviewer", "2025-10-08", APPOINTMENT)
    assert appointed["state"] == "reviewer_appointed" and appointed["facts"]["reviewer"]["person_id"] == "rev-1"


def test_a_declaration_made_after_the_appointment_date_does_not_count(api: Api) -> None:
    review = api.create_review(review_type="lcspr", received_on=LCSPR_RECEIVED)
    declare_reviewer(api, review["id"], "2025-10-09")
    with unchanged(api, review["id"]):
        entries = blocked(api.fire(review["id"], "appoint_reviewer", "2025-10-08", APPOINTMENT), "D3")
    assert "no declaration of interest" in messages(entries, "D3")
    assert step(api, review["id"], "appoint_reviewer", "2025-10-09", APPOINTMENT)["state"] == "reviewer_appointed"


# ---------------------------------------------------------------- L4: family involvement


@pytest.mark.parametrize("review_type", ["lcspr", "non_statutory"])
@pytest.mark.parametrize("decision", ["declined", "not_in_childs_interests"])
def test_family_involvement_other_than_involved_needs_a_reason(api: Api, review_type: str, decision: str) -> None:
    review = api.create_review(review_type=review_type, received_on=LCSPR_RECEIVED)
    declare_reviewer(api, review["id"], "2025-10-06")
    step(api, review["id"], "appoint_reviewer", "2025-10-08", APPOINTMENT)
    step(api, review["id"], "agree_terms_of_reference", "2025-10-20")
    for data in ({"family_involvement": decision}, {"family_involvement": decision, "family_involvement_reason": "  "}):
        with unchanged(api, review["id"]):
            entries = blocked(api.fire(review["id"], "circulate_draft", "2026-01-12", data), "L4")
        assert "family_involvement_reason" in messages(entries, "L4") and decision in messages(entries, "L4")
    with unchanged(api, review["id"]):
        body = problem(api.fire(review["id"], "circulate_draft", "2026-01-12", {}), 422)
    assert field_errors(body) == {"data.family_involvement"}
    circulated = step(
        api,
        review["id"],
        "circulate_draft",
        "2026-01-12",
        {"family_involvement": decision, "family_involvement_reason": "Mother asked not to take part"},
    )
    assert circulated["state"] == "factual_accuracy_check" and circulated["facts"]["family_involvement"] == decision
    assert history(api, review["id"])[-1]["data"]["family_involvement_reason"] == "Mother asked not to take part"


# ---------------------------------------------------------------- L5: the factual accuracy window


def test_the_final_report_waits_for_every_agency_while_the_window_is_open(api: Api) -> None:
    review = lcspr_at(api, "agree_final_report")  # draft circulated Mon 2026-01-12
    window = clocks(review)["factual_accuracy"]
    assert window["due_on"] == working_day(api, "2026-01-12", 10) == "2026-01-26"
    assert window["window"] is True and window["status"] == "met"  # as of today the window has closed

    # Nobody asked yet: the window is open and no agency has answered.
    with unchanged(api, review["id"]):
        entries = blocked(api.fire(review["id"], "agree_final_report", "2026-01-21"), "L5")
    assert "2026-01-26" in messages(entries, "L5")

    trust, council = (request_information(api, review["id"], o, "2026-01-12", "factual_accuracy") for o in AGENCIES)
    chronology = request_information(api, review["id"], "Salford Primary School", "2026-01-12", "chronology")
    api.ok(record_return(api, review["id"], trust["id"], "2026-01-19"))
    with unchanged(api, review["id"]):
        entries = blocked(api.fire(review["id"], "agree_final_report", "2026-01-21"), "L5")
    assert AGENCIES[1] in messages(entries, "L5") and AGENCIES[0] not in messages(entries, "L5")
    assert "2026-01-26" in messages(entries, "L5")

    api.ok(record_return(api, review["id"], council["id"], "2026-01-20"))
    # The school's chronology is not a factual accuracy comment: it does not hold the report back.
    assert chronology["kind"] == "chronology"
    agreed = step(api, review["id"], "agree_final_report", "2026-01-21")
    assert agreed["state"] == "final_report_agreed"
    assert (clocks(agreed)["factual_accuracy"]["status"], clocks(agreed)["factual_accuracy"]["stopped_on"]) == (
        "met",
        "2026-01-21",
    )


def test_the_final_report_can_be_agreed_once_the_window_has_closed(api: Api) -> None:
    review = lcspr_at(api, "agree_final_report")
    request_information(api, review["id"], AGENCIES[0], "2026-01-12", "factual_accuracy")  # never answered
    with unchanged(api, review["id"]):
        entries = blocked(api.fire(review["id"], "agree_final_report", "2026-01-26"), "L5")  # the window's last day
    assert AGENCIES[0] in messages(entries, "L5")
    agreed = step(api, review["id"], "agree_final_report", "2026-01-27")
    assert agreed["state"] == "final_report_agreed"
    assert clocks(agreed)["factual_accuracy"]["status"] == "met"  # a window closes; it is never breached


def test_an_answer_given_after_the_agreement_date_does_not_count(api: Api) -> None:
    review = lcspr_at(api, "agree_final_report")
    request = request_information(api, review["id"], AGENCIES[0], "2026-01-12", "factual_accuracy")
    api.ok(record_return(api, review["id"], request["id"], "2026-01-23"))  # answered on the 23rd
    with unchanged(api, review["id"]):
        entries = blocked(api.fire(review["id"], "agree_final_report", "2026-01-21"), "L5")  # agreed on the 21st?
    assert AGENCIES[0] in messages(entries, "L5")


# ---------------------------------------------------------------- L6: sign-off by the three partners


def test_sign_off_needs_each_statutory_partner(api: Api) -> None:
    review = lcspr_at(api, "sign_off")
    assert review["state"] == "final_report_agreed"
    for party, person_id, name in PARTNER_SIGNATORIES[:2]:
        api.endorse(review["id"], party, person_id, name, endorsed_on="2026-01-22")
    with unchanged(api, review["id"]):
        entries = blocked(api.fire(review["id"], "sign_off", "2026-01-23"), "L6")
    assert len(entries) == 1 and "police" in messages(entries, "L6")

    api.endorse(review["id"], "police", "gmp-1", "Pat Reilly", agrees=False, endorsed_on="2026-01-22")
    with unchanged(api, review["id"]):
        entries = blocked(api.fire(review["id"], "sign_off", "2026-01-23"), "L6")
    assert "police does not agree" in messages(entries, "L6")

    api.endorse(review["id"], "police", "gmp-1", "Pat Reilly", endorsed_on="2026-01-23")
    signed = step(api, review["id"], "sign_off", "2026-01-23")
    assert signed["state"] == "signed_off"
    assert (clocks(signed)["completion"]["status"], clocks(signed)["completion"]["stopped_on"]) == ("met", "2026-01-23")


def test_an_endorsement_dated_after_the_sign_off_does_not_count(api: Api) -> None:
    review = lcspr_at(api, "sign_off")
    for party, person_id, name in PARTNER_SIGNATORIES[:2]:
        api.endorse(review["id"], party, person_id, name, endorsed_on="2026-01-22")
    api.endorse(review["id"], "police", "gmp-1", "Pat Reilly", endorsed_on="2026-01-27")  # signed on the 27th
    with unchanged(api, review["id"]):
        entries = blocked(api.fire(review["id"], "sign_off", "2026-01-23"), "L6")  # signed off on the 23rd?
    assert "police" in messages(entries, "L6")


def test_endorsements_given_before_the_final_report_was_agreed_do_not_sign_it_off(api: Api) -> None:
    review = lcspr_at(api, "agree_final_report")
    for party, person_id, name in PARTNER_SIGNATORIES:
        api.endorse(review["id"], party, person_id, name, endorsed_on="2026-01-13")  # on the draft
    prepare_lcspr(api, review["id"], "agree_final_report")
    step(api, review["id"], "agree_final_report", "2026-01-21")
    with unchanged(api, review["id"]):
        entries = blocked(api.fire(review["id"], "sign_off", "2026-01-23"), "L6")
    assert len(entries) == 3


# ---------------------------------------------------------------- L7: 7 working days' notice before publication


def test_publication_waits_seven_working_days_after_the_report_goes_to_the_panel(api: Api) -> None:
    review = lcspr_at(api, "publish")
    assert review["state"] == "sent_to_panel" and review["facts"]["sent_to_panel_on"] == "2026-02-16"
    prepare_lcspr(api, review["id"], "publish")
    earliest = working_day(api, "2026-02-16", 7)
    assert earliest == "2026-02-25"
    for too_soon in ("2026-02-16", "2026-02-23", "2026-02-24"):
        with unchanged(api, review["id"]):
            entries = blocked(api.fire(review["id"], "publish", too_soon), "L7")
        assert "2026-02-25" in messages(entries, "L7") and "2026-02-16" in messages(entries, "L7")
    option = next(e for e in api.review(review["id"])["available_events"] if e["event"] == "publish")
    assert option["allowed"] is True  # today, 2 March, is past the 7th working day
    published = step(api, review["id"], "publish", earliest)
    assert published["state"] == "published"
    assert (published["facts"]["published_on"], published["facts"]["may_take_down_on"]) == ("2026-02-25", "2027-02-25")


def test_publication_from_a_later_working_day_is_allowed(api: Api) -> None:
    review = lcspr_at(api, "publish")
    prepare_lcspr(api, review["id"], "publish")
    published = step(api, review["id"], "publish", "2026-03-02")
    assert published["facts"]["published_on"] == "2026-03-02"
    assert published["facts"]["may_take_down_on"] == "2027-03-02"


# ---------------------------------------------------------------- serious offence review (§5.3)


def test_L6a_a_serious_offence_review_runs_from_referral_to_close(api: Api) -> None:
    review = api.create_review(review_type="serious_offence", received_on="2026-01-05", child_reference="Child S")
    review_id = review["id"]
    assert review["state"] == "referred" and review["reference"].startswith("SOR-2026-")
    assert clocks(review)["screening"]["due_on"] == working_day(api, "2026-01-05", 5) == "2026-01-12"

    with unchanged(api, review_id):
        entries = blocked(api.fire(review_id, "accept", "2026-01-08"), "Q2")
    assert "no screening meeting" in messages(entries, "Q2")

    screening(api, review_id, "2026-01-08", [LA, ICB], declare=False)
    with unchanged(api, review_id):
        entries = blocked(api.fire(review_id, "accept", "2026-01-08"), "Q2", "D1")
    assert "police" in messages(entries, "Q2")
    assert "Dana Okafor" in messages(entries, "D1") and "Imran Shah" in messages(entries, "D1")

    screening(api, review_id, "2026-01-08")
    accepted = step(api, review_id, "accept", "2026-01-08")
    assert accepted["state"] == "accepted"
    assert (clocks(accepted)["screening"]["status"], clocks(accepted)["screening"]["stopped_on"]) == (
        "met",
        "2026-01-08",
    )

    with unchanged(api, review_id):
        blocked(api.fire(review_id, "appoint_reviewer", "2026-01-15", APPOINTMENT), "D3")
    declare_reviewer(api, review_id, "2026-01-14")
    appointed = step(api, review_id, "appoint_reviewer", "2026-01-15", APPOINTMENT)
    assert appointed["state"] == "reviewer_appointed"  # L6a: terms of reference (L3) before the review
    assert clocks(appointed)["reviewer_appointment"]["status"] == "met"  # L2: 10 working days from accept
    assert clocks(appointed)["completion"]["due_on"] == "2026-07-08"  # six months from accept (C3)
    step(api, review_id, "agree_terms_of_reference", "2026-01-20", {"terms_of_reference": "Serious youth violence"})
    circulated = step(api, review_id, "circulate_draft", "2026-02-02", {"family_involvement": "involved"})
    assert circulated["state"] == "factual_accuracy_check"
    window = clocks(circulated)["factual_accuracy"]
    assert (window["started_on"], window["due_on"]) == ("2026-02-02", working_day(api, "2026-02-02", 10))
    for party, person_id, name in PARTNER_SIGNATORIES:
        api.endorse(review_id, party, person_id, name, endorsed_on="2026-02-16")
    assert step(api, review_id, "sign_off", "2026-02-17")["state"] == "signed_off"
    plan_action(api, review_id)
    closed = step(api, review_id, "close", "2026-02-20")
    assert closed["state"] == "closed" and closed["open"] is False
    assert "drafts_deleted_on" not in closed["facts"]  # S5: to be confirmed
    assert [t[0] for t in transitions(api, review_id)] == [
        "accept",
        "appoint_reviewer",
        "agree_terms_of_reference",
        "circulate_draft",
        "sign_off",
        "close",
    ]


@pytest.mark.parametrize("review_type", ["serious_offence", "good_outcome"])
def test_a_referral_closed_with_no_further_action(api: Api, review_type: str) -> None:
    review = api.create_review(review_type=review_type, received_on="2026-02-23")
    screening(api, review["id"], "2026-02-26")
    with unchanged(api, review["id"]):
        body = problem(api.fire(review["id"], "close_no_further_action", "2026-02-26"), 422)
    assert field_errors(body) == {"data.reason"}
    closed = step(
        api, review["id"], "close_no_further_action", "2026-02-26", {"reason": "Threshold for review not met"}
    )
    assert closed["state"] == "closed" and closed["open"] is False
    assert (clocks(closed)["screening"]["status"], clocks(closed)["screening"]["stopped_on"]) == ("met", "2026-02-26")
    assert history(api, review["id"])[-1]["data"] == {"reason": "Threshold for review not met"}


# ---------------------------------------------------------------- good outcome review (§5.4)


GOOD_OUTCOME = {
    "lived_experience": "Now attends school every day and sleeps at home",
    "steps_taken": "Joint health and education plan from September",
    "objectives": "Keep the child at home safely",
    "barriers": "Housing; solved with the landlord",
    "evaluation": "Attendance up from 60% to 98%",
}
PARTIAL = {k: GOOD_OUTCOME[k] for k in ("lived_experience", "steps_taken")}
REST = {k: v for k, v in GOOD_OUTCOME.items() if k not in PARTIAL}


def good_outcome_referral(api: Api, description: dict[str, str]) -> str:
    """A good outcome referral received Mon 9 Feb 2026, with a quorate, declared screening panel on the 12th."""
    review = api.create_review(
        review_type="good_outcome", received_on="2026-02-09", child_reference="Child G", description=description
    )
    assert review["state"] == "referred" and review["reference"].startswith("GOR-2026-")
    screening(api, review["id"], "2026-02-12")
    return review["id"]


def test_a_good_outcome_referral_that_does_not_describe_every_part_is_not_accepted(api: Api) -> None:
    review_id = good_outcome_referral(api, PARTIAL)
    option = next(e for e in api.review(review_id)["available_events"] if e["event"] == "accept")
    assert option["allowed"] is False and {b["rule"] for b in option["blocked_by"]} == {"§5.4"}
    with unchanged(api, review_id):
        entries = blocked(api.fire(review_id, "accept", "2026-02-12"), "§5.4")
    missing = messages(entries, "§5.4")
    for part in ("objectives", "barriers", "evaluation"):
        assert part in missing
    assert "lived experience" not in missing and "steps taken" not in missing
    # A part given as blanks is not described either.
    blank = good_outcome_referral(api, {**GOOD_OUTCOME, "barriers": "   "})
    entries = blocked(api.fire(blank, "accept", "2026-02-12"), "§5.4")
    assert "barriers" in messages(entries, "§5.4") and "objectives" not in messages(entries, "§5.4")


def test_a_good_outcome_referral_completed_by_patch_is_accepted(api: Api) -> None:
    review_id = good_outcome_referral(api, PARTIAL)
    blocked(api.fire(review_id, "accept", "2026-02-12"), "§5.4")
    patched = api.ok(api.client.patch(f"/reviews/{review_id}", json={"description": REST}, headers=api.bu))
    assert patched["description"] == GOOD_OUTCOME  # the parts given at referral are kept
    assert history(api, review_id)[-1]["kind"] == "review_updated"
    accepted = step(api, review_id, "accept", "2026-02-12")
    assert accepted["state"] == "accepted"


def test_a_good_outcome_review_runs_from_referral_to_close(api: Api) -> None:
    review_id = good_outcome_referral(api, GOOD_OUTCOME)
    accepted = step(api, review_id, "accept", "2026-02-12")
    assert accepted["state"] == "accepted"
    screened = clocks(accepted)["screening"]
    assert (screened["status"], screened["due_on"], screened["stopped_on"]) == (
        "met",
        working_day(api, "2026-02-09", 5),
        "2026-02-12",
    )
    learning = {"summary": "Learning shared with schools", "family_involvement": "involved"}  # F1
    shared = step(api, review_id, "hold_learning_event", "2026-02-20", learning)
    assert shared["state"] == "learning_shared" and shared["facts"]["learning_event_on"] == "2026-02-20"
    closed = step(api, review_id, "close", "2026-02-24")
    assert closed["state"] == "closed" and closed["open"] is False
    assert [t[0] for t in transitions(api, review_id)] == ["accept", "hold_learning_event", "close"]


# ---------------------------------------------------------------- non-statutory review (§5.5)


@pytest.mark.parametrize("ending", ["publish", "decide_not_to_publish"])
def test_L6a_S4_a_non_statutory_review_runs_to_close(api: Api, ending: str) -> None:
    review = api.create_review(review_type="non_statutory", received_on=LCSPR_RECEIVED, child_reference="Child N")
    review_id = review["id"]
    assert review["reference"].startswith("NSPR-2025-")
    declare_reviewer(api, review_id, "2025-10-06")
    step(api, review_id, "appoint_reviewer", "2025-10-08", APPOINTMENT)
    step(api, review_id, "agree_terms_of_reference", "2025-10-20")
    step(
        api,
        review_id,
        "circulate_draft",
        "2026-01-12",
        {"family_involvement": "declined", "family_involvement_reason": "Family declined the invitation"},
    )
    for party, person_id, name in PARTNER_SIGNATORIES:  # L6a: L6 sign-off by the three partners
        api.endorse(review_id, party, person_id, name, endorsed_on="2026-01-22")
    signed = step(api, review_id, "sign_off", "2026-01-27")  # L5: after the window closed (26 Jan)
    assert signed["state"] == "signed_off"
    assert {e["event"] for e in signed["available_events"]} == {"publish", "decide_not_to_publish", "withdraw"}
    assert clocks(signed)["completion"]["status"] == "met" and clocks(signed)["factual_accuracy"]["status"] == "met"
    decision = "publish" if ending == "publish" else "not_to_publish"
    for party, person_id, name in PARTNER_SIGNATORIES:  # S4
        api.endorse(review_id, party, person_id, name, endorsed_on="2026-01-30", decision=decision)

    if ending == "publish":
        ended = step(api, review_id, "publish", "2026-02-02", {"url": "https://safeguarding.example/nspr/child-n"})
        assert ended["state"] == "published"
        assert (ended["facts"]["published_on"], ended["facts"]["may_take_down_on"]) == ("2026-02-02", "2027-02-02")
    else:
        ended = step(api, review_id, "decide_not_to_publish", "2026-02-02", {"reason": "Learning shared internally"})
        assert ended["state"] == "not_published" and "published_on" not in ended["facts"]
    plan_action(api, review_id)
    closed = step(api, review_id, "close", "2026-02-06")
    assert closed["state"] == "closed" and "drafts_deleted_on" not in closed["facts"]  # S5
    assert [t[0] for t in transitions(api, review_id)] == [
        "appoint_reviewer",
        "agree_terms_of_reference",
        "circulate_draft",
        "sign_off",
        ending,
        "close",
    ]


# ---------------------------------------------------------------- withdraw (every type)


@pytest.mark.parametrize(
    ("review_type", "running"),
    [
        ("rapid", {"screening", "notification"}),
        ("lcspr", {"reviewer_appointment", "completion"}),
        ("serious_offence", {"screening"}),
        ("good_outcome", {"screening"}),
        ("non_statutory", {"reviewer_appointment", "completion"}),
    ],
)
def test_a_review_of_each_type_is_withdrawn_with_a_reason(api: Api, review_type: str, running: set[str]) -> None:
    review = api.create_review(review_type=review_type, received_on="2026-02-23")
    assert {c["name"] for c in review["clocks"] if c["status"] == "running"} == running
    with unchanged(api, review["id"]):
        body = problem(api.fire(review["id"], "withdraw", "2026-02-25"), 422)
    assert field_errors(body) == {"data.reason"}
    withdrawn = step(api, review["id"], "withdraw", "2026-02-25", {"reason": "Duplicate of an earlier referral"})
    assert withdrawn["state"] == "withdrawn" and withdrawn["open"] is False
    for clock in withdrawn["clocks"]:
        if clock["name"] in running:
            assert (clock["status"], clock["stopped_on"]) == ("cancelled", "2026-02-25"), clock
            assert clock["working_days_remaining"] is None
        else:
            assert clock["status"] == "not_started"
    assert withdrawn["available_events"] == []
    assert history(api, review["id"])[-1]["data"] == {"reason": "Duplicate of an earlier referral"}


def test_an_lcspr_withdrawn_mid_review_cancels_only_its_running_clocks(api: Api) -> None:
    review = lcspr_at(api, "agree_final_report")  # in factual_accuracy_check
    withdrawn = step(api, review["id"], "withdraw", "2026-01-14", {"reason": "Merged into a joint review"})
    timed = clocks(withdrawn)
    assert (timed["reviewer_appointment"]["status"], timed["reviewer_appointment"]["stopped_on"]) == (
        "met",
        "2025-10-08",
    )
    assert (timed["factual_accuracy"]["status"], timed["factual_accuracy"]["stopped_on"]) == ("cancelled", "2026-01-14")
    assert (timed["completion"]["status"], timed["completion"]["stopped_on"]) == ("cancelled", "2026-01-14")


# ---------------------------------------------------------------- links (K1)


# services.links.add_link implements K1 links, but api/routes/reviews.py does not route it.
def link(api: Api, review_id: str, body: dict[str, Any], headers: dict[str, str] | None = None) -> httpx.Response:
    return api.client.post(f"/reviews/{review_id}/links", json=body, headers=headers or api.bu)


def test_a_review_is_linked_to_another_review_seen_from_both(api: Api) -> None:
    rapid = api.create_review(received_on="2026-02-23")
    lcspr = api.create_review(review_type="lcspr", received_on="2026-02-23", child_reference="Child B")
    response = link(api, rapid["id"], {"review_id": lcspr["id"], "relation": "sibling"})
    assert response.status_code in (200, 201), response.text
    made = response.json()
    assert (made["relation"], made["direction"], made["review_id"], made["reference"]) == (
        "sibling",
        "outgoing",
        lcspr["id"],
        lcspr["reference"],
    )
    assert [(x["relation"], x["direction"], x["review_id"]) for x in api.review(rapid["id"])["links"]] == [
        ("sibling", "outgoing", lcspr["id"])
    ]
    assert [(x["relation"], x["direction"], x["review_id"]) for x in api.review(lcspr["id"])["links"]] == [
        ("sibling", "incoming", rapid["id"])
    ]
    recorded = history(api, rapid["id"])[-1]
    assert recorded["kind"] == "link_recorded" and recorded["data"]["review_id"] == lcspr["id"]


def test_opened_reads_opened_by_from_the_other_side(api: Api) -> None:
    rapid = api.create_review(received_on="2026-02-23")
    other = api.create_review(review_type="non_statutory", received_on="2026-02-23")
    assert link(api, rapid["id"], {"review_id": other["id"], "relation": "opened"}).status_code in (200, 201)
    assert [x["relation"] for x in api.review(rapid["id"])["links"]] == ["opened"]
    assert [x["relation"] for x in api.review(other["id"])["links"]] == ["opened_by"]


def test_a_review_is_linked_to_an_external_process(api: Api) -> None:
    review = api.create_review(received_on="2026-02-23")
    other = api.create_review(received_on="2026-02-23")
    response = link(
        api, review["id"], {"external": {"kind": "coroner", "reference": "Inquest 2026/0412"}, "relation": "parallel"}
    )
    assert response.status_code in (200, 201), response.text
    (shown,) = api.review(review["id"])["links"]
    assert shown["external"] == {"kind": "coroner", "reference": "Inquest 2026/0412"}
    assert shown["relation"] == "parallel" and shown.get("review_id") is None
    assert api.review(other["id"])["links"] == []
    assert history(api, review["id"])[-1]["kind"] == "link_recorded"


@pytest.mark.parametrize("target", ["0b6f3f4e-2c1d-4e8a-9f7b-5d3c2a1e0f9d", "RR-2026-0001"], ids=["uuid", "reference"])
def test_linking_to_an_unknown_review_is_not_found(api: Api, target: str) -> None:
    review = api.create_review(received_on="2026-02-23")  # RR-2026-0001: a reference is not an id
    with unchanged(api, review["id"]):
        refused = problem(link(api, review["id"], {"review_id": target, "relation": "related"}), 404)
    assert target in refused["detail"]  # the review linked to is the one not found, not the route
    unknown = str(uuid.uuid4())
    refused = problem(link(api, unknown, {"external": {"kind": "sar", "reference": "SAR 7"}}), 404)
    assert unknown in refused["detail"]


@pytest.mark.parametrize("both", [False, True], ids=["neither", "both"])
def test_a_link_names_a_review_or_an_external_process_not_both(api: Api, both: bool) -> None:
    review = api.create_review(received_on="2026-02-23")
    other = api.create_review(received_on="2026-02-23")
    body: dict[str, Any] = {"relation": "related"}
    if both:
        body |= {"review_id": other["id"], "external": {"kind": "iopc", "reference": "IOPC 2026/1"}}
    with unchanged(api, review["id"]), unchanged(api, other["id"]):
        refused = problem(link(api, review["id"], body), 422)
    assert refused["errors"]


def test_a_review_cannot_be_linked_to_itself(api: Api) -> None:
    review = api.create_review(received_on="2026-02-23")
    with unchanged(api, review["id"]):
        problem(link(api, review["id"], {"review_id": review["id"], "relation": "related"}), 422)


@pytest.mark.parametrize("role", ["chair", "read_only", "reviewer"])
def test_only_the_business_unit_links_reviews(api: Api, key_for: KeyFor, role: str) -> None:
    review = api.create_review(received_on="2026-02-23")
    other = api.create_review(received_on="2026-02-23")
    with unchanged(api, review["id"]), unchanged(api, other["id"]):
        problem(link(api, review["id"], {"review_id": other["id"], "relation": "related"}, key_for(role)), 403)


# ---------------------------------------------------------------- workflows


def test_every_review_type_has_a_workflow_and_a_diagram(api: Api) -> None:
    listed = api.ok(api.client.get("/workflows", headers=api.bu))
    assert {w["review_type"] for w in listed} == FIVE_TYPES
    for workflow in listed:
        response = api.client.get(f"/workflows/{workflow['review_type']}/diagram", headers=api.bu)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/plain")
        text = response.text
        assert text.splitlines()[0] == "stateDiagram-v2"
        for event in workflow["events"]:
            assert f": {event['name']}" in text
        for state in workflow["initial_states"]:
            assert f"[*] --> {state}" in text
        assert "withdraw" in {e["name"] for e in workflow["events"]}
    diagram = api.client.get("/workflows/lcspr/diagram", headers=api.bu).text
    assert "    sent_to_panel --> published : publish" in diagram
    assert "    sent_to_panel --> not_published : decide_not_to_publish" in diagram
    assert "    closed --> [*]" in diagram
