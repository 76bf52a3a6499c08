"""Who looked at a review (issue 17): its page views on the board, for the Business Unit only."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import Query
from pydantic import BaseModel, Field

from ...schemas import NO_CONTROL_CHARACTERS, problems
from ...services import page_views
from ..auth import CallerDep, ServicesDep
from ..routing import api_router

router = api_router(prefix="/reviews/{review_id}/views", tags=["reviews"], responses=problems(401, 403, 404, 422))


class PageViewOut(BaseModel):
    id: int
    viewed_at: datetime
    viewer: dict[str, Any] = Field(description="Who looked: key id and name, role, partner, and the person if known")
    page: str = Field(description="Where: `review`, the board's page of the review")


class PageViewPage(BaseModel):
    items: list[PageViewOut]
    next_cursor: str | None


@router.get("", response_model=PageViewPage, summary="Who looked at the review on the board, newest first")
def list_views(
    services: ServicesDep,
    caller: CallerDep,
    review_id: str,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=20, pattern=NO_CONTROL_CHARACTERS)] = None,
) -> dict[str, Any]:
    return page_views.list_views(services, caller, review_id, limit, cursor)
