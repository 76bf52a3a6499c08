"""What is recorded on a review besides events: meetings and attendance, declarations and rulings,
endorsements, information requests. Each is a history event and moves the review's version on."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..calendar import LONDON
from ..errors import Conflict, InvalidData, NotFound, NotPermitted, TransitionRefused
from ..permissions import require
from ..roles import Caller
from ..rules.declarations import awaiting_ruling, current_declarations, excluded_people, undeclared
from ..rules.quorum import documents_in_time, quorum
from ..storage import models as m
from ..workflow.context import Attendee, Declaration, Meeting
from ..workflow.definitions import WorkflowDefinition
from ..workflow.engine import Blocked
from . import need_to_know
from .access import find_review
from .common import Services, jsonable, locked_review, not_in_future, open_review, part_of, utcnow
from .facts import as_declaration, load_declarations, load_meetings
from .history import record_history


def _utc(value: datetime | None) -> datetime | None:
    """A timestamp in UTC (as every timestamp is stored); one without an offset is London time."""
    if value is None:
        return None
    return (value.replace(tzinfo=LONDON) if value.tzinfo is None else value).astimezone(UTC)


# ---------------------------------------------------------------- meetings and attendance


def _definition(services: Services, row: m.Review) -> WorkflowDefinition:
    return services.engine.definition(row.review_type, row.workflow_version)


def meeting_view(definition: WorkflowDefinition, meeting: Meeting, declarations: list[Declaration]) -> dict[str, Any]:
    """A meeting with its quorum (Q1–Q3), papers (Q4) and declarations (D1, D2) as they stand, under the
    review's workflow settings (T1)."""
    partners, hours = definition.meeting_rules(meeting.kind)
    result = quorum(meeting.attendees, excluded_people(declarations, meeting.held_on), partners)
    return jsonable(
        {
            "id": meeting.id,
            "kind": meeting.kind,
            "scheduled_for": meeting.scheduled_for,
            "documents_shared_at": meeting.documents_shared_at,
            "documents_shared_in_time": documents_in_time(meeting, hours),
            "papers_hours": hours,
            "attendees": [a.__dict__ for a in meeting.attendees],
            "quorate": result.quorate,
            "missing_partners": list(result.missing_partners),
            "excluded_attendees": [a.person_id for a in result.excluded_attendees],
            "undeclared_attendees": [a.person_id for a in undeclared(meeting.attendees, declarations, meeting.held_on)],
            "interests_awaiting_ruling": [
                d.id for d in awaiting_ruling(meeting.attendees, declarations, meeting.held_on)
            ],
        }
    )


def _meeting(session: Session, review_id: str, meeting_id: int) -> Meeting:
    found = load_meetings(session, review_id, meeting_id)
    if not found:
        raise NotFound(f"review {review_id} has no meeting {meeting_id}")
    return found[0]


def record_meeting(
    services: Services,
    caller: Caller,
    review_id: str,
    kind: str,
    scheduled_for: datetime,
    documents_shared_at: datetime | None,
    expected_version: int | None = None,
) -> dict[str, Any]:
    require(caller, "record_meeting")
    scheduled, shared = _utc(scheduled_for), _utc(documents_shared_at)
    with services.db.write() as session:
        row = open_review(session, review_id, expected_version)
        meeting = m.Meeting(
            review_id=row.id,
            kind=kind,
            scheduled_for=scheduled,
            documents_shared_at=shared,
            attendance_revision=0,
            created_at=utcnow(),
        )
        session.add(meeting)
        session.flush()
        record_history(
            session,
            row,
            caller,
            "meeting_recorded",
            services.today(),
            {"meeting_id": meeting.id, "kind": kind, "scheduled_for": scheduled, "documents_shared_at": shared},
        )
        meeting_now = _meeting(session, row.id, meeting.id)
        return meeting_view(_definition(services, row), meeting_now, load_declarations(session, row.id))


def _meeting_for(
    caller: Caller, definition: WorkflowDefinition, meeting: Meeting, declarations: list[Declaration]
) -> dict[str, Any]:
    own = need_to_know.own_organisation(caller)
    own_declarations = {d.id for d in declarations if d.organisation == own}
    return need_to_know.meeting(caller, meeting_view(definition, meeting, declarations), own_declarations)


def get_meeting(services: Services, caller: Caller, review_id: str, meeting_id: int) -> dict[str, Any]:
    with services.db.read() as session:
        row = find_review(session, caller, review_id)
        meeting = _meeting(session, review_id, meeting_id)
        return _meeting_for(caller, _definition(services, row), meeting, load_declarations(session, review_id))


