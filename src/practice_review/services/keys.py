"""API keys: random secrets shown once, stored only as SHA-256 hashes."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError

from ..errors import InvalidData, NotFound
from ..identity.people import Identity
from ..permissions import require
from ..roles import ROLES, Caller
from ..storage import models as m
from .common import Services, as_utc, jsonable, utcnow

KEY_PREFIX = "prk_"


def hash_key(secret: str) -> str:
    # The secret is 256 random bits, so a fast hash is safe (no dictionary to guess from).
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class NewKey:
    id: int
    name: str
    role: str
    partner: str | None
    organisation: str | None
    secret: str
    view: dict[str, object]  # as listed, without the secret


def _expired(expires_at: datetime | None, now: datetime) -> bool:
    return expires_at is not None and as_utc(expires_at) <= now  # type: ignore[operator]


def validate_key_fields(
    role: str, partner: str | None, organisation: str | None, partner_codes: tuple[str, ...]
) -> None:
    errors = []
    if role not in ROLES:
        errors.append({"field": "role", "message": f"must be one of {', '.join(ROLES)}"})
    if role == "partner" and partner not in partner_codes:
        message = f"a partner key needs a partner code: {', '.join(partner_codes)}"
        errors.append({"field": "partner", "message": message})
    if role != "partner" and partner is not None:
        errors.append({"field": "partner", "message": "only partner keys have a partner code"})
    if role == "agency" and not organisation:
        errors.append({"field": "organisation", "message": "an agency key needs the organisation it speaks for"})
    if errors:
        raise InvalidData(errors)


def create_key(
    services: Services,
    name: str,
    role: str,
    partner: str | None = None,
    organisation: str | None = None,
    expires_at: datetime | None = None,
    caller: Caller | None = None,
    person_id: str | None = None,
) -> NewKey:
    """A new key (an admin's, through the API; the operator's, through the CLI with no caller)."""
    if caller is not None:
        require(caller, "manage_keys")
    validate_key_fields(role, partner, organisation, services.engine.partnership.statutory_partners)  # T1
    if _expired(expires_at, utcnow()):
        raise InvalidData([{"field": "expires_at", "message": "must be in the future"}])
    secret = KEY_PREFIX + secrets.token_urlsafe(32)
    with services.db.write() as session:
        row = m.ApiKey(
            name=name,
            role=role,
            partner=partner,
            organisation=organisation,
            person_id=person_id,
            key_hash=hash_key(secret),
            prefix=secret[:10],
            created_at=utcnow(),
            expires_at=expires_at,
        )
        session.add(row)
        session.flush()
        return NewKey(row.id, name, role, partner, organisation, secret, key_view(row))


_KEY = m.ApiKey
# Built once: a request's key lookup only binds the hash (issue 15).
_KEY_LOOKUP = select(
    _KEY.id, _KEY.name, _KEY.role, _KEY.partner, _KEY.organisation, _KEY.person_id, _KEY.revoked_at, _KEY.expires_at
).where(_KEY.key_hash == bindparam("key_hash"))


def authenticate(services: Services, secret: str, acting_for: str | None = None) -> Caller | None:
    """The caller a key belongs to, or None for an unknown, revoked or expired key."""
    row = services.db.first(_KEY_LOOKUP, {"key_hash": hash_key(secret)})
    if row is None or row.revoked_at is not None:
        return None
    if _expired(row.expires_at, utcnow()):
        return None
    return Caller(row.id, row.name, row.role, row.partner, row.organisation, acting_for, person_id=row.person_id)


def key_view(row: m.ApiKey) -> dict[str, object]:
    """A key as listed: never its secret, only the first characters to recognise it by."""
    now = utcnow()
    expired = _expired(row.expires_at, now)
    return jsonable(
        {
            "id": row.id,
            "name": row.name,
            "role": row.role,
            "partner": row.partner,
            "organisation": row.organisation,
            "person_id": row.person_id,
            "prefix": row.prefix,
            "created_at": as_utc(row.created_at),
            "expires_at": as_utc(row.expires_at),
            "revoked_at": as_utc(row.revoked_at),
            "active": row.revoked_at is None and not expired,
        }
    )


def list_keys(services: Services, caller: Caller | None = None) -> list[dict[str, object]]:
    if caller is not None:
        require(caller, "manage_keys")
    with services.db.read() as session:
        return [key_view(k) for k in session.scalars(select(m.ApiKey).order_by(m.ApiKey.id))]


def revoke_key(services: Services, key_id: int, caller: Caller | None = None) -> dict[str, object]:
    """The key stops working at once: every request looks it up afresh."""
    if caller is not None:
        require(caller, "manage_keys")
    with services.db.write() as session:
        row = session.get(m.ApiKey, key_id)
        if row is None:
            raise NotFound(f"no key {key_id}")
        row.revoked_at = row.revoked_at or utcnow()
        return key_view(row)


# issue 16: a person or partner system signed in through a trusted issuer is a row here too, so what they
# do is anchored like a key's (idempotency, subscriptions) and an admin can revoke them at once.
PRINCIPAL_PREFIX = "oidc"


def principal_hash(issuer: str, subject: str) -> str:
    """Never the hash of a secret: a key's hash is hex only, so no presented key can ever match this."""
    return "~" + hashlib.sha256(f"{issuer}\n{subject}".encode()).hexdigest()[:63]


def caller_for(services: Services, identity: Identity, acting_for: str | None = None) -> Caller | None:
    """The caller for a verified identity (its row made on first sight, kept current), or None once revoked."""
    marker = principal_hash(identity.issuer, identity.subject)
    fields = {
        "name": identity.name[:100],
        "role": identity.role,
        "partner": identity.partner,
        "organisation": identity.organisation,
        "person_id": identity.subject[:100],  # as a key issued to a person has it (binds a reviewer)
    }
    key = m.ApiKey
    row = services.db.first(
        select(key.id, key.revoked_at, *(getattr(key, f) for f in fields)).where(key.key_hash == marker)
    )
    if row is None or any(getattr(row, f) != v for f, v in fields.items()):
        row = _keep_principal(services, marker, fields)
    if row.revoked_at is not None:
        return None
    return Caller(
        row.id,
        identity.name,
        identity.role,
        identity.partner,
        identity.organisation,
        acting_for,
        person_id=identity.subject,
        person_name=None if identity.service else identity.name,
        issuer=identity.issuer,
    )


def _keep_principal(services: Services, marker: str, fields: dict[str, Any]) -> Any:
    # A savepoint: inside a transition's write (Database.one_write) a failed INSERT must not abort the
    # request's transaction.
    with services.db.write() as session:
        try:
            with session.begin_nested():
                row = session.scalar(select(m.ApiKey).where(m.ApiKey.key_hash == marker))
                if row is None:
                    row = m.ApiKey(key_hash=marker, prefix=PRINCIPAL_PREFIX, created_at=utcnow(), **fields)
                    session.add(row)
                else:
                    for name, value in fields.items():
                        setattr(row, name, value)
                session.flush()
                return _Principal(row.id, row.revoked_at)
        except IntegrityError:  # the same person's first two requests at once: the other made the row
            found = session.execute(select(m.ApiKey.id, m.ApiKey.revoked_at).where(m.ApiKey.key_hash == marker)).one()
            return _Principal(found.id, found.revoked_at)


@dataclass(frozen=True)
class _Principal:
    id: int
    revoked_at: datetime | None
