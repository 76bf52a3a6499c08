"""Reviews, their events and their history."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import Path, Query, Request, Response
from fastapi.responses import JSONResponse

from ...schemas import (
    NO_CONTROL_CHARACTERS,
    DraftsDeleted,
    HistoryOut,
    LinkCreate,
    LinkOut,
    ReviewCreate,
    ReviewOut,
    ReviewPage,
    ReviewUpdate,
    TransitionRequest,
    problems,
)
from ...services import drafts, links, reviews, transitions
from ...services import history as review_history
from ..auth import CallerDep, CredentialsDep, ServicesDep
from ..encoding import encoded
from ..pagination import Cursor, after, encode, link_next, one
from ..routing import api_router

router = api_router(prefix="/reviews", tags=["reviews"], responses=problems(401, 403))


@router.post(
    "",
    status_code=201,
    response_model=ReviewOut,
    responses=problems(409, 422),
    summary="Record a referral as a new review",
)
def create_review(services: ServicesDep, caller: CallerDep, body: ReviewCreate) -> JSONResponse:
    fields = body.model_dump(exclude={"description", "particulars"})
    description = body.description.model_dump(exclude_none=True) if body.description else {}
    particulars = body.particulars.model_dump(exclude_none=True) if body.particulars else {}
    new = reviews.NewReview(
        **{**fields, "themes": tuple(body.themes), "description": description, "particulars": particulars}
    )
    created = reviews.create_review(services, caller, new)  # Idempotency-Key: api/idempotency.py
    return JSONResponse(created.body, status_code=201, headers={"Location": created.location})


@router.get("", response_model=ReviewPage, responses=problems(422), summary="Reviews, newest first")
def list_reviews(
    services: ServicesDep,
    caller: CallerDep,
    request: Request,
    response: Response,
    review_type: Annotated[str | None, Query(max_length=64, pattern=NO_CONTROL_CHARACTERS)] = None,
    state: Annotated[str | None, Query(max_length=64, pattern=NO_CONTROL_CHARACTERS)] = None,
    open: bool | None = None,
    updated_since: Annotated[
        datetime | None, Query(description="Only reviews changed at or after this time (ISO 8601 with offset)")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=400, pattern=NO_CONTROL_CHARACTERS)] = None,
) -> dict[str, Any]:
    found = reviews.list_reviews(services, caller, review_type, state, open, limit, cursor, updated_since)
    link_next(request, response, found["next_cursor"])
    return found


@router.get("/{review_id}", response_model=ReviewOut, responses=problems(404), summary="One review")
def get_review(services: ServicesDep, credentials: CredentialsDep, review_id: str) -> Response:
    # The key is checked here, in the endpoint's thread and on the read's connection: one threadpool trip
    # and one connection for the whole read (issue 15).
    with services.db.one_connection():
        return encoded(ReviewOut, reviews.review_as_read(services, credentials.caller(), review_id))


@router.patch(
    "/{review_id}",
    response_model=ReviewOut,
    responses=problems(404, 409, 422),
    summary="Correct or complete the referral: summary, themes, description (§5.4)",
)
def update_review(services: ServicesDep, credentials: CredentialsDep, review_id: str, body: ReviewUpdate) -> Response:
    changes = body.model_dump(
        exclude_none=True, exclude={"expected_version", "description", "particulars"}
    )  # null: unchanged
    if body.description is not None:
        changes["description"] = body.description.model_dump(exclude_none=True)
    if body.particulars is not None:
        changes["particulars"] = body.particulars.model_dump(exclude_unset=True)
    with services.db.one_write():  # the key is checked in the write's transaction, as get_review does
        updated = reviews.update_review(services, credentials.caller(), review_id, body.expected_version, changes)
    return encoded(ReviewOut, updated)


@router.post(
    "/{review_id}/links",
    status_code=201,
    response_model=LinkOut,
    responses=problems(404, 422),
    summary="Link the review to another review or to an external process (K1)",
)
def add_link(services: ServicesDep, caller: CallerDep, review_id: str, body: LinkCreate) -> dict[str, Any]:
    external = body.external.model_dump() if body.external else None
    return links.add_link(services, caller, review_id, body.relation, body.review_id, external)


@router.get("/{review_id}/links/{link_id}", response_model=LinkOut, responses=problems(404), summary="One link")
def get_link(
    services: ServicesDep, caller: CallerDep, review_id: str, link_id: Annotated[int, Path(ge=1, le=2**62)]
) -> dict[str, Any]:
    return one(reviews.get_review(services, caller, review_id)["links"], link_id, "link")


@router.post(
    "/{review_id}/transitions",
    response_model=ReviewOut,
    responses=problems(404, 409, 422),
    summary="Fire a workflow event",
)
def fire_event(services: ServicesDep, credentials: CredentialsDep, review_id: str, body: TransitionRequest) -> Response:
    with services.db.one_write():  # the key is checked in the write's transaction, as get_review does
        fired = transitions.fire_event(
            services,
            credentials.caller(),
            review_id,
            body.event,
            body.occurred_on,
            body.expected_version,
            body.data or {},
            body.note,
        )
    return encoded(ReviewOut, fired)


@router.get(
    "/{review_id}/history",
    response_model=HistoryOut,
    responses=problems(404),
    summary="Everything that happened to the review, in order (append-only)",
)
def history(
    services: ServicesDep,
    caller: CallerDep,
    review_id: str,
    request: Request,
    response: Response,
    limit: Annotated[int, Query(ge=1, le=1000, description="Events per page (at most 1000)")] = 1000,
    cursor: Cursor = None,
) -> dict[str, Any]:
    found = review_history.history(services, caller, review_id, limit, after(cursor))
    more = found.pop("more")
    found["next_cursor"] = encode(found["items"][-1]["seq"]) if more else None
    link_next(request, response, found["next_cursor"])
    return found


@router.post(
    "/{review_id}/drafts-deleted",
    response_model=ReviewOut,
    responses=problems(404, 409, 422),
    summary="The Business Unit confirms the review's draft reports were deleted (S5)",
)
def confirm_drafts_deleted(
    services: ServicesDep, caller: CallerDep, review_id: str, body: DraftsDeleted
) -> dict[str, Any]:
    return drafts.confirm_drafts_deleted(services, caller, review_id, body.deleted_on)
