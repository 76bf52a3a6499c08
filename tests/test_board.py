"""The board's pages without a browser: signing in with a key (never in a URL), the red / amber / green
marks over bank holidays, filters and pages, what an agency key sees, error pages, escaping.
(tests/test_board_e2e.py looks at the same pages in Chromium.)"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from practice_review.board import listing
from practice_review.board.urgency import deadline_mark, last_amber_day
from practice_review.calendar import WorkingCalendar
from practice_review.rules.catalogue import rule
from practice_review.services.common import Services
from practice_review.services.keys import create_key, revoke_key
from practice_review.workflow.partnership import load_partnership

from .conftest import WORKFLOWS
from .helpers import Api, KeyFor, problem
from .test_api_clocks import extend, pause
from .test_query_counts import counted

HTML = "text/html; charset=utf-8"
ROW = re.compile(r'<tr class="level-(\w+)" data-reference="([^"]+)">(.*?)</tr>', re.S)

DUE_SOON = load_partnership(WORKFLOWS).due_soon_working_days


def secret(headers: dict[str, str]) -> str:
    return headers["Authorization"].removeprefix("Bearer ")


def sign_in(client: TestClient, key: str, next_path: str = "") -> None:
    response = client.post("/board/sign-in", data={"key": key, "next": next_path}, follow_redirects=False)
    assert response.status_code == 303, response.text


def words(html: str) -> str:
    """The text of some HTML, tags dropped and white space folded."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def board_rows(client: TestClient, query: str = "") -> list[tuple[str, str, str]]:
    """(reference, mark level, the row's text) of each row of /board?query, in order."""
    response = client.get(f"/board{query}")
    assert response.status_code == 200, response.text
    return [(ref, level, words(body)) for level, ref, body in ROW.findall(response.text)]


def references(client: TestClient, query: str = "") -> list[str]:
    return [ref for ref, _, _ in board_rows(client, query)]


# ---------------------------------------------------------------- signing in


def test_every_board_page_sends_a_browser_without_a_key_to_sign_in(client: TestClient, api: Api) -> None:
    review = api.create_review()
    for path, back in [
        ("/board", ""),
        ("/board/calendar", "?next=/board/calendar"),
        (f"/board/reviews/{review['id']}", f"?next=/board/reviews/{review['id']}"),
    ]:
        response = client.get(path, follow_redirects=False)
        assert (response.status_code, response.headers["location"]) == (303, f"/board/sign-in{back}")
    client.cookies.set("practice_review_board", "prk_stale", path="/board")
    response = client.get("/board", follow_redirects=False)
    assert response.status_code == 303 and 'practice_review_board=""' in response.headers["set-cookie"]

    form = client.get("/board/sign-in")
    assert form.status_code == 200 and form.headers["content-type"] == HTML
    assert re.search(r'<form method="post" action="/board/sign-in"', form.text)
    label = r'<label class="govuk-label[^"]*" for="key">API key</label>'
    assert re.search(label + r'.*?<input class="govuk-input" id="key" name="key" type="password"', form.text, re.S)


def test_a_bad_key_shows_the_form_again_with_an_error_saying_why(
    client: TestClient, services: Services, key_for: KeyFor
) -> None:
    revoked = create_key(services, "gone", "business_unit")
    revoke_key(services, revoked.id)
    for key, status, message in [
        ("prk_not-a-key", 401, "That key is unknown, revoked or expired."),
        (revoked.secret, 401, "That key is unknown, revoked or expired."),
        ("", 401, "Enter an API key."),
        (secret(key_for("admin")), 403, "A key with role &#39;admin&#39; reads no review data"),
    ]:
        response = client.post("/board/sign-in", data={"key": key}, follow_redirects=False)
        assert response.status_code == status and response.headers["content-type"] == HTML
        assert 'role="alert"' in response.text and message in response.text
        assert 'aria-invalid="true" aria-describedby="key-error key-hint"' in response.text
        assert "set-cookie" not in response.headers
        assert key not in response.text or not key  # the key is not echoed back into the page


