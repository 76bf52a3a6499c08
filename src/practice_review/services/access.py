"""Who may read which review, and which of its records (domain.md "Who may see what").

- `agency` keys read the reviews that asked their organisation for something (an information request or
  an action), and in them only their own organisation's records (services/need_to_know.py redacts).
- `reviewer` keys read and act on the reviews they are appointed to: the `person_id` of the caller
  (a key's person, or a signed-in person) is the one `appoint_reviewer` recorded.
A review a key may not read is, to that key, a review that does not exist: 404, as an unknown id
(a 403 would tell it the id is real).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row, exists, false, or_, select
from sqlalchemy.orm import Session

from ..errors import NotFound
from ..permissions import require
from ..roles import Caller
from ..storage import models as m
from .common import (
    is_review_id,
)


def agency_involved(caller: Caller, review_id: Any) -> Any:
    """SQL: the review asked the caller's organisation for information, or gave it an action."""
    organisation = caller.organisation or ""
    return or_(
        exists().where(m.InformationRequest.review_id == review_id, m.InformationRequest.organisation == organisation),
        exists().where(m.Action.review_id == review_id, m.Action.owner_organisation == organisation),
    )


def appointed(caller: Caller) -> Any:
    """SQL: the caller is the reviewer the review's `appoint_reviewer` recorded (its facts' reviewer)."""
    if not caller.person_id:
        return false()
    return m.Review.facts[("reviewer", "person_id")].as_string() == caller.person_id


def review_scope(caller: Caller) -> Any | None:
    """SQL on `reviews`: the reviews the caller may read; None when it reads them all."""
    if caller.role == "agency":
        return agency_involved(caller, m.Review.id)
    if caller.role == "reviewer":
        return appointed(caller)
    return None


def check_can_read(session: Session, caller: Caller, review_id: str) -> None:
    """Everyone but `admin` reads reviews; `agency` and `reviewer` keys only theirs (else 404)."""
    require(caller, "read_reviews")
    scope = review_scope(caller)
    if scope is not None and not session.scalar(select(exists().where(m.Review.id == review_id, scope))):
        raise NotFound(f"no review {review_id!r}")


def find_review(session: Session, caller: Caller, review_id: str) -> m.Review:
    row = session.get(m.Review, review_id) if is_review_id(review_id) else None
    if row is None:
        raise NotFound(f"no review {review_id!r}")
    check_can_read(session, caller, review_id)
    return row


def find_review_row(session: Session, caller: Caller, review_id: str) -> Row[Any]:
    """find_review for reading only: the review's columns as a plain row, no ORM object (issue 15)."""
    reviews = m.Review.__table__
    row = session.execute(select(reviews).where(reviews.c.id == review_id)).first() if is_review_id(review_id) else None
    if row is None:
        raise NotFound(f"no review {review_id!r}")
    check_can_read(session, caller, review_id)
    return row


def readable(session: Session, caller: Caller, review_ids: set[str]) -> set[str]:
    """Which of these reviews the caller may read."""
    scope = review_scope(caller)
    if scope is None or not review_ids:
        return set(review_ids)
    return set(session.scalars(select(m.Review.id).where(m.Review.id.in_(review_ids), scope)))
