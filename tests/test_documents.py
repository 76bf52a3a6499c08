"""Documents made from the record (issue 18): each opened with a library, as a person would, and read
for what it says: names, dates, declarations and rulings, the stamp that traces it to the record, and
nothing another organisation may not see (need to know). SQLite and PostgreSQL (conftest)."""

from __future__ import annotations

import io
from typing import Any

import docx
import pytest
from fastapi.testclient import TestClient

from practice_review.services.common import Services

from .documents import DOCX, PDF, docx_text, pdf_text, stamp
from .helpers import DECISION, PANEL, POLICE_SUBSTITUTE, Api, KeyFor, problem

LATE_PAPERS_AT, LATE_PAPERS = "2026-02-16T10:00:00+00:00", "2026-02-16T08:30:00+00:00"  # Q4: 90 minutes before
INTEREST = "Managed the family's early help worker in 2025"
SCHOOL, TRUST = "Salford Primary School", "Salford Royal NHS Foundation Trust"
ACTION = {
    "recommendation": "Strengthen information sharing between school and health",
    "action": "Agree a named-contact protocol",
    "owner_organisation": SCHOOL,
    "due_on": "2026-06-30",
    "intended_outcome": "Concerns reach the right person the same day",
}


def concluded_review(api: Api) -> dict[str, Any]:
    """A rapid review whose meeting had late papers and reading time (Q4), a police substitute (Q3) and a
    declared interest the chair ruled noted (D2), walked to the Panel's response; with requests and actions."""
    review = api.new_review_at("hold_meeting", summary="Concerns about neglect raised by the school in January")
    rid = review["id"]
    meeting = api.meeting(rid, "rapid_review", LATE_PAPERS_AT, LATE_PAPERS)
    api.attend(rid, meeting["id"], [PANEL[0], PANEL[1], POLICE_SUBSTITUTE])
    api.declare(rid, POLICE_SUBSTITUTE, "2026-02-16")
    declared = api.declare(rid, PANEL[0], "2026-02-16", has_interest=True, details=INTEREST)
    api.rule(rid, declared["id"], "noted")
    data = {"recommendation": "lcspr", **DECISION, "reading_time_allowed": True, "meeting_id": meeting["id"]}
    api.ok(api.fire(rid, "hold_meeting", "2026-02-16", data))
    for organisation in (SCHOOL, TRUST):
        body = {"organisation": organisation, "kind": "chronology", "requested_on": "2026-02-17"}
        api.ok(api.client.post(f"/reviews/{rid}/information-requests", json=body, headers=api.bu), 201)
    for owner in (SCHOOL, TRUST):
        api.ok(
            api.client.post(f"/reviews/{rid}/actions", json={**ACTION, "owner_organisation": owner}, headers=api.bu),
            201,
        )
    final = api.walk(rid)
    return {**final, "meeting_id": meeting["id"]}


def fetch(client: TestClient, path: str, headers: dict[str, str], **params: str) -> Any:
    response = client.get(path, params=params, headers=headers)
    assert response.status_code == 200, response.text
    return response


def both(client: TestClient, path: str, headers: dict[str, str]) -> dict[str, str]:
    """The PDF's and the DOCX's text."""
    pdf = fetch(client, path, headers, format="pdf")
    assert pdf.headers["content-type"] == PDF and pdf.content.startswith(b"%PDF-")
    word = fetch(client, path, headers, format="docx")
    assert word.headers["content-type"] == DOCX
    assert word.headers["content-disposition"].startswith("attachment; filename=")
    return {"pdf": pdf_text(pdf.content), "docx": docx_text(word.content)}


