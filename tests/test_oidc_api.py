"""The API believes access tokens from trusted issuers, beside API keys (issue 16), tested against a real OpenID
provider (node-oidc-provider on loopback, tests/oidc_provider.py): its discovery document, its JWKS, its
client-credentials tokens, and tokens signed with its own keys for the cases it would not issue on request.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from practice_review.identity.discovery import Trust, fetch_json
from practice_review.identity.issuers import parse_issuer
from practice_review.services.common import Services

from .helpers import RECEIVED_ON, Api, KeyFor, history, problem
from .oidc_provider import AUDIENCE, PEOPLE, Provider, issuer_settings, new_key, running_provider


@pytest.fixture(scope="module")
def provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Provider]:
    with running_provider(tmp_path_factory.mktemp("oidc")) as running:
        yield running


@pytest.fixture(scope="module")
def other_provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Provider]:
    """A second, real provider this service does not trust."""
    with running_provider(tmp_path_factory.mktemp("oidc-other")) as running:
        yield running


class CountingFetch:
    def __init__(self) -> None:
        self.urls: list[str] = []

    def __call__(self, url: str) -> dict[str, Any]:
        self.urls.append(url)
        return fetch_json(url)

    def jwks(self) -> int:
        return sum(url.endswith("/jwks") for url in self.urls)


@pytest.fixture
def fetches(services: Services, provider: Provider) -> CountingFetch:
    """The service trusts the test provider (as its settings would say); the fetches it makes, counted."""
    counting = CountingFetch()
    services.trust = Trust((parse_issuer(issuer_settings(provider), 0, {}),), refetch_seconds=3600, fetch=counting)
    return counting


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def person(provider: Provider, login: str, **claims: Any) -> dict[str, str]:
    """A person's access token, as the provider would issue it to the board's client for the API."""
    return bearer(provider.mint({"sub": login, "azp": "practice-review-board", **PEOPLE[login], **claims}))


def refused(response: httpx.Response, says: str) -> None:
    """RFC 6750: 401, `WWW-Authenticate: Bearer error="invalid_token"` saying why, as problem+json."""
    body = problem(response, 401)
    challenge = response.headers["www-authenticate"]
    assert challenge.startswith('Bearer error="invalid_token", error_description="'), challenge
    assert says in body["detail"] and says in challenge, (says, body["detail"])


# ---------------------------------------------------------------- accepted


def test_a_partner_systems_client_credentials_token_is_its_service_identity(
    client: TestClient, provider: Provider, fetches: CountingFetch, api: Api
) -> None:
    review = api.create_review()
    token = provider.client_credentials()  # from the provider's real token endpoint
    listed = client.get("/reviews", headers=bearer(token))
    assert listed.status_code == 200 and [r["id"] for r in listed.json()["items"]] == [review["id"]]
    assert client.get("/keys", headers=bearer(token)).status_code == 403  # a partner, not an admin
    assert client.get(f"/reviews/{review['id']}", headers=bearer(token)).status_code == 200
    assert fetches.jwks() == 1 and client.get("/reviews", headers=bearer(token)).status_code == 200
    assert fetches.jwks() == 1  # the keys are cached


@pytest.mark.parametrize(
    ("login", "role", "may_create"),
    [
        ("ben", "business_unit", True),
        ("dana", "chair", False),
        ("priya", "partner", False),
        ("sam", "agency", False),
        ("ola", "reviewer", False),
        ("jo", "independent_scrutineer", False),
        ("kim", "read_only", False),
    ],
)
def test_claims_map_to_each_role(
    client: TestClient, provider: Provider, fetches: CountingFetch, login: str, role: str, may_create: bool
) -> None:
    """Each person gets the role their group or app role maps to, and only that role's rights."""
    body = {"review_type": "rapid", "child_reference": "Child A", "received_on": "2026-02-02"}
    created = client.post(
        "/reviews", json={**body, "referrer_organisation": "Salford"}, headers=person(provider, login)
    )
    if may_create:
        assert created.status_code == 201, created.text
        events = client.get(f"/reviews/{created.json()['id']}/history", headers=person(provider, login)).json()
        assert events["items"][0]["actor"]["role"] == role
    else:
        assert "role '" + role + "' may not" in problem(created, 403)["detail"]


