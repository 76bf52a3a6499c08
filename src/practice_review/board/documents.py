"""The board's links to a review's documents and calendar (issue 18): the same files the API serves,
read as the signed-in caller (so need to know holds), for a browser that holds a session, not a key."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

from ..downloads import calendar_file, document_file, workbook_file
from ..services import calendar_feeds, documents, reports
from ..web import get_services
from .session import PATH, BoardCaller

router = APIRouter(prefix=PATH, include_in_schema=False)
Format = Literal["pdf", "docx"]


@router.get("/reviews/{review_id}/documents/{kind}.{format}")
def document(
    request: Request,
    caller: BoardCaller,
    review_id: str,
    kind: Literal["meeting-report", "action-plan", "chronology"],
    format: Format,
) -> Response:
    return document_file(documents.make(get_services(request), caller, review_id, kind, format))


@router.get("/reviews/{review_id}/meetings/{meeting_id}/minutes.{format}")
def minutes(
    request: Request,
    caller: BoardCaller,
    review_id: str,
    meeting_id: Annotated[int, Path(ge=1, le=2**62)],
    format: Format,
) -> Response:
    services = get_services(request)
    return document_file(documents.make(services, caller, review_id, "minutes", format, meeting_id=meeting_id))


@router.get("/figures.xlsx")
def figures_workbook(
    request: Request,
    caller: BoardCaller,
    start: Annotated[date, Query(alias="from")],
    end: Annotated[date, Query(alias="to")],
) -> Response:
    """The §21 figures page's workbook: GET /reports/summary?format=xlsx, for the signed-in caller."""
    return workbook_file(reports.summary(get_services(request), caller, start, end))


@router.get("/reviews/{review_id}/calendar.ics")
def review_calendar(request: Request, caller: BoardCaller, review_id: str) -> Response:
    content, reference = calendar_feeds.review_calendar(get_services(request), caller, review_id)
    return calendar_file(content, f"{reference}-deadlines.ics")
