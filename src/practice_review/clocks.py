"""Statutory clocks (C2, C3, C5): when they start, when they are due, met or breached."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date

from .calendar import WorkingCalendar
from .workflows import CREATED, ClockDef

NOT_STARTED, RUNNING, PAUSED, MET, BREACHED, CANCELLED = (
    "not_started",
    "running",
    "paused",
    "met",
    "breached",
    "cancelled",
)
TICKING = (RUNNING, PAUSED)


@dataclass(frozen=True)
class Clock:
    name: str
    status: str = NOT_STARTED
    started_on: date | None = None
    due_on: date | None = None
    original_due_on: date | None = None
    stopped_on: date | None = None


def due_date(definition: ClockDef, start: date, calendar: WorkingCalendar) -> date:
    if definition.working_days is not None:
        return calendar.add_working_days(start, definition.working_days)
    return calendar.add_months(start, definition.months or 0)


def started(definition: ClockDef, on: date, calendar: WorkingCalendar) -> Clock:
    due = due_date(definition, on, calendar)
    return Clock(definition.name, RUNNING, started_on=on, due_on=due, original_due_on=due)


def stopped(clock: Clock, on: date) -> Clock:
    """C5: met when stopped on or before its deadline, breached when stopped after it."""
    assert clock.due_on is not None
    return replace(clock, status=MET if on <= clock.due_on else BREACHED, stopped_on=on)


def initial_clocks(
    definitions: Iterable[ClockDef], dates: Mapping[str, date], calendar: WorkingCalendar
) -> list[Clock]:
    """The clocks of a new review: those that start on creation run from the date they name."""
    return [
        started(d, dates.get(d.start_from or "received_on") or dates["received_on"], calendar)
        if d.starts_on == CREATED
        else Clock(d.name)
        for d in definitions
    ]


def after_event(
    definitions: Iterable[ClockDef],
    clocks: Mapping[str, Clock],
    event: str,
    occurred_on: date,
    review_closes: bool,
    calendar: WorkingCalendar,
) -> dict[str, Clock]:
    """The clocks that change when `event` occurs: stopped, started, or cancelled as the review closes."""
    changed: dict[str, Clock] = {}
    for definition in definitions:
        clock = clocks.get(definition.name, Clock(definition.name))
        if event in definition.stops_on and clock.status in TICKING:
            changed[clock.name] = stopped(clock, occurred_on)
        elif review_closes:
            if clock.status in TICKING:
                changed[clock.name] = replace(clock, status=CANCELLED, stopped_on=occurred_on)
        elif event == definition.starts_on and clock.status == NOT_STARTED:
            changed[clock.name] = started(definition, occurred_on, calendar)
    return changed


def reported_status(clock: Clock, today: date) -> str:
    """C5: a running clock past its deadline is breached (a paused one never is)."""
    if clock.status == RUNNING and clock.due_on is not None and today > clock.due_on:
        return BREACHED
    return clock.status


def working_days_remaining(clock: Clock, today: date, calendar: WorkingCalendar) -> int | None:
    """Working days from today to the deadline; negative once overdue; None when not ticking."""
    if clock.status not in TICKING or clock.due_on is None:
        return None
    return calendar.count_working_days(today, clock.due_on)
