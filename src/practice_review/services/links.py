"""K1: links between reviews, and to external processes."""

from __future__ import annotations

from typing import Any

from ..errors import InvalidData, NotFound
from ..permissions import require
from ..roles import Caller
from ..storage import models as m
from .common import (
    Services,
    is_review_id,
    jsonable,
    locked_review,
    utcnow,
)
from .history import record_history
from .views import links_view


def add_link(
    services: Services,
    caller: Caller,
    review_id: str,
    relation: str,
    linked_review_id: str | None = None,
    external: dict[str, str] | None = None,
    expected_version: int | None = None,
) -> dict[str, Any]:
    """K1: link a review to another review (seen from both) or to an external process."""
    require(caller, "record_link")
    if (linked_review_id is None) == (external is None):
        raise InvalidData([{"field": "review_id", "message": "give either review_id or external, not both"}])
    with services.db.write() as session:
        row = locked_review(session, review_id, expected_version)
        data: dict[str, Any] = {"relation": relation}
        if linked_review_id is not None:
            if linked_review_id == review_id:
                raise InvalidData([{"field": "review_id", "message": "a review cannot be linked to itself"}])
            other = session.get(m.Review, linked_review_id) if is_review_id(linked_review_id) else None
            if other is None:
                raise NotFound(f"no review {linked_review_id!r} to link to")
            link = m.Link(review_id=row.id, linked_review_id=other.id, relation=relation, created_at=utcnow())
            data |= {"review_id": other.id, "reference": other.reference}
        else:
            assert external is not None
            link = m.Link(
                review_id=row.id,
                external_kind=external["kind"],
                external_reference=external["reference"],
                relation=relation,
                created_at=utcnow(),
            )
            data |= {"external": external}
        session.add(link)
        session.flush()
        record_history(session, row, caller, "link_recorded", services.today(), {"link_id": link.id, **data})
        return jsonable(next(v for v in links_view(session, row.id) if v["id"] == link.id))
