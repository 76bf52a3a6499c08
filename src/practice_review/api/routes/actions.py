"""A review's action plan (K2)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path

from ...schemas import ActionCreate, ActionOut, ActionUpdate, problems
from ...services import actions
from ..auth import CallerDep, ServicesDep
from ..pagination import PageDep, one
from ..routing import api_router

router = api_router(
    prefix="/reviews/{review_id}/actions", tags=["action plans"], responses=problems(401, 403, 404, 422)
)


@router.post("", status_code=201, response_model=ActionOut, summary="Add a SMART action to the review's plan")
def add_action(services: ServicesDep, caller: CallerDep, review_id: str, body: ActionCreate) -> dict[str, Any]:
    return actions.add_action(
        services,
        caller,
        review_id,
        body.recommendation,
        body.action,
        body.owner_organisation,
        body.due_on,
        body.intended_outcome,
        body.owner_email,
    )


@router.get("", response_model=list[ActionOut], summary="The review's action plan")
def list_actions(
    services: ServicesDep,
    caller: CallerDep,
    review_id: str,
    page: PageDep,
) -> list[dict[str, Any]]:
    return page.of(actions.list_actions(services, caller, review_id))


@router.patch(
    "/{action_id}",
    response_model=ActionOut,
    responses=problems(409),
    summary="Mark an action done (with evidence), dropped (with a reason) or open",
)
def update_action(
    services: ServicesDep,
    caller: CallerDep,
    review_id: str,
    action_id: Annotated[int, Path(ge=1, le=2**62)],
    body: ActionUpdate,
) -> dict[str, Any]:
    return actions.update_action(
        services,
        caller,
        review_id,
        action_id,
        body.status,
        body.evidence,
        body.reason,
        body.expected_version,
        body.completed_on,
    )


@router.get("/{action_id}", response_model=ActionOut, summary="One action of the plan")
def get_action(
    services: ServicesDep, caller: CallerDep, review_id: str, action_id: Annotated[int, Path(ge=1, le=2**62)]
) -> dict[str, Any]:
    return one(actions.list_actions(services, caller, review_id), action_id, "action")