def test_an_admin_person_manages_keys_and_sees_people_listed_beside_keys(
    client: TestClient, provider: Provider, fetches: CountingFetch, key_for: KeyFor
) -> None:
    assert client.get("/reviews", headers=person(provider, "ben")).status_code == 200
    listed = client.get("/keys", headers=person(provider, "max"))
    assert listed.status_code == 200
    people = {k["name"]: k for k in listed.json() if k["prefix"] == "oidc"}
    assert people["Ben Ahmed"]["role"] == "business_unit" and people["Max Wu"]["role"] == "admin"
    revoked = client.post(f"/keys/{people['Ben Ahmed']['id']}/revoke", headers=person(provider, "max"))
    assert revoked.status_code == 200  # a leaver, locked out at once, before their token expires
    refused(client.get("/reviews", headers=person(provider, "ben")), "revoked")


def test_a_persons_actions_appear_under_their_name_in_the_history(
    client: TestClient, provider: Provider, fetches: CountingFetch
) -> None:
    """A1: the history names the person (sub, name, issuer), not a shared key."""
    api = Api(client, person(provider, "ben"), person(provider, "dana"))
    review = api.new_review_at("hold_meeting")
    events = history(api, review["id"])
    actors = {(e["actor"]["person_name"], e["actor"]["person_id"], e["actor"]["role"]) for e in events}
    assert ("Ben Ahmed", "ben", "business_unit") in actors
    assert actors <= {("Ben Ahmed", "ben", "business_unit"), ("Dana Okafor", "dana", "chair")}
    assert all(e["actor"]["issuer"] == provider.issuer and e["actor"]["key_name"] for e in events)
    by_kind = {e["kind"]: e["actor"]["person_name"] for e in events}
    assert {"meeting_recorded", "attendance_recorded", "declaration_recorded"} <= set(by_kind)  # records too


def test_a_persons_first_request_can_be_a_transition_even_a_refused_one(
    client: TestClient, provider: Provider, fetches: CountingFetch, key_for: KeyFor
) -> None:
    """The person's row is made inside the transition's own write on PostgreSQL (issue 15): a transition
    refused for a stale version takes it back with everything else; the next one makes it again."""
    review = Api(client, key_for("business_unit"), key_for("chair")).create_review()
    ben = person(provider, "ben")
    body = {"event": "withdraw", "occurred_on": RECEIVED_ON, "data": {"reason": "duplicate"}}
    stale = client.post(f"/reviews/{review['id']}/transitions", json={**body, "expected_version": 99}, headers=ben)
    problem(stale, 409)
    fired = client.post(f"/reviews/{review['id']}/transitions", json=body, headers=ben)
    assert fired.status_code == 200, fired.text
    actor = history(Api(client, ben, ben), review["id"])[-1]["actor"]
    assert (actor["person_name"], actor["person_id"], actor["issuer"]) == ("Ben Ahmed", "ben", provider.issuer)


def test_api_keys_keep_working_beside_tokens(client: TestClient, fetches: CountingFetch, key_for: KeyFor) -> None:
    assert client.get("/reviews", headers=key_for("business_unit")).status_code == 200
    unknown = client.get("/reviews", headers=bearer("prk_not-a-key-this-service-issued"))
    assert problem(unknown, 401) and unknown.headers["www-authenticate"] == "Bearer"
    assert fetches.urls == []  # a key never sends the service to a provider


# ---------------------------------------------------------------- refused


def test_a_token_from_an_issuer_not_trusted_is_refused(
    client: TestClient, provider: Provider, other_provider: Provider, fetches: CountingFetch
) -> None:
    refused(client.get("/reviews", headers=bearer(other_provider.client_credentials())), "not one this service trusts")
    # Signed by the untrusted provider's key but claiming the trusted issuer: the key is not the issuer's.
    forged = other_provider.mint({"iss": provider.issuer, **PEOPLE["ben"], "sub": "ben"})
    refused(client.get("/reviews", headers=bearer(forged)), "unknown kid")