def test_the_meeting_report_says_what_was_decided_and_traces_to_the_record(
    api: Api, client: TestClient, services: Services
) -> None:
    review = concluded_review(api)
    version, last_hash = stamp(services, review["id"])
    for kind, text in both(client, f"/reviews/{review['id']}/documents/meeting-report", api.bu).items():
        assert "Rapid Review Meeting Report" in text, kind
        assert review["reference"] in text and f"Record version {version}" in text, kind
        assert last_hash in text.replace(" ", ""), kind  # the full hash of the latest history event
        assert "Concerns about neglect raised by the school in January" in text  # the facts
        assert DECISION["immediate_safety_actions"] in text  # S2: immediate safety actions
        assert "A local child safeguarding practice review (LCSPR)" in text
        assert "national review" in text and "(complex or of national importance)?" in text
        for name in ("Dana Okafor", "Imran Shah", "Sam Ward", "Ingrid Scrutton"):  # attendees and endorsers
            assert name in text, (kind, name)
        assert "as a proxy (S1)" in text
        assert "from the partner of 17 Feb 2026" in text
        assert "Child A" in text and "no name is recorded" in text  # §2.2: the pseudonym only
        assert "Mon 16 Feb 2026" in text or "16 Feb 2026" in text
        assert "reading time was allowed at the start" in text  # Q4


def test_minutes_record_attendance_substitutes_declarations_rulings_and_reading_time(
    api: Api, client: TestClient
) -> None:
    review = concluded_review(api)
    path = f"/reviews/{review['id']}/meetings/{review['meeting_id']}/minutes"
    for kind, text in both(client, path, api.bu).items():
        assert "Minutes of the meeting: rapid review" in text, kind
        assert "Quorate" in text and "Sam Ward" in text and "yes (equivalent seniority, Q3)" in text
        assert INTEREST in text and "Noted" in text  # D1 recorded, D2 ruled, shown in the minutes
        assert "No interest" in text  # the others' declarations
        assert "allowed at the start of the meeting" in text  # Q4
        assert "Hold meeting" in text and "Recommendation: A local child safeguarding practice review (LCSPR)" in text
    # the DOCX is editable Word: real headings and tables, not a picture of the page
    word = docx.Document(io.BytesIO(fetch(client, path, api.bu, format="docx").content))
    assert [p.text for p in word.paragraphs if p.style.name == "Title"] == ["Minutes of the meeting: rapid review"]
    assert len(word.tables) >= 3
    assert review["reference"] in word.core_properties.keywords


def test_the_action_plan_and_the_chronology(api: Api, client: TestClient, services: Services) -> None:
    review = concluded_review(api)
    version, last_hash = stamp(services, review["id"])
    for kind, text in both(client, f"/reviews/{review['id']}/documents/action-plan", api.bu).items():
        assert "Review Action Plan" in text and ACTION["recommendation"] in text and ACTION["action"] in text
        assert SCHOOL in text and TRUST in text and "Tue 30 Jun 2026" in text and ACTION["intended_outcome"] in text
        assert f"record version {version}" in text.lower(), kind
    for kind, text in both(client, f"/reviews/{review['id']}/documents/chronology", api.bu).items():
        assert "Chronology of events" in text and last_hash in text.replace(" ", "")
        order = [text.index(s) for s in ("Screen in", "Notify national panel", "Hold meeting", "Record panel response")]
        assert order == sorted(order), kind  # in the order things happened
        assert "Information requested" in text and "organisation: Salford Primary School" in text


