"""S5: draft reports are deleted at the end of every review that had one, and the Business Unit confirms it."""

from __future__ import annotations

from datetime import date
from typing import Any

from ..errors import Conflict, TransitionRefused
from ..permissions import require
from ..roles import Caller
from ..workflow.engine import Blocked
from .common import Services, check_version, jsonable, locked_review, not_in_future
from .history import record_history
from .views import review_view

DRAFT_FACT = "draft_report_on"  # remembered by the event that first circulates a draft (workflow YAML)


def confirm_drafts_deleted(
    services: Services,
    caller: Caller,
    review_id: str,
    deleted_on: date | None = None,
    expected_version: int | None = None,
) -> dict[str, Any]:
    """Who confirmed the drafts were deleted, and when: the S5 task it clears. Only once the review has ended."""
    require(caller, "confirm_drafts_deleted")
    deleted_on = deleted_on or services.today()
    not_in_future("deleted_on", deleted_on, services.today())
    with services.db.write() as session:
        row = locked_review(session, review_id)
        check_version(row, expected_version)  # If-Match (issue 19), a board form's version (issue 17)
        if row.open:
            raise_s5(f"review {row.reference} is {row.state}: drafts are deleted at the end of the review")
        if DRAFT_FACT not in row.facts:
            raise Conflict(f"review {row.reference} had no draft report to delete (S5)")
        if row.facts.get("drafts_deletion_confirmed_by"):
            confirmed = row.facts.get("drafts_deleted_on")
            raise Conflict(f"the deletion of {row.reference}'s drafts was already confirmed ({confirmed})")
        if deleted_on < row.last_occurred_on:
            raise_s5(f"deleted_on {deleted_on} is before the review ended ({row.last_occurred_on})")
        confirmed_by = caller.person_name or caller.acting_for or caller.key_name
        confirmation = {"drafts_deleted_on": deleted_on.isoformat(), "drafts_deletion_confirmed_by": confirmed_by}
        row.facts = {**row.facts, **confirmation}
        record_history(session, row, caller, "drafts_deletion_confirmed", deleted_on, confirmation)
        session.flush()
        return jsonable(review_view(services, session, row))


def raise_s5(message: str) -> None:
    raise TransitionRefused([Blocked("S5", message)])
