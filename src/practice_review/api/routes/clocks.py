"""A review's clocks: pause, resume, extend (C6), and the delay reported to the National Panel."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path

from ...schemas import NO_CONTROL_CHARACTERS, ClockExtend, ClockPause, ClockResume, DelayReported, ReviewOut, problems
from ...services import clocks
from ..auth import CallerDep, ServicesDep
from ..routing import api_router

ClockName = Annotated[str, Path(max_length=64, pattern=NO_CONTROL_CHARACTERS)]
router = api_router(
    prefix="/reviews/{review_id}/clocks/{name}", tags=["clocks"], responses=problems(401, 403, 404, 409, 422)
)


@router.post("/pause", response_model=ReviewOut, summary="Pause a running clock, with a reason (C6)")
def pause(
    services: ServicesDep, caller: CallerDep, review_id: str, name: ClockName, body: ClockPause
) -> dict[str, Any]:
    return clocks.pause(services, caller, review_id, name, body.occurred_on, body.reason)


@router.post("/resume", response_model=ReviewOut, summary="Resume a paused clock; the paused working days are added")
def resume(
    services: ServicesDep, caller: CallerDep, review_id: str, name: ClockName, body: ClockResume
) -> dict[str, Any]:
    return clocks.resume(services, caller, review_id, name, body.occurred_on, body.reason)


@router.post("/extend", response_model=ReviewOut, summary="Extend a clock to a later date, with a reason (C6)")
def extend(
    services: ServicesDep, caller: CallerDep, review_id: str, name: ClockName, body: ClockExtend
) -> dict[str, Any]:
    return clocks.extend(services, caller, review_id, name, body.new_due_on, body.reason)


@router.post(
    "/delay-reported", response_model=ReviewOut, summary="Record that the National Panel was told of the delay"
)
def delay_reported(
    services: ServicesDep, caller: CallerDep, review_id: str, name: ClockName, body: DelayReported
) -> dict[str, Any]:
    return clocks.delay_reported(services, caller, review_id, name, body.reported_on, body.note)
