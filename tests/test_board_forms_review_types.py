"""Issue 17: a Business Unit with nothing but a browser runs every review type end to end. The serious
offence, good outcome and non-statutory reviews (workflows/*.yaml), each from its referral to its final
state purely through the board's forms, on SQLite and PostgreSQL: each step from the link the review page
shows the person who acts (domain.md "Who is who", each workflow's roles), as that person: the Business
Unit, the chair ruling and agreeing, the appointed reviewer circulating the draft, an agency returning its
comments, each statutory partner signing off as itself (S1). What the person sees is asserted at each
step: the banner, the state in words, the timeline's entry and who it names.
(The rapid review and the LCSPR: tests/test_board_forms.py; in Chromium: tests/test_board_forms_e2e.py.)"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from .board_forms_helpers import Person, banner, day, error_summary, links, moment, words
from .helpers import PANEL, Api, KeyFor, unchanged
from .helpers import history as api_history

REVIEWER = {"person_id": "rev-1", "name": "Morgan Hale", "organisation": "Hale Consultancy"}
PARTNERS = [(p["partner"], p["person_id"], p["name"]) for p in PANEL]  # each signs off as itself (S1, L6)
SCHOOL = "Salford Primary School"


@pytest.fixture
def people(client: TestClient, key_for: KeyFor) -> dict[str, Person]:
    app = client.app
    return {
        "business_unit": Person(app, key_for("business_unit")),
        "chair": Person(app, key_for("chair")),
        "reviewer": Person(app, key_for("reviewer", person_id=REVIEWER["person_id"])),
        "agency": Person(app, key_for("agency", organisation=SCHOOL)),
        **{code: Person(app, key_for("partner", partner=code)) for code, _, _ in PARTNERS},
    }


# ---------------------------------------------------------------- what each step shows


def page_of(person: Person, review_id: str) -> str:
    page = person.get(f"/board/reviews/{review_id}")
    assert page.status_code == 200, page.text
    return words(page.text)


def ok(page: Any, message: str) -> None:
    assert page.status_code == 200, (error_summary(page), words(page.text)[-800:])
    assert banner(page) == message, (banner(page), error_summary(page))


def recorded(page: Any, api: Api, review_id: str, event: str, was: str, now: str, by: str) -> None:
    """The review page after an event: the banner says what was recorded and the state in words; the
    timeline's entry names the event, the move and who recorded it (A1)."""
    reference = api.review(review_id)["reference"]
    ok(page, f"{event} was recorded. {reference} is now {now.lower()}.")
    text = words(page.text)
    assert re.search(f"State:? {now}", text), text[:400]
    entry = text.split(f"{event} — {was} → {now}", 1)  # the timeline's entry, then who recorded it
    assert len(entry) == 2, text[-1500:]
    assert re.search(r"By (.+?) \(", entry[1]).group(1) == by, entry[1][:400]  # type: ignore[union-attr]


def refused(api: Api, person: Person, review_id: str, event: str, answers: dict[str, Any], *rules: str) -> str:
    """A2: the event, through its form, is refused naming every unmet rule by id, and nothing is recorded;
    what the error summary says."""
    with unchanged(api, review_id):
        page = person.step(review_id, event, answers)
    assert page.status_code == 409 and {e.split()[0] for e in error_summary(page)} == set(rules), error_summary(page)
    return " ".join(error_summary(page))


def follow(person: Person, review_id: str, form: str, answers: dict[str, Any], done: str, text: str = "") -> None:
    """A form from the link the review page shows this person, sent with its answers."""
    path = person.offered(f"/board/reviews/{review_id}", form, text)
    ok(person.send(path, answers), done)


def refer(bu: Person, review_type: str, received_on: str, **answers: Any) -> str:
    assert 'href="/board/referral"' in bu.get("/board").text  # the board's "Record a referral" button
    path = "/board/referral"
    fields = {
        "review_type": review_type,
        "child_reference": "Child K",
        **day(received_on, "received_on"),
        "referrer_organisation": "Salford City Council",
        **answers,
    }
    page = bu.send(path, fields)
    assert page.status_code == 200, error_summary(page)
    assert banner(page).startswith("The referral was recorded: "), banner(page)
    return str(page.url).split("/board/reviews/")[1].split("?")[0]


