"""Acting through the board's forms in a real browser (issue 17 item 6): headless Chromium against a real
server, each role signed in with its own key. A whole rapid review from the referral to the National
Panel's response as the Business Unit and the chair, a refused event showing its blockers, a stale form,
an agency returning the information asked of it. Screenshots go to tests/artifacts/forms-*.png.
Skipped, saying why, only where no Chromium can be had (as tests/test_board_e2e.py)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from practice_review.api.app import create_app
from practice_review.bootstrap import build_services
from practice_review.config import Settings
from practice_review.services.keys import create_key

from .conftest import TODAY, WORKFLOWS
from .helpers import PANEL, Api
from .server import served_in_thread
from .test_board_e2e import POLL, WAIT, all_of, browser, screenshot, wait_for  # noqa: F401 - the browser fixture

PARTNERS = ("local_authority", "icb", "police")


@dataclass
class Site:
    url: str
    keys: dict[str, str]
    api: Api


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[Site]:
    path = tmp_path_factory.mktemp("forms") / "forms.db"
    shutil.copyfile(sqlite_template, path)
    services = build_services(Settings(database_url=f"sqlite:///{path}", workflows_dir=WORKFLOWS))
    services.today = lambda: TODAY
    keys = {
        "business_unit": create_key(services, "SSCP Business Unit", "business_unit").secret,
        "chair": create_key(services, "Panel chair", "chair").secret,
        "agency": create_key(
            services, "Salford Primary School", "agency", organisation="Salford Primary School"
        ).secret,
        "reviewer": create_key(services, "Morgan Hale", "reviewer", person_id="rev-1").secret,
        **{code: create_key(services, f"{code} partner", "partner", code).secret for code in PARTNERS},
    }
    try:
        with served_in_thread(create_app(services=services)) as url, httpx.Client(base_url=url, timeout=60) as client:
            bearer = {role: {"Authorization": f"Bearer {key}"} for role, key in keys.items()}
            yield Site(url, keys, Api(client, bearer["business_unit"], bearer["chair"]))
    finally:
        services.db.dispose()


# ---------------------------------------------------------------- a person at the forms


def as_role(driver: Any, site: Site, role: str) -> None:
    """Sign in afresh with the role's key (a new session: the old cookie is dropped)."""
    driver.delete_all_cookies()
    driver.get(f"{site.url}/board/sign-in")
    wait_for(driver, "input#key").send_keys(site.keys[role])
    wait_for(driver, "form.stack button[type=submit]").click()
    wait_for(driver, "form.sign-out")


# The radio or checkbox with this name and value, found in one look rather than one per input.
_CHOICE = """return [...document.getElementsByName(arguments[0])].find(
    i => (i.type === "radio" || i.type === "checkbox") && i.value === arguments[1]) || null"""


def fill(driver: Any, answers: dict[str, str]) -> None:
    """Type each answer into its input; a radio or checkbox answer is clicked."""
    for name, value in answers.items():
        choice = driver.execute_script(_CHOICE, name, value)
        if choice is not None:
            driver.execute_script("arguments[0].click()", choice)
            continue
        field = wait_for(driver, f"[name='{name}']")
        if field.tag_name == "select":
            from selenium.webdriver.support.ui import Select

            Select(field).select_by_value(value)
            continue
        field.clear()
        field.send_keys(value)


def on(iso: str, name: str) -> dict[str, str]:
    year, month, day = iso.split("-")
    return {f"{name}-day": day, f"{name}-month": month, f"{name}-year": year}


def at(iso: str, name: str) -> dict[str, str]:
    date, time = iso.split("T")
    return {**on(date, name), f"{name}-time": time}


def press(driver: Any, words: str = "") -> None:
    """Press the form's main button (or the one with these words)."""
    with_words = f"[contains(normalize-space(.), {_xpath_text(words)})]" if words else ""
    driver.find_element("xpath", f"(//main//form//button[contains(@class, 'govuk-button')]{with_words})[1]").click()


def _xpath_text(text: str) -> str:
    return f'"{text}"' if '"' not in text else f"'{text}'"


def send(driver: Any, answers: dict[str, str]) -> str:
    """Fill in the open form, send it, and return the banner or error summary the next page shows."""
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    fill(driver, answers)
    page = driver.find_element("css selector", "html")
    press(driver)
    WebDriverWait(driver, WAIT, poll_frequency=POLL).until(
        expected_conditions.staleness_of(page)
    )  # the next page, not this one
    return wait_for(driver, ".govuk-notification-banner, .govuk-error-summary, .govuk-summary-list").text


def open_form(driver: Any, link_text: str) -> None:
    """Follow the link with these words (one look for it, not one per link on the page)."""
    link = driver.find_elements("xpath", f"//main//a[normalize-space(.) = {_xpath_text(link_text)}]")
    assert link, f"no link {link_text!r} on {driver.current_url}"
    link[0].click()
    wait_for(driver, "main form")


