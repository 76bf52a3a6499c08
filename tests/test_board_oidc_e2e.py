"""Signing in to the board with an organisation's account, in a real browser against a real OpenID provider
(issue 16): headless Chromium (tests/test_board_e2e.py's), node-oidc-provider on loopback
(tests/oidc_provider.py), the app served by uvicorn.

The board is opened as http://localhost:PORT and the provider lives at http://127.0.0.1:PORT, so the
provider's redirect back is cross-site, as it is in production: the SameSite=Lax cookies must survive it.
"""

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
from practice_review.identity.issuers import parse_issuer
from practice_review.services.keys import create_key

from .conftest import TODAY, WORKFLOWS
from .helpers import Api
from .oidc_provider import PEOPLE, Provider, issuer_settings, node_or_skip, running_provider
from .server import free_port, served_in_thread
from .test_board_e2e import all_of, browser, screenshot, wait_for  # noqa: F401 - the browser fixture

__all__ = ["browser"]


@dataclass
class Signed:
    url: str  # the board, as the browser sees it
    provider: Provider
    review: dict[str, Any]  # recorded by a partner system's API key
    by_ben: dict[str, Any]  # recorded through the API by Ben Ahmed, with his access token


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[Signed]:
    node_or_skip()
    path = tmp_path_factory.mktemp("oidc-board") / "board.db"
    shutil.copyfile(sqlite_template, path)
    port = free_port()
    board = f"http://localhost:{port}"
    with running_provider(
        tmp_path_factory.mktemp("oidc-op"),
        redirect_uris=[f"{board}/board/sign-in/oidc/test/callback"],
        post_logout=[f"{board}/board/sign-in"],
    ) as provider:
        issuer = parse_issuer(issuer_settings(provider), 0, {})
        settings = Settings(database_url=f"sqlite:///{path}", workflows_dir=WORKFLOWS, issuers=(issuer,))
        services = build_services(settings)
        services.today = lambda: TODAY
        key = {"Authorization": f"Bearer {create_key(services, 'Partner system', 'business_unit').secret}"}
        try:
            with served_in_thread(create_app(services=services), port) as url, httpx.Client(base_url=url) as client:
                review = Api(client, key, key).create_review(received_on="2026-02-26", child_reference="Child B")
                ben = {"Authorization": f"Bearer {provider.mint({'sub': 'ben', **PEOPLE['ben']})}"}
                by_ben = Api(client, ben, ben).create_review(received_on="2026-02-27", child_reference="Child C")
                yield Signed(board, provider, review, by_ben)
        finally:
            services.db.dispose()


def sign_in_at_provider(driver: Any, site: Signed, login: str) -> None:
    """From the board's sign-in page: the organisation's button, then the provider's own form."""
    wait_for(driver, "a#sign-in-test").click()
    field = wait_for(driver, "input[name=login]")
    assert driver.current_url.startswith(site.provider.issuer)  # at the provider, not the board
    field.send_keys(login)
    wait_for(driver, "input[name=password]").send_keys("any password")
    wait_for(driver, "button[type=submit]").click()


def test_a_person_signs_in_with_their_organisations_account_and_out_again(browser: Any, site: Signed) -> None:
    browser.delete_all_cookies()
    browser.get(f"{site.url}/board/calendar")
    wait_for(browser, "a#sign-in-test")
    assert browser.current_url == f"{site.url}/board/sign-in?next=/board/calendar"
    assert not all_of(browser, "input#key")  # no key to paste where an organisation sign-in is set up
    assert "API keys cannot be pasted here" in browser.find_element("css selector", "main").text
    screenshot(browser, "sign-in-oidc")

    sign_in_at_provider(browser, site, "dana")
    wait_for(browser, "table.month")  # back on the page that asked, signed in, after a cross-site redirect
    assert browser.current_url == f"{site.url}/board/calendar"
    assert "Dana Okafor" in wait_for(browser, "form.sign-out .who").text
    browser.get(f"{site.url}/board")
    assert site.review["reference"] in wait_for(browser, "#reviews-body").text
    browser.get(f"{site.url}/board/reviews/{site.by_ben['id']}")
    assert "By Ben Ahmed (business unit)" in wait_for(browser, "main").text  # the person, by name, in the timeline
    cookie = {c["name"]: c for c in browser.get_cookies()}["practice_review_board"]
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax" and cookie["path"] == "/board"
    assert "practice_review_sign_in" not in {c["name"] for c in browser.get_cookies()}  # the flow's, gone

    wait_for(browser, "form.sign-out button").click()
    wait_for(browser, "#op-sign-out").click()  # RP-initiated logout: the provider asks, then sends us back
    wait_for(browser, "a#sign-in-test")
    assert browser.current_url.startswith(f"{site.url}/board/sign-in")
    browser.get(f"{site.url}/board")
    wait_for(browser, "a#sign-in-test")  # the session is over here
    browser.find_element("css selector", "a#sign-in-test").click()
    wait_for(browser, "input[name=login]")  # and at the provider: signing in asks again


def test_a_person_whose_claims_give_no_role_is_told_so_and_not_signed_in(browser: Any, site: Signed) -> None:
    browser.delete_all_cookies()
    browser.get(f"{site.url}/board/sign-in")
    sign_in_at_provider(browser, site, "nobody")
    alert = wait_for(browser, "[role=alert]")
    assert "nothing in this token gives a role" in alert.text
    browser.get(f"{site.url}/board")
    wait_for(browser, "a#sign-in-test")
    screenshot(browser, "sign-in-oidc-no-role")
