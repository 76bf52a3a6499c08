"""Workflow definitions as loaded at start-up."""

from __future__ import annotations

from typing import Any

from fastapi.responses import PlainTextResponse

from ...permissions import require
from ...schemas import problems
from ...workflow.definitions import describe, mermaid
from ..auth import CallerDep, ServicesDep
from ..routing import api_router

router = api_router(prefix="/workflows", tags=["workflows"], responses=problems(401, 403))


@router.get("", summary="Every review type's current workflow")
def list_workflows(services: ServicesDep, caller: CallerDep) -> list[dict[str, Any]]:
    require(caller, "read_reference")
    return [describe(d) for d in services.engine.current_definitions]


@router.get("/{review_type}", summary="One review type's current workflow", responses=problems(422))
def get_workflow(services: ServicesDep, caller: CallerDep, review_type: str) -> dict[str, Any]:
    require(caller, "read_reference")
    return describe(services.engine.current(review_type))


@router.get(
    "/{review_type}/diagram",
    response_class=PlainTextResponse,
    responses=problems(422),
    summary="The workflow as a Mermaid stateDiagram-v2",
)
def get_diagram(services: ServicesDep, caller: CallerDep, review_type: str) -> str:
    require(caller, "read_reference")
    return mermaid(services.engine.current(review_type))
