"""The board's reading side (issue 17, items 3–5), without a browser: red / amber / green that counts
overdue information requests and actions; plain words (names, one date format, rule ids explained, no
JSON); the timeline in the order things happened; search, ended reviews, totals, the §21 figures with
SVG charts, what is due from an agency, a calendar day; error pages that keep the menu; static files
with hashed names, gzip and a year's caching; /docs and /redoc with nothing from the internet; and every
view of a review recorded, append-only, shown to the Business Unit alone.
(tests/test_board_a11y.py looks at every page in Chromium with axe-core at 1280 and 320 px.)"""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from practice_review.rules.catalogue import rule
from practice_review.services.common import Services

from .helpers import Api, KeyFor, problem, request_information
from .test_api_clocks import pause
from .test_board import board_rows, secret, sign_in, words

REVIEWER = {"person_id": "rev-9", "name": "Morgan Hale", "organisation": "Hale Consultancy"}
SCHOOL = "Salford Primary School"


def lcspr_paused_with_overdue_work(api: Api) -> dict[str, Any]:
    """An LCSPR whose reviewer is appointed and whose completion clock is paused, with an agency summary
    from a school five working days overdue and an action overdue: red, not "Paused"."""
    review = api.create_review(review_type="lcspr", child_reference="Child L", received_on="2026-02-02")
    api.declare(review["id"], REVIEWER, "2026-02-02")
    reviewer = {k: v for k, v in REVIEWER.items() if k != "organisation"} | {
        "contract_signed": True,
        "policy_confirmed": True,
    }
    api.ok(api.fire(review["id"], "appoint_reviewer", "2026-02-03", {"reviewer": reviewer}))
    api.ok(pause(api, review["id"], "completion", "2026-02-04", "Criminal trial (§8)"))
    request_information(api, review["id"], SCHOOL, "2026-02-16", kind="agency_summary")  # due Mon 23 Feb
    action = {
        "recommendation": "Share chronologies earlier",
        "action": "Agree a chronology protocol",
        "owner_organisation": SCHOOL,
        "due_on": "2026-02-27",
        "intended_outcome": "Chronologies in time",
    }
    api.ok(api.client.post(f"/reviews/{review['id']}/actions", json=action, headers=api.bu), 201)
    return review


# ---------------------------------------------------------------- red, amber, green


def test_overdue_information_requests_and_actions_make_a_paused_review_red(
    client: TestClient, api: Api, key_for: KeyFor
) -> None:
    review = lcspr_paused_with_overdue_work(api)
    sign_in(client, secret(key_for("business_unit")))
    [(reference, level, row)] = [r for r in board_rows(client) if r[0] == review["reference"]]
    assert level == "red" and "Breached" in row and "Paused" not in row
    assert "Agency summary from Salford Primary School" in row and "5 overdue" in row  # the earlier of the two
    assert [r[0] for r in board_rows(client, "?status=breached")] == [review["reference"]]
    assert review["reference"] not in [r[0] for r in board_rows(client, "?status=no_deadline")]
    page = words(client.get(f"/board/reviews/{review['id']}").text)
    assert "Breached 5 working days overdue Agency summary from Salford Primary School, due Mon 23 Feb 2026" in page
    assert "1 breached" in words(client.get("/board").text)  # the totals count it too

    school = key_for("agency", organisation=SCHOOL)  # the school's own overdue work: red for it too
    sign_in(client, secret(school))
    assert [(r[0], r[1]) for r in board_rows(client)] == [(review["reference"], "red")]


def test_an_overdue_school_chronology_makes_a_rapid_review_red_not_amber(
    client: TestClient, api: Api, key_for: KeyFor
) -> None:
    review = api.create_review(received_on="2026-02-26", child_reference="Child B")  # screening due in 3 days
    request_information(api, review["id"], SCHOOL, "2026-02-19")  # chronology due Thu 26 Feb: overdue
    sign_in(client, secret(key_for("business_unit")))
    [(_, level, row)] = [r for r in board_rows(client) if r[0] == review["reference"]]
    assert level == "red" and f"Chronology from {SCHOOL}" in row and "Thu 26 Feb 2026" in row


