"""The board's layout on GOV.UK Frontend (issue 17 item 1): the vendored, pinned package served from the
service itself with its licence, and every page in the partnership's own header, service navigation and
footer, without GOV.UK's crown or typeface."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from practice_review.board import STATIC
from practice_review.config import PROJECT_ROOT

from .conftest import WORKFLOWS  # noqa: F401  (the fixtures' workflows)
from .helpers import KeyFor

VENDOR = STATIC / "vendor" / "govuk-frontend"
BUILD = PROJECT_ROOT / "tools" / "govuk-frontend" / "build.sh"


def _sign_in(client: TestClient, headers: dict[str, str]) -> None:
    key = headers["Authorization"].removeprefix("Bearer ")
    assert client.post("/board/sign-in", data={"key": key}, follow_redirects=False).status_code == 303


def test_the_vendored_govuk_frontend_is_pinned_licensed_and_served_from_the_package(client: TestClient) -> None:
    pinned = re.search(r"^VERSION=(\S+)$", BUILD.read_text(), re.M)
    assert pinned and (VENDOR / "VERSION").read_text().strip() == pinned.group(1) == "6.6.0"
    assert "MIT License" in (VENDOR / "LICENSE").read_text()
    css = (VENDOR / "govuk-frontend.min.css").read_text()
    assert "GDS Transport" not in css and "@font-face" not in css  # the GOV.UK typeface is GOV.UK's only
    assert not re.search(r"url\((?!\"?/board/static/)", css)  # nothing from elsewhere
    for path, kind in [
        ("/board/static/vendor/govuk-frontend/govuk-frontend.min.css", "text/css"),
        ("/board/static/vendor/govuk-frontend/govuk-frontend.min.js", "javascript"),
        ("/board/static/govuk.js", "javascript"),
    ]:
        response = client.get(path)
        assert response.status_code == 200 and kind in response.headers["content-type"], path


def test_every_page_has_the_partnerships_header_navigation_and_footer_without_the_crown(
    client: TestClient, key_for: KeyFor
) -> None:
    sign_in_page = client.get("/board/sign-in").text
    assert 'class="govuk-generic-header' in sign_in_page and "Salford Safeguarding Children Partnership" in sign_in_page
    assert 'class="govuk-service-navigation__wrapper"' not in sign_in_page  # no menu before signing in

    _sign_in(client, key_for("business_unit"))
    for path in ["/board", "/board/calendar", "/board/reviews/no-such-review"]:
        page = client.get(path).text
        assert (
            '<a href="#main" class="govuk-skip-link"' in page and '<main class="govuk-main-wrapper" id="main"' in page
        )
        assert 'aria-label="Service information" class="govuk-service-navigation"' in page
        assert '<footer class="govuk-footer">' in page and 'action="/board/sign-out"' in page
        assert "govuk-logo" not in page and "crown" not in page.lower() and "Crown copyright" not in page
        assert re.search(r'<script type="module" src="/board/static/govuk\.[0-9a-f]{12}\.js"></script>', page)
        assert "<script>" not in page  # CSP: no inline script
    current = re.findall(r'aria-current="page"[^>]*>\s*<strong[^>]*>([^<]+)<', client.get("/board/calendar").text)
    assert current == ["Calendar"]


def test_the_partnerships_name_is_configurable(services, key_for: KeyFor) -> None:  # type: ignore[no-untyped-def]
    from practice_review.api.app import create_app

    services.partnership_name = "Kirklees Safeguarding Children Partnership"
    with TestClient(create_app(services=services)) as client:
        page = client.get("/board/sign-in").text
    assert "Kirklees Safeguarding Children Partnership" in page and "Salford" not in page
    assert "<title>Sign in · Practice reviews · Kirklees Safeguarding Children Partnership</title>" in page


# Classes of GOV.UK Frontend's component markup that its stylesheet does not style itself (hooks for the
# markup's structure or its JavaScript), as the Design System's examples write them.
MARKUP_ONLY = {
    "govuk-table__head",
    "govuk-table__body",
    "govuk-table__row",
    "govuk-template__header",
    "govuk-generic-header__container",
    "govuk-checkboxes",
    "govuk-radios",
}
TEMPLATES = STATIC.parent / "templates"


def test_every_govuk_class_the_templates_use_is_one_govuk_frontend_6_6_0_has() -> None:
    """A misspelt or retired class (govuk-tag--blue is gone in 6.x) silently drops the component's look."""
    stylesheet = (VENDOR / "govuk-frontend.min.css").read_text().replace("\\!", "!")
    script = (VENDOR / "govuk-frontend.min.js").read_text()
    defined = set(re.findall(r"\.(govuk-[\w!-]+)", stylesheet)) | MARKUP_ONLY
    unknown = {}
    for template in TEMPLATES.rglob("*.html"):
        for attribute in re.findall(r'class="([^"]*)"', template.read_text()):
            for name in re.sub(r"\{[{%].*?[}%]\}", " ", attribute).split():
                if name.startswith("govuk-") and not name.endswith("-") and name not in defined:
                    if not (name.startswith("govuk-js-") and name in script):
                        unknown.setdefault(name, template.name)
    assert not unknown, unknown
    colours = re.search(r"TAG_COLOURS = (\{[^}]*\})", (TEMPLATES / "macros.html").read_text())
    assert colours and all(f"govuk-tag--{c}" in defined for c in re.findall(r': "(\w+)"', colours.group(1)))


def test_the_reading_pages_are_on_summary_lists_tables_tags_and_the_task_list(
    client: TestClient, key_for: KeyFor
) -> None:
    """Issue 17 item 1: a review's particulars, clocks and records in summary lists; lists in captioned
    tables; red, amber and green as tags in their colour with their words; what can happen next as a task
    list whose statuses say whether it can be done now or cannot start yet."""
    from .helpers import Api

    api = Api(client, key_for("business_unit"), key_for("chair"))
    review = api.new_review_at("hold_meeting")  # breached, with meetings and a blocked event
    _sign_in(client, api.bu)
    page = client.get(f"/board/reviews/{review['id']}").text
    assert '<dl class="govuk-summary-list details">' in page
    assert '<dt class="govuk-summary-list__key">Child</dt><dd class="govuk-summary-list__value">Child A</dd>' in page
    assert re.search(r'<div class="govuk-summary-card clock">\s*<div class="govuk-summary-card__title-wrapper">', page)
    assert '<strong class="govuk-tag govuk-tag--red mark-label">Breached</strong>' in page  # the colour and the word
    assert '<ul class="govuk-task-list"' in page
    assert re.search(r'govuk-task-list__status--cannot-start-yet"[^>]*>Cannot start yet<', page)
    assert re.search(r'govuk-task-list__status"[^>]*><strong class="govuk-tag">Can do now</strong>', page)
    assert re.search(r'<table class="govuk-table stacked">\s*<caption class="govuk-table__caption', page)
    board = client.get("/board").text
    assert re.search(
        r'<table class="govuk-table reviews stacked" id="reviews"[^>]*>\s*<caption class="govuk-table', board
    )
    assert 'class="govuk-table__cell" data-label="Child">Child A</td>' in board  # each cell named when stacked