def fire(driver: Any, review_page: str, event: str, answers: dict[str, str]) -> str:
    """An event from the task list: its form, the check-answers page, then record it."""
    driver.get(review_page)
    wait_for(driver, f"li[data-event='{event}'] a").click()
    wait_for(driver, "main form")
    checked = send(driver, answers)
    if "Check your answers" not in driver.find_element("css selector", "h1").text:
        return checked
    press(driver, "Record")
    return wait_for(driver, ".govuk-notification-banner, .govuk-error-summary").text


# ---------------------------------------------------------------- the walk through


def test_a_business_unit_and_chair_run_a_rapid_review_from_the_browser(browser: Any, site: Site) -> None:  # noqa: F811 - the imported fixture
    as_role(browser, site, "business_unit")
    wait_for(browser, "a.govuk-button[href='/board/referral']").click()
    fill(browser, {"review_type": "rapid", "child_reference": "Child R", **on("2026-02-02", "received_on")})
    screenshot(browser, "forms-referral")
    assert "Enter organisation that referred" in send(browser, {})  # the error summary, GOV.UK's pattern
    screenshot(browser, "forms-referral-error")
    assert "The referral was recorded: RR-" in send(browser, {"referrer_organisation": "Salford City Council"})
    review_page = browser.current_url.split("?")[0]
    review_id = review_page.rsplit("/", 1)[1]

    screening = {
        "kind": "screening",
        **at("2026-02-05T10:00", "scheduled_for"),
        **at("2026-02-04T09:00", "documents_shared_at"),
    }
    open_form(browser, "Record a meeting")
    assert "The meeting was recorded." in send(browser, screening)
    attend(browser, "Record who attended the screening meeting")
    for person in PANEL:
        declare(browser, person, has_interest="no")
    assert "Screen in was recorded" in fire(browser, review_page, "screen_in", on("2026-02-05", "occurred_on"))
    assert "Notify national panel was recorded" in fire(
        browser, review_page, "notify_national_panel", on("2026-02-06", "occurred_on")
    )
    scheduled = {**on("2026-02-09", "occurred_on"), **on("2026-02-16", "data.meeting_on")}
    assert "Schedule meeting was recorded" in fire(browser, review_page, "schedule_meeting", scheduled)

    browser.get(review_page)
    open_form(browser, "Record a meeting")
    meeting = {
        "kind": "rapid_review",
        **at("2026-02-16T10:00", "scheduled_for"),
        **at("2026-02-16T08:00", "documents_shared_at"),
    }
    assert "The meeting was recorded." in send(browser, meeting)
    attend(browser, "Record who attended the rapid review meeting")
    declare(browser, PANEL[2], has_interest="yes", details="Line-managed the officer at the 2025 call-out")

    decision = {
        "data.recommendation": "lcspr",
        "data.immediate_safety_actions": "Sibling's safety plan reviewed",
        "data.national_review_recommended": "no",
        "data.family_involvement": "involved",
        **on("2026-02-16", "occurred_on"),
    }
    refused = fire(browser, review_page, "hold_meeting", decision)
    assert "This cannot be recorded yet" in refused and "D2" in refused and "Q4" in refused
    screenshot(browser, "forms-refused-hold-meeting")

    as_role(browser, site, "chair")  # the chair rules, from the link next to the D2 blocker
    browser.get(review_page)
    wait_for(browser, "li[data-event='hold_meeting'] a.fix").click()
    wait_for(browser, "main form")
    assert "Pat Reilly" in browser.find_element("css selector", "h1").text
    assert "The ruling was recorded." in send(browser, {"ruling": "noted"})

    as_role(browser, site, "business_unit")
    browser.get(review_page)
    wait_for(browser, "li[data-event='hold_meeting'] a").click()
    wait_for(browser, "main form")
    checked = send(browser, {**decision, "data.reading_time_allowed": "yes"})
    assert "from Meeting scheduled to Decision recorded" in checked
    screenshot(browser, "forms-check-answers")
    press(browser, "Record")
    assert "Hold meeting was recorded" in wait_for(browser, ".govuk-notification-banner").text

    for party in ("local_authority", "icb", "police", "independent_scrutineer"):
        browser.get(review_page)
        open_form(browser, "Record an endorsement or sign-off")
        given = {
            "party": party,
            "person_id": f"{party}-1",
            "name": f"Lead for {party}",
            "agrees": "yes",
            **on("2026-02-17", "endorsed_on"),
            "proxy.evidence": "E-mail of 17 Feb 2026",
        }
        assert "The endorsement was recorded." in send(browser, given)
    assert "Endorse was recorded" in fire(browser, review_page, "endorse", on("2026-02-18", "occurred_on"))
    assert "Submit to national panel was recorded" in fire(
        browser, review_page, "submit_to_national_panel", on("2026-02-20", "occurred_on")
    )
    answered = fire(
        browser, review_page, "record_panel_response", {"data.panel_view": "agrees", **on("2026-02-27", "occurred_on")}
    )
    assert "is now concluded" in answered
    screenshot(browser, "forms-concluded")
    review = site.api.review(review_id)
    assert review["state"] == "concluded" and review["links"][0]["review_type"] == "lcspr"


