"""Secret, revocable calendar feed URLs (issue 18): a calendar program cannot send an API key, so a feed
has its own random token in its URL. The token is shown once and stored only as its SHA-256 hash; it is
never the API key. The feed is read as the key (or signed-in person's row) that made it, looked up afresh
each time, so revoking the feed, or the key, or the person, ends it at once."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from sqlalchemy import select

from ..errors import NotFound
from ..permissions import require
from ..roles import Caller
from ..storage import models as m
from . import deadline_calendar
from .access import find_review
from .common import Services, as_utc, jsonable, utcnow
from .keys import _expired

TOKEN_PREFIX = "prc_"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def feed_path(token: str) -> str:
    return f"/calendar-feeds/{token}.ics"


def feed_view(feed: m.CalendarFeed) -> dict[str, Any]:
    return jsonable(
        {
            "id": feed.id,
            "label": feed.label,
            "created_at": as_utc(feed.created_at),
            "revoked_at": as_utc(feed.revoked_at),
            "active": feed.revoked_at is None,
        }
    )


def create_feed(services: Services, caller: Caller, label: str) -> dict[str, Any]:
    """A new feed of the caller's deadlines; its URL (with the token) is in this answer only."""
    require(caller, "own_calendar_feeds")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with services.db.write() as session:
        feed = m.CalendarFeed(token_hash=_hash(token), api_key_id=caller.key_id, label=label, created_at=utcnow())
        session.add(feed)
        session.flush()
        path = feed_path(token)
        return {**feed_view(feed), "path": path, "url": f"{services.public_base_url or ''}{path}"}


def list_feeds(services: Services, caller: Caller) -> list[dict[str, Any]]:
    require(caller, "own_calendar_feeds")
    with services.db.read() as session:
        rows = session.scalars(
            select(m.CalendarFeed).where(m.CalendarFeed.api_key_id == caller.key_id).order_by(m.CalendarFeed.id)
        )
        return [feed_view(f) for f in rows]


def revoke_feed(services: Services, caller: Caller, feed_id: int) -> dict[str, Any]:
    """The feed's URL stops working at once; another's feed is, to the caller, one that does not exist."""
    require(caller, "own_calendar_feeds")
    with services.db.write() as session:
        feed = session.get(m.CalendarFeed, feed_id)
        if feed is None or feed.api_key_id != caller.key_id:
            raise NotFound(f"no calendar feed {feed_id}")
        feed.revoked_at = feed.revoked_at or utcnow()
        return feed_view(feed)


def _owner(session: Any, token: str) -> tuple[Caller, str]:
    found = session.execute(
        select(m.CalendarFeed, m.ApiKey)
        .join(m.ApiKey, m.ApiKey.id == m.CalendarFeed.api_key_id)
        .where(m.CalendarFeed.token_hash == _hash(token))
    ).first()
    if found is None or found[0].revoked_at is not None or found[1].revoked_at is not None:
        raise NotFound("no such calendar feed (revoked, or never made)")
    feed, key = found
    if _expired(key.expires_at, utcnow()) or key.role == "admin":
        raise NotFound("no such calendar feed (revoked, or never made)")
    return Caller(key.id, key.name, key.role, key.partner, key.organisation, person_id=key.person_id), feed.label


def feed(services: Services, token: str) -> bytes:
    """The feed's calendar, read as the key that made it (and only while it and the feed stand)."""
    with services.db.read() as session:
        caller, label = _owner(session, token)
        found = deadline_calendar.deadlines(services, session, caller)
    return deadline_calendar.ics(f"Practice review deadlines: {label}", found)


def review_calendar(services: Services, caller: Caller, review_id: str) -> tuple[bytes, str]:
    """One review's deadlines that the caller owns or may see, as a .ics download."""
    with services.db.read() as session:
        row = find_review(session, caller, review_id)
        found = deadline_calendar.deadlines(services, session, caller, review_id)
        reference = row.reference
    return deadline_calendar.ics(f"{reference} deadlines", found), reference
