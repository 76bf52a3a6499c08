"""Who may read which review."""

from __future__ import annotations

from typing import Any

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session

from ..errors import NotFound, NotPermitted
from ..permissions import require
from ..roles import Caller
from ..storage import models as m
from .common import (
    is_review_id,
)


def check_can_read(session: Session, caller: Caller, review_id: str) -> None:
    """Everyone but `admin` reads reviews; an `agency` only those that asked it for information or
    gave it an action."""
    require(caller, "read_reviews")
    if caller.role == "agency" and not session.scalar(select(agency_involved(caller, review_id))):
        raise NotPermitted("an agency key reads only the reviews that asked its organisation for something")


def agency_involved(caller: Caller, review_id: Any) -> Any:
    """SQL: the review asked the caller's organisation for information, or gave it an action."""
    organisation = caller.organisation or ""
    return or_(
        exists().where(m.InformationRequest.review_id == review_id, m.InformationRequest.organisation == organisation),
        exists().where(m.Action.review_id == review_id, m.Action.owner_organisation == organisation),
    )


def find_review(session: Session, caller: Caller, review_id: str) -> m.Review:
    row = session.get(m.Review, review_id) if is_review_id(review_id) else None
    if row is None:
        raise NotFound(f"no review {review_id!r}")
    check_can_read(session, caller, review_id)
    return row
