"""Working days (domain.md C1–C3): properties over the whole span the service uses, then worked examples."""

from __future__ import annotations

from calendar import monthrange
from datetime import date, timedelta

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from practice_review.calendar import Holiday, OutsideCalendar, WorkingCalendar

CAL = WorkingCalendar()  # ENG, the default region

# Starts late enough in the range that 2,000 working days (about eight years) stay inside the calendar.
starts = st.dates(min_value=date(1995, 1, 1), max_value=date(2090, 12, 31))
day_counts = st.integers(min_value=0, max_value=2000)
small_counts = st.integers(min_value=0, max_value=60)
FAST = settings(max_examples=200, deadline=None)

# An independent reference: the `holidays` package read day by day, no precomputed index.
_REFERENCE_HOLIDAYS = holidays.country_holidays("GB", subdiv="ENG", years=range(1995, 2096))


def _naive_is_working(day: date) -> bool:
    return day.weekday() < 5 and day not in _REFERENCE_HOLIDAYS


def _naive_add(start: date, n: int) -> date:
    day, counted = start, 0
    while counted < n:
        day += timedelta(days=1)
        if _naive_is_working(day):
            counted += 1
    return day


def _naive_count(start: date, end: date) -> int:
    """Working days after `start` up to and including `end` (for start <= end)."""
    return sum(_naive_is_working(start + timedelta(days=i)) for i in range(1, (end - start).days + 1))


# ---------------------------------------------------------------- properties


@FAST
@given(start=starts, n=st.integers(min_value=1, max_value=2000))
def test_c1_adding_one_or_more_working_days_lands_on_a_working_day(start: date, n: int) -> None:
    result = CAL.add_working_days(start, n)
    assert CAL.is_working_day(result)
    assert result > start


@FAST
@given(start=starts, n=day_counts)
def test_c2_counting_undoes_adding(start: date, n: int) -> None:
    assert CAL.count_working_days(start, CAL.add_working_days(start, n)) == n


@FAST
@given(start=starts, n=day_counts)
def test_c2_adding_zero_days_is_the_start_and_adding_back_returns_to_a_working_start(start: date, n: int) -> None:
    assert CAL.add_working_days(start, 0) == start
    if CAL.is_working_day(start) and n > 0:
        assert CAL.add_working_days(CAL.add_working_days(start, n), -n) == start


@FAST
@given(start=starts, n=day_counts, more=st.integers(min_value=1, max_value=50))
def test_c2_add_is_strictly_increasing_in_the_number_of_days(start: date, n: int, more: int) -> None:
    assert CAL.add_working_days(start, n) < CAL.add_working_days(start, n + more)


@FAST
@given(first=starts, gap=st.integers(min_value=0, max_value=400), n=day_counts)
def test_c2_add_is_monotonic_in_the_start_date(first: date, gap: int, n: int) -> None:
    later = first + timedelta(days=gap)
    assert CAL.add_working_days(first, n) <= CAL.add_working_days(later, n)


@FAST
@given(a=starts, b=starts, c=starts)
def test_c2_count_is_additive(a: date, b: date, c: date) -> None:
    assert CAL.count_working_days(a, b) + CAL.count_working_days(b, c) == CAL.count_working_days(a, c)
    assert CAL.count_working_days(a, b) == -CAL.count_working_days(b, a)


@FAST
@given(start=starts, n=small_counts)
def test_c1_c2_add_agrees_with_a_day_by_day_reference(start: date, n: int) -> None:
    assert CAL.add_working_days(start, n) == _naive_add(start, n)


@FAST
@given(start=starts, span=st.integers(min_value=0, max_value=120))
def test_c1_count_and_next_working_day_agree_with_the_reference(start: date, span: int) -> None:
    end = start + timedelta(days=span)
    assert CAL.count_working_days(start, end) == _naive_count(start, end)
    assert CAL.is_working_day(start) == _naive_is_working(start)
    expected_next = start if _naive_is_working(start) else _naive_add(start, 1)
    assert CAL.next_working_day(start) == expected_next


@FAST
@given(start=starts, months=st.integers(min_value=0, max_value=60))
def test_c3_add_months_is_the_clamped_same_day_moved_forward_to_a_working_day(start: date, months: int) -> None:
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    target = date(year, month, min(start.day, monthrange(year, month)[1]))
    result = CAL.add_months(start, months)
    assert result >= target
    assert CAL.is_working_day(result)
    # Every day from the target up to the result is a non-working day.
    assert all(not _naive_is_working(target + timedelta(days=i)) for i in range((result - target).days))


# ---------------------------------------------------------------- worked examples


def test_c2_policy_example_friday_19_december_2025_plus_15_is_wednesday_14_january_2026() -> None:
    """C2: notified Fri 19 Dec 2025; 15 working days skips Christmas, Boxing Day and New Year."""
    assert CAL.add_working_days(date(2025, 12, 19), 15) == date(2026, 1, 14)
    assert CAL.count_working_days(date(2025, 12, 19), date(2026, 1, 14)) == 15
    # One working day less is the day before: the deadline is exactly the 15th.
    assert CAL.add_working_days(date(2025, 12, 19), 14) == date(2026, 1, 13)


def test_c1_christmas_2026_friday_and_boxing_day_substitute_monday_28_december() -> None:
    assert not CAL.is_working_day(date(2026, 12, 25))  # Christmas Day, Friday
    assert not CAL.is_working_day(date(2026, 12, 28))  # Boxing Day (Sat 26) substitute
    assert CAL.is_working_day(date(2026, 12, 29))
    assert CAL.add_working_days(date(2026, 12, 24), 1) == date(2026, 12, 29)