def meeting(bu: Person, review_id: str, kind: str, at: str, declared_on: str = "", interest: str = "") -> None:
    """A meeting and its attendance (the panel) from the review page's links, and, `declared_on`, a
    declaration from each attendee (D1); `interest` is what Pat Reilly declares (D2), for the chair to rule on."""
    papers = (datetime.fromisoformat(at) - timedelta(hours=25)).isoformat()  # Q4: a day before, at least
    kinds = {"kind": kind, **moment(at, "scheduled_for"), **moment(papers, "documents_shared_at")}
    follow(bu, review_id, "meeting", kinds, "The meeting was recorded.", "Record a meeting")
    rows: dict[str, Any] = {}
    for i, person in enumerate(PANEL):
        rows |= {f"a{i}.{k}": person[k] for k in ("person_id", "name", "organisation", "partner")}
    said = f"Record who attended the {kind.replace('_', ' ')} meeting"
    follow(bu, review_id, "attendance/", rows, "The attendance was recorded.", said)
    for person in PANEL if declared_on else []:
        declared = {k: person[k] for k in ("person_id", "name", "organisation")}
        declared |= {"role": "panel member", "has_interest": "no", **day(declared_on, "declared_on")}
        if interest and person["person_id"] == "gmp-1":
            declared |= {"has_interest": "yes", "details": interest}
        follow(bu, review_id, "declaration", declared, "The declaration was recorded.", "declaration of interest")


def appoint(bu: Person, api: Api, review_id: str, on: str, was: str) -> None:
    """D3: the reviewer declares, then is appointed with a signed contract and the policy confirmed."""
    declared = {**REVIEWER, "role": "lead reviewer", "has_interest": "no", **day(on, "declared_on")}
    follow(bu, review_id, "declaration", declared, "The declaration was recorded.", "declaration of interest")
    form = words(bu.get(f"/board/reviews/{review_id}/do/event/appoint_reviewer").text)
    assert "Reviewer: person id" in form and "D3: a reviewer is appointed only with a signed contract" in form
    appointed = {"data.reviewer.person_id": REVIEWER["person_id"], "data.reviewer.name": REVIEWER["name"]}
    appointed |= {
        "data.reviewer.contract_signed": "no",
        "data.reviewer.policy_confirmed": "yes",
        **day(on, "occurred_on"),
    }
    refused(api, bu, review_id, "appoint_reviewer", appointed, "D3")
    appointed["data.reviewer.contract_signed"] = "yes"
    page = bu.step(review_id, "appoint_reviewer", appointed)
    recorded(page, api, review_id, "Appoint reviewer", was, "Reviewer appointed", "test business_unit")


def draft_to_sign_off(people: dict[str, Person], api: Api, review_id: str, on: dict[str, str]) -> None:
    """L6a: terms of reference agreed by the chair (L3); the appointed reviewer circulates the draft, with
    family involvement decided (L4); the agency's factual-accuracy comments (L5); each statutory partner
    signs off as itself (L6, S1); then the chair records the sign-off."""
    bu, chair, reviewer = people["business_unit"], people["chair"], people["reviewer"]
    assert "Agree terms of reference" in page_of(chair, review_id)
    page = chair.step(
        review_id,
        "agree_terms_of_reference",
        {"data.terms_of_reference": "Agreed by the review group", **day(on["terms"], "occurred_on")},
    )
    recorded(page, api, review_id, "Agree terms of reference", "Reviewer appointed", "In review", "test chair")

    assert "Circulate draft" in page_of(reviewer, review_id)  # the appointed reviewer reads and acts on it
    declined = {"data.family_involvement": "declined", **day(on["draft"], "occurred_on")}
    refused(api, reviewer, review_id, "circulate_draft", declined, "L4")
    declined["data.family_involvement_reason"] = "The parents asked not to take part"
    page = reviewer.step(review_id, "circulate_draft", declined)
    recorded(page, api, review_id, "Circulate draft", "In review", "Factual accuracy check", "test reviewer")

    asked = {"organisation": SCHOOL, "kind": "factual_accuracy", **day(on["draft"], "requested_on")}
    follow(bu, review_id, "information-request", asked, "The information request was recorded.")
    refused(api, chair, review_id, "sign_off", day(on["draft"], "occurred_on"), "L5", "L6")  # none answered nor signed
    agency = people["agency"]
    path = agency.offered(f"/board/reviews/{review_id}", "information-return/", "Record the return")
    assert f"Record the return of {SCHOOL}'s factual-accuracy comments" in words(agency.get(path).text)
    ok(agency.send(path, day(on["comments"], "returned_on")), "The return was recorded.")
    for code, person_id, name in PARTNERS:
        signed = {"person_id": person_id, "name": name, "agrees": "yes", **day(on["signed"], "endorsed_on")}
        endorse_as_itself(people[code], review_id, "Sign off awaits your endorsement", signed)
    page = chair.step(review_id, "sign_off", day(on["signed"], "occurred_on"))
    recorded(page, api, review_id, "Sign off", "Factual accuracy check", "Signed off", "test chair")


