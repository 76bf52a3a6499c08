"""The files both HTTP faces send, the API and the board alike: documents, calendars, the figures workbook."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi.responses import Response

from .calendar import LONDON
from .services.deadline_calendar import MEDIA_TYPE
from .services.documents import Document
from .services.documents.workbook import XLSX, workbook


def document_file(document: Document) -> Response:
    return Response(
        document.content,
        media_type=document.media_type,
        headers={"Content-Disposition": f'attachment; filename="{document.filename}"', "Cache-Control": "no-store"},
    )


def calendar_file(content: bytes, filename: str | None = None) -> Response:
    headers = {"Cache-Control": "no-store"}
    if filename:
        headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return Response(content, media_type=f"{MEDIA_TYPE}; charset=utf-8", headers=headers)


def workbook_file(figures: dict[str, Any]) -> Response:
    """Issue 18: the figures as an XLSX workbook, a sheet and a chart per figure."""
    filename = f"practice-review-figures-{figures['from']}-{figures['to']}.xlsx"
    return Response(
        workbook(figures, datetime.now(LONDON)),
        media_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
