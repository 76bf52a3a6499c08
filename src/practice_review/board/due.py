"""What is due from the caller's own organisation (an agency's or a partner's): its outstanding
information requests (T2) and open actions (K2) across the reviews it may read, earliest first, each
marked red, amber or green as the board marks deadlines."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from ..permissions import require
from ..roles import Caller
from ..services.access import review_scope
from ..services.actions import action_view
from ..services.common import Services
from ..services.records import information_request_view
from ..storage import models as m
from .urgency import Mark, action_deadline, deadline_mark, request_deadline

MOST = 500


@dataclass(frozen=True)
class DueItem:
    review_id: str
    reference: str
    deadline: dict[str, Any]  # urgency.request_deadline / action_deadline
    mark: Mark


def due_from(services: Services, caller: Caller) -> list[DueItem]:
    """The caller's organisation's outstanding requests and open actions; none for a caller with no organisation."""
    require(caller, "read_reviews")
    if not caller.organisation:
        return []
    today = services.today()
    due_soon = services.engine.partnership.due_soon_working_days  # T1
    requests = (
        select(m.InformationRequest, m.Review.reference)
        .join(m.Review, m.Review.id == m.InformationRequest.review_id)
        .where(m.InformationRequest.organisation == caller.organisation, m.InformationRequest.returned_on.is_(None))
        .where(m.Review.open.is_(True))
    )
    actions = (
        select(m.Action, m.Review.reference)
        .join(m.Review, m.Review.id == m.Action.review_id)
        .where(m.Action.owner_organisation == caller.organisation, m.Action.status == "open")
    )
    # An agency's own organisation's records are its need to know (its scope is those very records); a
    # reviewer with an organisation sees those of the reviews it is appointed to.
    if caller.role != "agency" and (scope := review_scope(caller)) is not None:
        requests, actions = requests.where(scope), actions.where(scope)
    found: list[DueItem] = []
    with services.db.read() as session:
        for r, reference in session.execute(requests.order_by(m.InformationRequest.due_on).limit(MOST)):
            if (d := request_deadline(information_request_view(services, r, today))) is not None:
                found.append(DueItem(r.review_id, reference, d, _mark(d, due_soon)))
        for a, reference in session.execute(actions.order_by(m.Action.due_on).limit(MOST)):
            if (d := action_deadline(action_view(a, today), services.calendar, today)) is not None:
                found.append(DueItem(a.review_id, reference, d, _mark(d, due_soon)))
    return sorted(found, key=lambda i: (i.deadline["due_on"], i.deadline["name"]))


def _mark(deadline: dict[str, Any], due_soon: int) -> Mark:
    return deadline_mark(deadline["status"], deadline["working_days_remaining"], due_soon)