def test_the_totals_count_each_open_review_once_by_its_mark(client: TestClient, api: Api, key_for: KeyFor) -> None:
    api.new_review_at("hold_meeting")  # the rapid review clock breached
    api.create_review(received_on="2026-02-26")  # due in 3 working days: amber
    api.create_review(review_type="lcspr", received_on="2026-02-23")  # green
    lcspr_paused_with_overdue_work(api)  # red by its overdue work
    quiet = api.create_review(review_type="lcspr", received_on="2026-02-23", child_reference="Child Q")
    api.ok(pause(api, quiet["id"], "reviewer_appointment", "2026-02-24"))
    api.ok(pause(api, quiet["id"], "completion", "2026-02-24"))
    sign_in(client, secret(key_for("business_unit")))
    page = words(client.get("/board").text)
    assert "2 breached 1 due soon 1 on track 1 paused or no deadline 5 open in all" in page
    levels = [level for _, level, _ in board_rows(client)]
    assert sorted(levels) == sorted(["red", "red", "amber", "green", "paused"])


# ---------------------------------------------------------------- plain words


def test_the_review_page_says_things_in_words_not_json_ids_or_field_names(
    client: TestClient, api: Api, key_for: KeyFor
) -> None:
    review = lcspr_paused_with_overdue_work(api)
    themed = api.create_review(themes=["domestic abuse", "neglect"], child_reference="Child T")
    sign_in(client, secret(key_for("business_unit")))
    html = client.get(f"/board/reviews/{review['id']}").text
    page = words(html)
    assert "Reviewer Morgan Hale (rev-9); contract signed: yes; policy confirmed: yes" in page
    assert "{" not in page and '"contract_signed"' not in html  # no JSON
    assert not re.search(r"\b\d{4}-\d{2}-\d{2}\b", page)  # no ISO dates in the words shown
    assert "Agency summary from Salford Primary School" in page
    themed_html = client.get(f"/board/reviews/{themed['id']}").text
    assert '<ul class="plain themes"><li>domestic abuse</li><li>neglect</li></ul>' in themed_html
    shown = words(re.sub(r'<pre class="mermaid".*?</pre>', "", themed_html, flags=re.S))  # the diagram's source aside
    assert "Description" not in shown and "[" not in shown and "{" not in shown


def test_a_blocker_names_the_form_label_and_the_person_and_explains_its_rule(
    client: TestClient, api: Api, key_for: KeyFor
) -> None:
    review = api.new_review_at("hold_meeting")
    late = api.meeting(review["id"], "rapid_review", "2026-02-16T10:00:00", "2026-02-16T08:00:00")
    attendee = {"person_id": "gmp-2", "name": "Sam Patel", "organisation": "Greater Manchester Police"}
    api.attend(review["id"], late["id"], [*_panel()[:2], {**attendee, "partner": "police", "substitute": True}])
    api.declare(review["id"], attendee, "2026-02-16", has_interest=True, details="Line-managed the officer")
    sign_in(client, secret(key_for("business_unit")))
    html = client.get(f"/board/reviews/{review['id']}").text
    page = words(html)
    assert "data.reading_time_allowed" not in page and "“Reading time allowed” answered yes" in page
    assert "(declaration" not in page and "Sam Patel" in page
    assert f"D2 {rule('D2').title}:" in page  # type: ignore[union-attr]
    assert f'<abbr title="{rule("Q4").title}">Q4</abbr>' in html  # type: ignore[union-attr]
    glossary = client.get("/board/rules")
    assert glossary.status_code == 200
    assert 'id="rule-Q4"' in glossary.text and rule("Q4").text.split(":")[0] in words(glossary.text)  # type: ignore[union-attr]


def _panel() -> list[dict[str, Any]]:
    from .helpers import PANEL

    return list(PANEL)


def test_the_timeline_is_in_the_order_things_happened_with_when_each_was_recorded(
    client: TestClient, api: Api, key_for: KeyFor, services: Services
) -> None:
    review = api.create_review(review_type="lcspr", received_on="2026-02-02", child_reference="Child O")
    api.ok(pause(api, review["id"], "completion", "2026-02-20"))  # recorded first, happened later
    api.declare(review["id"], REVIEWER, "2026-02-03")  # recorded second, happened earlier
    sign_in(client, secret(key_for("business_unit")))
    html = client.get(f"/board/reviews/{review['id']}").text
    timeline = html[html.index('<ol class="timeline">') :]
    days = re.findall(r'<p class="when"><time datetime="(\d{4}-\d{2}-\d{2})">', timeline)
    assert days == sorted(days) and days[0] == "2026-02-02" and "2026-02-20" in days
    assert re.search(r'recorded <time datetime="[^"]+">\w{3} \d+ \w{3} 2026 at \d\d:\d\d</time>', timeline)


# ---------------------------------------------------------------- more pages


