"""Pausing, resuming and extending a review's clocks, and telling the National Panel of a delay (C6)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import select

from ..errors import NotFound, TransitionRefused
from ..permissions import require
from ..roles import Caller
from ..storage import models as m
from ..workflow import clocks as clock_rules
from ..workflow.context import Clock
from ..workflow.definitions import WorkflowDefinition
from ..workflow.engine import Blocked
from .common import Services, check_version, jsonable, not_in_future, open_review
from .facts import as_clock
from .history import record_history
from .views import review_view


def _change_clock(
    services: Services,
    caller: Caller,
    review_id: str,
    name: str,
    kind: str,
    on: date,
    change: Callable[[Clock, WorkflowDefinition], Clock],
    data: dict[str, Any],
    dated: bool = True,
    expected_version: int | None = None,
) -> dict[str, Any]:
    """Apply `change` to the clock; a `dated` change is an event of the review on `on` (C7)."""
    require(caller, "manage_clocks")
    not_in_future("occurred_on", on, services.today())
    with services.db.write() as session:
        row = open_review(session, review_id)
        check_version(row, expected_version)  # If-Match (issue 19), a board form's version (issue 17)
        clock = session.scalar(select(m.Clock).where(m.Clock.review_id == row.id, m.Clock.name == name))
        if clock is None:
            raise NotFound(f"review {row.reference} has no clock '{name}'")
        before = as_clock(clock)
        try:
            after = change(before, services.engine.definition(row.review_type, row.workflow_version))
        except clock_rules.ClockError as exc:
            raise TransitionRefused([Blocked(exc.rule, str(exc))]) from None
        if dated and on < row.last_occurred_on:  # C7: so a pause cannot overlap an earlier resume either
            raise TransitionRefused(
                [Blocked("C7", f"{on} is before the review's previous event ({row.last_occurred_on})")]
            )
        for attribute, value in after.__dict__.items():
            setattr(clock, attribute, value)
        effects = {"due_on": {"before": before.due_on, "after": after.due_on}, "status": after.status}
        if dated:
            row.last_occurred_on = on
        record_history(session, row, caller, kind, on, {"clock": name, **data}, effects=effects)
        session.flush()
        return jsonable(review_view(services, session, row))


def pause(
    services: Services,
    caller: Caller,
    review_id: str,
    name: str,
    on: date | None,
    reason: str,
    expected_version: int | None = None,
) -> dict[str, Any]:
    on = on or services.today()

    def pause_it(clock: Clock, definition: WorkflowDefinition) -> Clock:
        declared = next((d for d in definition.clocks if d.name == clock.name), None)
        return clock_rules.paused(clock, on, pausable=declared is None or declared.pausable)  # T3

    return _change_clock(
        services,
        caller,
        review_id,
        name,
        "clock_paused",
        on,
        pause_it,
        {"reason": reason},
        expected_version=expected_version,
    )


def resume(
    services: Services,
    caller: Caller,
    review_id: str,
    name: str,
    on: date | None,
    reason: str,
    expected_version: int | None = None,
) -> dict[str, Any]:
    on = on or services.today()
    return _change_clock(
        services,
        caller,
        review_id,
        name,
        "clock_resumed",
        on,
        lambda c, _: clock_rules.resumed(c, on, services.calendar),
        {"reason": reason},
        expected_version=expected_version,
    )


def extend(
    services: Services,
    caller: Caller,
    review_id: str,
    name: str,
    new_due_on: date,
    reason: str,
    expected_version: int | None = None,
) -> dict[str, Any]:
    today = services.today()
    return _change_clock(
        services,
        caller,
        review_id,
        name,
        "clock_extended",
        today,
        lambda c, _: clock_rules.extended(c, new_due_on),
        {"new_due_on": new_due_on, "reason": reason},
        dated=False,
        expected_version=expected_version,
    )


def delay_reported(
    services: Services,
    caller: Caller,
    review_id: str,
    name: str,
    on: date | None,
    note: str,
    expected_version: int | None = None,
) -> dict[str, Any]:
    """C6: the National Panel was told of this clock's delay; it no longer shows as one to report."""
    on = on or services.today()

    def report(clock: Clock, _: WorkflowDefinition) -> Clock:
        if not clock_rules.delayed(clock, services.today()):
            raise clock_rules.ClockError(f"clock '{clock.name}' has no delay past its original due date to report")
        return Clock(**{**clock.__dict__, "delay_reported_on": on})

    return _change_clock(
        services,
        caller,
        review_id,
        name,
        "delay_reported",
        on,
        report,
        {"note": note},
        expected_version=expected_version,
    )