@pytest.mark.parametrize(
    ("claims", "says"),
    [
        ({"aud": "api://another-service"}, "is not for this service (aud)"),
        ({"aud": "practice-review-board"}, "is not for this service (aud)"),  # the board's ID token audience
        ({"exp": -120, "iat": -600}, "has expired (exp)"),  # times: seconds from now, when the test runs
        ({"nbf": 600}, "is not valid yet (nbf)"),
        ({"iat": 600}, "issued in the future"),
        ({"exp": None}, "(exp)"),
        ({"nonce": "n-0S6_WzA2Mj"}, "an ID token is not an access token"),
        ({"typ": "ID"}, "an ID token is not an access token"),
    ],
)
def test_tokens_with_bad_claims_are_refused(
    client: TestClient, provider: Provider, fetches: CountingFetch, claims: dict[str, Any], says: str
) -> None:
    now = int(time.time())
    timed = {k: now + v if k in ("exp", "iat", "nbf") and isinstance(v, int) else v for k, v in claims.items()}
    token = provider.mint({"sub": "ben", **PEOPLE["ben"], **timed})
    refused(client.get("/reviews", headers=bearer(token)), says)


def _b64(value: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


def test_a_tampered_token_is_refused(client: TestClient, provider: Provider, fetches: CountingFetch) -> None:
    head, body, signature = provider.mint({"sub": "kim", **PEOPLE["kim"]}).split(".")
    claims = json.loads(base64.urlsafe_b64decode(body + "=="))
    promoted = _b64({**claims, "roles": ["Admin"]})  # a read-only person makes themself an admin
    refused(client.get("/keys", headers=bearer(f"{head}.{promoted}.{signature}")), "signature does not verify")


def test_alg_none_and_hs256_signed_with_the_public_key_are_refused(
    client: TestClient, provider: Provider, fetches: CountingFetch
) -> None:
    import hashlib
    import hmac

    claims = {"iss": provider.issuer, "aud": AUDIENCE, "sub": "max", "iat": int(time.time()), **PEOPLE["max"]}
    claims["exp"] = claims["iat"] + 300
    kid = provider.keys[0].kid
    unsigned = f"{_b64({'alg': 'none', 'kid': kid})}.{_b64(claims)}."
    refused(client.get("/keys", headers=bearer(unsigned)), "alg 'none' is not accepted")
    # The classic confusion: HS256 with the provider's *public* key as the shared secret.
    public = provider.keys[0].as_pem(private=False)
    signing_input = f"{_b64({'alg': 'HS256', 'kid': kid})}.{_b64(claims)}"
    mac = hmac.new(public, signing_input.encode(), hashlib.sha256).digest()
    confused = f"{signing_input}.{base64.urlsafe_b64encode(mac).decode().rstrip('=')}"
    refused(client.get("/keys", headers=bearer(confused)), "alg 'HS256' is not accepted")
    assert fetches.jwks() == 0  # refused before any key was looked at


def test_es256_tokens_verify_with_the_providers_ec_key_and_an_alg_that_does_not_fit_its_key_is_refused(
    client: TestClient, provider: Provider, fetches: CountingFetch
) -> None:
    ec = provider.keys[1]  # the provider publishes a P-256 key beside its RSA one
    es256 = provider.mint({"sub": "ben", **PEOPLE["ben"]}, key=ec)
    assert client.get("/reviews", headers=bearer(es256)).status_code == 200
    head, body, signature = es256.split(".")
    relabelled = f"{_b64({'alg': 'RS256', 'kid': ec.kid})}.{body}.{signature}"
    refused(client.get("/reviews", headers=bearer(relabelled)), "does not fit its key")


def test_an_unknown_kid_fetches_the_keys_once_then_is_refused(
    client: TestClient, provider: Provider, fetches: CountingFetch
) -> None:
    assert client.get("/reviews", headers=person(provider, "ben")).status_code == 200
    assert fetches.jwks() == 1
    stranger = new_key()  # a key the provider never published
    token = provider.mint({"sub": "ben", **PEOPLE["ben"]}, key=stranger)
    for _ in range(5):
        refused(client.get("/reviews", headers=bearer(token)), "unknown kid")
    assert fetches.jwks() == 2  # one refetch for the new kid, then rate-limited: not one per request


def test_rotated_keys_are_picked_up_and_the_old_key_still_verifies_while_published(
    client: TestClient, provider: Provider, fetches: CountingFetch
) -> None:
    old = person(provider, "ben")
    assert client.get("/reviews", headers=old).status_code == 200
    provider.rotate()  # the provider restarts signing with a new kid, still publishing the old one
    rotated = provider.client_credentials()  # a real token, signed with the new key
    assert client.get("/reviews", headers=bearer(rotated)).status_code == 200
    assert client.get("/reviews", headers=old).status_code == 200
    assert fetches.jwks() == 2


def test_a_valid_token_that_gives_no_role_is_forbidden_not_unauthorised(
    client: TestClient, provider: Provider, fetches: CountingFetch
) -> None:
    """403 insufficient_scope: the token is good and the person known; a new token would not help."""
    response = client.get("/reviews", headers=person(provider, "nobody"))
    body = problem(response, 403)
    assert "nothing in this token gives a role" in body["detail"]
    assert response.headers["www-authenticate"].startswith('Bearer error="insufficient_scope"')
    agency_without_organisation = person(provider, "sam", organisation=None)
    assert "organisation" in problem(client.get("/reviews", headers=agency_without_organisation), 403)["detail"]


def test_a_jwt_is_refused_plainly_where_no_issuer_is_trusted(client: TestClient, provider: Provider) -> None:
    refused(client.get("/reviews", headers=person(provider, "ben")), "no identity provider is trusted here")


def test_the_trusted_settings_file_is_read_from_the_environment(
    tmp_path: Path, provider: Provider, monkeypatch: pytest.MonkeyPatch
) -> None:
    import yaml

    from practice_review.config import ConfigurationError, Settings

    raw = issuer_settings(provider)
    raw.pop("client_secret")
    path = tmp_path / "issuers.yaml"
    path.write_text(yaml.safe_dump({"issuers": [{**raw, "client_secret_env": "BOARD_SECRET"}]}))
    env = {"PRACTICE_REVIEW_ISSUERS_FILE": str(path)}
    with pytest.raises(ConfigurationError, match="PRACTICE_REVIEW_ISSUERS: .*BOARD_SECRET"):
        Settings.from_env(env)
    monkeypatch.setenv("BOARD_SECRET", "s3cret")
    (issuer,) = Settings.from_env(env).issuers
    assert issuer.issuer == provider.issuer and issuer.client_secret == "s3cret" and "s3cret" not in repr(issuer)
    second = {**raw, "name": "second", "issuer": "https://login.example/t/v2.0", "client_secret": "inline-s3cret"}
    inline = yaml.safe_dump({"issuers": [second]})
    both = Settings.from_env({**env, "PRACTICE_REVIEW_ISSUERS": inline}).issuers
    assert [i.name for i in both] == ["test", "second"]  # several issuers at once
    with pytest.raises(ConfigurationError) as bad:  # a mistake is named, the secret beside it is not shown
        Settings.from_env({"PRACTICE_REVIEW_ISSUERS": inline.replace("role: chair", "role: king")})
    assert "PRACTICE_REVIEW_ISSUERS: issuer 'second' roles[0]" in str(bad.value) and "inline-s3cret" not in str(
        bad.value
    )


def test_issuers_check_fetches_each_issuers_metadata_and_keys(
    provider: Provider, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import yaml

    from practice_review.cli import main

    down = {**issuer_settings(provider), "name": "away", "issuer": "http://127.0.0.1:9/nowhere"}
    monkeypatch.setenv("PRACTICE_REVIEW_ISSUERS", yaml.safe_dump({"issuers": [issuer_settings(provider), down]}))
    assert main(["issuers", "check", "--base-url", "https://reviews.example.org"]) == 1
    out, err = capsys.readouterr()
    published = len(provider.keys)  # two, and one more for each rotation earlier in this module
    assert f"ok  test             {provider.issuer}  {published} signing keys, offers sign-out" in out
    assert "redirect URI https://reviews.example.org/board/sign-in/oidc/test/callback" in out
    assert "bad away" in err and "board-test-secret" not in out + err
