"""Red, amber and green: how urgent a deadline is, in words as well as colour (issue 8).

Red: breached (C5: still running after its due date, or the deadlines service says breached).
Amber: due within the partnership's due-soon working days (T1: `due_soon_working_days` in
workflows/partnership.yaml; C1, C2: counted on the service's working calendar, so a bank holiday or
closure day does not count). Green: later than that. A paused clock (C6) is never red.

A review's mark counts its outstanding information requests (T2) and open actions (K2) beside its
clocks: an agency summary five working days late makes an LCSPR red even while its completion clock
is paused. Each is a "deadline" shaped like a clock view, named as the deadlines service names it
(`information:ID`, `action:ID`), and ordered as that service orders them: by due date, then actions,
clocks, information requests, then id.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from ..calendar import WorkingCalendar
from .words import day, human


@dataclass(frozen=True)
class Mark:
    level: str  # red, amber, green, paused, none: the CSS class, never the only signal
    label: str  # what the mark says
    detail: str  # how far off, in working days
    rank: int  # for sorting: most urgent first


NO_DEADLINE = Mark("none", "No deadline running", "", 4)


def _days(n: int) -> str:
    return f"{n} working day{'' if n == 1 else 's'}"


def deadline_mark(status: str, working_days_remaining: int | None, due_soon: int) -> Mark:
    """The mark of a running or breached deadline, as the reviews and deadlines services report it; amber
    when due within `due_soon` working days."""
    remaining = working_days_remaining
    if status == "breached" or (remaining is not None and remaining < 0):
        detail = f"{_days(-remaining)} overdue" if remaining is not None and remaining < 0 else "Past its due date"
        return Mark("red", "Breached", detail, 0)
    if remaining is None:
        return NO_DEADLINE
    if remaining <= due_soon:
        return Mark("amber", "Due soon", "Due today" if remaining == 0 else f"Due in {_days(remaining)}", 1)
    return Mark("green", "On track", f"{_days(remaining)} left", 2)


def paused_mark(paused_on: str | None) -> Mark:
    return Mark("paused", "Paused", f"Paused since {day(paused_on)}" if paused_on else "Paused", 3)


KIND_ORDER = {"action": 0, "clock": 1, "information": 2}


def _deadline(kind: str, item_id: int, due_on: str, overdue: bool, remaining: int, label: str) -> dict[str, Any]:
    """C5: breached once its date has passed, as the deadlines service says."""
    return {
        "name": f"{kind}:{item_id}",
        "label": label,
        "due_on": due_on,
        "status": "breached" if overdue else "running",
        "working_days_remaining": remaining,
    }


def request_deadline(request: dict[str, Any]) -> dict[str, Any] | None:
    """An information request as the view shows it, as a deadline while it is outstanding (T2)."""
    if request["returned_on"] is not None or request["working_days_remaining"] is None:
        return None
    label = f"{human(request['kind'])} from {request['organisation']}"
    overdue, remaining = request["status"] == "overdue", request["working_days_remaining"]
    return _deadline("information", request["id"], request["due_on"], overdue, remaining, label)


def action_deadline(action: dict[str, Any], calendar: WorkingCalendar, today: date) -> dict[str, Any] | None:
    """An action as the view shows it, as a deadline while it is open (K2)."""
    if action["status"] != "open":
        return None
    remaining = calendar.count_working_days(today, date.fromisoformat(action["due_on"]))
    label = f"Action: {action['action']}"
    return _deadline("action", action["id"], action["due_on"], action["overdue"], remaining, label)


def with_items(clocks: list[dict[str, Any]], items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Clocks and item deadlines in the deadlines service's order for equal dates: actions, clocks, requests."""
    for clock in clocks:
        clock.setdefault("label", human(clock["name"]))
    actions = [i for i in items if i["name"].startswith("action:")]
    requests = [i for i in items if i["name"].startswith("information:")]
    key = lambda i: int(i["name"].partition(":")[2])  # noqa: E731
    return [*sorted(actions, key=key), *clocks, *sorted(requests, key=key)]


def _counting(clock: dict[str, Any]) -> bool:
    """Running or breached with a deadline, and not a window given to others (never breached)."""
    running = clock["status"] in ("running", "breached") and clock["working_days_remaining"] is not None
    return running and not clock.get("window", False)


def clock_mark(clock: dict[str, Any], due_soon: int) -> Mark | None:
    """A clock's mark as the board shows it; None for a clock that is not counting (not started, met,
    cancelled, stopped late) or is a window given to others (never breached)."""
    if clock.get("window"):
        return None
    if clock["status"] == "paused":
        return paused_mark(clock.get("paused_on"))
    if _counting(clock):
        return deadline_mark(clock["status"], clock["working_days_remaining"], due_soon)
    return None


def next_due(clocks: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The review's most urgent counting deadline (a running or breached clock, not a window, or an item
    from `with_items`): the earliest due, and of those due the same day the first in `clocks`' order."""
    return min((c for c in clocks if _counting(c)), key=lambda c: c["due_on"], default=None)


def review_mark(clocks: list[dict[str, Any]], due_soon: int) -> tuple[dict[str, Any] | None, Mark]:
    """The clock a review's row shows and its mark: the next due clock, else a paused one, else none."""
    clock = next_due(clocks)
    if clock is not None:
        return clock, deadline_mark(clock["status"], clock["working_days_remaining"], due_soon)
    paused = [c for c in clocks if not c.get("window") and c["status"] == "paused"]
    if paused:
        return paused[0], paused_mark(paused[0].get("paused_on"))
    return None, NO_DEADLINE


def last_amber_day(calendar: WorkingCalendar, today: date, due_soon: int) -> date:
    """The last date still amber: due on or before it is at most `due_soon` working days away."""
    return calendar.add_working_days(today, due_soon + 1) - timedelta(days=1)