def endorse_as_itself(partner: Person, review_id: str, awaited: str, answers: dict[str, Any]) -> None:
    """S1: a partner's page says what waits for its own endorsement, and links to the form that records
    it, for itself only (no party to choose, no proxy's evidence)."""
    assert awaited in page_of(partner, review_id).split("Still to record")[1]
    path = partner.offered(f"/board/reviews/{review_id}", "endorsement", "Record your endorsement")
    form = words(partner.get(path).text)
    assert "Record an endorsement for " in form, form[:300]
    assert "Party endorsing" not in form and "Evidence of the party" not in form
    ok(partner.send(path, answers), "The endorsement was recorded.")
    assert "awaits your endorsement" not in page_of(partner, review_id)  # S4: nor the decision it did not endorse


def close_with_a_plan(bu: Person, api: Api, review_id: str, on: str, was: str) -> None:
    """L9: closing is refused until the action plan has an action, which the blocker links to."""
    refused(api, bu, review_id, "close", day(on, "occurred_on"), "L9")
    planned = {
        "recommendation": "Share safety plans between agencies",
        "action": "Train designated safeguarding leads",
        "owner_organisation": SCHOOL,
        **day("2026-06-30", "due_on"),
        "intended_outcome": "Plans shared at every handover",
    }
    follow(bu, review_id, "action", planned, "The action was added.", "Add an action to the plan")
    page = bu.step(review_id, "close", day(on, "occurred_on"))
    recorded(page, api, review_id, "Close", was, "Closed", "test business_unit")
    assert "Nothing: the review has ended (closed)" in words(page.text)


def drafts_deleted(bu: Person, api: Api, review_id: str, on: str) -> None:
    """S5: a review with a draft shows the deletion outstanding until the Business Unit confirms it."""
    assert api.review(review_id)["outstanding_tasks"][0]["rule"] == "S5"
    follow(bu, review_id, "drafts-deleted", day(on, "deleted_on"), "The drafts' deletion was confirmed.")
    assert not any(t["rule"] == "S5" for t in api.review(review_id)["outstanding_tasks"])


def by_roles(api: Api, review_id: str) -> set[str]:
    return {h["actor"]["role"] for h in api_history(api, review_id)}


# ---------------------------------------------------------------- the non-statutory review (§5.5)


def test_a_business_unit_runs_a_non_statutory_review_from_commissioning_to_closing(
    people: dict[str, Person], api: Api
) -> None:
    bu = people["business_unit"]
    review_id = refer(bu, "non_statutory", "2026-01-05")
    text = page_of(bu, review_id)
    assert "State: Commissioned" in text and "Appoint reviewer" in text
    police = people["police"].get(f"/board/reviews/{review_id}").text
    assert not [h for h, _ in links(police) if "/do/event/" in h]  # a partner fires none of this workflow's events
    appoint(bu, api, review_id, "2026-01-06", "Commissioned")
    meeting(bu, review_id, "review_group", "2026-01-07T10:00", "2026-01-07")
    draft_to_sign_off(
        people,
        api,
        review_id,
        {"terms": "2026-01-08", "draft": "2026-01-12", "comments": "2026-01-16", "signed": "2026-01-19"},
    )

    # S4: whether to publish is the Lead Safeguarding Partners' decision, each endorsing it as itself.
    not_published = {"data.reason": "The child's sibling could be identified", **day("2026-01-21", "occurred_on")}
    refused(api, bu, review_id, "decide_not_to_publish", not_published, "S4")
    awaited = "Decide not to publish awaits your endorsement of the decision not to publish"
    for code, person_id, name in PARTNERS:
        decided = {"person_id": person_id, "name": name, "agrees": "yes", "decision": "not_to_publish"}
        endorse_as_itself(people[code], review_id, awaited, {**decided, **day("2026-01-20", "endorsed_on")})
    checked = bu.send(f"/board/reviews/{review_id}/do/event/decide_not_to_publish", not_published)
    text = words(checked.text)  # check answers before the decision is recorded
    assert "Check your answers" in text and "from Signed off to Not published" in text, text[:600]
    assert "Reason The child's sibling could be identified" in text
    page = bu.step(review_id, "decide_not_to_publish", not_published)
    recorded(page, api, review_id, "Decide not to publish", "Signed off", "Not published", "test business_unit")

    close_with_a_plan(bu, api, review_id, "2026-01-22", "Not published")
    drafts_deleted(bu, api, review_id, "2026-01-23")
    done = api.review(review_id)
    assert done["state"] == "closed" and done["facts"]["not_published_reason"] == not_published["data.reason"]
    assert by_roles(api, review_id) >= {"business_unit", "chair", "reviewer", "agency", "partner"}  # each as itself