def list_meetings(services: Services, caller: Caller, review_id: str) -> list[dict[str, Any]]:
    """Every meeting of the review in the order recorded, each with its quorum and declarations as they stand."""
    with services.db.read() as session:
        row = find_review(session, caller, review_id)
        declarations = load_declarations(session, review_id)
        definition = _definition(services, row)
        return [
            _meeting_for(caller, definition, meeting, declarations) for meeting in load_meetings(session, review_id)
        ]


def _check_partner_codes(services: Services, attendees: list[Attendee]) -> None:
    """T1: an attendee's partner code is one of the partnership's statutory partners."""
    codes = services.engine.partnership.statutory_partners
    unknown = sorted({a.partner for a in attendees if a.partner is not None and a.partner not in codes})
    if unknown:
        message = f"{', '.join(unknown)} is not a statutory partner code (one of {', '.join(codes)})"
        raise InvalidData([{"field": "attendees.partner", "message": message}])


def record_attendance(
    services: Services,
    caller: Caller,
    review_id: str,
    meeting_id: int,
    attendees: list[Attendee],
    expected_version: int | None = None,
) -> dict[str, Any]:
    """Replace who attended. A `partner` key replaces only its own partner's attendees."""
    require(caller, "record_attendance")
    _check_partner_codes(services, attendees)
    ids = [a.person_id for a in attendees]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise InvalidData([{"field": "person_id", "message": f"listed more than once: {', '.join(duplicates)}"}])
    if caller.role == "partner":
        others = [a.person_id for a in attendees if a.partner != caller.partner]
        if others:
            raise NotPermitted(
                f"a {caller.partner} partner key records only {caller.partner} attendees (not {', '.join(others)})"
            )
    with services.db.write() as session:
        row = open_review(session, review_id, expected_version)
        meeting = part_of(session, row, m.Meeting, meeting_id, "meeting")
        kept: list[Attendee] = []
        if caller.role == "partner":
            current = _meeting(session, row.id, meeting_id).attendees
            kept = [a for a in current if a.partner != caller.partner]
        meeting.attendance_revision += 1
        session.add_all(
            m.Attendance(meeting_id=meeting_id, revision=meeting.attendance_revision, **a.__dict__)
            for a in [*kept, *attendees]
        )
        record_history(
            session,
            row,
            caller,
            "attendance_recorded",
            services.today(),
            {"meeting_id": meeting_id, "attendees": [a.__dict__ for a in attendees]},
        )
        session.flush()
        meeting_now = _meeting(session, row.id, meeting_id)
        return meeting_view(_definition(services, row), meeting_now, load_declarations(session, row.id))


# ---------------------------------------------------------------- declarations and rulings


def declaration_view(d: Declaration) -> dict[str, Any]:
    return jsonable(
        {
            "id": d.id,
            "person_id": d.person_id,
            "name": d.name,
            "organisation": d.organisation,
            "role": d.role,
            "has_interest": d.has_interest,
            "details": d.details,
            "declared_on": d.declared_on,
            "ruling": d.ruling,
        }
    )


def list_declarations(services: Services, caller: Caller, review_id: str) -> list[dict[str, Any]]:
    with services.db.read() as session:
        find_review(session, caller, review_id)
        declarations = load_declarations(session, review_id)
        current = current_declarations(declarations)  # D4
        own = need_to_know.own_organisation(caller)
        return [
            {**declaration_view(d), "superseded": current[d.person_id] is not d}
            for d in declarations
            if own is None or d.organisation == own
        ]


def record_declaration(
    services: Services,
    caller: Caller,
    review_id: str,
    person_id: str,
    name: str,
    organisation: str,
    role: str,
    has_interest: bool,
    details: str,
    declared_on: date | None = None,
    expected_version: int | None = None,
) -> dict[str, Any]:
    """D1/D4: a new declaration; one by the same person supersedes their earlier one."""
    require(caller, "record_declaration")
    if has_interest and not details.strip():
        raise InvalidData([{"field": "details", "message": "an interest must be described in words (D1)"}])
    declared_on = declared_on or services.today()
    not_in_future("declared_on", declared_on, services.today())
    with services.db.write() as session:
        row = open_review(session, review_id, expected_version)
        declaration = m.Declaration(
            review_id=row.id,
            person_id=person_id,
            name=name,
            organisation=organisation,
            role=role,
            has_interest=has_interest,
            details=details,
            declared_on=declared_on,
            recorded_at=utcnow(),
        )
        session.add(declaration)
        session.flush()
        view = declaration_view(as_declaration(declaration))
        record_history(session, row, caller, "declaration_recorded", declared_on, view)
        return view


