"""What a workflow event would do, decided as firing it would decide, without recording anything.

The check-answers page asks the engine the same question `services.transitions.fire_event` asks, in a
read-only transaction, with the caller's role and partner and the event's data: so the page shows every
rule that would refuse it (A2), and what it would change, before the Business Unit records a decision.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from ..roles import Caller
from ..services.access import find_review
from ..services.common import Services
from ..services.facts import load_records
from ..workflow.engine import Decision


def preview(
    services: Services, caller: Caller, review_id: str, event: str, occurred_on: date | None, data: dict[str, Any]
) -> Decision:
    with services.db.read() as session:
        row = find_review(session, caller, review_id)
        definition = services.engine.definition(row.review_type, row.workflow_version)
        ctx = load_records(services, session, row).ctx  # the facts fire_event decides on
        return services.engine.fire(definition, ctx, event, occurred_on or ctx.today, data, caller.role, caller.partner)
