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
