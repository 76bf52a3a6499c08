"""Who looked at which review, and when (issue 17): who looked at a child's case matters as much as
who changed it. Each showing of a review's page on the board is one append-only row (review_views:
UPDATE and DELETE refused by triggers, like the history, A1); only the Business Unit reads them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from ..errors import InvalidData
from ..permissions import require
from ..roles import Caller
from ..storage import models as m
from .access import find_review
from .common import Services, as_utc, jsonable, utcnow

PAGES = ("review",)  # the board pages that show a review


def record_view(services: Services, caller: Caller, review_id: str, page: str = "review") -> None:
    """Record that `caller` was shown `review_id` (which the caller has just been allowed to read)."""
    assert page in PAGES
    with services.db.write() as session:
        session.add(
            m.ReviewView(
                review_id=review_id, viewed_at=utcnow(), api_key_id=caller.key_id, viewer=caller.as_actor(), page=page
            )
        )


def _cursor(cursor: str | None) -> int | None:
    if cursor is None:
        return None
    if not cursor.isdigit() or not 0 < int(cursor) < 2**63:
        raise InvalidData([{"field": "cursor", "message": "not a cursor this service returned"}])
    return int(cursor)


def list_views(
    services: Services, caller: Caller, review_id: str, limit: int = 50, cursor: str | None = None
) -> dict[str, Any]:
    """The review's page views, newest first, a page at a time (one index range scan)."""
    require(caller, "read_page_views")
    before = _cursor(cursor)
    with services.db.read() as session:
        find_review(session, caller, review_id)
        query = select(m.ReviewView).where(m.ReviewView.review_id == review_id)
        if before is not None:
            query = query.where(m.ReviewView.id < before)
        rows = list(session.scalars(query.order_by(m.ReviewView.id.desc()).limit(limit + 1)))
    page = rows[:limit]
    items = [{"id": v.id, "viewed_at": as_utc(v.viewed_at), "viewer": v.viewer, "page": v.page} for v in page]
    return jsonable({"items": items, "next_cursor": str(page[-1].id) if len(rows) > limit else None})
