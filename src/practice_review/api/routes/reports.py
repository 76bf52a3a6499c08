"""The partnership's figures (policy §21), as JSON or CSV."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import Header, Query
from fastapi.responses import JSONResponse, Response

from ...downloads import workbook_file
from ...schemas import problems
from ...services import reports
from ...services.documents.workbook import XLSX
from ..auth import CallerDep, ServicesDep
from ..routing import api_router

router = api_router(prefix="/reports", tags=["reports"], responses=problems(401, 403, 422))


@router.get(
    "/summary",
    summary="Referrals, reviews, clock timeliness and actions for a period",
    responses={
        200: {
            "content": {
                "application/json": {},
                "text/csv": {},
                XLSX: {"schema": {"type": "string", "format": "binary"}},  # issue 18: a sheet and chart per figure
            }
        }
    },
)
def summary(
    services: ServicesDep,
    caller: CallerDep,
    start: Annotated[date, Query(alias="from")],
    end: Annotated[date, Query(alias="to")],
    format: Literal["json", "csv", "xlsx"] | None = None,
    accept: Annotated[str | None, Header(max_length=500)] = None,
) -> Any:
    figures = reports.summary(services, caller, start, end)
    if format == "xlsx" or (format is None and XLSX in (accept or "")):
        return workbook_file(figures)
    if format == "csv" or (format is None and "text/csv" in (accept or "")):
        filename = f"practice-review-summary-{start}-{end}.csv"
        return Response(
            reports.as_csv(figures),
            media_type="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )
    return JSONResponse(figures)