def test_search_finds_a_review_by_its_reference_or_its_childs_in_any_case(
    client: TestClient, api: Api, key_for: KeyFor
) -> None:
    a = api.create_review(child_reference="Child A")
    b = api.create_review(child_reference="Child AB")
    c = api.create_review(child_reference="Child C")
    sign_in(client, secret(key_for("business_unit")))

    def found(q: str) -> set[str]:
        page = client.get("/board/search", params={"q": q})
        assert page.status_code == 200
        return set(re.findall(r'<h3 class="card-title"><a href="/board/reviews/[^"]+">([^<]+)</a>', page.text))

    assert found(c["reference"].lower()) == {c["reference"]}
    assert found("child a") == {a["reference"], b["reference"]}
    assert found("%") == set() and found("_") == set()  # wildcards are letters here
    assert found("") == set()
    assert client.get("/board/search", params={"q": "x" * 65}).status_code == 422
    agency = key_for("agency", organisation=SCHOOL)  # sees only the reviews that asked it for something
    request_information(api, b["id"], SCHOOL, "2026-02-27")
    sign_in(client, secret(agency))
    assert found("child a") == {b["reference"]}


def test_ended_reviews_are_listed_apart(client: TestClient, api: Api, key_for: KeyFor) -> None:
    ended = api.create_review(child_reference="Child W")
    api.ok(api.fire(ended["id"], "withdraw", "2026-02-03", {"reason": "Referred in error"}))
    still = api.create_review(child_reference="Child S")
    sign_in(client, secret(key_for("chair")))
    page = client.get("/board/ended")
    assert page.status_code == 200
    assert ended["reference"] in page.text and still["reference"] not in page.text
    assert "Withdrawn" in words(page.text)
    assert ended["reference"] not in client.get("/board").text


def test_the_figures_page_draws_its_charts_on_the_server(client: TestClient, api: Api, key_for: KeyFor) -> None:
    api.new_review_at("hold_meeting")
    api.create_review(review_type="lcspr", received_on="2026-02-23")
    sign_in(client, secret(key_for("business_unit")))
    page = client.get("/board/figures?year=2025")
    assert page.status_code == 200
    charts = re.findall(r'<svg class="chart"[^>]*role="img"[^>]*>', page.text)
    assert len(charts) >= 3  # a chart with nothing to count says so in words instead
    assert '<title id="referrals-by-type-title">Referrals by review type</title>' in page.text
    desc = re.search(r'<desc id="referrals-by-type-desc">([^<]+)</desc>', page.text)
    assert desc and desc.group(1) == "Local child safeguarding practice review: 1; Rapid review: 1."
    assert "<script" not in page.text.split("<main", 1)[1]  # no chart library
    assert client.get("/board/figures?year=soon").status_code == 422
    sign_in(client, secret(key_for("agency", organisation=SCHOOL)))
    assert client.get("/board/figures").status_code == 403  # read_reports
    assert "/board/figures" not in client.get("/board/rules").text  # and not in its menu


def test_an_agency_sees_what_is_due_from_it(client: TestClient, api: Api, key_for: KeyFor) -> None:
    review = lcspr_paused_with_overdue_work(api)
    other = api.create_review(child_reference="Child Z")
    request_information(api, other["id"], "Oldham Academy", "2026-02-27")
    sign_in(client, secret(key_for("agency", organisation=SCHOOL)))
    page = words(client.get("/board/due").text)
    assert "Due from Salford Primary School" in page
    assert page.index("Agency summary from Salford Primary School") < page.index("Action: Agree a chronology protocol")
    assert review["reference"] in page and other["reference"] not in page and "Oldham" not in page
    assert page.count("Breached") == 2


def test_a_calendar_day_with_more_than_a_square_holds_links_to_all_of_them(
    client: TestClient, api: Api, key_for: KeyFor
) -> None:
    made = [api.create_review(received_on="2026-02-26", child_reference=f"Child {n}") for n in range(8)]
    sign_in(client, secret(key_for("business_unit")))
    calendar = client.get("/board/calendar").text
    link = re.search(r'<a href="(/board/calendar/2026-03-05)">and (\d+) more due on Thu 5 Mar 2026</a>', calendar)
    assert link and int(link.group(2)) == 2 * len(made) - 6  # each has its screening and notification due
    day = client.get(link.group(1))
    assert day.status_code == 200
    assert all(r["reference"] in day.text for r in made)
    assert client.get("/board/calendar/2026-13-01").status_code == 422


def test_an_error_page_keeps_the_menu(client: TestClient, key_for: KeyFor) -> None:
    sign_in(client, secret(key_for("business_unit")))
    page = client.get("/board/reviews/00000000-0000-4000-8000-000000000000")
    assert page.status_code == 404
    assert 'href="/board/calendar"' in page.text and 'href="/board/search"' in page.text
    assert 'action="/board/sign-out"' in page.text