def attend(driver: Any, link_text: str) -> None:
    open_form(driver, link_text)
    rows: dict[str, str] = {}
    for i, person in enumerate(PANEL):
        rows |= {f"a{i}.{k}": person[k] for k in ("person_id", "name", "organisation", "partner")}
    assert "The attendance was recorded." in send(driver, rows)


def declare(driver: Any, person: dict[str, Any], has_interest: str, details: str = "") -> None:
    open_form(driver, "Record a declaration of interest")
    answers = {k: person[k] for k in ("person_id", "name", "organisation")}
    answers |= {"role": "panel member", "has_interest": has_interest, **on("2026-02-05", "declared_on")}
    if details:
        answers["details"] = details
    assert "The declaration was recorded." in send(driver, answers)


def test_a_refused_event_shows_every_rule_that_blocks_it_and_records_nothing(browser: Any, site: Site) -> None:  # noqa: F811 - the imported fixture
    review = site.api.create_review(child_reference="Child S")
    as_role(browser, site, "business_unit")
    page = f"{site.url}/board/reviews/{review['id']}"
    browser.get(page)
    blocked = wait_for(browser, "li[data-event='screen_in']")
    assert "Blocked" in blocked.text and "Q2" in blocked.text  # the task list says why, before trying
    refused = fire(browser, page, "screen_in", {})
    assert "This cannot be recorded yet" in refused and "Q2" in refused
    screenshot(browser, "forms-refused-screen-in")
    assert site.api.review(review["id"])["version"] == review["version"]


def test_a_stale_form_says_who_changed_the_review_and_offers_a_fresh_one(browser: Any, site: Site) -> None:  # noqa: F811 - the imported fixture
    review = site.api.create_review(child_reference="Child T")
    as_role(browser, site, "business_unit")
    browser.get(f"{site.url}/board/reviews/{review['id']}/do/event/withdraw")
    fill(browser, {"data.reason": "Referred in error"})
    site.api.link_external(review["id"], "coroner", "INQ-9")  # someone else, meanwhile
    press(browser)
    stale = wait_for(browser, ".govuk-error-summary").text
    assert "Nothing was recorded" in stale
    assert "Link recorded" in browser.find_element("css selector", ".stale-changes").text
    screenshot(browser, "forms-stale")
    wait_for(browser, "a#reload-form").click()
    assert "Referred in error" not in wait_for(browser, "textarea[name='data.reason']").get_attribute("value")
    assert site.api.review(review["id"])["state"] == "referred"


def test_an_agency_returns_the_information_asked_of_it(browser: Any, site: Site) -> None:  # noqa: F811 - the imported fixture
    review = site.api.create_review(child_reference="Child U")
    for organisation in ("Salford Primary School", "Salford Royal NHS Trust"):
        body = {"organisation": organisation, "kind": "chronology", "requested_on": "2026-02-27"}
        site.api.ok(
            site.api.client.post(f"/reviews/{review['id']}/information-requests", json=body, headers=site.api.bu), 201
        )
    as_role(browser, site, "agency")
    browser.get(f"{site.url}/board/reviews/{review['id']}")
    requests = wait_for(browser, "section[aria-labelledby='requests']").text
    assert "Salford Primary School" in requests and "Salford Royal" not in requests
    assert not all_of(browser, "li[data-event] a")  # an agency fires no event
    open_form(browser, "Record the return")
    assert "The return was recorded." in send(browser, on("2026-03-02", "returned_on"))
    screenshot(browser, "forms-agency-return")
    returned = site.api.ok(site.api.client.get(f"/reviews/{review['id']}/information-requests", headers=site.api.bu))
    assert {r["organisation"]: r["returned_on"] for r in returned} == {
        "Salford Primary School": "2026-03-02",
        "Salford Royal NHS Trust": None,
    }


