"""Working days (rules C1–C5).

Every working day in the supported range is held, in order, as a list of day ordinals, so adding
and counting working days are two binary searches: constant work however long the span.
"""

from __future__ import annotations

import calendar as _stdlib_calendar
from bisect import bisect_left, bisect_right
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from types import MappingProxyType
from zoneinfo import ZoneInfo

import holidays

LONDON = ZoneInfo("Europe/London")
FIRST_YEAR = 1990
LAST_YEAR = 2100


class OutsideCalendar(ValueError):
    """A date the calendar does not cover (bank holidays are only known for a fixed range)."""


@dataclass(frozen=True)
class Holiday:
    date: date
    name: str


@lru_cache(maxsize=32)
def _days(
    region: str, closure_days: tuple[date, ...], first_year: int, last_year: int
) -> tuple[Mapping[date, str], tuple[int, ...]]:
    """The non-working weekdays (with their names) and every working day's ordinal, computed once per
    process for each calendar (read-only, so calendars of the same settings share them)."""
    first, last = date(first_year, 1, 1), date(last_year, 12, 31)
    # Preloaded once: `holidays` loads years lazily and mutates itself on read otherwise.
    bank_holidays = holidays.country_holidays("GB", subdiv=region, years=range(first_year, last_year + 1))
    closed: dict[date, str] = {d: name for d, name in bank_holidays.items()}
    for day in closure_days:
        closed.setdefault(day, "Local closure day")
    non_working = MappingProxyType({d: name for d, name in closed.items() if d.weekday() < 5 and first <= d <= last})
    working = tuple(
        ordinal
        for ordinal in range(first.toordinal(), last.toordinal() + 1)
        if _is_working(date.fromordinal(ordinal), non_working)
    )
    return non_working, working


def _is_working(day: date, non_working: Mapping[date, str]) -> bool:
    return day.weekday() < 5 and day not in non_working


class WorkingCalendar:
    """Working days for one region (C1): Monday to Friday, not a bank holiday, not a local closure day."""

    def __init__(
        self,
        region: str = "ENG",
        closure_days: tuple[date, ...] = (),
        first_year: int = FIRST_YEAR,
        last_year: int = LAST_YEAR,
    ) -> None:
        self.region = region
        self.first = date(first_year, 1, 1)
        self.last = date(last_year, 12, 31)
        self._non_working_weekdays, self._working = _days(region, tuple(closure_days), first_year, last_year)

    def _is_working_ordinal(self, ordinal: int) -> bool:
        return _is_working(date.fromordinal(ordinal), self._non_working_weekdays)

    def _check(self, day: date) -> None:
        if not self.first <= day <= self.last:
            raise OutsideCalendar(f"{day.isoformat()} is outside the calendar ({self.first.year}–{self.last.year})")

    def is_working_day(self, day: date) -> bool:
        self._check(day)
        return self._is_working_ordinal(day.toordinal())

    def add_working_days(self, start: date, days: int) -> date:
        """The `days`-th working day after `start` (C2); `start` itself is day 0.

        With `days` = 0 the answer is `start`. Negative `days` count backwards.
        """
        self._check(start)
        if days == 0:
            return start
        ordinal = start.toordinal()
        if days > 0:
            index = bisect_right(self._working, ordinal) + days - 1
        else:
            index = bisect_left(self._working, ordinal) + days
        if not 0 <= index < len(self._working):
            raise OutsideCalendar(f"{days} working days from {start.isoformat()} leaves the calendar")
        return date.fromordinal(self._working[index])

    def count_working_days(self, start: date, end: date) -> int:
        """Working days after `start` up to and including `end`; negative when `end` is before `start`."""
        self._check(start)
        self._check(end)
        return bisect_right(self._working, end.toordinal()) - bisect_right(self._working, start.toordinal())

    def next_working_day(self, day: date) -> date:
        """`day` itself if it is a working day, else the first working day after it."""
        self._check(day)
        index = bisect_left(self._working, day.toordinal())
        if index == len(self._working):
            raise OutsideCalendar(f"no working day on or after {day.isoformat()} in the calendar")
        return date.fromordinal(self._working[index])

    def add_months(self, start: date, months: int) -> date:
        """C3: the same day of the month `months` later (clamped), moved forward to a working day."""
        return self.next_working_day(add_calendar_months(start, months))

    def holidays_in(self, year: int) -> list[Holiday]:
        """Non-working days other than weekends in `year`: bank holidays and closure days."""
        self._check(date(year, 1, 1))
        return [Holiday(d, name) for d, name in sorted(self._non_working_weekdays.items()) if d.year == year]


def add_calendar_months(start: date, months: int) -> date:
    """The same day of the month `months` later, clamped to the month's last day (C4: a calendar period)."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(start.day, _stdlib_calendar.monthrange(year, month)[1]))


def today_in_london(now: datetime | None = None) -> date:
    """C5: "today" is the date in Europe/London."""
    return (now or datetime.now(LONDON)).astimezone(LONDON).date()