def test_the_key_goes_in_the_form_body_and_the_cookie_holds_only_a_random_session_id(
    client: TestClient, services: Services, key_for: KeyFor
) -> None:
    """Issue 14 item 11: the cookie no longer holds the raw key; the session is server-side, its id hashed."""
    key = secret(key_for("business_unit"))
    response = client.post("/board/sign-in", data={"key": key, "next": "/board"}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/board"
    cookie = response.headers["set-cookie"]
    session_id = cookie.split(";")[0].removeprefix("practice_review_board=")
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", session_id) and key not in cookie and session_id not in key
    attributes = {part.strip().split("=")[0].lower() for part in cookie.split(";")[1:]}
    assert attributes == {"httponly", "path", "samesite"}  # no Expires or Max-Age: this browser session only
    assert "Path=/board" in cookie and "SameSite=lax" in cookie
    with services.db.read() as session:
        stored = session.execute(text("SELECT token_hash, expires_at FROM board_sessions")).one()
    assert stored.token_hash == hashlib.sha256(session_id.encode()).hexdigest()  # hashed at rest
    page = client.get("/board")
    assert page.status_code == 200 and key not in page.text and session_id not in page.text
    client.cookies.set("practice_review_board", key, path="/board")  # the raw key is no session
    assert client.get("/board", follow_redirects=False).status_code == 303

    # Back to the page that asked for a sign-in; never to another site, nor with a query string.
    for asked, sent_to in [
        ("/board/calendar", "/board/calendar"),
        ("https://elsewhere.example/board", "/board"),
        ("//elsewhere.example/board", "/board"),
        ("/board?type=rapid", "/board"),
        ("/reviews", "/board"),
    ]:
        response = client.post("/board/sign-in", data={"key": key, "next": asked}, follow_redirects=False)
        assert response.headers["location"] == sent_to
    with TestClient(client.app, base_url="https://testserver") as secure:
        assert (
            "Secure" in secure.post("/board/sign-in", data={"key": key}, follow_redirects=False).headers["set-cookie"]
        )


def test_signing_out_ends_the_session_on_the_server_so_a_copied_cookie_is_dead(
    client: TestClient, key_for: KeyFor
) -> None:
    sign_in(client, secret(key_for("business_unit")))
    assert client.get("/board", follow_redirects=False).status_code == 200
    copied = client.cookies.get("practice_review_board")
    response = client.post("/board/sign-out", follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (303, "/board/sign-in")
    assert 'practice_review_board=""' in response.headers["set-cookie"]
    assert client.get("/board", follow_redirects=False).status_code == 303
    client.cookies.set("practice_review_board", copied, path="/board")  # the old id, replayed
    assert client.get("/board", follow_redirects=False).status_code == 303


def test_a_board_session_expires_and_ends_when_idle(client: TestClient, services: Services, key_for: KeyFor) -> None:
    key = secret(key_for("business_unit"))
    for column, minutes in (("expires_at", 0), ("last_seen_at", -services.board_idle_minutes)):
        sign_in(client, key)
        assert client.get("/board", follow_redirects=False).status_code == 200
        with services.db.write() as session:  # as if the time had passed
            moved = datetime.now(UTC) + timedelta(minutes=minutes, seconds=-1)
            session.execute(text(f"UPDATE board_sessions SET {column} = :at"), {"at": moved})
        assert client.get("/board", follow_redirects=False).status_code == 303, column


@pytest.mark.parametrize(
    "came_from",
    [{"Sec-Fetch-Site": "cross-site"}, {"Sec-Fetch-Site": "same-site"}, {"Origin": "https://elsewhere.example"}],
)
def test_another_site_cannot_sign_a_browser_in_or_out(
    client: TestClient, key_for: KeyFor, came_from: dict[str, str]
) -> None:
    """Login CSRF: a form on another site posting its own key, or signing the user out, is refused."""
    key = secret(key_for("business_unit"))
    refused = client.post("/board/sign-in", data={"key": key}, headers=came_from, follow_redirects=False)
    assert refused.status_code == 403 and "set-cookie" not in refused.headers
    assert "text/html" in refused.headers["content-type"]
    sign_in(client, key)  # from the board's own form
    assert client.post("/board/sign-out", headers=came_from, follow_redirects=False).status_code == 403
    assert client.get("/board", follow_redirects=False).status_code == 200  # still signed in


def test_odd_calendar_months_and_cursors_are_refused_not_crashed(client: TestClient, key_for: KeyFor) -> None:
    sign_in(client, secret(key_for("business_unit")))
    for month in ("9999-11", "2101-01", "1989-12"):
        assert client.get(f"/board/calendar?month={month}").status_code == 422, month
    huge = base64.urlsafe_b64encode(b"2026-01-01|clock|99999999999999999999999").decode()
    assert client.get(f"/board?page=b:{huge}").status_code == 422
    assert client.get(f"/deadlines?cursor={huge}", headers=key_for("business_unit")).status_code == 422


def test_a_revoked_key_stops_working_on_the_board_at_once(client: TestClient, services: Services) -> None:
    key = create_key(services, "Business Unit", "business_unit")
    sign_in(client, key.secret)
    assert client.get("/board", follow_redirects=False).status_code == 200
    revoke_key(services, key.id)
    assert client.get("/board", follow_redirects=False).status_code == 303


# ---------------------------------------------------------------- red, amber, green


def test_marks_count_working_days_so_easter_does_not_make_a_deadline_look_far_off() -> None:
    calendar = WorkingCalendar()
    assert DUE_SOON == 3  # workflows/partnership.yaml (T1)
    # Thursday 2 April 2026; Good Friday 3 April and Easter Monday 6 April are bank holidays.
    assert last_amber_day(calendar, date(2026, 4, 2), DUE_SOON) == date(2026, 4, 9)  # 7 calendar days, 3 working days
    assert last_amber_day(calendar, date(2026, 3, 2), DUE_SOON) == date(2026, 3, 5)

    def mark(status: str, remaining: int) -> tuple[str, str]:
        found = deadline_mark(status, remaining, DUE_SOON)
        return found.level, found.detail

    assert deadline_mark("running", 3, DUE_SOON) == deadline_mark("running", 3, DUE_SOON)
    assert mark("running", 0) == ("amber", "Due today")
    assert mark("running", 1) == ("amber", "Due in 1 working day")
    assert mark("running", 4) == ("green", "4 working days left")
    assert (deadline_mark("breached", -2, DUE_SOON).label, deadline_mark("breached", -2, DUE_SOON).detail) == (
        "Breached",
        "2 working days overdue",
    )
    assert deadline_mark("breached", 0, DUE_SOON).detail == "Past its due date"  # due on a Friday, seen on the Saturday


def test_the_board_marks_and_orders_reviews_by_working_days_over_a_bank_holiday(
    client: TestClient, api: Api, services: Services, key_for: KeyFor
) -> None:
    services.today = lambda: date(2026, 4, 2)  # the Thursday before Good Friday
    amber = api.create_review(received_on="2026-03-31", child_reference="Child B")  # due Thu 9 Apr: 3 working days
    green = api.create_review(received_on="2026-04-01", child_reference="Child C")  # due Fri 10 Apr: 4 working days
    red = api.create_review(received_on="2026-03-20", child_reference="Child A")  # due Fri 27 Mar: breached
    paused = api.create_review(review_type="lcspr", received_on="2026-03-02", child_reference="Child D")
    for clock in ("reviewer_appointment", "completion"):  # the appointment was due 16 Mar: paused, not red
        api.ok(pause(api, paused["id"], clock, "2026-03-10"))
    withdrawn = api.create_review(received_on="2026-03-02", child_reference="Child E")  # closed: not on the board
    api.ok(api.fire(withdrawn["id"], "withdraw", "2026-03-03", {"reason": "Referred in error"}))
    sign_in(client, secret(key_for("business_unit")))

    rows = board_rows(client)
    assert [(ref, level) for ref, level, _ in rows] == [
        (red["reference"], "red"),
        (amber["reference"], "amber"),
        (green["reference"], "green"),
        (paused["reference"], "paused"),
    ]
    text = {ref: body for ref, _, body in rows}
    assert "Breached 4 working days overdue" in text[red["reference"]]  # 27 Mar to 2 Apr, weekends left out
    assert "Due soon Due in 3 working days" in text[amber["reference"]]
    assert "Thu 9 Apr 2026" in text[amber["reference"]]
    assert "On track 4 working days left" in text[green["reference"]]
    assert "Paused Paused since Tue 10 Mar 2026" in text[paused["reference"]]
    assert "also paused: Completion" in text[paused["reference"]]


# ---------------------------------------------------------------- filters and pages


@pytest.fixture
def four_reviews(api: Api) -> dict[str, dict]:
    """As of Monday 2 March 2026: one breached, one due in 3 working days, one in 4, one paused."""
    reviews = {
        "red": api.create_review(received_on="2026-02-02", child_reference="Child A"),
        "amber": api.create_review(received_on="2026-02-26", child_reference="Child B"),
        "green": api.create_review(review_type="serious_offence", received_on="2026-02-27", child_reference="Child C"),
        "paused": api.create_review(review_type="good_outcome", received_on="2026-02-27", child_reference="Child D"),
    }
    api.ok(pause(api, reviews["paused"]["id"], "screening", "2026-02-27"))
    return reviews


def test_filters_by_type_and_by_status(client: TestClient, key_for: KeyFor, four_reviews: dict[str, dict]) -> None:
    ref = {name: review["reference"] for name, review in four_reviews.items()}
    sign_in(client, secret(key_for("read_only")))
    assert references(client) == [ref["red"], ref["amber"], ref["green"], ref["paused"]]
    assert references(client, "?status=breached") == [ref["red"]]
    assert references(client, "?status=due_soon") == [ref["amber"]]
    assert references(client, "?status=on_track") == [ref["green"]]
    assert references(client, "?status=no_deadline") == [ref["paused"]]
    assert references(client, "?type=rapid") == [ref["red"], ref["amber"]]
    assert references(client, "?type=rapid&status=due_soon") == [ref["amber"]]
    assert references(client, "?type=lcspr") == []
    page = client.get("/board?type=serious_offence&status=on_track").text
    assert '<option value="serious_offence" selected>' in page and '<option value="on_track" selected>' in page

    for query in ("?status=purple", "?type=parking_fine"):
        response = client.get(f"/board{query}")
        assert response.status_code == 422 and response.headers["content-type"] == HTML


def test_pages_list_every_open_review_once_most_urgent_first(
    client: TestClient, api: Api, key_for: KeyFor, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = []
    for day in ("2026-02-02", "2026-02-16", "2026-02-23", "2026-02-26", "2026-02-27"):
        expected.append(api.create_review(received_on=day)["reference"])  # two clocks each, due the same day
    waiting = api.new_review_at("record_panel_response")  # submitted: no clock running
    expected.append(waiting["reference"])
    monkeypatch.setattr(listing, "PAGE_SIZE", 2)
    sign_in(client, secret(key_for("business_unit")))

    seen, query = [], ""
    for _ in range(10):
        response = client.get(f"/board{query}")
        seen += [ref for _, ref, _ in ROW.findall(response.text)]
        link = re.search(r'<a rel="next" href="/board(\?[^"]+)">', response.text)
        if link is None:
            break
        query = link.group(1).replace("&amp;", "&")
    assert seen == expected
    assert "First page" in response.text


def test_the_board_takes_the_same_few_queries_however_many_reviews_there_are(
    client: TestClient, api: Api, services: Services, key_for: KeyFor
) -> None:
    sign_in(client, secret(key_for("business_unit")))
    counts = []
    for reviews in (2, 12):
        while len(references(client)) < reviews:
            api.create_review(received_on="2026-02-20")
        with counted(services) as statements:
            assert client.get("/board").status_code == 200
        counts.append(len(statements))
    # key, deadlines, reviews and their clocks, their requests and actions, then the quiet ones (the same
    # four), and the totals: one aggregate however many reviews
    assert counts[0] == counts[1] <= 12


# ---------------------------------------------------------------- the review page and the calendar


def test_the_review_page_shows_clocks_meetings_links_history_and_the_diagram(
    client: TestClient, api: Api, key_for: KeyFor
) -> None:
    review = api.new_review_at("hold_meeting")
    api.ok(extend(api, review["id"], "rapid_review", "2026-03-13", "Chronologies late from two agencies"))
    sign_in(client, secret(key_for("chair")))
    page = client.get(f"/board/reviews/{review['id']}")
    assert page.status_code == 200 and page.headers["content-type"] == HTML
    text = words(page.text)
    assert f"{review['reference']} Rapid review" in text
    assert "Current state: Meeting scheduled" in text
    assert "Fri 13 Mar 2026 Fri 27 Feb 2026 moved by a pause or an extension" in text  # due, and the original
    assert "On track 9 working days left" in text
    assert "Screening meeting, Thu 5 Feb 2026 at 10:00 Quorate" in text  # one date format
    assert "Dana Okafor Salford City Council Local authority Yes" in text
    assert "Clock extended" in text and "Chronologies late from two agencies" in text  # the timeline
    # what can happen next: the rule id with its meaning, linked to the glossary
    assert f"Q1 {rule('Q1').title}: no rapid review meeting has been recorded for this review" in text  # type: ignore[union-attr]
    assert f'<a class="rule" href="/board/rules#rule-Q1"><abbr title="{rule("Q1").title}">Q1</abbr></a>' in page.text  # type: ignore[union-attr]
    diagram = re.search(r'<pre class="mermaid"[^>]*>(.*?)</pre>', page.text, re.S).group(1)  # type: ignore[union-attr]
    assert diagram.startswith("stateDiagram-v2\n")
    assert "    meeting_scheduled --&gt; decision_recorded : Hold meeting\n" in diagram  # events in words
    assert diagram.endswith("    class meeting_scheduled current\n")
    script = re.search(
        r'<script src="(/board/static/vendor/mermaid\.min\.[0-9a-f]{12}\.js)" defer></script>', page.text
    )
    assert script and client.get(script.group(1)).status_code == 200  # served by the service itself
    assert "Meeting scheduled</strong> (this review is here)" in page.text  # the step list beside the diagram


def test_the_calendar_shows_three_months_with_bank_holidays_and_due_dates(
    client: TestClient, key_for: KeyFor, four_reviews: dict[str, dict]
) -> None:
    sign_in(client, secret(key_for("business_unit")))
    page = client.get("/board/calendar")
    assert page.status_code == 200
    assert re.findall(r'<table class="month"[^>]*>\s*<caption>([^<]+)</caption>', page.text) == [
        "March 2026",
        "April 2026",
        "May 2026",
    ]
    assert page.text.count('<th scope="col"><abbr title="Monday">Mon</abbr></th>') == 3

    def day(iso: str) -> str:
        found = re.search(
            rf'<td class="[^"]*"[^>]*>\s*<span class="daynum"><time datetime="{iso}">.*?</td>', page.text, re.S
        )
        return words(found.group(0)) if found else ""

    assert "Good Friday" in day("2026-04-03") and "Easter Monday" in day("2026-04-06")
    assert "May Day" in day("2026-05-04")  # as the holidays package names it
    assert four_reviews["amber"]["reference"] in day("2026-03-05") and "Due soon" in day("2026-03-05")
    assert four_reviews["green"]["reference"] in day("2026-03-06")
    assert 'aria-current="date"' in page.text and "today" in day("2026-03-02")
    later = client.get("/board/calendar?month=2026-12&type=rapid")
    assert "December 2026" in later.text and "Christmas Day" in later.text and "February 2027" in later.text
    assert client.get("/board/calendar?month=soon").status_code == 422


# ---------------------------------------------------------------- who sees what; errors; escaping


def test_an_agency_key_sees_on_the_board_only_what_the_api_shows_it(
    client: TestClient, api: Api, key_for: KeyFor
) -> None:
    asked = api.create_review(received_on="2026-02-26", child_reference="Child B")
    other = api.create_review(received_on="2026-02-02", child_reference="Child A")
    request = {"organisation": "Salford Primary School", "kind": "chronology", "requested_on": "2026-02-27"}
    api.ok(api.client.post(f"/reviews/{asked['id']}/information-requests", json=request, headers=api.bu), 201)
    school = key_for("agency", organisation="Salford Primary School")
    assert [r["id"] for r in api.ok(client.get("/reviews?open=true", headers=school))["items"]] == [asked["id"]]
    problem(client.get(f"/reviews/{other['id']}", headers=school), 404)  # to it, no such review

    sign_in(client, secret(school))
    assert references(client) == [asked["reference"]]
    assert references(client, "?status=due_soon") == [asked["reference"]]
    assert client.get(f"/board/reviews/{asked['id']}").status_code == 200
    refused = client.get(f"/board/reviews/{other['id']}")
    assert refused.status_code == 404 and refused.headers["content-type"] == HTML
    assert other["reference"] not in refused.text
    calendar = client.get("/board/calendar")
    assert calendar.status_code == 200 and "does not list deadlines" in calendar.text
    assert asked["reference"] not in calendar.text


def test_unknown_pages_and_reviews_are_html_404_pages_and_the_api_keeps_problem_json(
    client: TestClient, api: Api, key_for: KeyFor
) -> None:
    sign_in(client, secret(key_for("business_unit")))
    for path in ("/board/reviews/00000000-0000-4000-8000-000000000000", "/board/reviews/RR-2026-0001", "/board/nope"):
        response = client.get(path)
        assert response.status_code == 404 and response.headers["content-type"] == HTML, path
        assert re.search(r"<h1[^>]*>Not found", response.text) and 'href="/board"' in response.text
    assert client.get("/board/static/nothing.js").status_code == 404
    response = client.post("/board")  # a method the board does not take
    assert response.status_code == 405 and response.headers["content-type"] == HTML
    problem(client.get("/reviews/00000000-0000-4000-8000-000000000000", headers=api.bu), 404)
    assert client.get("/board/reviews/x").headers["cache-control"] == "no-store"


def test_what_callers_wrote_is_escaped_on_every_page(client: TestClient, api: Api, key_for: KeyFor) -> None:
    review = api.create_review(
        received_on="2026-02-26",
        summary="<script>alert('summary')</script>",
        themes=["<b>neglect</b>"],
        referrer_organisation='Salford "City" <Council>',
    )
    api.link_external(review["id"], "coroner", "<img src=x onerror=alert(1)>")
    sign_in(client, secret(key_for("business_unit")))
    page = client.get(f"/board/reviews/{review['id']}").text
    assert "<script>alert" not in page and "&lt;script&gt;alert(&#39;summary&#39;)&lt;/script&gt;" in page
    assert "<b>neglect</b>" not in page and "&lt;b&gt;neglect&lt;/b&gt;" in page
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "<Council>" not in page and "Salford &#34;City&#34; &lt;Council&gt;" in page
    assert "<script>" not in client.get("/board/reviews/<script>x").text


def test_board_pages_are_not_in_the_api_spec_and_carry_a_strict_content_security_policy(
    client: TestClient, key_for: KeyFor
) -> None:
    assert not [path for path in client.get("/openapi.json").json()["paths"] if path.startswith("/board")]
    sign_in(client, secret(key_for("business_unit")))
    response = client.get("/board")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["x-frame-options"] == "DENY"


def test_sign_in_form_takes_a_key_from_the_next_page_it_names(client: TestClient, key_for: Callable) -> None:
    form = client.get("/board/sign-in?next=/board/calendar").text
    assert '<input type="hidden" name="next" value="/board/calendar">' in form
    assert 'value="/board"' in client.get("/board/sign-in?next=https://elsewhere.example").text


def test_an_unexpected_error_on_a_board_page_is_an_html_page_and_is_logged(
    client: TestClient, key_for: KeyFor, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*_: object) -> None:
        raise RuntimeError("the disk is on fire")

    monkeypatch.setattr("practice_review.board.routes.review_page", broken)
    sign_in(client, secret(key_for("business_unit")))
    with TestClient(client.app, raise_server_exceptions=False) as browser:
        browser.cookies = client.cookies
        response = browser.get("/board/reviews/00000000-0000-4000-8000-000000000000")
    assert response.status_code == 500 and response.headers["content-type"] == HTML
    assert "Something went wrong" in response.text and "disk is on fire" not in response.text
    assert "error on GET /board/reviews/" in caplog.text and "disk is on fire" in caplog.text  # logged, once
