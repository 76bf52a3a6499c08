"""The board's OpenID sign-in without a browser (issue 16), against a real provider (tests/oidc_provider.py): what
the sign-in page offers, what the redirect to the provider carries, and every way a callback is refused.
(tests/test_board_oidc_e2e.py signs in and out through it in Chromium.)"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from practice_review.identity.discovery import Trust
from practice_review.identity.issuers import parse_issuer
from practice_review.services.common import Services

from .helpers import KeyFor
from .oidc_provider import Provider, issuer_settings, running_provider
from .test_board import secret

CALLBACK = "/board/sign-in/oidc/test/callback"


@pytest.fixture(scope="module")
def provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Provider]:
    with running_provider(tmp_path_factory.mktemp("oidc"), redirect_uris=[f"http://testserver{CALLBACK}"]) as running:
        yield running


@pytest.fixture
def trusted(services: Services, provider: Provider) -> Services:
    services.trust = Trust((parse_issuer(issuer_settings(provider), 0, {}),))
    return services


def start(client: TestClient, next_path: str = "") -> tuple[httpx.Response, dict[str, str]]:
    """Press "Sign in with …": the redirect to the provider, and its query."""
    response = client.get(f"/board/sign-in/oidc/test{next_path}", follow_redirects=False)
    assert response.status_code == 302, response.text
    return response, {k: v[0] for k, v in parse_qs(urlsplit(response.headers["location"]).query).items()}


def log_in_at_provider(provider: Provider, authorize_url: str, login: str) -> str:
    """What a person does at the provider's own pages; the callback URL it sends the browser back to."""
    with httpx.Client(timeout=10) as browser:
        page = browser.get(authorize_url, follow_redirects=True)
        action = re.search(r'action="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
        answer = browser.post(
            httpx.URL(str(page.url)).join(action),
            data={"prompt": "login", "login": login, "password": "x"},
            follow_redirects=False,
        )
        for _ in range(10):  # the provider's own redirects, until it sends the browser back to the board
            location = answer.headers["location"]
            if location.startswith("http://testserver"):
                return location.removeprefix("http://testserver")
            answer = browser.get(httpx.URL(str(answer.url)).join(location), follow_redirects=False)
    raise AssertionError("the provider did not send the browser back")


def test_the_sign_in_page_offers_the_organisations_account_and_takes_no_key(
    client: TestClient, trusted: Services, key_for: KeyFor
) -> None:
    page = client.get("/board/sign-in?next=/board/calendar")
    assert 'href="/board/sign-in/oidc/test?next=/board/calendar"' in page.text
    assert 'name="key"' not in page.text and "API keys cannot be pasted here" in page.text
    pasted = client.post("/board/sign-in", data={"key": secret(key_for("business_unit"))}, follow_redirects=False)
    assert pasted.status_code == 403 and "set-cookie" not in pasted.headers


def test_the_redirect_carries_pkce_state_and_nonce_and_the_browser_holds_only_a_random_id(
    client: TestClient, trusted: Services, provider: Provider
) -> None:
    response, query = start(client)
    assert response.headers["location"].startswith(f"{provider.issuer}/auth?")
    assert query["response_type"] == "code" and query["code_challenge_method"] == "S256"
    assert query["redirect_uri"] == f"http://testserver{CALLBACK}" and query["client_id"] == "practice-review-board"
    assert len(query["state"]) >= 20 and len(query["nonce"]) >= 20 and len(query["code_challenge"]) == 43
    cookie = response.headers["set-cookie"]
    flow_id = cookie.split(";")[0].removeprefix("practice_review_sign_in=")
    assert "Path=/board/sign-in/oidc" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "Max-Age=600" in cookie and query["state"] not in cookie and query["nonce"] not in cookie
    with trusted.db.read() as session:
        stored = session.execute(text("SELECT token_hash FROM board_sign_ins")).scalar_one()
    assert stored == hashlib.sha256(flow_id.encode()).hexdigest()


def test_signing_in_through_the_provider_opens_a_session_for_the_person(
    client: TestClient, trusted: Services, provider: Provider
) -> None:
    response, query = start(client, "?next=/board/calendar")
    back = client.get(log_in_at_provider(provider, response.headers["location"], "ben"), follow_redirects=False)
    assert (back.status_code, back.headers["location"]) == (303, "/board/calendar")
    assert "Ben Ahmed" in client.get("/board").text
    with trusted.db.read() as session:
        identity = session.execute(text("SELECT identity FROM board_sessions")).scalar_one()
    assert "business_unit" in str(identity) and "ben" in str(identity)


def test_a_callback_in_another_browser_or_with_another_state_or_twice_is_refused(
    client: TestClient, trusted: Services, provider: Provider
) -> None:
    response, query = start(client)
    callback = log_in_at_provider(provider, response.headers["location"], "ben")
    with TestClient(client.app) as elsewhere:  # login CSRF: the attacker's callback in the victim's browser
        refused = elsewhere.get(callback, follow_redirects=False)
        assert refused.status_code == 400 and "started in another browser" in refused.text
    forged = client.get(callback.replace(query["state"], "another-state"), follow_redirects=False)
    assert forged.status_code == 400 and "does not match" in forged.text
    replayed = client.get(callback, follow_redirects=False)  # the sign-in under way was used up
    assert replayed.status_code == 400 and "expired" in replayed.text
    assert client.get("/board", follow_redirects=False).status_code == 303  # never signed in


def test_the_provider_saying_no_and_unknown_issuers_are_answered_plainly(client: TestClient, trusted: Services) -> None:
    start(client)
    denied = client.get(f"{CALLBACK}?error=access_denied&state=x", follow_redirects=False)
    assert denied.status_code == 400 and "did not sign you in (access_denied)" in denied.text
    assert client.get("/board/sign-in/oidc/elsewhere", follow_redirects=False).status_code == 404