def test_a_non_statutory_review_from_commissioning_to_closing_in_the_browser(browser: Any, site: Site) -> None:  # noqa: F811 - the imported fixture
    """§5.5, as each role that acts: the Business Unit commissions and appoints (D3), the chair agrees the
    terms (L3), the appointed reviewer circulates the draft (L4), each partner signs off and endorses
    publishing from the link its own page shows (S1, L6, S4), the chair signs off, and the Business Unit
    checks its answers before publishing, then closes with an action plan (L9) and confirms the drafts
    deleted (S5)."""
    as_role(browser, site, "business_unit")
    wait_for(browser, "a.govuk-button[href='/board/referral']").click()
    referral = {"review_type": "non_statutory", "child_reference": "Child N", **on("2026-01-05", "received_on")}
    assert "The referral was recorded: NSPR-" in send(browser, {**referral, "referrer_organisation": "Salford SCP"})
    review_page = browser.current_url.split("?")[0]
    review_id = review_page.rsplit("/", 1)[1]
    reviewer = {"person_id": "rev-1", "name": "Morgan Hale", "organisation": "Hale Consultancy"}
    open_form(browser, "Record a declaration of interest")
    declared = {**reviewer, "role": "lead reviewer", "has_interest": "no", **on("2026-01-06", "declared_on")}
    assert "The declaration was recorded." in send(browser, declared)
    appointed = {"data.reviewer.person_id": "rev-1", "data.reviewer.name": "Morgan Hale"}
    appointed |= {"data.reviewer.contract_signed": "yes", "data.reviewer.policy_confirmed": "yes"}
    assert "is now reviewer appointed" in fire(
        browser, review_page, "appoint_reviewer", {**appointed, **on("2026-01-06", "occurred_on")}
    )

    as_role(browser, site, "chair")
    terms = {"data.terms_of_reference": "Agreed by the review group", **on("2026-01-08", "occurred_on")}
    assert "is now in review" in fire(browser, review_page, "agree_terms_of_reference", terms)

    as_role(browser, site, "reviewer")  # the appointed reviewer: this review is theirs to act on
    draft = {"data.family_involvement": "involved", **on("2026-01-12", "occurred_on")}
    assert "is now factual accuracy check" in fire(browser, review_page, "circulate_draft", draft)

    endorse_as_each_partner(browser, site, review_page, "Sign off awaits your endorsement", "2026-01-26")
    as_role(browser, site, "chair")
    assert "is now signed off" in fire(browser, review_page, "sign_off", on("2026-01-27", "occurred_on"))
    awaited = "Publish awaits your endorsement of the decision to publish"
    endorse_as_each_partner(browser, site, review_page, awaited, "2026-01-27", decision="publish")

    as_role(browser, site, "business_unit")  # the key decision, with its answers checked first
    browser.get(review_page)
    wait_for(browser, "li[data-event='publish'] a").click()
    wait_for(browser, "main form")
    checked = send(browser, {"data.url": "https://safeguarding.example/nspr", **on("2026-01-28", "occurred_on")})
    assert "from Signed off to Published" in checked and "https://safeguarding.example/nspr" in checked
    screenshot(browser, "forms-nspr-check-publish")
    press(browser, "Record")
    assert "is now published" in wait_for(browser, ".govuk-notification-banner").text

    refused = fire(browser, review_page, "close", on("2026-01-29", "occurred_on"))
    assert "This cannot be recorded yet" in refused and "L9" in refused
    browser.get(review_page)
    open_form(browser, "Add an action to the plan")
    planned = {"recommendation": "Share plans", "action": "Train staff", "owner_organisation": "Salford SCP"}
    planned |= {**on("2026-06-30", "due_on"), "intended_outcome": "Plans shared"}
    assert "The action was added." in send(browser, planned)
    assert "is now closed" in fire(browser, review_page, "close", on("2026-01-29", "occurred_on"))
    open_form(browser, "Confirm the draft reports were deleted")
    assert "The drafts' deletion was confirmed." in send(browser, on("2026-01-30", "deleted_on"))
    screenshot(browser, "forms-nspr-closed")
    review = site.api.review(review_id)
    assert review["state"] == "closed" and not any(t["rule"] == "S5" for t in review["outstanding_tasks"])


def endorse_as_each_partner(
    driver: Any, site: Site, review_page: str, awaited: str, endorsed_on: str, decision: str = ""
) -> None:
    """S1: each statutory partner signs in, reads on its own review page what awaits its endorsement, and
    records it from the link there, for itself only."""
    for code in PARTNERS:
        as_role(driver, site, code)
        driver.get(review_page)
        assert awaited in wait_for(driver, "ul.tasks").text
        open_form(driver, "Record your endorsement")
        assert "Party endorsing" not in driver.find_element("css selector", "main form").text
        given = {
            "person_id": f"{code}-1",
            "name": f"Lead for {code}",
            "agrees": "yes",
            **on(endorsed_on, "endorsed_on"),
        }
        assert "The endorsement was recorded." in send(
            driver, {**given, **({"decision": decision} if decision else {})}
        )
        if code == PARTNERS[0]:
            screenshot(driver, f"forms-nspr-partner-{decision or 'sign-off'}")
