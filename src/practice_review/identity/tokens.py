"""Verifying a JWT from a trusted issuer with joserfc: RS256 or ES256 only, then iss, aud, exp, nbf and iat.

`none`, HS* (which a public key would "verify" were it taken as a shared secret) and every other
algorithm are refused before any key is looked at; a token names its key by `kid`.
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass
from typing import Any

from joserfc import jwt
from joserfc.errors import ExpiredTokenError, JoseError
from joserfc.jwt import JWTClaimsRegistry

from .discovery import Trust
from .issuers import TrustedIssuer

ALGORITHMS = ("RS256", "ES256")
KEY_TYPE = {"RS256": "RSA", "ES256": "EC"}
LEEWAY_SECONDS = 60  # clock skew between the provider and this service
MAX_TOKEN = 16_000  # an Entra token with many groups is a few kilobytes
_PART = re.compile(r"^[A-Za-z0-9_-]*$")


class InvalidToken(Exception):
    """RFC 6750 invalid_token: the description says what was wrong (never the token itself)."""

    def __init__(self, description: str) -> None:
        super().__init__(description)
        self.description = description


@dataclass(frozen=True)
class Verified:
    issuer: TrustedIssuer
    claims: dict[str, Any]


def looks_like_jwt(token: str) -> bool:
    """Three dot-separated base64url parts (the last may be empty: alg none). API keys hold no dot."""
    parts = token.split(".")
    return len(parts) == 3 and all(_PART.match(p) for p in parts) and bool(parts[0]) and bool(parts[1])


def _unverified(part: str, what: str) -> dict[str, Any]:
    try:
        value = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidToken(f"the token's {what} is not base64url JSON") from exc
    if not isinstance(value, dict):
        raise InvalidToken(f"the token's {what} is not a JSON object")
    return value


def verify_access_token(trust: Trust, token: str) -> Verified:
    """An access token for the API: an ID token (it answers a sign-in: `nonce`, Keycloak's typ ID) is not one,
    even where the board and the API share a client id and so an audience (Entra v2)."""
    verified = verify(trust, token)
    if "nonce" in verified.claims or verified.claims.get("typ") == "ID":
        raise InvalidToken("an ID token is not an access token: ask the provider for one for this API")
    return verified


def verify(trust: Trust, token: str, audience: str | None = None, nonce: str | None = None) -> Verified:
    """The token's issuer and claims, or InvalidToken. `audience` defaults to the issuer's API audience."""
    if len(token) > MAX_TOKEN or not looks_like_jwt(token):
        raise InvalidToken("the token is not a signed JWT")
    head, body, _ = token.split(".")
    header = _unverified(head, "header")
    alg = header.get("alg")
    if alg not in ALGORITHMS:
        raise InvalidToken(f"alg {str(alg)[:20]!r} is not accepted: tokens must be signed with RS256 or ES256")
    if "crit" in header or "jku" in header or "x5u" in header or "jwk" in header:
        raise InvalidToken("the token's header names its own key or critical extensions: refused")
    iss = _unverified(body, "claims").get("iss")
    provider = trust.provider(iss) if isinstance(iss, str) else None
    if provider is None:
        raise InvalidToken("the token's issuer (iss) is not one this service trusts")
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise InvalidToken("the token names no signing key (kid)")
    key = provider.key(kid)
    if key is None:
        raise InvalidToken("the token is signed with a key its issuer does not publish (unknown kid)")
    if key.key_type != KEY_TYPE[alg]:
        raise InvalidToken(f"the token's alg {alg} does not fit its key")
    try:
        decoded = jwt.decode(token, key, algorithms=[alg])
    except JoseError as exc:
        raise InvalidToken("the token's signature does not verify") from exc
    claims = dict(decoded.claims)
    _check_claims(claims, provider.issuer, audience or provider.issuer.audience, nonce)
    return Verified(provider.issuer, claims)


def _check_claims(claims: dict[str, Any], issuer: TrustedIssuer, audience: str, nonce: str | None) -> None:
    options: dict[str, Any] = {
        "iss": {"essential": True, "value": issuer.issuer},
        "aud": {"essential": True, "value": audience},
        "exp": {"essential": True},
        "iat": {"essential": True},
        "sub": {"essential": True},
    }
    if nonce is not None:
        options["nonce"] = {"essential": True, "value": nonce}
    try:
        JWTClaimsRegistry(leeway=LEEWAY_SECONDS, **options).validate(claims)
    except JoseError as exc:
        raise InvalidToken(_claim_problem(exc)) from exc


CLAIM_PROBLEMS = {
    "aud": "is not for this service (aud)",
    "iss": "names another issuer (iss)",
    "nbf": "is not valid yet (nbf)",
    "iat": "was issued in the future or does not say when (iat)",
    "exp": "has expired or does not say when it expires (exp)",
    "nonce": "does not answer this sign-in (nonce)",
    "sub": "names no subject (sub)",
}


def _claim_problem(exc: JoseError) -> str:
    if isinstance(exc, ExpiredTokenError):
        return "the token has expired (exp)"
    meaning = CLAIM_PROBLEMS.get(str(getattr(exc, "claim", "")))
    return f"the token {meaning}" if meaning else "the token's claims are not valid"