def test_c1_christmas_eve_is_a_working_day() -> None:
    assert CAL.is_working_day(date(2026, 12, 24))
    assert CAL.is_working_day(date(2025, 12, 24))
    assert CAL.add_working_days(date(2025, 12, 23), 1) == date(2025, 12, 24)


def test_c1_easter_2026_good_friday_and_easter_monday_are_skipped() -> None:
    assert not CAL.is_working_day(date(2026, 4, 3))  # Good Friday
    assert not CAL.is_working_day(date(2026, 4, 6))  # Easter Monday
    assert CAL.add_working_days(date(2026, 4, 2), 1) == date(2026, 4, 7)  # Thu -> Tue
    assert CAL.count_working_days(date(2026, 4, 2), date(2026, 4, 7)) == 1


def test_c2_starting_on_a_saturday_the_first_working_day_after_is_day_1() -> None:
    saturday = date(2026, 1, 10)
    assert not CAL.is_working_day(saturday)
    assert CAL.add_working_days(saturday, 1) == date(2026, 1, 12)  # Monday
    assert CAL.add_working_days(saturday, 5) == date(2026, 1, 16)  # Friday
    assert CAL.count_working_days(saturday, date(2026, 1, 12)) == 1
    assert CAL.next_working_day(saturday) == date(2026, 1, 12)


def test_c2_starting_on_a_bank_holiday_the_first_working_day_after_is_day_1() -> None:
    good_friday = date(2026, 4, 3)
    assert CAL.add_working_days(good_friday, 1) == date(2026, 4, 7)


def test_c3_31_january_plus_one_month_clamps_to_end_of_february_then_moves_to_a_working_day() -> None:
    # 2026: 28 Feb is a Saturday, so Monday 2 March.
    assert CAL.add_months(date(2026, 1, 31), 1) == date(2026, 3, 2)
    # 2025: 28 Feb is a Friday, kept.
    assert CAL.add_months(date(2025, 1, 31), 1) == date(2025, 2, 28)
    # 2024 is a leap year: Thursday 29 Feb.
    assert CAL.add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)


def test_c3_add_months_landing_on_christmas_moves_past_the_bank_holidays() -> None:
    assert CAL.add_months(date(2026, 11, 25), 1) == date(2026, 12, 29)


def test_c3_add_months_crosses_the_year_and_six_months_is_l6s_completion_period() -> None:
    assert CAL.add_months(date(2026, 10, 31), 4) == date(2027, 3, 1)  # 28 Feb 2027 is a Sunday
    assert CAL.add_months(date(2026, 3, 10), 6) == date(2026, 9, 10)  # Thursday, unchanged


def test_c1_a_configured_closure_day_is_skipped() -> None:
    closure = date(2026, 1, 5)  # a Monday
    closed = WorkingCalendar(closure_days=(closure,))
    assert CAL.add_working_days(date(2026, 1, 2), 1) == closure
    assert not closed.is_working_day(closure)
    assert closed.add_working_days(date(2026, 1, 2), 1) == date(2026, 1, 6)
    assert Holiday(closure, "Local closure day") in closed.holidays_in(2026)
    assert Holiday(closure, "Local closure day") not in CAL.holidays_in(2026)


def test_c1_a_closure_day_on_a_bank_holiday_keeps_the_bank_holiday() -> None:
    closed = WorkingCalendar(closure_days=(date(2026, 12, 25),))
    assert closed.holidays_in(2026) == CAL.holidays_in(2026)


def test_c1_region_wales_matches_england_in_2026_but_scotland_differs() -> None:
    wales, scotland = WorkingCalendar(region="WLS"), WorkingCalendar(region="SCT")
    assert wales.holidays_in(2026) == CAL.holidays_in(2026)
    assert CAL.is_working_day(date(2026, 1, 2))
    assert not scotland.is_working_day(date(2026, 1, 2))  # 2 January is a bank holiday in Scotland
    assert CAL.add_working_days(date(2025, 12, 31), 1) == date(2026, 1, 2)
    assert scotland.add_working_days(date(2025, 12, 31), 1) == date(2026, 1, 5)
    assert scotland.is_working_day(date(2026, 4, 6))  # no Easter Monday in Scotland


def test_c1_holidays_in_2026_lists_the_eight_weekday_bank_holidays_of_england() -> None:
    listed = CAL.holidays_in(2026)
    assert [h.date for h in listed] == [
        date(2026, 1, 1),
        date(2026, 4, 3),
        date(2026, 4, 6),
        date(2026, 5, 4),
        date(2026, 5, 25),
        date(2026, 8, 31),
        date(2026, 12, 25),
        date(2026, 12, 28),
    ]
    assert date(2026, 12, 26) not in {h.date for h in listed}  # Boxing Day falls on a Saturday
    assert all(h.name for h in listed)
    assert listed[1].name == "Good Friday"


def test_outside_calendar_year_1900_is_refused() -> None:
    with pytest.raises(OutsideCalendar, match="1900"):
        CAL.is_working_day(date(1900, 1, 1))
    with pytest.raises(OutsideCalendar):
        CAL.holidays_in(1900)
    with pytest.raises(OutsideCalendar):
        CAL.add_working_days(date(1900, 6, 1), 5)
    with pytest.raises(OutsideCalendar):
        CAL.count_working_days(date(1900, 6, 1), date(2026, 1, 1))


def test_outside_calendar_when_adding_runs_past_the_last_year() -> None:
    with pytest.raises(OutsideCalendar):
        CAL.add_working_days(date(2100, 12, 1), 100)
    with pytest.raises(OutsideCalendar):
        CAL.add_months(date(2100, 12, 1), 1)