# ---------------------------------------------------------------- the serious offence review (§5.3, L6a)


def test_a_business_unit_runs_a_serious_offence_review_from_referral_to_closing(
    people: dict[str, Person], api: Api
) -> None:
    bu, chair = people["business_unit"], people["chair"]
    review_id = refer(bu, "serious_offence", "2026-01-05")
    assert "State: Referred" in page_of(bu, review_id)
    refused(api, bu, review_id, "accept", day("2026-01-07", "occurred_on"), "Q2")

    meeting(bu, review_id, "screening", "2026-01-07T10:00", "2026-01-07", interest="Line-managed the officer")
    # D2: the chair fires no event here, but its page says the ruling awaits it, with the form to rule
    said = page_of(chair, review_id).split("Still to record")[1]
    assert "D2" in said and "the interest declared by Pat Reilly awaits your ruling" in said, said
    ruling = chair.offered(f"/board/reviews/{review_id}", "ruling/", "Rule on Pat Reilly's interest")
    assert not [h for h, _ in links(bu.get(f"/board/reviews/{review_id}").text) if "/do/ruling/" in h]  # the chair's
    ok(chair.send(ruling, {"ruling": "noted"}), "The ruling was recorded.")
    assert "awaits your ruling" not in page_of(chair, review_id)
    meetings = f"/board/reviews/{review_id}/do/event/accept"
    form = bu.get(meetings).text
    assert "Screening meeting, " in words(form)  # the meeting it was decided at, by its date in words
    page = bu.step(review_id, "accept", day("2026-01-07", "occurred_on"))
    recorded(page, api, review_id, "Accept", "Referred", "Accepted", "test business_unit")

    appoint(bu, api, review_id, "2026-01-08", "Accepted")
    draft_to_sign_off(
        people,
        api,
        review_id,
        {"terms": "2026-01-09", "draft": "2026-01-12", "comments": "2026-01-15", "signed": "2026-01-19"},
    )
    close_with_a_plan(bu, api, review_id, "2026-01-20", "Signed off")
    drafts_deleted(bu, api, review_id, "2026-01-21")
    done = api.review(review_id)
    assert done["state"] == "closed" and not done["open"]
    assert by_roles(api, review_id) >= {"business_unit", "chair", "reviewer", "agency", "partner"}


# ---------------------------------------------------------------- the good outcome review (§5.4)


