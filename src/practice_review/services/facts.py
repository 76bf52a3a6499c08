"""The facts a review's guards and views read, loaded from storage."""

from __future__ import annotations

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from ..storage import models as m
from ..workflow.context import Attendee, Clock, Declaration, Endorsement, InformationRequest, Meeting, ReviewContext
from .common import (
    Services,
    as_utc,
)


def clock_rows(session: Session, review_id: str) -> dict[str, m.Clock]:
    return {c.name: c for c in session.scalars(select(m.Clock).where(m.Clock.review_id == review_id))}


CLOCK_FIELDS = tuple(Clock.__dataclass_fields__)


def as_clock(row: m.Clock) -> Clock:
    return Clock(**{name: getattr(row, name) for name in CLOCK_FIELDS})


def load_meetings(session: Session, review_id: str, meeting_id: int | None = None) -> list[Meeting]:
    """Meetings (all, or the one asked for) with their current attendance, in one query."""
    query = (
        select(m.Meeting, m.Attendance)
        .outerjoin(
            m.Attendance,
            and_(m.Attendance.meeting_id == m.Meeting.id, m.Attendance.revision == m.Meeting.attendance_revision),
        )
        .where(m.Meeting.review_id == review_id)
        .order_by(m.Meeting.id, m.Attendance.id)
    )
    rows = session.execute(query if meeting_id is None else query.where(m.Meeting.id == meeting_id))
    meetings: dict[int, tuple[m.Meeting, list[Attendee]]] = {}
    for meeting, a in rows:
        attendees = meetings.setdefault(meeting.id, (meeting, []))[1]
        if a is not None:
            attendees.append(Attendee(a.person_id, a.name, a.organisation, a.partner, a.substitute))
    return [
        Meeting(x.id, x.kind, as_utc(x.scheduled_for), as_utc(x.documents_shared_at), tuple(attendees))  # type: ignore[arg-type]
        for x, attendees in meetings.values()
    ]


def load_declarations(session: Session, review_id: str) -> list[Declaration]:
    """Declarations with the chair's latest ruling on each, in one query."""
    rows = session.execute(
        select(m.Declaration, m.Ruling.ruling)
        .outerjoin(m.Ruling, m.Ruling.declaration_id == m.Declaration.id)
        .where(m.Declaration.review_id == review_id)
        .order_by(m.Declaration.id, m.Ruling.id)
    )
    latest = {declaration.id: (declaration, ruling) for declaration, ruling in rows}  # a later ruling replaces one
    return [as_declaration(declaration, ruling) for declaration, ruling in latest.values()]


def as_declaration(row: m.Declaration, ruling: str | None = None) -> Declaration:
    return Declaration(
        row.id,
        row.person_id,
        row.name,
        row.organisation,
        row.role,
        row.has_interest,
        row.details,
        row.declared_on,
        ruling,
    )


def load_context(services: Services, session: Session, row: m.Review, clocks: dict[str, m.Clock]) -> ReviewContext:
    """The facts guards read, in five queries: meetings with attendance, declarations with rulings,
    endorsements, information requests and the number of actions (the caller loads the review and clocks)."""
    endorsements = session.scalars(
        select(m.Endorsement)
        .where(m.Endorsement.review_id == row.id, m.Endorsement.state_entered_seq == row.state_entered_seq)
        .order_by(m.Endorsement.id)
    )
    requests = session.scalars(
        select(m.InformationRequest).where(m.InformationRequest.review_id == row.id).order_by(m.InformationRequest.id)
    )
    return ReviewContext(
        state=row.state,
        last_occurred_on=row.last_occurred_on,
        today=services.today(),
        calendar=services.calendar,
        meetings=tuple(load_meetings(session, row.id)),
        declarations=tuple(load_declarations(session, row.id)),
        endorsements=tuple(
            Endorsement(e.party, e.person_id, e.name, e.agrees, e.endorsed_on, e.proxy, e.decision)
            for e in endorsements
        ),
        clocks={name: as_clock(c) for name, c in clocks.items()},
        information_requests=tuple(
            InformationRequest(r.id, r.organisation, r.kind, r.requested_on, r.due_on, r.returned_on) for r in requests
        ),
        facts=dict(row.facts),
        description=dict(row.description),
        actions=session.scalar(select(func.count()).select_from(m.Action).where(m.Action.review_id == row.id)) or 0,
        open=row.open,
        particulars=dict(row.particulars or {}),
    )