def rule_on_declaration(
    services: Services,
    caller: Caller,
    review_id: str,
    declaration_id: int,
    ruling: str,
    expected_version: int | None = None,
) -> dict[str, Any]:
    """D2: the chair rules a declared interest `noted` or `excluding`."""
    require(caller, "rule_on_declaration")
    with services.db.write() as session:
        row = open_review(session, review_id, expected_version)
        declaration = part_of(session, row, m.Declaration, declaration_id, "declaration")
        if not declaration.has_interest:
            raise Conflict(f"declaration {declaration_id} declares no interest: there is nothing to rule on (D2)")
        session.add(
            m.Ruling(
                declaration_id=declaration_id,
                review_id=row.id,
                ruling=ruling,
                ruled_by=caller.acting_for or caller.key_name,
                recorded_at=utcnow(),
            )
        )
        record_history(
            session,
            row,
            caller,
            "declaration_ruled",
            services.today(),
            {"declaration_id": declaration_id, "person_id": declaration.person_id, "ruling": ruling},
        )
        return declaration_view(as_declaration(declaration, ruling))


# ---------------------------------------------------------------- endorsements


def endorsement_view(e: m.Endorsement) -> dict[str, Any]:
    return jsonable(
        {
            "id": e.id,
            "party": e.party,
            "person_id": e.person_id,
            "name": e.name,
            "agrees": e.agrees,
            "endorsed_on": e.endorsed_on,
            "decision": e.decision,
            "proxy": e.proxy,
            "proxy_evidence": e.proxy_evidence,
            "recorded_by": e.recorded_by,
        }
    )


@dataclass(frozen=True)
class Endorser:
    """S1: who an endorsement is recorded as coming from, and whether the Business Unit recorded it for them."""

    person_id: str
    name: str
    proxy: bool
    recorded_by: str


def _s1_refused(message: str) -> TransitionRefused:
    return TransitionRefused([Blocked("S1", message)])


def endorser(
    caller: Caller, party: str, person_id: str, name: str, proxy_evidence: str | None, endorsed_on: date | None
) -> Endorser:
    """S1: an endorsement is the party's own (its partner key, the scrutineer's key, a signed-in person of
    that party), or a proxy the Business Unit records naming the person, the date and the evidence."""
    recorded_by = caller.person_name or caller.acting_for or caller.key_name
    if caller.role == "business_unit":
        if not (proxy_evidence or "").strip():
            raise _s1_refused(
                f"the Business Unit records {_words(party)}'s endorsement only as a proxy: "
                "give proxy.evidence (e.g. the e-mail it was given in)"
            )
        if endorsed_on is None:
            raise _s1_refused("a proxy endorsement names the date the party gave it (endorsed_on)")
        return Endorser(person_id, name, True, recorded_by)
    own_party = caller.partner if caller.role == "partner" else caller.role
    if party != own_party:
        raise NotPermitted(f"S1: this key records only {_words(str(own_party))}'s own endorsement, not {party}'s")
    if proxy_evidence is not None:
        raise _s1_refused("only the Business Unit records an endorsement as a proxy; a party records its own")
    if caller.person_id is not None:
        if person_id != caller.person_id:
            raise NotPermitted(f"S1: signed in as {caller.person_id}, this caller endorses only as themselves")
        name = caller.person_name or name
    return Endorser(person_id, name, False, recorded_by)


def _words(code: str) -> str:
    return code.replace("_", " ")


def record_endorsement(
    services: Services,
    caller: Caller,
    review_id: str,
    party: str,
    person_id: str,
    name: str,
    agrees: bool,
    endorsed_on: date | None = None,
    proxy_evidence: str | None = None,
    decision: str | None = None,
    expected_version: int | None = None,
) -> dict[str, Any]:
    """§19 / L6 / S4: a statutory partner's or the independent scrutineer's endorsement of the current outcome
    (or of the `decision` it names), recorded by the party itself or as a Business Unit proxy (S1)."""
    require(caller, "record_endorsement")
    parties = services.engine.partnership.endorsing_parties  # T1
    if party not in parties:
        raise InvalidData([{"field": "party", "message": f"must be one of {', '.join(parties)}"}])
    who = endorser(caller, party, person_id, name, proxy_evidence, endorsed_on)
    endorsed_on = endorsed_on or services.today()
    not_in_future("endorsed_on", endorsed_on, services.today())
    with services.db.write() as session:
        row = open_review(session, review_id, expected_version)
        endorsement = m.Endorsement(
            review_id=row.id,
            party=party,
            person_id=who.person_id,
            name=who.name,
            agrees=agrees,
            endorsed_on=endorsed_on,
            state_entered_seq=row.state_entered_seq,
            recorded_at=utcnow(),
            proxy=who.proxy,
            proxy_evidence=proxy_evidence.strip() if who.proxy and proxy_evidence else None,
            recorded_by=who.recorded_by,
            decision=decision,
        )
        session.add(endorsement)
        session.flush()
        view = {**endorsement_view(endorsement), "state": row.state}
        record_history(session, row, caller, "endorsement_recorded", endorsed_on, view)
        return view


