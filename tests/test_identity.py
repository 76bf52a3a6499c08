"""Trusted-issuer settings and claims mapping as plain Python (issue 16): no provider, no HTTP, no database.
(tests/test_oidc_api.py runs the same rules against a real provider's tokens.)"""

from __future__ import annotations

from typing import Any

import pytest

from practice_review.identity import people
from practice_review.identity.issuers import IssuerSettingsError, check_distinct, parse_issuer, parse_issuers
from practice_review.identity.people import Identity, NoRole
from practice_review.identity.tokens import Verified, looks_like_jwt

ENTRA = {
    "name": "police",
    "title": "Greater Manchester Police",
    "issuer": "https://login.microsoftonline.com/0000-tenant/v2.0",
    "audience": "api://practice-review",
    "partner": "police",
    "organisation": "Greater Manchester Police",
    "roles": [
        {"claim": "roles", "value": "PracticeReview.Chair", "role": "chair"},
        {"claim": "groups", "value": "9a1c-group-id", "role": "partner"},
    ],
    "clients": [{"client_id": "case-system-app-id", "name": "Police case system", "role": "partner"}],
}
KEYCLOAK = {
    "name": "council",
    "issuer": "https://sso.salford.example/realms/staff",
    "audience": "practice-review",
    "organisation_claim": "organisation",
    "roles": [
        {"claim": "realm_access.roles", "value": "pr-business-unit", "role": "business_unit"},
        {"claim": "resource_access.practice-review.roles", "value": "agency", "role": "agency"},
    ],
}

PARTNERS = ("local_authority", "icb", "police")  # workflows/partnership.yaml's statutory partners


def identify(verified: people.Verified) -> Identity:
    return people.identify(verified, PARTNERS)


def verified(settings: dict[str, Any], **claims: Any) -> Verified:
    return Verified(parse_issuer(settings, 0, {}), {"sub": "person-1", "name": "A Person", **claims})


def test_an_entra_app_role_maps_to_chair_and_the_police_tenants_group_to_its_partner() -> None:
    chair = identify(verified(ENTRA, roles=["PracticeReview.Chair"], groups=["9a1c-group-id"]))
    assert (chair.role, chair.partner, chair.organisation) == ("chair", None, "Greater Manchester Police")
    partner = identify(verified(ENTRA, groups=["other", "9a1c-group-id"]))
    assert (partner.role, partner.partner, partner.name, partner.subject) == (
        "partner",
        "police",
        "A Person",
        "person-1",
    )


def test_the_person_id_can_be_entras_oid_so_it_is_the_same_in_every_app() -> None:
    """A reviewer is bound to their reviews by person_id: it must not change with the app (Entra's sub does)."""
    person = identify(verified({**ENTRA, "person_id_claim": "oid"}, oid="0b5e-oid", roles=["PracticeReview.Chair"]))
    assert person.subject == "0b5e-oid"
    with pytest.raises(NoRole, match="oid"):
        identify(verified({**ENTRA, "person_id_claim": "oid"}, roles=["PracticeReview.Chair"]))


def test_the_first_matching_rule_wins_so_the_strongest_is_listed_first() -> None:
    both = identify(verified(KEYCLOAK, realm_access={"roles": ["pr-business-unit"]}, organisation="Salford"))
    assert both.role == "business_unit"


def test_keycloak_nested_claims_and_an_agency_needs_its_organisation() -> None:
    agency = identify(
        verified(KEYCLOAK, resource_access={"practice-review": {"roles": ["agency"]}}, organisation="Salford Royal")
    )
    assert (agency.role, agency.organisation) == ("agency", "Salford Royal")
    with pytest.raises(NoRole, match="organisation"):
        identify(verified(KEYCLOAK, resource_access={"practice-review": {"roles": ["agency"]}}))


def test_claims_that_give_no_role_give_no_access() -> None:
    with pytest.raises(NoRole, match="nothing in this token gives a role"):
        identify(verified(ENTRA, roles=["Something.Else"], groups="not-a-list"))
    with pytest.raises(NoRole, match="subject"):
        identify(Verified(parse_issuer(ENTRA, 0, {}), {"roles": ["PracticeReview.Chair"]}))


def test_a_listed_client_is_a_partner_system_whatever_its_token_claims() -> None:
    service = identify(verified(ENTRA, azp="case-system-app-id", roles=["PracticeReview.Chair"]))
    assert (service.service, service.role, service.partner, service.name) == (
        True,
        "partner",
        "police",
        "Police case system",
    )
    entra_v1 = identify(verified(ENTRA, appid="case-system-app-id"))
    assert entra_v1.service


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"issuer": "http://login.example/tenant"}, "https"),
        ({"name": "Police Tenant"}, "lower-case"),
        ({"roles": [{"claim": "roles", "value": "x", "role": "superuser"}]}, "must be one of"),
        ({"partner": "Fire Service"}, "partner"),
        ({"audience": None}, "`audience` is required"),
        ({"client_id": "board-app"}, "client_secret"),
        ({"client_id": "board-app", "client_secret_env": "MISSING_SECRET"}, "MISSING_SECRET"),
        ({"scopes": ["profile"]}, "openid"),
        ({"clients": [{"client_id": "x", "name": "X", "role": "partner"}], "partner": None}, "partner"),
    ],
)
def test_settings_that_cannot_work_are_refused_at_start_up_naming_the_field(change: dict[str, Any], says: str) -> None:
    settings = {k: v for k, v in {**ENTRA, **change}.items() if v is not None}
    if "partner" in change and change["partner"] is None:
        settings["clients"] = change["clients"]
    with pytest.raises(IssuerSettingsError, match=says):
        parse_issuer(settings, 0, {})


