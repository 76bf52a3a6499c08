"""Deadline calendars (issue 18): secret feed URLs of one's own deadlines, and a review's .ics."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import Path
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from ...downloads import calendar_file
from ...schemas import problems
from ...services import calendar_feeds
from ...services.deadline_calendar import MEDIA_TYPE
from ..auth import CallerDep, ServicesDep
from ..routing import api_router

router = api_router(tags=["calendars"], responses=problems(401, 403, 404, 422))
feed_router = api_router(tags=["calendars"], responses=problems(404, 422))  # no key: the URL's secret is it
CALENDAR = {200: {"description": "iCalendar (RFC 5545)", "content": {MEDIA_TYPE: {"schema": {"type": "string"}}}}}


class FeedCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    label: str = Field("My deadlines", min_length=1, max_length=100, description="What the calendar is called")


class FeedOut(BaseModel):
    id: int
    label: str
    created_at: datetime
    revoked_at: datetime | None
    active: bool


class NewFeed(FeedOut):
    path: str = Field(description="The feed's secret path; shown in this answer only")
    url: str = Field(description="The secret URL to subscribe to in Outlook or Google Calendar")


@router.post(
    "/calendar-feeds",
    status_code=201,
    response_model=NewFeed,
    summary="A secret, revocable calendar feed URL of every running deadline the caller owns",
)
def create_feed(services: ServicesDep, caller: CallerDep, body: FeedCreate) -> dict[str, Any]:
    return calendar_feeds.create_feed(services, caller, body.label)


@router.get("/calendar-feeds", response_model=list[FeedOut], summary="The caller's own calendar feeds")
def list_feeds(services: ServicesDep, caller: CallerDep) -> list[dict[str, Any]]:
    return calendar_feeds.list_feeds(services, caller)


@router.delete(
    "/calendar-feeds/{feed_id}", response_model=FeedOut, summary="Revoke a calendar feed: its URL stops at once"
)
def revoke_feed(
    services: ServicesDep, caller: CallerDep, feed_id: Annotated[int, Path(ge=1, le=2**62)]
) -> dict[str, Any]:
    return calendar_feeds.revoke_feed(services, caller, feed_id)


@feed_router.get(
    "/calendar-feeds/{token}.ics",
    response_class=Response,
    responses=CALENDAR,
    summary="A calendar feed (no API key: the secret in the URL is the credential)",
)
def feed(services: ServicesDep, token: Annotated[str, Path(min_length=10, max_length=100)]) -> Response:
    return calendar_file(calendar_feeds.feed(services, token))


@router.get(
    "/reviews/{review_id}/calendar.ics",
    response_class=Response,
    responses=CALENDAR,
    summary="A review's deadlines as an .ics download",
)
def review_calendar(services: ServicesDep, caller: CallerDep, review_id: str) -> Response:
    content, reference = calendar_feeds.review_calendar(services, caller, review_id)
    return calendar_file(content, f"{reference}-deadlines.ics")
