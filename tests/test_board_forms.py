"""The board's forms (issue 17 item 2), without a browser, on SQLite and PostgreSQL: each write through
its form as the role that makes it, shown only to the roles allowed, refused without its CSRF token,
refused when the review changed since the form was shown (saying who changed what), and wrong answers
shown back in the GOV.UK error-summary pattern with nothing recorded.
(tests/test_board_forms_e2e.py acts through the same forms in Chromium.)"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from .board_forms_helpers import Person, banner, day, error_summary, moment, words
from .helpers import (
    DECISION,
    ENDORSERS,
    PANEL,
    RECEIVED_ON,
    SCREENING_AT,
    SCREENING_DOCS,
    Api,
    KeyFor,
    unchanged,
)
from .helpers import history as api_history


@pytest.fixture
def people(client: TestClient, key_for: KeyFor) -> dict[str, Person]:
    app = client.app
    return {
        "business_unit": Person(app, key_for("business_unit")),
        "chair": Person(app, key_for("chair")),
        "police": Person(app, key_for("partner", partner="police")),
        "scrutineer": Person(app, key_for("independent_scrutineer")),
        "agency": Person(app, key_for("agency", organisation="Salford Primary School")),
        "read_only": Person(app, key_for("read_only")),
    }


def referral(bu: Person, **answers: Any) -> str:
    fields = {
        "review_type": "rapid",
        "child_reference": "Child F",
        **day(RECEIVED_ON, "received_on"),
        "referrer_organisation": "Salford City Council",
        "themes": "neglect, domestic_abuse",
        **answers,
    }
    page = bu.send("/board/referral", fields)
    assert page.status_code == 200, words(page.text)
    assert banner(page).startswith("The referral was recorded: ")
    return str(page.url).split("/board/reviews/")[1].split("?")[0]


def review_page(person: Person, review_id: str) -> str:
    page = person.get(f"/board/reviews/{review_id}")
    assert page.status_code == 200
    return page.text


def ok(page: Any, message: str) -> None:
    assert page.status_code == 200, words(page.text)[-1500:]
    assert banner(page) == message, (banner(page), error_summary(page))


# ---------------------------------------------------------------- a whole rapid review through the forms


def screening(bu: Person, review_id: str, people: list[dict[str, Any]] = PANEL) -> None:
    kinds = {
        "kind": "screening",
        **moment(SCREENING_AT, "scheduled_for"),
        **moment(SCREENING_DOCS, "documents_shared_at"),
    }
    ok(bu.send(f"/board/reviews/{review_id}/do/meeting", kinds), "The meeting was recorded.")
    page = review_page(bu, review_id)
    attendance = page.split("do/attendance/")[1].split('"')[0]
    rows: dict[str, Any] = {}
    for i, person in enumerate(people):
        rows |= {f"a{i}.{k}": person[k] for k in ("person_id", "name", "organisation", "partner")}
    ok(bu.send(f"/board/reviews/{review_id}/do/attendance/{attendance}", rows), "The attendance was recorded.")
    for person in people:
        declared = {k: person[k] for k in ("person_id", "name", "organisation")}
        declared |= {"role": "panel member", "has_interest": "no", **day("2026-02-05", "declared_on")}
        ok(bu.send(f"/board/reviews/{review_id}/do/declaration", declared), "The declaration was recorded.")


def test_a_business_unit_and_chair_run_a_rapid_review_from_referral_to_panel_response(
    people: dict[str, Person], api: Api, key_for: KeyFor
) -> None:
    bu, chair = people["business_unit"], people["chair"]
    review_id = referral(bu)
    assert "Screen in" in words(review_page(bu, review_id))

    page = bu.fire(review_id, "screen_in", day("2026-02-05", "occurred_on"))  # no meeting yet: refused, saying why
    assert page.status_code == 409 and any(e.startswith("Q2") for e in error_summary(page)), error_summary(page)
    screening(bu, review_id)
    ok(
        bu.fire(review_id, "screen_in", day("2026-02-05", "occurred_on")),
        f"Screen in was recorded. {api.review(review_id)['reference']} is now awaiting notification.",
    )
    ok(
        bu.fire(review_id, "notify_national_panel", day("2026-02-06", "occurred_on")),
        banner_for(api, review_id, "Notify national panel"),
    )
    ok(
        bu.fire(
            review_id, "schedule_meeting", {**day("2026-02-09", "occurred_on"), **day("2026-02-16", "data.meeting_on")}
        ),
        banner_for(api, review_id, "Schedule meeting"),
    )

    # The rapid review meeting; papers late (Q4) and a declared interest (D2) the chair must rule on.
    meeting = {
        "kind": "rapid_review",
        **moment("2026-02-16T10:00", "scheduled_for"),
        **moment("2026-02-16T08:00", "documents_shared_at"),
    }
    ok(bu.send(f"/board/reviews/{review_id}/do/meeting", meeting), "The meeting was recorded.")
    attendance = review_page(bu, review_id).split("do/attendance/")[2].split('"')[0]
    rows: dict[str, Any] = {}
    for i, person in enumerate(PANEL):
        rows |= {f"a{i}.{k}": person[k] for k in ("person_id", "name", "organisation", "partner")}
    ok(bu.send(f"/board/reviews/{review_id}/do/attendance/{attendance}", rows), "The attendance was recorded.")
    interest = {
        "person_id": "gmp-1",
        "name": "Pat Reilly",
        "organisation": "Greater Manchester Police",
        "role": "panel member",
        "has_interest": "yes",
        "details": "Managed the 2025 call-out",
        **day("2026-02-16", "declared_on"),
    }
    ok(bu.send(f"/board/reviews/{review_id}/do/declaration", interest), "The declaration was recorded.")

    decision = {
        "data.recommendation": "lcspr",
        "data.immediate_safety_actions": DECISION["immediate_safety_actions"],
        "data.national_review_recommended": "no",
        "data.family_involvement": "involved",
        **day("2026-02-16", "occurred_on"),
    }
    with unchanged(api, review_id):
        refused = bu.fire(review_id, "hold_meeting", decision)
    assert refused.status_code == 409
    assert {e.split()[0] for e in error_summary(refused)} == {"D2", "Q4"}  # every unmet rule, by id (A2)

    # The chair finds the ruling next to the D2 blocker, and rules.
    chairs_page = review_page(chair, review_id)
    blocker = chairs_page.split('data-event="hold_meeting"')[1].split("</li>\n  {% endfor %}")[0]
    ruling = blocker.split('class="govuk-link fix" href="')[1].split('"')[0]
    assert "/do/ruling/" in ruling and "Rule on Pat Reilly" in blocker
    assert "do/ruling/" not in review_page(bu, review_id)  # the Business Unit does not rule
    ok(
        chair.send(
            f"/board/reviews/{review_id}/{ruling}" if not ruling.startswith("/") else ruling, {"ruling": "noted"}
        ),
        "The ruling was recorded.",
    )

    # Check answers before the decision is recorded: what it will do, with the data given.
    checked = bu.send(
        f"/board/reviews/{review_id}/do/event/hold_meeting", {**decision, "data.reading_time_allowed": "yes"}
    )
    text = words(checked.text)
    assert checked.status_code == 200 and "Check your answers" in text
    assert "from Meeting scheduled to Decision recorded" in text and "Recommendation LCSPR" in text
    assert api.review(review_id)["state"] == "meeting_scheduled"  # nothing recorded yet
    ok(
        bu.fire(review_id, "hold_meeting", {**decision, "data.reading_time_allowed": "yes"}),
        banner_for(api, review_id, "Hold meeting"),
    )

    # Endorsements by the parties themselves (S1): the police partner and the scrutineer; the others by proxy.
    police = people["police"]
    endorse_form = words(police.get(f"/board/reviews/{review_id}/do/endorsement").text)
    assert "Party endorsing" not in endorse_form  # a partner endorses only for itself
    ok(
        police.send(
            f"/board/reviews/{review_id}/do/endorsement",
            {"person_id": "gmp-1", "name": "Pat Reilly", "agrees": "yes", **day("2026-02-17", "endorsed_on")},
        ),
        "The endorsement was recorded.",
    )
    ok(
        people["scrutineer"].send(
            f"/board/reviews/{review_id}/do/endorsement",
            {"person_id": "is-1", "name": "Ingrid Scrutton", "agrees": "yes", **day("2026-02-17", "endorsed_on")},
        ),
        "The endorsement was recorded.",
    )
    for party, person_id, name in ENDORSERS[:2]:
        proxied = {
            "party": party,
            "person_id": person_id,
            "name": name,
            "agrees": "yes",
            **day("2026-02-17", "endorsed_on"),
        }
        missing = bu.send(f"/board/reviews/{review_id}/do/endorsement", proxied)
        assert missing.status_code == 409 and error_summary(missing)[0].startswith("S1 ")
        assert "the Business Unit records" in error_summary(missing)[0]
        ok(
            bu.send(f"/board/reviews/{review_id}/do/endorsement", {**proxied, "proxy.evidence": "e-mail of 17 Feb"}),
            "The endorsement was recorded.",
        )
    ok(bu.fire(review_id, "endorse", day("2026-02-18", "occurred_on")), banner_for(api, review_id, "Endorse"))
    ok(
        bu.fire(review_id, "submit_to_national_panel", day("2026-02-20", "occurred_on")),
        banner_for(api, review_id, "Submit to national panel"),
    )
    ok(
        bu.fire(review_id, "record_panel_response", {"data.panel_view": "agrees", **day("2026-02-27", "occurred_on")}),
        banner_for(api, review_id, "Record panel response"),
    )

    done = api.review(review_id)
    assert done["state"] == "concluded" and done["links"][0]["review_type"] == "lcspr"  # K1: the LCSPR opened
    actors = {h["actor"]["role"] for h in api_history(api, review_id)}
    assert {"business_unit", "chair", "partner", "independent_scrutineer"} <= actors  # each as itself (A1)


def banner_for(api: Api, review_id: str, event: str) -> str:
    review = api.review(review_id)
    return f"{event} was recorded. {review['reference']} is now {review['state'].replace('_', ' ')}."


# ---------------------------------------------------------------- CSRF, stale versions, errors


def test_a_form_without_its_csrf_token_or_from_another_site_is_refused_and_changes_nothing(
    people: dict[str, Person], api: Api
) -> None:
    bu = people["business_unit"]
    review = api.create_review()
    path = f"/board/reviews/{review['id']}/do/meeting"
    fields = {"kind": "screening", **moment(SCREENING_AT, "scheduled_for")}
    hidden = bu.hidden(path)
    with unchanged(api, review["id"]):
        for token in ("", "0" * 64):
            refused = bu.client.post(path, data={**hidden, "csrf_token": token, **fields})
            assert refused.status_code == 403 and "did not come from the board" in refused.text
        elsewhere = bu.client.post(path, data={**hidden, **fields}, headers={"Origin": "https://evil.example"})
        assert elsewhere.status_code == 403
        cross = bu.client.post(path, data={**hidden, **fields}, headers={"Sec-Fetch-Site": "cross-site"})
        assert cross.status_code == 403
        other = people["chair"].client.post(path, data={**hidden, **fields})  # another session's token
        assert other.status_code == 403
    assert bu.client.post(path, data={**hidden, **fields}).status_code == 200  # the form as given is fine


def test_a_form_shown_before_someone_else_changed_the_review_says_who_changed_what(
    people: dict[str, Person], api: Api
) -> None:
    bu = people["business_unit"]
    review = api.create_review()
    path = f"/board/reviews/{review['id']}/do/event/withdraw"
    hidden = bu.hidden(path)
    api.link_external(review["id"], "coroner", "INQ-1")  # meanwhile, by the API
    with unchanged(api, review["id"]):
        stale = bu.send(path, {"data.reason": "Referred in error"}, hidden)
    assert stale.status_code == 409
    text = words(stale.text)
    assert "Nothing was recorded" in text and "Link recorded , by test business_unit (business unit)" in text, text
    assert f'href="{path}"' in stale.text and "Reload the form" in text
    confirmed = bu.fire(review["id"], "withdraw", {"data.reason": "Referred in error"})  # a fresh form works
    assert confirmed.status_code == 200 and api.review(review["id"])["state"] == "withdrawn"


def test_wrong_answers_come_back_in_an_error_summary_with_what_was_typed(people: dict[str, Person], api: Api) -> None:
    bu = people["business_unit"]
    review = api.create_review()
    path = f"/board/reviews/{review['id']}/do/meeting"
    with unchanged(api, review["id"]):
        page = bu.send(
            path,
            {
                "scheduled_for-day": "31",
                "scheduled_for-month": "2",
                "scheduled_for-year": "2026",
                "scheduled_for-time": "10:00",
            },
        )
    assert page.status_code == 422
    assert error_summary(page) == ["Date and time of the meeting must be a real date, for example 27 3 2026"]
    assert '<a href="#f-scheduled-for">' in page.text and 'value="31"' in page.text
    assert "<title>Error: Record a meeting" in page.text and "govuk-form-group--error" in page.text
    page = bu.send(path, {**moment("2026-02-05T10:00", "scheduled_for")})
    assert error_summary(page) == ["Select kind of meeting"]
    long = bu.send(f"/board/reviews/{review['id']}/do/event/withdraw", {"data.reason": "x" * 4001})
    assert long.status_code == 422 and "at most 4000 characters" in " ".join(error_summary(long))
    future = bu.fire(review["id"], "withdraw", {"data.reason": "No", **day("2030-01-01", "occurred_on")})
    assert future.status_code == 409 and error_summary(future)[0].startswith("C7")


def test_what_a_caller_types_is_escaped_wherever_it_is_shown_again(people: dict[str, Person], api: Api) -> None:
    bu = people["business_unit"]
    review = api.create_review()
    evil = '<script>alert(1)</script>"'
    page = bu.send(f"/board/reviews/{review['id']}/do/event/withdraw", {"data.reason": evil})
    assert "<script>alert(1)" not in page.text and "&lt;script&gt;alert(1)&lt;/script&gt;&#34;" in page.text
    assert page.headers["content-security-policy"].startswith("default-src 'self'; script-src 'self'")


# ---------------------------------------------------------------- who is shown which form

EVERY_FORM = {"meeting", "declaration", "endorsement", "information-request", "action", "link", "description"}
EVERY_FORM |= {"event/withdraw"}


@pytest.mark.parametrize(
    ("who", "shown"),
    [
        ("business_unit", EVERY_FORM),
        ("chair", {"meeting", "declaration", "action"}),
        ("police", {"endorsement"}),
        ("scrutineer", {"endorsement"}),
        ("read_only", set()),
    ],
)
def test_each_role_is_shown_the_forms_it_may_use_and_refused_the_others(
    people: dict[str, Person], api: Api, who: str, shown: set[str]
) -> None:
    review = api.create_review()
    person = people[who]
    page = review_page(person, review["id"])
    for form in EVERY_FORM:
        path = f"/board/reviews/{review['id']}/do/{form}"
        assert (f'href="{path}"' in page) == (form in shown), (who, form)
        assert person.get(path).status_code == (200 if form in shown else 403), (who, form)
    assert (
        person.client.post(f"/board/reviews/{review['id']}/do/meeting", data={}).status_code == 403
    )  # no token either


def test_an_agency_returns_its_own_information_and_updates_its_own_actions_only(
    people: dict[str, Person], api: Api
) -> None:
    bu, agency = people["business_unit"], people["agency"]
    review = api.create_review()
    for organisation in ("Salford Primary School", "Salford Royal NHS Trust"):
        asked = {"organisation": organisation, "kind": "chronology", **day(RECEIVED_ON, "requested_on")}
        ok(
            bu.send(f"/board/reviews/{review['id']}/do/information-request", asked),
            "The information request was recorded.",
        )
    planned = {
        "recommendation": "Share plans",
        "action": "Train staff",
        "owner_organisation": "Salford Primary School",
        **day("2026-06-30", "due_on"),
        "intended_outcome": "Plans shared",
    }
    ok(bu.send(f"/board/reviews/{review['id']}/do/action", planned), "The action was added.")

    page = review_page(agency, review["id"])
    assert "Salford Royal" not in page  # another organisation's request is not shown to it
    returns = [p.split('"')[0] for p in page.split("do/information-return/")[1:]]
    assert len(returns) == 1 and "do/information-request" not in page and "do/event/" not in page
    ok(
        agency.send(
            f"/board/reviews/{review['id']}/do/information-return/{returns[0]}", day("2026-02-04", "returned_on")
        ),
        "The return was recorded.",
    )
    others = [
        r
        for r in api.ok(api.client.get(f"/reviews/{review['id']}/information-requests", headers=api.bu))
        if r["organisation"] != "Salford Primary School"
    ]
    assert agency.get(f"/board/reviews/{review['id']}/do/information-return/{others[0]['id']}").status_code == 404
    assert others[0]["returned_on"] is None

    action = page.split("do/action-update/")[1].split('"')[0]
    missing = agency.send(f"/board/reviews/{review['id']}/do/action-update/{action}", {"status": "done"})
    assert missing.status_code == 422 and "evidence of its impact" in error_summary(missing)[0]
    ok(
        agency.send(
            f"/board/reviews/{review['id']}/do/action-update/{action}", {"status": "done", "evidence": "All trained"}
        ),
        "The action was updated.",
    )
    history = api_history(api, review["id"])
    assert [h["kind"] for h in history][-2:] == ["action_added", "action_updated"] or history[-1][
        "kind"
    ] == "action_updated"
    assert history[-1]["actor"]["role"] == "agency"


def test_clocks_pause_resume_and_extend_with_a_reason(people: dict[str, Person], api: Api) -> None:
    bu = people["business_unit"]
    review = api.create_review()
    page = review_page(bu, review["id"])
    assert "do/clock-pause/screening" in page and "do/clock-extend/notification" in page
    assert "do/clock-pause" not in review_page(people["chair"], review["id"])
    missing = bu.send(f"/board/reviews/{review['id']}/do/clock-pause/screening", {})
    assert missing.status_code == 422 and error_summary(missing) == ["Enter reason"]
    ok(
        bu.send(
            f"/board/reviews/{review['id']}/do/clock-pause/screening",
            {"reason": "Police investigation (§8)", **day("2026-02-03", "occurred_on")},
        ),
        "The clock was paused.",
    )
    assert "do/clock-resume/screening" in review_page(bu, review["id"])
    ok(
        bu.send(f"/board/reviews/{review['id']}/do/clock-resume/screening", day("2026-02-04", "occurred_on")),
        "The clock was resumed.",
    )
    ok(
        bu.send(
            f"/board/reviews/{review['id']}/do/clock-extend/notification",
            {"reason": "Awaiting police", **day("2026-03-20", "new_due_on")},
        ),
        "The clock was extended.",
    )
    clocks = {c["name"]: c for c in api.review(review["id"])["clocks"]}
    assert clocks["notification"]["due_on"] == "2026-03-20" and clocks["screening"]["paused_working_days"] == 1


def test_links_and_the_referral_description_through_their_forms(people: dict[str, Person], api: Api) -> None:
    bu = people["business_unit"]
    first, second = api.create_review(), api.create_review(child_reference="Child B")
    ok(
        bu.send(
            f"/board/reviews/{first['id']}/do/link",
            {"review_reference": second["reference"].lower(), "relation": "parallel"},
        ),
        "The link was recorded.",
    )
    ok(
        bu.send(f"/board/reviews/{first['id']}/do/link", {"external.kind": "coroner", "external.reference": "INQ-7"}),
        "The link was recorded.",
    )
    unknown = bu.send(f"/board/reviews/{first['id']}/do/link", {"review_reference": "RR-1999-0001"})
    assert unknown.status_code == 422 and error_summary(unknown) == ["There is no review RR-1999-0001 that you can see"]
    assert {link.get("reference") or link["external"]["reference"] for link in api.review(first["id"])["links"]} == {
        second["reference"],
        "INQ-7",
    }
    ok(
        bu.send(f"/board/reviews/{first['id']}/do/description", {"summary": "Found at home", "themes": "neglect"}),
        "The referral was updated.",
    )
    assert api.review(first["id"])["themes"] == ["neglect"]


# ---------------------------------------------------------------- another review type, end to end


def test_a_business_unit_runs_an_lcspr_from_commissioning_to_closing_and_confirms_the_drafts_deleted(
    people: dict[str, Person], api: Api
) -> None:
    bu = people["business_unit"]
    review_id = referral(bu, review_type="lcspr", **day("2026-01-05", "received_on"))
    form = f"/board/reviews/{review_id}/do"
    reviewer = {"person_id": "rev-1", "name": "Morgan Hale", "organisation": "Hale Consultancy"}
    declared = {**reviewer, "role": "lead reviewer", "has_interest": "no", **day("2026-01-05", "declared_on")}
    ok(bu.send(f"{form}/declaration", declared), "The declaration was recorded.")
    appoint = {"data.reviewer.person_id": "rev-1", "data.reviewer.name": "Morgan Hale"}
    appoint |= {"data.reviewer.contract_signed": "no", "data.reviewer.policy_confirmed": "yes"}
    refused = bu.fire(review_id, "appoint_reviewer", {**appoint, **day("2026-01-06", "occurred_on")})
    assert refused.status_code == 409 and error_summary(refused)[0].startswith("D3")  # the nested object's data
    appoint["data.reviewer.contract_signed"] = "yes"
    steps: list[tuple[str, dict[str, Any]]] = [
        ("appoint_reviewer", {**appoint, **day("2026-01-06", "occurred_on")}),
        (
            "agree_terms_of_reference",
            {"data.terms_of_reference": "Agreed by the review group", **day("2026-01-07", "occurred_on")},
        ),
        ("circulate_draft", {"data.family_involvement": "involved", **day("2026-01-08", "occurred_on")}),
    ]
    for event, answers in steps:
        ok(bu.fire(review_id, event, answers), banner_for(api, review_id, human_event(event)))
    asked = {"organisation": "Salford Primary School", "kind": "factual_accuracy", **day("2026-01-08", "requested_on")}
    ok(bu.send(f"{form}/information-request", asked), "The information request was recorded.")
    request = review_page(bu, review_id).split("do/information-return/")[1].split('"')[0]
    ok(bu.send(f"{form}/information-return/{request}", day("2026-01-09", "returned_on")), "The return was recorded.")
    ok(
        bu.fire(review_id, "agree_final_report", day("2026-01-12", "occurred_on")),
        banner_for(api, review_id, "Agree final report"),
    )
    for decision, on in (("", "2026-01-13"), ("publish", "2026-01-26")):
        if decision:
            ok(
                bu.fire(review_id, "send_to_national_panel", day("2026-01-15", "occurred_on")),
                banner_for(api, review_id, "Send to national panel"),
            )
        for party, person_id, name in ENDORSERS[:3]:
            given = {"party": party, "person_id": person_id, "name": name, "agrees": "yes", **day(on, "endorsed_on")}
            given |= {"proxy.evidence": f"Signed minutes of {on}", "decision": decision}
            ok(bu.send(f"{form}/endorsement", given), "The endorsement was recorded.")
        if not decision:
            ok(bu.fire(review_id, "sign_off", day("2026-01-14", "occurred_on")), banner_for(api, review_id, "Sign off"))
    ok(
        bu.fire(review_id, "publish", {"data.url": "https://example.org/lcspr", **day("2026-01-27", "occurred_on")}),
        banner_for(api, review_id, "Publish"),
    )
    refused = bu.fire(review_id, "close", day("2026-01-28", "occurred_on"))
    assert refused.status_code == 409 and error_summary(refused)[0].startswith("L9")
    planned = {
        "recommendation": "Share plans",
        "action": "Train staff",
        "owner_organisation": "Salford Primary School",
        **day("2026-06-30", "due_on"),
        "intended_outcome": "Plans shared",
    }
    ok(bu.send(f"{form}/action", planned), "The action was added.")
    ok(bu.fire(review_id, "close", day("2026-01-28", "occurred_on")), banner_for(api, review_id, "Close"))
    assert "do/drafts-deleted" in review_page(bu, review_id)  # S5: outstanding until confirmed
    ok(bu.send(f"{form}/drafts-deleted", day("2026-01-29", "deleted_on")), "The drafts' deletion was confirmed.")
    done = api.review(review_id)
    assert done["state"] == "closed" and not any(t["rule"] == "S5" for t in done["outstanding_tasks"])


def human_event(event: str) -> str:
    return event.replace("_", " ").capitalize()


def test_a_partner_records_only_its_own_attendees_and_endorses_only_as_itself(
    people: dict[str, Person], api: Api
) -> None:
    review = api.create_review()
    meeting = api.meeting(review["id"], "screening", SCREENING_AT, SCREENING_DOCS)
    api.attend(review["id"], meeting["id"], PANEL[:2])
    police = people["police"]
    path = f"/board/reviews/{review['id']}/do/attendance/{meeting['id']}"
    form = police.get(path).text
    assert "Dana Okafor" not in form and 'value="local_authority"' not in form  # only its own partner's rows
    ok(
        police.send(
            path,
            {
                "a0.person_id": "gmp-1",
                "a0.name": "Pat Reilly",
                "a0.organisation": "Greater Manchester Police",
                "a0.partner": "police",
            },
        ),
        "The attendance was recorded.",
    )
    attended = api.ok(api.client.get(f"/reviews/{review['id']}/meetings/{meeting['id']}", headers=api.bu))
    assert {a["person_id"] for a in attended["attendees"]} == {"la-1", "icb-1", "gmp-1"} and attended["quorate"]
    own = people["scrutineer"].send(
        f"/board/reviews/{review['id']}/do/endorsement",
        {"person_id": "is-1", "name": "Ingrid", "agrees": "yes", "proxy.evidence": "not asked"},
    )
    ok(own, "The endorsement was recorded.")  # a field the form does not ask is not taken
    endorsements = api.ok(api.client.get(f"/reviews/{review['id']}/endorsements", headers=api.bu))
    assert [(e["party"], e["proxy"]) for e in endorsements] == [("independent_scrutineer", False)]  # S1: its own


def test_the_referrals_particulars_through_their_form_x1_and_n1(people: dict[str, Person], api: Api) -> None:
    bu = people["business_unit"]
    review = api.create_review()
    path = f"/board/reviews/{review['id']}/do/description"
    areas = {"particulars.incident_area": "Salford", "particulars.home_area": "Wigan"}
    wrong = bu.send(path, {**areas, "particulars.lead_partnership": "Bolton"})
    assert wrong.status_code == 422 and "must be the incident area or the home area" in error_summary(wrong)[0]
    told = {"particulars.circumstances": "care_leaver_death", **day("2026-02-03", "particulars.ofsted_notified_on")}
    ok(bu.send(path, {**areas, "particulars.lead_partnership": "Salford", **told}), "The referral was updated.")
    particulars = api.review(review["id"])["particulars"]
    assert particulars["lead_partnership"] == "Salford" and particulars["ofsted_notified_on"] == "2026-02-03"
    assert 'value="Wigan"' in bu.get(path).text  # the form shows what is recorded