def test_an_agency_sees_only_its_own_organisation_in_every_document(
    api: Api, client: TestClient, key_for: KeyFor
) -> None:
    review = concluded_review(api)
    school, stranger = key_for("agency", organisation=SCHOOL), key_for("agency", organisation="Oldham Academy")
    paths = [
        f"/reviews/{review['id']}/documents/meeting-report",
        f"/reviews/{review['id']}/documents/action-plan",
        f"/reviews/{review['id']}/documents/chronology",
        f"/reviews/{review['id']}/meetings/{review['meeting_id']}/minutes",
    ]
    foreign = (TRUST, "Dana Okafor", "Imran Shah", "Sam Ward", INTEREST, "Greater Manchester Police", "Ingrid")
    for path in paths:
        for kind, text in both(client, path, school).items():
            assert f"Prepared for {SCHOOL}" in text, (path, kind)
            leaked = [word for word in foreign if word in text]
            assert not leaked, (path, kind, leaked)
        problem(client.get(path, headers=stranger), 404)  # a review it may not read does not exist to it
    report = pdf_text(fetch(client, paths[0], school).content)
    assert "Withheld" in report and DECISION["immediate_safety_actions"] not in report  # the decision is not its to see
    plan = pdf_text(fetch(client, paths[1], school).content)
    assert ACTION["action"] in plan and SCHOOL in plan


def test_format_by_accept_header_default_and_refusals(api: Api, client: TestClient, key_for: KeyFor) -> None:
    review = api.new_review_at("notify_national_panel")
    path = f"/reviews/{review['id']}/documents/chronology"
    assert fetch(client, path, {**api.bu, "Accept": DOCX}).headers["content-type"] == DOCX
    assert fetch(client, path, {**api.bu, "Accept": f"{PDF}, {DOCX};q=0.5"}).headers["content-type"] == PDF
    assert fetch(client, path, api.bu).headers["content-type"] == PDF  # PDF unless asked otherwise
    problem(client.get(path, params={"format": "odt"}, headers=api.bu), 422)
    problem(client.get(path, headers=key_for("admin")), 403)  # admin reads no review data
    problem(client.get(f"/reviews/{review['id']}/meetings/999/minutes", headers=api.bu), 404)
    lcspr = api.create_review(review_type="lcspr", child_reference="Child C")
    problem(client.get(f"/reviews/{lcspr['id']}/documents/meeting-report", headers=api.bu), 404)
    # before the meeting, the report says what is still to come rather than inventing it
    text = pdf_text(fetch(client, f"/reviews/{review['id']}/documents/meeting-report", api.bu).content)
    assert "No rapid review meeting has been recorded yet" in text and "Not yet decided" in text


@pytest.mark.parametrize("kind", ["meeting-report", "chronology"])
def test_a_document_is_the_record_at_one_version(api: Api, client: TestClient, services: Services, kind: str) -> None:
    review = api.new_review_at("endorse")
    before = pdf_text(fetch(client, f"/reviews/{review['id']}/documents/{kind}", api.bu).content)
    version, _ = stamp(services, review["id"])
    assert f"Record version {version}" in before
    api.walk(review["id"])
    after = pdf_text(fetch(client, f"/reviews/{review['id']}/documents/{kind}", api.bu).content)
    assert f"Record version {stamp(services, review['id'])[0]}" in after and f"Record version {version} " not in after


def test_the_board_links_to_each_document_and_serves_it_to_the_signed_in_caller(
    api: Api, client: TestClient, key_for: KeyFor
) -> None:
    review = concluded_review(api)
    secret = api.bu["Authorization"].removeprefix("Bearer ")
    assert client.post("/board/sign-in", data={"key": secret}, follow_redirects=False).status_code == 303
    page = client.get(f"/board/reviews/{review['id']}").text
    links = [
        f"/board/reviews/{review['id']}/documents/meeting-report.pdf",
        f"/board/reviews/{review['id']}/documents/action-plan.docx",
        f"/board/reviews/{review['id']}/documents/chronology.pdf",
        f"/board/reviews/{review['id']}/meetings/{review['meeting_id']}/minutes.docx",
    ]
    for link in links:
        assert f'href="{link}"' in page
        response = client.get(link)
        assert response.status_code == 200 and response.headers["content-type"] in (PDF, DOCX)
        text = pdf_text(response.content) if link.endswith(".pdf") else docx_text(response.content)
        assert review["reference"] in text
    client.cookies.clear()
    assert client.get(links[0], follow_redirects=False).status_code in (303, 401)  # no session, no document
