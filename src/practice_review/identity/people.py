"""From a verified token's claims to who is asking: a person (or a partner system) with a role.

The issuer's `roles` rules are tried in the order written and the first that matches gives the role
(so list the strongest first); a partner's code is the rule's, the issuer's fixed one, or a claim's; an
agency's organisation is the issuer's fixed one or a claim's. A token from a client listed under the
issuer's `clients` is that partner system (client credentials), whatever else it says.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .issuers import RoleRule, TrustedIssuer
from .tokens import Verified

MAX_NAME = 200


class NoRole(Exception):
    """A valid token whose claims give no role here (or an incomplete one): the person may not use the service."""

    def __init__(self, description: str) -> None:
        super().__init__(description)
        self.description = description


@dataclass(frozen=True)
class Identity:
    issuer: str
    subject: str  # the person's id (the issuer's `person_id_claim`, `sub` by default), or the system's `sub`
    name: str  # the person's name, or the partner system's
    role: str
    partner: str | None = None
    organisation: str | None = None
    service: bool = False  # a partner system (client credentials), not a person


def claim(claims: dict[str, Any], path: str) -> Any:
    """A claim by dotted path: `roles`, `realm_access.roles`, `resource_access.practice-review.roles`."""
    value: Any = claims
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _text(value: Any) -> str | None:
    return value.strip()[:MAX_NAME] if isinstance(value, str) and value.strip() else None


def _matches(rule: RoleRule, claims: dict[str, Any]) -> bool:
    value = claim(claims, rule.claim)
    return value == rule.value or (isinstance(value, list) and rule.value in value)


def _client_of(claims: dict[str, Any]) -> str | None:
    return _text(claims.get("azp") or claims.get("client_id") or claims.get("appid"))  # Entra v1 says appid


def identify(verified: Verified, partners: tuple[str, ...] | list[str]) -> Identity:
    issuer, claims = verified.issuer, verified.claims
    subject = _text(claims.get("sub"))
    if subject is None:
        raise NoRole("the token names no subject (sub)")
    client = _client_of(claims)
    service = next((c for c in issuer.clients if c.client_id == client), None)
    if service is not None:
        return Identity(
            issuer.issuer, subject, service.name, service.role, service.partner, service.organisation, service=True
        )
    subject = _text(claim(claims, issuer.person_id_claim))
    if subject is None:
        raise NoRole(f"the token does not say who the person is ({issuer.person_id_claim})")
    rule = next((r for r in issuer.roles if _matches(r, claims)), None)
    if rule is None:
        raise NoRole(f"nothing in this token gives a role in the service (issuer {issuer.name!r})")
    name = _text(claim(claims, issuer.name_claim)) or _text(claims.get("preferred_username")) or subject
    return Identity(
        issuer.issuer,
        subject,
        name,
        rule.role,
        _partner(issuer, rule, claims, partners),
        _organisation(issuer, rule.role, claims),
    )


def _partner(
    issuer: TrustedIssuer, rule: RoleRule, claims: dict[str, Any], partners: tuple[str, ...] | list[str]
) -> str | None:
    if rule.role != "partner":
        return None
    partner = (
        rule.partner or issuer.partner or (_text(claim(claims, issuer.partner_claim)) if issuer.partner_claim else None)
    )
    if partner not in partners:
        raise NoRole(f"a partner needs a partner code ({', '.join(partners)}); this token gives none")
    return partner


def _organisation(issuer: TrustedIssuer, role: str, claims: dict[str, Any]) -> str | None:
    found = issuer.organisation or (
        _text(claim(claims, issuer.organisation_claim)) if issuer.organisation_claim else None
    )
    if role == "agency" and found is None:
        raise NoRole("an agency person needs the organisation they speak for; this token names none")
    return found
