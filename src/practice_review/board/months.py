"""The calendar page: the next months as grids, with bank holidays and closure days (C1) and every
running or breached deadline on the day it is due, from the deadlines service."""

from __future__ import annotations

import calendar as stdlib_calendar
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from ..calendar import FIRST_YEAR, LAST_YEAR, add_calendar_months
from ..errors import InvalidData
from ..permissions import allows, require
from ..roles import Caller
from ..services.common import Services
from ..services.deadlines import list_deadlines, starting_after
from ..storage import models as m
from .urgency import Mark, deadline_mark
from .words import human

MONTHS = 3
MOST_DEADLINES = 500  # shown at most on one calendar page; the page says when there are more
MOST_A_DAY = 6  # listed in a day's square; the rest are counted


@dataclass(frozen=True)
class Due:
    item: dict[str, Any]  # as the deadlines service lists it
    what: str  # the clock's name, or "information request" / "action"
    mark: Mark


@dataclass
class Day:
    date: date
    in_month: bool
    working: bool
    holiday: str | None = None
    due: list[Due] = field(default_factory=list)


@dataclass(frozen=True)
class Month:
    first: date
    weeks: list[list[Day]]


@dataclass(frozen=True)
class Calendar:
    months: list[Month]
    today: date
    holidays: list[tuple[date, str]]
    deadlines_shown: bool  # False for a key that may not poll deadlines
    more: bool  # more deadlines than MOST_DEADLINES fell in these months


def first_month(text: str | None, today: date) -> date:
    """The first month shown: `YYYY-MM`, or this month."""
    if not text:
        return today.replace(day=1)
    try:
        year, month = (int(part) for part in text.split("-"))
        if not FIRST_YEAR <= year < LAST_YEAR:  # the working calendar's years, with room for three months
            raise ValueError(year)
        return date(year, month, 1)
    except ValueError:
        message = f"must be a month, YYYY-MM, from {FIRST_YEAR} to {LAST_YEAR - 1}"
        raise InvalidData([{"field": "month", "message": message}]) from None


def _what(clock: str, labels: dict[str, str]) -> str:
    """What is due, in words: a clock's name, an information request's kind and organisation, an action."""
    return labels.get(clock) or human(clock)


def _labels(services: Services, items: list[dict[str, Any]]) -> dict[str, str]:
    """The words for the information requests and actions among `items` (two queries at most)."""
    ids: dict[str, list[int]] = {"information": [], "action": []}
    for item in items:
        kind, _, number = item["clock"].partition(":")
        if kind in ids:
            ids[kind].append(int(number))
    labels: dict[str, str] = {}
    with services.db.read() as session:
        if ids["information"]:
            query = select(m.InformationRequest).where(m.InformationRequest.id.in_(ids["information"]))
            for r in session.scalars(query):
                labels[f"information:{r.id}"] = f"{human(r.kind)} from {r.organisation}"
        if ids["action"]:
            for a in session.scalars(select(m.Action).where(m.Action.id.in_(ids["action"]))):
                labels[f"action:{a.id}"] = f"Action: {a.action}"
    return labels


def one_day(text: str) -> date:
    """A day of the calendar, `YYYY-MM-DD`."""
    try:
        when = date.fromisoformat(text)
        if len(text) != 10 or not FIRST_YEAR <= when.year <= LAST_YEAR:
            raise ValueError(text)
        return when
    except ValueError:
        message = f"must be a date, YYYY-MM-DD, from {FIRST_YEAR} to {LAST_YEAR}"
        raise InvalidData([{"field": "day", "message": message}]) from None


def due_on(services: Services, caller: Caller, day: date) -> list[Due]:
    """Every running or breached deadline due on `day` (at most MOST_DEADLINES)."""
    require(caller, "read_reference")
    items, _ = _deadlines(services, caller, day, day, None)
    return _dues(services, items)


def _dues(services: Services, items: list[dict[str, Any]]) -> list[Due]:
    due_soon = services.engine.partnership.due_soon_working_days  # T1
    labels = _labels(services, items)
    return [
        Due(item, _what(item["clock"], labels), deadline_mark(item["status"], item["working_days_remaining"], due_soon))
        for item in items
    ]


def months(services: Services, caller: Caller, start: date, review_type: str | None) -> Calendar:
    require(caller, "read_reference")
    today = services.today()
    firsts = [add_calendar_months(start, n) for n in range(MONTHS)]
    last = add_calendar_months(start, MONTHS) - timedelta(days=1)
    grids = [stdlib_calendar.Calendar(firstweekday=0).monthdatescalendar(f.year, f.month) for f in firsts]
    days: dict[date, Day] = {}
    shown = []
    for first, grid in zip(firsts, grids, strict=True):
        weeks = [[Day(d, d.month == first.month, services.calendar.is_working_day(d)) for d in week] for week in grid]
        days.update((day.date, day) for week in weeks for day in week if day.in_month)
        shown.append(Month(first, weeks))
    holidays = [
        (h.date, h.name)
        for year in range(start.year, last.year + 1)
        for h in services.calendar.holidays_in(year)
        if start <= h.date <= last
    ]
    for day, name in holidays:
        days[day].holiday = name
    items, more = _deadlines(services, caller, start, last, review_type)
    for due in _dues(services, items):
        days[date.fromisoformat(due.item["due_on"])].due.append(due)
    return Calendar(shown, today, holidays, allows(caller, "read_deadlines"), more)


def _deadlines(
    services: Services, caller: Caller, first: date, last: date, review_type: str | None
) -> tuple[list[dict[str, Any]], bool]:
    """The deadlines due from `first` to `last`, at most MOST_DEADLINES, and whether there were more:
    the breached, then the running (each due before any of these), each one index scan of the service's."""
    if not allows(caller, "read_deadlines"):
        return [], False
    items: list[dict[str, Any]] = []
    for status in ("breached", "running"):
        cursor: str | None = starting_after(first - timedelta(days=1))
        while cursor is not None and len(items) < MOST_DEADLINES:
            limit = min(500, MOST_DEADLINES - len(items))
            page = list_deadlines(services, caller, last, status, review_type, limit, cursor)
            items += page["items"]
            cursor = page["next_cursor"]
        if cursor is not None:
            return items, True
    return items, False
