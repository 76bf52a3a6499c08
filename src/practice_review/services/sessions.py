"""The board's sessions, held server-side (issue 14 item 11, issue 16).

A browser holds only a random id (256 bits); the database holds its SHA-256 hash, whom it signs in (an API
key, or a person's row from a trusted issuer with the role their claims gave), when it was last used and
when it expires. Every page looks it up afresh: a revoked key or person, an ended, expired or idle session
stops working at once. A sign-in under way at a provider is held the same way, once, for ten minutes.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select, update

from ..identity.people import Identity
from ..roles import Caller
from ..storage import models as m
from .common import Services, as_utc, utcnow

SIGN_IN_MINUTES = 10  # to sign in at the provider and come back
TOUCH_SECONDS = 60  # how stale last_seen_at may get before a page writes it again


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class SignedIn:
    caller: Caller
    issuer_name: str | None  # signed in through this trusted issuer (None: an API key)


def open_session(
    services: Services, key_id: int, minutes: int, issuer_name: str | None = None, identity: Identity | None = None
) -> str:
    """A new session's id, for the cookie (never stored as it is)."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    with services.db.write() as session:
        session.execute(delete(m.BoardSession).where(m.BoardSession.expires_at < now - timedelta(days=1)))
        session.add(
            m.BoardSession(
                token_hash=_hash(token),
                api_key_id=key_id,
                issuer_name=issuer_name,
                identity=None if identity is None else _identity_json(identity),
                created_at=now,
                last_seen_at=now,
                expires_at=now + timedelta(minutes=minutes),
            )
        )
    return token


def _identity_json(identity: Identity) -> dict[str, Any]:
    return {
        "issuer": identity.issuer,
        "subject": identity.subject,
        "name": identity.name,
        "role": identity.role,
        "partner": identity.partner,
        "organisation": identity.organisation,
    }


def signed_in(services: Services, token: str, idle_minutes: int) -> SignedIn | None:
    """Who this session signs in, or None for an unknown, ended, expired or idle one (or a revoked key)."""
    s, k = m.BoardSession, m.ApiKey
    row = services.db.first(
        select(s.id, s.issuer_name, s.identity, s.last_seen_at, s.expires_at, s.ended_at)
        .add_columns(k.id.label("key_id"), k.name, k.role, k.partner, k.organisation, k.person_id, k.revoked_at)
        .add_columns(k.expires_at.label("key_expires_at"))
        .join(k, k.id == s.api_key_id)
        .where(s.token_hash == _hash(token))
    )
    now = utcnow()
    if row is None or row.ended_at is not None or row.revoked_at is not None:
        return None
    last_seen = as_utc(row.last_seen_at)
    if as_utc(row.expires_at) <= now or last_seen + timedelta(minutes=idle_minutes) <= now:  # type: ignore[operator]
        return None
    if row.key_expires_at is not None and as_utc(row.key_expires_at) <= now:  # type: ignore[operator]
        return None
    if now - last_seen >= timedelta(seconds=TOUCH_SECONDS):  # type: ignore[operator]
        with services.db.write() as session:
            session.execute(update(s).where(s.id == row.id).values(last_seen_at=now))
    return SignedIn(_caller(row), row.issuer_name)


def _caller(row: Any) -> Caller:
    if row.identity is None:  # an API key: as the key is now
        return Caller(row.key_id, row.name, row.role, row.partner, row.organisation, person_id=row.person_id)
    who = row.identity
    return Caller(
        row.key_id,
        who["name"],
        who["role"],
        who["partner"],
        who["organisation"],
        person_id=who["subject"],
        person_name=who["name"],
        issuer=who["issuer"],
    )


def end_session(services: Services, token: str) -> None:
    with services.db.write() as session:
        session.execute(
            update(m.BoardSession)
            .where(m.BoardSession.token_hash == _hash(token), m.BoardSession.ended_at.is_(None))
            .values(ended_at=utcnow())
        )


# A sign-in under way at a trusted issuer.


def begin_sign_in(services: Services, issuer_name: str, flow: dict[str, Any], next_path: str) -> str:
    token = secrets.token_urlsafe(32)
    now = utcnow()
    with services.db.write() as session:
        session.execute(delete(m.BoardSignIn).where(m.BoardSignIn.expires_at < now))
        session.add(
            m.BoardSignIn(
                token_hash=_hash(token),
                issuer_name=issuer_name,
                flow=flow,
                next_path=next_path,
                expires_at=now + timedelta(minutes=SIGN_IN_MINUTES),
            )
        )
    return token


@dataclass(frozen=True)
class SignInUnderWay:
    issuer_name: str
    flow: dict[str, Any]
    next_path: str


def take_sign_in(services: Services, token: str) -> SignInUnderWay | None:
    """The sign-in this browser started, once: it is gone after this (a replayed callback finds nothing)."""
    with services.db.write() as session:
        row = session.get(m.BoardSignIn, _hash(token))
        if row is None:
            return None
        found = SignInUnderWay(row.issuer_name, dict(row.flow), row.next_path)
        expired = as_utc(row.expires_at) <= utcnow()  # type: ignore[operator]
        session.delete(row)
    return None if expired else found
