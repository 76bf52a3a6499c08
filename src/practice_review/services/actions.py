"""Action plans (K2): SMART actions that follow a review, each change a history event on the review."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select

from ..errors import InvalidData, NotFound, NotPermitted
from ..permissions import require
from ..roles import Caller
from ..storage import models as m
from . import need_to_know
from .access import find_review
from .common import (
    Services,
    as_utc,
    check_version,
    jsonable,
    locked_review,
    not_in_future,
    part_of,
    utcnow,
)
from .history import record_history


def action_view(a: m.Action, today: date) -> dict[str, Any]:
    return jsonable(
        {
            "id": a.id,
            "recommendation": a.recommendation,
            "action": a.action,
            "owner_organisation": a.owner_organisation,
            "due_on": a.due_on,
            "intended_outcome": a.intended_outcome,
            "status": a.status,
            "evidence": a.evidence,
            "reason": a.reason,
            "completed_on": a.completed_on,
            "overdue": a.status == "open" and today > a.due_on,
            "version": a.version,
            "created_at": as_utc(a.created_at),
            "updated_at": as_utc(a.updated_at),
            "owner_email": a.owner_email,
        }
    )


def add_action(
    services: Services,
    caller: Caller,
    review_id: str,
    recommendation: str,
    action: str,
    owner_organisation: str,
    due_on: date,
    intended_outcome: str,
    owner_email: str | None = None,
    expected_version: int | None = None,
) -> dict[str, Any]:
    require(caller, "plan_actions")
    with services.db.write() as session:
        row = locked_review(session, review_id, expected_version)  # a closed review's plan is still followed up
        now = utcnow()
        added = m.Action(
            review_id=row.id,
            recommendation=recommendation,
            action=action,
            owner_organisation=owner_organisation,
            due_on=due_on,
            intended_outcome=intended_outcome,
            owner_email=owner_email,
            status="open",
            version=1,
            created_at=now,
            updated_at=now,
        )
        session.add(added)
        session.flush()
        view = action_view(added, services.today())
        record_history(session, row, caller, "action_added", services.today(), view)
        return view


def list_actions(services: Services, caller: Caller, review_id: str) -> list[dict[str, Any]]:
    with services.db.read() as session:
        find_review(session, caller, review_id)
        query = select(m.Action).where(m.Action.review_id == review_id)
        if (own := need_to_know.own_organisation(caller)) is not None:
            query = query.where(m.Action.owner_organisation == own)
        rows = session.scalars(query.order_by(m.Action.id))
        return [action_view(a, services.today()) for a in rows]


def update_action(
    services: Services,
    caller: Caller,
    review_id: str,
    action_id: int,
    status: str,
    evidence: str | None,
    reason: str | None,
    expected_version: int | None,
    completed_on: date | None = None,
) -> dict[str, Any]:
    """K2: done with evidence of impact, dropped with a reason, or open again. Owners update only their own."""
    require(caller, "update_actions")
    errors = []
    if status == "done" and not (evidence or "").strip():
        errors.append({"field": "evidence", "message": "an action is done with evidence of its impact (K2)"})
    if status == "dropped" and not (reason or "").strip():
        errors.append({"field": "reason", "message": "an action is dropped with a reason (K2)"})
    if errors:
        raise InvalidData(errors)
    today = services.today()
    completed_on = completed_on or today
    not_in_future("completed_on", completed_on, today)
    with services.db.write() as session:
        row = locked_review(session, review_id)
        action = part_of(session, row, m.Action, action_id, "action")
        if need_to_know.own_organisation(caller) not in (None, action.owner_organisation):
            raise NotFound(f"review {row.reference} has no action {action_id}")  # not one it sees
        if caller.role in ("agency", "partner") and caller.organisation != action.owner_organisation:
            raise NotPermitted(f"this key updates only actions owned by {caller.organisation or 'its organisation'}")
        check_version(action, expected_version)
        action.status, action.evidence, action.reason = status, evidence, reason
        action.completed_on = None if status == "open" else completed_on
        action.version += 1
        action.updated_at = utcnow()
        view = action_view(action, today)
        record_history(session, row, caller, "action_updated", completed_on if status != "open" else today, view)
        return view