def test_several_issuers_at_once_each_named_once() -> None:
    text = (
        "issuers:\n"
        "  - {name: police, issuer: 'https://a.example', audience: x}\n"
        "  - {name: icb, issuer: 'https://b.example', audience: y}\n"
    )
    assert [i.name for i in parse_issuers(text, "test", {})] == ["police", "icb"]
    twice = parse_issuers(text.replace("name: icb", "name: police"), "test", {})
    with pytest.raises(IssuerSettingsError, match="police repeats"):
        check_distinct(twice)
    with pytest.raises(IssuerSettingsError, match="list under `issuers:`"):
        parse_issuers("issuers: {}", "test", {})


def test_a_client_secret_is_read_from_the_environment_and_never_shown() -> None:
    issuer = parse_issuer(
        {**ENTRA, "client_id": "board", "client_secret_env": "BOARD_SECRET"}, 0, {"BOARD_SECRET": "xyz"}
    )
    assert issuer.client_secret == "xyz" and "xyz" not in repr(issuer)


def test_api_keys_and_jwts_are_told_apart_by_shape() -> None:
    assert not looks_like_jwt("prk_Zm9vYmFyYmF6cXV4cXV1eGZvb2JhcmJhenF1eA-_x")
    assert looks_like_jwt("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln")
    assert looks_like_jwt("eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.")  # alg none still goes to the JWT checks
    assert not looks_like_jwt("a.b.c.d.e") and not looks_like_jwt("a b.c.d") and not looks_like_jwt("..")


# ---------------------------------------------------------------- the key cache (a fake provider and clock)


class FakeProvider:
    """Answers discovery and JWKS from memory, counting what it was asked; `down` makes it fail."""

    def __init__(self, issuer: str) -> None:
        from joserfc.jwk import RSAKey

        self.issuer = issuer
        self.keys = [RSAKey.generate_key(2048, {"kid": "k1", "use": "sig"})]
        self.asked: list[str] = []
        self.down = False
        self.claims_issuer = issuer

    def __call__(self, url: str) -> dict[str, Any]:
        from practice_review.identity.discovery import ProviderUnavailable

        self.asked.append(url.rsplit("/", 1)[-1])
        if self.down:
            raise ProviderUnavailable(f"{url}: ConnectError")
        if url.endswith("openid-configuration"):
            return {"issuer": self.claims_issuer, "jwks_uri": f"{self.issuer}/jwks"}
        return {"keys": [k.as_dict(private=False) for k in self.keys]}


def keys_of(provider: FakeProvider, now: list[float]) -> Any:
    from practice_review.identity.discovery import ProviderKeys

    issuer = parse_issuer({**KEYCLOAK, "issuer": provider.issuer}, 0, {})
    return ProviderKeys(issuer, refetch_seconds=60, fetch=provider, clock=lambda: now[0])


def test_keys_are_cached_and_an_unknown_kid_refetches_at_most_once_a_window() -> None:
    from joserfc.jwk import RSAKey

    provider, now = FakeProvider("https://sso.example/realms/a"), [1000.0]
    cache = keys_of(provider, now)
    assert cache.key("k1") is not None and cache.key("k1") is not None
    assert provider.asked == ["openid-configuration", "jwks"]
    provider.keys.insert(0, RSAKey.generate_key(2048, {"kid": "k2", "use": "sig"}))  # the provider rolls its key
    assert cache.key("k2") is not None and provider.asked.count("jwks") == 2
    assert cache.key("made-up") is None and cache.key("made-up-2") is None
    assert provider.asked.count("jwks") == 2  # within the window: not asked again
    now[0] += 61
    assert cache.key("made-up") is None and provider.asked.count("jwks") == 3


def test_a_discovery_document_naming_another_issuer_is_not_believed() -> None:
    from practice_review.identity.discovery import ProviderUnavailable

    provider = FakeProvider("https://sso.example/realms/a")
    provider.claims_issuer = "https://evil.example/"
    with pytest.raises(ProviderUnavailable, match="names issuer"):
        keys_of(provider, [0.0]).key("k1")


def test_a_provider_that_is_down_is_not_hammered_and_held_keys_outlive_a_failed_refresh() -> None:
    from practice_review.identity.discovery import MAX_AGE_SECONDS, RETRY_SECONDS, ProviderUnavailable

    provider, now = FakeProvider("https://sso.example/realms/a"), [1000.0]
    cache = keys_of(provider, now)
    provider.down = True
    for _ in range(3):
        with pytest.raises(ProviderUnavailable):
            cache.key("k1")
    assert provider.asked == ["openid-configuration"]  # asked once, not once a request
    now[0] += RETRY_SECONDS
    provider.down = False
    assert cache.key("k1") is not None
    provider.down = True
    now[0] += MAX_AGE_SECONDS  # time to refresh them, but the provider is away: the held keys still verify
    assert cache.key("k1") is not None and cache.key("k1") is not None
    assert provider.asked.count("jwks") == 2