def test_a_business_unit_runs_a_good_outcome_review_from_referral_to_closing(
    people: dict[str, Person], api: Api
) -> None:
    bu, chair = people["business_unit"], people["chair"]
    review_id = refer(bu, "good_outcome", "2026-02-02", summary="Stable placement after a year of moves")
    meeting(bu, review_id, "screening", "2026-02-05T10:00", "2026-02-05")
    refused(api, bu, review_id, "accept", day("2026-02-05", "occurred_on"), "§5.4")

    described = {
        "description.lived_experience": "Settled at school, attending every day",
        "description.steps_taken": "One key worker across agencies",
        "description.objectives": "Stop the placement moves",
        "description.barriers": "Waiting lists, overcome by a joint referral",
        "description.evaluation": "No moves in twelve months",
    }
    assert "X1 " in page_of(bu, review_id).split("Still to record")[1]  # where it happened: not yet recorded
    assert bu.offered(f"/board/reviews/{review_id}", "description", "Record where it happened")
    path = bu.offered(f"/board/reviews/{review_id}", "description", "§5.4")  # the fix next to the blocker
    described |= {"particulars.incident_area": "Salford", "particulars.home_area": "Salford"}
    ok(bu.send(path, {"summary": "Stable placement after a year of moves", **described}), "The referral was updated.")
    assert "Still to record" not in page_of(bu, review_id)
    page = bu.step(review_id, "accept", day("2026-02-05", "occurred_on"))
    recorded(page, api, review_id, "Accept", "Referred", "Accepted", "test business_unit")

    meeting(bu, review_id, "learning_event", "2026-02-12T10:00")  # the same people: declared already
    shared = {
        "data.summary": "What worked: one key worker",
        "data.family_involvement": "not_in_childs_interests",
        **day("2026-02-13", "occurred_on"),
    }
    said = refused(api, chair, review_id, "hold_learning_event", shared, "F1")
    assert "is needed when “Family involvement” is not in the child's interests" in said, said  # no codes
    shared["data.family_involvement_reason"] = "Recorded in the meeting notes of 12 Feb"
    page = chair.step(review_id, "hold_learning_event", shared)
    recorded(page, api, review_id, "Hold learning event", "Accepted", "Learning shared", "test chair")

    page = bu.step(review_id, "close", day("2026-02-16", "occurred_on"))
    recorded(page, api, review_id, "Close", "Learning shared", "Closed", "test business_unit")
    done = api.review(review_id)
    assert done["state"] == "closed" and done["outstanding_tasks"] == []  # no draft report: no S5
    assert "do/drafts-deleted" not in bu.get(f"/board/reviews/{review_id}").text


# ---------------------------------------------------------------- or no further action, at screening


@pytest.mark.parametrize("review_type", ["serious_offence", "good_outcome"])
def test_the_screening_panel_closes_a_referral_with_no_further_action_through_the_forms(
    people: dict[str, Person], api: Api, review_type: str
) -> None:
    bu = people["business_unit"]
    review_id = refer(bu, review_type, "2026-02-02")
    meeting(bu, review_id, "screening", "2026-02-05T10:00", "2026-02-05")
    closing = day("2026-02-05", "occurred_on")
    missing = bu.step(review_id, "close_no_further_action", closing)
    assert missing.status_code == 422 and error_summary(missing) == ["Enter reason"], error_summary(missing)
    closing["data.reason"] = "Single-agency learning, shared by the school"
    page = bu.step(review_id, "close_no_further_action", closing)
    recorded(page, api, review_id, "Close no further action", "Referred", "Closed", "test business_unit")
    assert "Nothing: the review has ended (closed)" in words(page.text)
    assert not api.review(review_id)["open"]


def test_a_non_statutory_review_withdrawn_after_its_draft_still_asks_for_the_drafts_deleted_s5(
    people: dict[str, Person], api: Api
) -> None:
    bu = people["business_unit"]
    review_id = refer(bu, "non_statutory", "2026-01-05")
    appoint(bu, api, review_id, "2026-01-06", "Commissioned")
    terms = {"data.terms_of_reference": "Agreed by the review group", **day("2026-01-07", "occurred_on")}
    page = people["chair"].step(review_id, "agree_terms_of_reference", terms)
    recorded(page, api, review_id, "Agree terms of reference", "Reviewer appointed", "In review", "test chair")
    draft = {"data.family_involvement": "involved", **day("2026-01-08", "occurred_on")}
    page = people["reviewer"].step(review_id, "circulate_draft", draft)
    recorded(page, api, review_id, "Circulate draft", "In review", "Factual accuracy check", "test reviewer")
    withdrawn = {
        "data.reason": "The family moved abroad; learning taken into the LCSPR",
        **day("2026-01-09", "occurred_on"),
    }
    page = bu.step(review_id, "withdraw", withdrawn)
    recorded(page, api, review_id, "Withdraw", "Factual accuracy check", "Withdrawn", "test business_unit")
    assert "S5 " in words(page.text).split("Still to record")[1]  # withdrawing does not pretend it happened
    drafts_deleted(bu, api, review_id, "2026-01-12")
