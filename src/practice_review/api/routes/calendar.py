"""Working days (C1–C5) for front ends and partner systems."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Query

from ...permissions import require
from ...schemas import AddedDays, CountedDays, HolidayOut, problems
from ..auth import CallerDep, ServicesDep
from ..routing import api_router

router = api_router(prefix="/calendar", tags=["calendar"], responses=problems(401, 403, 422))


@router.get("/working-days/add", response_model=AddedDays, summary="The Nth working day after a date (C2)")
def add_working_days(
    services: ServicesDep, caller: CallerDep, start: date, days: Annotated[int, Query(ge=-10000, le=10000)]
) -> AddedDays:
    require(caller, "read_reference")
    return AddedDays(start=start, days=days, date=services.calendar.add_working_days(start, days))


@router.get(
    "/working-days/count", response_model=CountedDays, summary="Working days after start up to and including end"
)
def count_working_days(services: ServicesDep, caller: CallerDep, start: date, end: date) -> CountedDays:
    require(caller, "read_reference")
    return CountedDays(start=start, end=end, working_days=services.calendar.count_working_days(start, end))


@router.get("/holidays", response_model=list[HolidayOut], summary="Non-working days other than weekends in a year")
def holidays(services: ServicesDep, caller: CallerDep, year: Annotated[int, Query(ge=1, le=9999)]) -> list[HolidayOut]:
    require(caller, "read_reference")
    return [HolidayOut(date=h.date, name=h.name) for h in services.calendar.holidays_in(year)]