# ---------------------------------------------------------------- static files and the API docs


def test_static_files_have_hashed_names_are_compressed_and_cached_for_a_year(
    client: TestClient, key_for: KeyFor
) -> None:
    sign_in(client, secret(key_for("business_unit")))
    page = client.get("/board").text
    css = re.search(r'href="(/board/static/board\.[0-9a-f]{12}\.css)"', page)
    assert css, "the stylesheet is named by its hash"
    answer = client.get(css.group(1), headers={"Accept-Encoding": "gzip"})
    assert answer.status_code == 200 and answer.headers["content-encoding"] == "gzip"
    assert answer.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert answer.headers["vary"] == "Accept-Encoding" and answer.headers["content-type"].startswith("text/css")
    plain = client.get("/board/static/board.css", headers={"Accept-Encoding": "identity"})
    assert plain.headers["cache-control"] == "public, no-cache" and "content-encoding" not in plain.headers
    assert plain.content == answer.content  # httpx undid the gzip: the same file
    again = client.get("/board/static/board.css", headers={"If-None-Match": plain.headers["etag"]})
    assert again.status_code == 304
    mermaid = client.get("/board/static/vendor/mermaid.min.js", headers={"Accept-Encoding": "gzip"})
    assert mermaid.headers["content-encoding"] == "gzip" and int(mermaid.headers["content-length"]) < 1_200_000
    assert client.get("/board/static/board.000000000000.css").status_code == 404  # not this release's
    assert client.get("/board/static/../pages.py").status_code == 404


def test_the_api_docs_pages_need_nothing_from_the_internet(client: TestClient) -> None:
    for path, scripts in (("/docs", ("swagger-ui-bundle",)), ("/redoc", ("redoc.standalone",))):
        page = client.get(path)
        assert page.status_code == 200, path
        addresses = re.findall(r'(?:src|href)="([^"]+)"', page.text)
        assert addresses and all(a.startswith("/board/static/") for a in addresses), addresses
        assert "http" not in page.text.replace("http://www.w3.org", "")
        for name in scripts:
            [found] = [a for a in addresses if name in a]
            asset = client.get(found, headers={"Accept-Encoding": "gzip"})
            assert asset.status_code == 200 and asset.headers["cache-control"].endswith("immutable")
    assert client.get("/openapi.json").status_code == 200


# ---------------------------------------------------------------- who looked


def test_every_view_of_a_review_is_recorded_and_shown_to_the_business_unit_only(
    client: TestClient, api: Api, key_for: KeyFor
) -> None:
    review = api.create_review()
    chair = key_for("chair")
    sign_in(client, secret(chair))
    chair_page = client.get(f"/board/reviews/{review['id']}").text
    assert "Who has looked at this review" not in chair_page
    sign_in(client, secret(api.bu))
    page = words(client.get(f"/board/reviews/{review['id']}").text)
    assert "Who has looked at this review" in page
    assert re.search(r"Mon 2 Mar 2026 at \d\d:\d\d: .* \(business unit\) .* \(chair\)", page) or (
        "(chair)" in page and "(business unit)" in page
    )
    views = api.ok(client.get(f"/reviews/{review['id']}/views", headers=api.bu))
    assert [v["viewer"]["role"] for v in views["items"]] == ["business_unit", "chair"]  # newest first
    assert all(v["page"] == "review" for v in views["items"])
    problem(client.get(f"/reviews/{review['id']}/views", headers=chair), 403)
    first = api.ok(client.get(f"/reviews/{review['id']}/views", params={"limit": 1}, headers=api.bu))
    rest = api.ok(client.get(f"/reviews/{review['id']}/views", params={"cursor": first["next_cursor"]}, headers=api.bu))
    assert [v["id"] for v in first["items"] + rest["items"]] == [v["id"] for v in views["items"]]
    problem(client.get(f"/reviews/{review['id']}/views", params={"cursor": "x"}, headers=api.bu), 422)


@pytest.mark.parametrize("statement", ["UPDATE review_views SET page = 'other'", "DELETE FROM review_views"])
def test_page_views_cannot_be_changed_or_deleted(
    client: TestClient, api: Api, services: Services, statement: str
) -> None:
    review = api.create_review()
    sign_in(client, secret(api.bu))
    assert client.get(f"/board/reviews/{review['id']}").status_code == 200
    with pytest.raises(DBAPIError, match="append-only"), services.db.engine.begin() as connection:
        connection.execute(text(statement))
    assert len(api.ok(client.get(f"/reviews/{review['id']}/views", headers=api.bu))["items"]) == 1
