"""Deadline polling for schedulers, and the breach sweep (C5)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import Body, Query, Request, Response

from ...schemas import NO_CONTROL_CHARACTERS, DeadlinePage, SweepOut, SweepRequest, problems
from ...services import deadlines
from ..auth import CallerDep, CredentialsDep, ServicesDep
from ..encoding import encoded
from ..pagination import link_next
from ..routing import api_router

router = api_router(prefix="/deadlines", tags=["deadlines"], responses=problems(401, 403, 422))


@router.get("", response_model=DeadlinePage, summary="Running and breached deadlines, earliest first")
def list_deadlines(
    services: ServicesDep,
    credentials: CredentialsDep,
    request: Request,
    due_by: date | None = None,
    status: Literal["running", "breached"] | None = None,
    review_type: Annotated[str | None, Query(max_length=64, pattern=NO_CONTROL_CHARACTERS)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    cursor: Annotated[str | None, Query(max_length=200, pattern=NO_CONTROL_CHARACTERS)] = None,
) -> Response:
    # As get_review: the key checked in the endpoint's thread, on the poll's own connection (issue 15).
    with services.db.one_connection():
        found = deadlines.list_deadlines(services, credentials.caller(), due_by, status, review_type, limit, cursor)
    response = encoded(DeadlinePage, found)
    link_next(request, response, found["next_cursor"])
    return response


@router.post(
    "/sweep",
    response_model=SweepOut,
    responses=problems(409),
    summary="Record each clock newly past its deadline as breached, exactly once",
)
def sweep(
    services: ServicesDep, caller: CallerDep, body: Annotated[SweepRequest | None, Body()] = None
) -> dict[str, Any]:
    return deadlines.sweep(services, caller, body.as_of if body else None)
