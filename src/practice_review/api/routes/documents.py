"""Documents made from a review's record, as PDF or DOCX (issue 18): by `format`, else by `Accept`."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Header, Path
from fastapi.responses import Response

from ...downloads import document_file
from ...schemas import problems
from ...services import documents
from ...services.documents import DOCX, PDF
from ..auth import CallerDep, ServicesDep
from ..routing import api_router

router = api_router(prefix="/reviews/{review_id}", tags=["documents"], responses=problems(401, 403, 404, 422, 503))

Format = Literal["pdf", "docx"]
Accept = Annotated[str | None, Header(max_length=500)]
BINARY = {"schema": {"type": "string", "format": "binary"}}
FILES = {
    200: {
        "description": "The document: PDF, or DOCX to edit (by `format`, else the `Accept` header; PDF by default). "
        "It states the review's reference, record version and the hash of its latest history event.",
        "content": {PDF: BINARY, DOCX: BINARY},
    }
}


def _document(services: Any, caller: Any, review_id: str, kind: str, format: str | None, accept: str | None, **kw: Any):
    return document_file(
        documents.make(services, caller, review_id, kind, documents.choose_format(format, accept), **kw)
    )


SUMMARIES = {
    "meeting-report": "Rapid Review Meeting Report (template 10): facts, safety actions, recommendation, endorsements",
    "action-plan": "The review's action plan (template 11)",
    "chronology": "The review's chronology of events, in the order they happened",
}


def _route(kind: str) -> Any:
    def document(
        services: ServicesDep, caller: CallerDep, review_id: str, format: Format | None = None, accept: Accept = None
    ) -> Response:
        return _document(services, caller, review_id, kind, format, accept)

    document.__name__ = kind.replace("-", "_")
    return document


for _kind, _summary in SUMMARIES.items():
    router.add_api_route(
        f"/documents/{_kind}",
        _route(_kind),
        methods=["GET"],
        response_class=Response,
        responses=FILES,
        summary=_summary,
    )


@router.get(
    "/meetings/{meeting_id}/minutes",
    response_class=Response,
    responses=FILES,
    summary="Minutes of a meeting: attendance, quorum, substitutes, declarations and rulings, reading time",
)
def minutes(
    services: ServicesDep,
    caller: CallerDep,
    review_id: str,
    meeting_id: Annotated[int, Path(ge=1, le=2**62)],
    format: Format | None = None,
    accept: Accept = None,
) -> Response:
    return _document(services, caller, review_id, "minutes", format, accept, meeting_id=meeting_id)
