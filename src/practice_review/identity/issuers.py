"""Trusted issuers: which OpenID providers the service believes, and how their claims map to its roles.

Read from YAML (README "Signing in with your organisation's account"): a file named by
PRACTICE_REVIEW_ISSUERS_FILE and/or the text of PRACTICE_REVIEW_ISSUERS, each a list under `issuers:`
(config.py's `issuers` setting).
A client secret is given by the name of the environment variable holding it (`client_secret_env`), so
the file itself holds no secret.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from ..roles import ROLES

NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
DEFAULT_SCOPES = ("openid", "profile", "email")


PARTNER_CODE = re.compile(r"[a-z0-9_]{1,64}")  # checked against the partnership's codes at start (T1)


class IssuerSettingsError(ValueError):
    """The trusted-issuer settings cannot be used; the message names the issuer and the field."""


@dataclass(frozen=True)
class RoleRule:
    """A person whose `claim` holds `value` (or, as a list, contains it) gets `role` (and `partner`)."""

    claim: str
    value: str
    role: str
    partner: str | None = None


@dataclass(frozen=True)
class ServiceClient:
    """A partner system signing in with the client-credentials grant: a service identity, not a person."""

    client_id: str
    name: str
    role: str
    partner: str | None = None  # the issuer's fixed partner code unless given
    organisation: str | None = None  # the issuer's fixed organisation unless given


@dataclass(frozen=True)
class TrustedIssuer:
    name: str  # in the board's URLs: /board/sign-in/oidc/{name}
    title: str  # on the sign-in button: "Sign in with {title}"
    issuer: str
    audience: str  # what the API's access tokens must name in `aud`
    client_id: str | None = None  # the board's client at this provider (none: API tokens only)
    client_secret: str | None = None
    scopes: tuple[str, ...] = DEFAULT_SCOPES
    roles: tuple[RoleRule, ...] = ()
    clients: tuple[ServiceClient, ...] = ()
    partner: str | None = None  # a fixed partner code for partner roles (the police tenant's issuer)
    partner_claim: str | None = None
    organisation: str | None = None  # a fixed organisation, or one read from `organisation_claim`
    organisation_claim: str | None = None
    name_claim: str = "name"
    person_id_claim: str = "sub"  # whom a person is, everywhere: Entra's `oid` is the same in every app

    @property
    def signs_people_in(self) -> bool:
        return self.client_id is not None

    def __repr__(self) -> str:  # never the client secret, in a log or a traceback
        return f"TrustedIssuer(name={self.name!r}, issuer={self.issuer!r}, audience={self.audience!r})"


def _text(raw: Mapping[str, Any], key: str, where: str, required: bool = False, limit: int = 500) -> str | None:
    value = raw.get(key)
    if value is None:
        if required:
            raise IssuerSettingsError(f"{where}: `{key}` is required")
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > limit:
        raise IssuerSettingsError(f"{where}: `{key}` must be text of at most {limit} characters")
    return value.strip()


def _role(role: str | None, partner: str | None, where: str) -> None:
    if role not in ROLES:
        raise IssuerSettingsError(f"{where}: `role` must be one of {', '.join(ROLES)}, not {role!r}")
    if partner is not None and not PARTNER_CODE.fullmatch(partner):
        raise IssuerSettingsError(
            f"{where}: `partner` must be a partner code such as police (workflows/partnership.yaml)"
        )


def _issuer_url(url: str, where: str) -> str:
    parts = urlsplit(url)
    if parts.scheme != "https" and not (parts.scheme == "http" and parts.hostname in LOOPBACK):
        raise IssuerSettingsError(f"{where}: `issuer` must be an https URL (http only on loopback, for tests)")
    return url  # exactly as the provider writes it in `iss`


def _rules(raw: Mapping[str, Any], where: str) -> tuple[RoleRule, ...]:
    rules = []
    for index, rule in enumerate(raw.get("roles") or []):
        at = f"{where} roles[{index}]"
        if not isinstance(rule, Mapping):
            raise IssuerSettingsError(f"{at}: must be a mapping with claim, value and role")
        made = RoleRule(
            _text(rule, "claim", at, True, 200) or "",
            _text(rule, "value", at, True, 200) or "",
            _text(rule, "role", at, True, 32) or "",
            _text(rule, "partner", at, False, 32),
        )
        _role(made.role, made.partner, at)
        rules.append(made)
    return tuple(rules)


def _clients(raw: Mapping[str, Any], where: str, partner: str | None) -> tuple[ServiceClient, ...]:
    clients = []
    for index, client in enumerate(raw.get("clients") or []):
        at = f"{where} clients[{index}]"
        if not isinstance(client, Mapping):
            raise IssuerSettingsError(f"{at}: must be a mapping with client_id, name and role")
        made = ServiceClient(
            _text(client, "client_id", at, True, 200) or "",
            _text(client, "name", at, True, 100) or "",
            _text(client, "role", at, True, 32) or "",
            _text(client, "partner", at, False, 32) or (partner if client.get("role") == "partner" else None),
            _text(client, "organisation", at, False, 200) or _text(raw, "organisation", where, False, 200),
        )
        _role(made.role, made.partner, at)
        if made.role == "partner" and made.partner is None:
            raise IssuerSettingsError(f"{at}: a partner system needs its `partner` code")
        clients.append(made)
    return tuple(clients)


def _secret(raw: Mapping[str, Any], where: str, env: Mapping[str, str]) -> str | None:
    variable = _text(raw, "client_secret_env", where, False, 200)
    if variable is None:
        return _text(raw, "client_secret", where, False, 500)
    if not env.get(variable):
        raise IssuerSettingsError(f"{where}: the environment variable {variable} (client_secret_env) is not set")
    return env[variable]


def parse_issuer(raw: Any, index: int, env: Mapping[str, str]) -> TrustedIssuer:
    where = f"issuers[{index}]"
    if not isinstance(raw, Mapping):
        raise IssuerSettingsError(f"{where}: must be a mapping")
    name = _text(raw, "name", where, True, 32) or ""
    if not NAME.match(name):
        raise IssuerSettingsError(f"{where}: `name` must be lower-case letters, digits, - or _ (at most 32)")
    where = f"issuer {name!r}"
    scopes = raw.get("scopes") or list(DEFAULT_SCOPES)
    if not isinstance(scopes, list) or "openid" not in scopes or not all(isinstance(s, str) for s in scopes):
        raise IssuerSettingsError(f"{where}: `scopes` must be a list of scope names including openid")
    partner = _text(raw, "partner", where, False, 32)
    if partner is not None and not PARTNER_CODE.fullmatch(partner):
        raise IssuerSettingsError(
            f"{where}: `partner` must be a partner code such as police (workflows/partnership.yaml)"
        )
    made = TrustedIssuer(
        name=name,
        title=_text(raw, "title", where, False, 100) or name,
        issuer=_issuer_url(_text(raw, "issuer", where, True) or "", where),
        audience=_text(raw, "audience", where, True) or "",
        client_id=_text(raw, "client_id", where, False, 200),
        client_secret=_secret(raw, where, env),
        scopes=tuple(scopes),
        roles=_rules(raw, where),
        clients=_clients(raw, where, partner),
        partner=partner,
        partner_claim=_text(raw, "partner_claim", where, False, 200),
        organisation=_text(raw, "organisation", where, False, 200),
        organisation_claim=_text(raw, "organisation_claim", where, False, 200),
        name_claim=_text(raw, "name_claim", where, False, 200) or "name",
        person_id_claim=_text(raw, "person_id_claim", where, False, 200) or "sub",
    )
    if made.signs_people_in and not made.client_secret:
        raise IssuerSettingsError(
            f"{where}: a board client (`client_id`) needs `client_secret_env` (or `client_secret`)"
        )
    return made


def parse_issuers(text: str, source: str, env: Mapping[str, str]) -> tuple[TrustedIssuer, ...]:
    try:
        loaded = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise IssuerSettingsError(f"{source} is not valid YAML: {exc}") from exc
    listed = loaded.get("issuers") if isinstance(loaded, Mapping) else None
    if not isinstance(listed, list):
        raise IssuerSettingsError(f"{source} must hold a list under `issuers:`")
    return tuple(parse_issuer(raw, index, env) for index, raw in enumerate(listed))


def issuers_from(file: Path | None, given: Any, env: Mapping[str, str]) -> tuple[TrustedIssuer, ...]:
    """The file's issuers, then those of `given` (YAML text, or issuers already made)."""
    found: list[TrustedIssuer] = []
    if file is not None:
        try:
            text = Path(file).read_text(encoding="utf-8")
        except OSError as exc:
            raise IssuerSettingsError(f"{file}: {exc.strerror}") from exc
        found += parse_issuers(text, str(file), env)
    if isinstance(given, str):
        found += parse_issuers(given, "PRACTICE_REVIEW_ISSUERS", env) if given.strip() else ()
    elif given:
        found += list(given)
    return check_distinct(tuple(found))


def check_distinct(issuers: tuple[TrustedIssuer, ...]) -> tuple[TrustedIssuer, ...]:
    for attribute in ("name", "issuer"):
        values = [getattr(i, attribute) for i in issuers]
        repeated = sorted({v for v in values if values.count(v) > 1})
        if repeated:
            raise IssuerSettingsError(f"trusted issuers: each `{attribute}` once, but {', '.join(repeated)} repeats")
    return issuers


def partner_codes(issuers: tuple[TrustedIssuer, ...]) -> set[str]:
    """Every partner code the issuers' settings name (T1: each must be one of the partnership's)."""
    codes = {i.partner for i in issuers} | {r.partner for i in issuers for r in i.roles}
    return {c for c in codes | {c.partner for i in issuers for c in i.clients} if c is not None}