def list_endorsements(services: Services, caller: Caller, review_id: str) -> list[dict[str, Any]]:
    with services.db.read() as session:
        row = find_review(session, caller, review_id)
        if need_to_know.own_organisation(caller) is not None:
            return []  # endorsements are the statutory partners' and the scrutineer's, never an agency's
        rows = session.scalars(
            select(m.Endorsement).where(m.Endorsement.review_id == review_id).order_by(m.Endorsement.id)
        )
        return [{**endorsement_view(e), "current": e.state_entered_seq == row.state_entered_seq} for e in rows]


# ---------------------------------------------------------------- information requests


def information_request_view(services: Services, r: m.InformationRequest, today: date) -> dict[str, Any]:
    if r.returned_on is not None:
        status = "returned" if r.returned_on <= r.due_on else "returned_late"
        remaining = None
    else:
        status = "overdue" if today > r.due_on else "outstanding"
        remaining = services.calendar.count_working_days(today, r.due_on)
    return jsonable(
        {
            "id": r.id,
            "organisation": r.organisation,
            "kind": r.kind,
            "requested_on": r.requested_on,
            "due_on": r.due_on,
            "returned_on": r.returned_on,
            "status": status,
            "working_days_remaining": remaining,
            "area": r.area,
            "priority": r.priority,
            "contact_email": r.contact_email,
        }
    )


def is_priority(particulars: dict[str, Any], area: str | None) -> bool:
    """X1: in a cross-boundary review, a request to the area that does not lead is answered as a priority."""
    incident, home = particulars.get("incident_area"), particulars.get("home_area")
    if area is None or not incident or not home or incident == home:
        return False
    return area != particulars.get("lead_partnership", incident)


def request_information(
    services: Services,
    caller: Caller,
    review_id: str,
    organisation: str,
    kind: str,
    requested_on: date | None,
    area: str | None = None,
    contact_email: str | None = None,
    expected_version: int | None = None,
) -> dict[str, Any]:
    require(caller, "request_information")
    requested_on = requested_on or services.today()
    not_in_future("requested_on", requested_on, services.today())
    with services.db.write() as session:
        row = open_review(session, review_id, expected_version)
        days = _definition(services, row).settings.information_requests  # T2: working days per kind
        if kind not in days:
            message = f"{row.reference} takes requests of kind {', '.join(days)} (its workflow settings), not {kind}"
            raise InvalidData([{"field": "kind", "message": message}])
        request = m.InformationRequest(
            review_id=row.id,
            organisation=organisation,
            kind=kind,
            requested_on=requested_on,
            due_on=services.calendar.add_working_days(requested_on, days[kind]),
            created_at=utcnow(),
            area=area,
            priority=is_priority(row.particulars or {}, area),
            contact_email=contact_email,
        )
        session.add(request)
        session.flush()
        view = information_request_view(services, request, services.today())
        record_history(session, row, caller, "information_requested", requested_on, view)
        return view


def record_information_return(
    services: Services,
    caller: Caller,
    review_id: str,
    request_id: int,
    returned_on: date | None,
    expected_version: int | None = None,
) -> dict[str, Any]:
    require(caller, "record_information_return")
    returned_on = returned_on or services.today()
    not_in_future("returned_on", returned_on, services.today())
    with services.db.write() as session:
        row = locked_review(session, review_id, expected_version)
        request = part_of(session, row, m.InformationRequest, request_id, "information request")
        if need_to_know.own_organisation(caller) not in (None, request.organisation):
            raise NotFound(f"review {row.reference} has no information request {request_id}")  # not one it sees
        if request.returned_on is not None:
            raise Conflict(f"information request {request_id} was already returned on {request.returned_on}")
        if returned_on < request.requested_on:
            raise InvalidData([{"field": "returned_on", "message": f"is before the request ({request.requested_on})"}])
        request.returned_on = returned_on
        view = information_request_view(services, request, services.today())
        record_history(session, row, caller, "information_returned", returned_on, view)
        return view


def list_information_requests(services: Services, caller: Caller, review_id: str) -> list[dict[str, Any]]:
    with services.db.read() as session:
        find_review(session, caller, review_id)
        today = services.today()
        query = select(m.InformationRequest).where(m.InformationRequest.review_id == review_id)
        if caller.role == "agency":
            query = query.where(m.InformationRequest.organisation == (caller.organisation or ""))
        return [
            information_request_view(services, r, today)
            for r in session.scalars(query.order_by(m.InformationRequest.id))
        ]
