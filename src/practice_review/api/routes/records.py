"""Meetings and attendance, declarations and rulings, endorsements, information requests."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path

from ...schemas import (
    AttendeeIn,
    DeclarationCreate,
    DeclarationOut,
    EndorsementCreate,
    EndorsementOut,
    InformationRequestCreate,
    InformationRequestOut,
    InformationReturn,
    MeetingCreate,
    MeetingOut,
    RulingCreate,
    problems,
)
from ...services import records
from ...workflow.context import Attendee
from ..auth import CallerDep, ServicesDep
from ..pagination import PageDep, one
from ..routing import api_router

RowId = Annotated[int, Path(ge=1, le=2**62)]

router = api_router(
    prefix="/reviews/{review_id}", tags=["meetings, declarations, endorsements"], responses=problems(401, 403, 404, 422)
)


@router.post("/meetings", status_code=201, response_model=MeetingOut, summary="Record a meeting")
def record_meeting(services: ServicesDep, caller: CallerDep, review_id: str, body: MeetingCreate) -> dict[str, Any]:
    return records.record_meeting(services, caller, review_id, body.kind, body.scheduled_for, body.documents_shared_at)


@router.get("/meetings/{meeting_id}", response_model=MeetingOut, summary="A meeting with its quorum and declarations")
def get_meeting(services: ServicesDep, caller: CallerDep, review_id: str, meeting_id: RowId) -> dict[str, Any]:
    return records.get_meeting(services, caller, review_id, meeting_id)


@router.put("/meetings/{meeting_id}/attendance", response_model=MeetingOut, summary="Who attended (replaces the list)")
def record_attendance(
    services: ServicesDep, caller: CallerDep, review_id: str, meeting_id: RowId, body: list[AttendeeIn]
) -> dict[str, Any]:
    attendees = [Attendee(**a.model_dump()) for a in body]
    return records.record_attendance(services, caller, review_id, meeting_id, attendees)


@router.post(
    "/declarations",
    status_code=201,
    response_model=DeclarationOut,
    responses=problems(409),
    summary="Record a declaration of interest (D1); a later one supersedes (D4)",
)
def record_declaration(
    services: ServicesDep, caller: CallerDep, review_id: str, body: DeclarationCreate
) -> dict[str, Any]:
    return records.record_declaration(services, caller, review_id, **body.model_dump())


@router.get("/declarations", response_model=list[DeclarationOut], summary="Declarations, oldest first")
def list_declarations(
    services: ServicesDep,
    caller: CallerDep,
    review_id: str,
    page: PageDep,
) -> list[dict[str, Any]]:
    return page.of(records.list_declarations(services, caller, review_id))


@router.post(
    "/declarations/{declaration_id}/ruling",
    response_model=DeclarationOut,
    responses=problems(409),
    summary="The chair's ruling on a declared interest (D2)",
)
def rule_on_declaration(
    services: ServicesDep, caller: CallerDep, review_id: str, declaration_id: RowId, body: RulingCreate
) -> dict[str, Any]:
    return records.rule_on_declaration(services, caller, review_id, declaration_id, body.ruling)


@router.post(
    "/endorsements",
    status_code=201,
    response_model=EndorsementOut,
    responses=problems(409),
    summary="A partner's or the scrutineer's endorsement of the outcome (§19), by the party or a proxy (S1)",
)
def record_endorsement(
    services: ServicesDep, caller: CallerDep, review_id: str, body: EndorsementCreate
) -> dict[str, Any]:
    fields = body.model_dump(exclude={"proxy"})
    return records.record_endorsement(
        services, caller, review_id, **fields, proxy_evidence=body.proxy.evidence if body.proxy else None
    )


@router.get("/endorsements", response_model=list[EndorsementOut], summary="Endorsements, oldest first")
def list_endorsements(
    services: ServicesDep,
    caller: CallerDep,
    review_id: str,
    page: PageDep,
) -> list[dict[str, Any]]:
    return page.of(records.list_endorsements(services, caller, review_id))


@router.post(
    "/information-requests",
    status_code=201,
    response_model=InformationRequestOut,
    responses=problems(409),
    summary="Ask an agency for information, due in 5 working days (§11)",
)
def request_information(
    services: ServicesDep, caller: CallerDep, review_id: str, body: InformationRequestCreate
) -> dict[str, Any]:
    return records.request_information(services, caller, review_id, **body.model_dump())


@router.post(
    "/information-requests/{request_id}/return",
    response_model=InformationRequestOut,
    responses=problems(409),
    summary="Record the agency's return",
)
def record_return(
    services: ServicesDep, caller: CallerDep, review_id: str, request_id: RowId, body: InformationReturn
) -> dict[str, Any]:
    return records.record_information_return(services, caller, review_id, request_id, body.returned_on)


@router.get("/information-requests", response_model=list[InformationRequestOut], summary="Information requests")
def list_information_requests(
    services: ServicesDep,
    caller: CallerDep,
    review_id: str,
    page: PageDep,
) -> list[dict[str, Any]]:
    return page.of(records.list_information_requests(services, caller, review_id))


@router.get(
    "/declarations/{declaration_id}", response_model=DeclarationOut, summary="One declaration, as the list shows it"
)
def get_declaration(services: ServicesDep, caller: CallerDep, review_id: str, declaration_id: RowId) -> dict[str, Any]:
    return one(records.list_declarations(services, caller, review_id), declaration_id, "declaration")


@router.get(
    "/endorsements/{endorsement_id}", response_model=EndorsementOut, summary="One endorsement, as the list shows it"
)
def get_endorsement(services: ServicesDep, caller: CallerDep, review_id: str, endorsement_id: RowId) -> dict[str, Any]:
    return one(records.list_endorsements(services, caller, review_id), endorsement_id, "endorsement")


@router.get(
    "/information-requests/{request_id}",
    response_model=InformationRequestOut,
    summary="One information request, as the list shows it",
)
def get_information_request(
    services: ServicesDep, caller: CallerDep, review_id: str, request_id: RowId
) -> dict[str, Any]:
    return one(records.list_information_requests(services, caller, review_id), request_id, "information request")
