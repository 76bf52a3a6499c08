"""Statutory clocks (C2, C3, C5, C6): when they start, when they are due, paused, extended, met or breached."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import date

from ..calendar import WorkingCalendar
from .context import Clock
from .definitions import CREATED, ClockDef

NOT_STARTED, RUNNING, PAUSED, MET, BREACHED, CANCELLED = (
    "not_started",
    "running",
    "paused",
    "met",
    "breached",
    "cancelled",
)
TICKING = (RUNNING, PAUSED)


def is_ticking(clock: Clock) -> bool:
    """Still counting towards its stop event: running, paused, or breached by a sweep but not yet stopped (C5)."""
    return clock.status in TICKING or (clock.status == BREACHED and clock.stopped_on is None)


class ClockError(ValueError):
    """A pause, resume or extension the clock's state (C6) or its definition (T3) does not allow."""

    def __init__(self, message: str, rule: str = "C6") -> None:
        super().__init__(message)
        self.rule = rule


def due_date(definition: ClockDef, start: date, calendar: WorkingCalendar) -> date:
    if definition.working_days is not None:
        return calendar.add_working_days(start, definition.working_days)
    return calendar.add_months(start, definition.months or 0)


def started(definition: ClockDef, on: date, calendar: WorkingCalendar) -> Clock:
    due = due_date(definition, on, calendar)
    return Clock(definition.name, RUNNING, started_on=on, due_on=due, original_due_on=due, window=definition.window)


def stopped(clock: Clock, on: date, calendar: WorkingCalendar) -> Clock:
    """C5: met when stopped on or before its deadline, breached when stopped after it; a window just closes.
    A clock stopped while paused first has the working days paused so far added (C6)."""
    if clock.status == PAUSED:
        clock = resumed(clock, on, calendar)
    assert clock.due_on is not None
    status = MET if clock.window or on <= clock.due_on else BREACHED
    taken = calendar.count_working_days(clock.started_on, on) if clock.started_on else None
    return replace(clock, status=status, stopped_on=on, paused_on=None, working_days_taken=taken)


def initial_clocks(
    definitions: Iterable[ClockDef], dates: Mapping[str, date], calendar: WorkingCalendar
) -> list[Clock]:
    """The clocks of a new review: those that start on creation run from the date they name."""
    return [
        started(d, dates.get(d.start_from or "received_on") or dates["received_on"], calendar)
        if d.starts_on == CREATED
        else Clock(d.name, window=d.window)
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
        clock = clocks.get(definition.name, Clock(definition.name, window=definition.window))
        if event in definition.stops_on and is_ticking(clock):
            changed[clock.name] = stopped(clock, occurred_on, calendar)
        elif review_closes:
            if is_ticking(clock):
                changed[clock.name] = replace(clock, status=CANCELLED, stopped_on=occurred_on, paused_on=None)
        elif event == definition.starts_on and clock.status == NOT_STARTED:
            changed[clock.name] = started(definition, occurred_on, calendar)
    return changed


def paused(clock: Clock, on: date, pausable: bool = True) -> Clock:
    """C6: stop counting (parallel proceedings, coroner: §8), if its workflow lets it be paused (T3)."""
    if not pausable:
        raise ClockError(
            f"clock '{clock.name}' may not be paused: its delays are reported, not hidden; "
            "extend it with a reason instead",
            rule="T3",
        )
    if clock.status != RUNNING:
        raise ClockError(f"clock '{clock.name}' is {clock.status}: only a running clock can be paused")
    if clock.started_on is not None and on < clock.started_on:
        raise ClockError(f"clock '{clock.name}' started on {clock.started_on}, after {on}")
    return replace(clock, status=PAUSED, paused_on=on)


def resumed(clock: Clock, on: date, calendar: WorkingCalendar) -> Clock:
    """C6: count again; the working days after the pause date up to and including `on` move the deadline on."""
    if clock.status != PAUSED or clock.paused_on is None or clock.due_on is None:
        raise ClockError(f"clock '{clock.name}' is {clock.status}: only a paused clock can be resumed")
    if on < clock.paused_on:
        raise ClockError(f"clock '{clock.name}' was paused on {clock.paused_on}, after {on}")
    days = calendar.count_working_days(clock.paused_on, on)
    return replace(
        clock,
        status=RUNNING,
        paused_on=None,
        due_on=calendar.add_working_days(clock.due_on, days),
        paused_working_days=clock.paused_working_days + days,
    )


def extended(clock: Clock, new_due_on: date) -> Clock:
    """C6: a later deadline, agreed with a reason; the original deadline is kept. A breach already
    recorded stays in the history; the clock runs again to its new date."""
    if not is_ticking(clock) or clock.due_on is None:
        raise ClockError(f"clock '{clock.name}' is {clock.status}: only a running or paused clock can be extended")
    if new_due_on <= clock.due_on:
        raise ClockError(f"the new due date {new_due_on} is not after the current one ({clock.due_on})")
    status = RUNNING if clock.status == BREACHED else clock.status
    return replace(clock, due_on=new_due_on, status=status)


def reported_status(clock: Clock, today: date) -> str:
    """C5: a running clock past its deadline is breached (a paused one never is; a window has closed)."""
    if clock.status == RUNNING and clock.due_on is not None and today > clock.due_on:
        return MET if clock.window else BREACHED
    return clock.status


def working_days_remaining(clock: Clock, today: date, calendar: WorkingCalendar) -> int | None:
    """Working days from today to the deadline; negative once overdue; None when not ticking."""
    if not is_ticking(clock) or clock.due_on is None:
        return None
    return calendar.count_working_days(today, clock.due_on)


def delayed(clock: Clock, today: date) -> bool:
    """C6: the clock ran, or will run, past its original deadline (the National Panel must be told)."""
    original = clock.original_due_on
    if original is None or clock.window or clock.status in (NOT_STARTED, CANCELLED):
        return False
    finished = clock.stopped_on if clock.status in (MET, BREACHED) else None
    if finished is not None:
        return finished > original
    return (clock.due_on is not None and clock.due_on > original) or today > original or clock.status == PAUSED
