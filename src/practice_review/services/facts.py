"""The facts a review's guards and views read, loaded from storage."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from operator import itemgetter
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Row,
    Select,
    and_,
    bindparam,
    case,
    func,
    literal,
    literal_column,
    or_,
    select,
)
from sqlalchemy.orm import Session, aliased

from ..storage import models as m
from ..workflow.context import Attendee, Clock, Declaration, Endorsement, InformationRequest, Meeting, ReviewContext
from .common import (
    Services,
    as_utc,
)
from .notifications import ACTIVE_SUBSCRIBERS, Subscriber, know_subscribers

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


# The review's records in one statement (issue 15): each kind of record a JSON array of rows, built by
# the database (PostgreSQL's json_agg, SQLite's json_group_array), so the guards' facts, the clocks and
# the links cost one round trip and no ORM objects; the arrays come in one JSON object, one column for the
# driver to describe and decode. Rows are put back in id order here.


def _json_rows(dialect: str, inner: Select[Any], name: str) -> Any:
    sub = inner.subquery(name)
    if dialect == "postgresql":
        rows = func.coalesce(func.json_agg(sub.table_valued()), literal_column("'[]'::json"))
        return select(rows).select_from(sub).scalar_subquery()
    rows = func.json_group_array(func.json_object(*[part for c in sub.c for part in (literal(c.name), c)]))
    return func.json(select(rows).select_from(sub).scalar_subquery())  # text again out of a subquery: JSON


def _json_object(dialect: str, columns: dict[str, Any]) -> Any:
    """Every kind of record in one JSON object: one column for the driver to describe and decode."""
    build = func.json_build_object if dialect == "postgresql" else func.json_object
    return build(*[part for name, c in columns.items() for part in (literal_column(f"'{name}'"), c)]).label("records")


def _decoder(inner: Select[Any]) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """JSON values back to what the columns hold: dates, UTC timestamps, booleans (SQLite's are 0 or 1)."""
    converters: dict[str, Callable[[Any], Any]] = {}
    for column in inner.selected_columns:
        if isinstance(column.type, DateTime):
            converters[column.name] = lambda v: as_utc(datetime.fromisoformat(v))
        elif isinstance(column.type, Date):
            converters[column.name] = date.fromisoformat
        elif isinstance(column.type, Boolean):
            converters[column.name] = bool
        elif isinstance(column.type, JSON):  # SQLite's json_object holds the stored text
            converters[column.name] = lambda v: json.loads(v) if isinstance(v, str) else v

    def decode(row: dict[str, Any]) -> dict[str, Any]:
        return {k: (converters[k](v) if v is not None and k in converters else v) for k, v in row.items()}

    return decode


def _links_query(review_id: Any) -> Select[Any]:
    """K1: the links both ways, with the reference, type and state of the review at the other end."""
    link, other = aliased(m.Link, name="l"), aliased(m.Review, name="o")
    other_id = case((link.review_id == review_id, link.linked_review_id), else_=link.review_id)
    return (
        select(
            link.id,
            link.review_id,
            link.linked_review_id,
            link.external_kind,
            link.external_reference,
            link.relation,
            other.reference.label("other_reference"),
            other.review_type.label("other_review_type"),
            other.state.label("other_state"),
        )
        .outerjoin(other, other.id == other_id)
        .where(or_(link.review_id == review_id, link.linked_review_id == review_id))
    )


def load_links(session: Session, review_id: str) -> list[dict[str, Any]]:
    query = _links_query(review_id)
    return [dict(r._mapping) for r in session.execute(query.order_by(query.selected_columns.id))]


def _record_queries(review_id: Any, state_entered_seq: Any) -> dict[str, Select[Any]]:
    # Tables under one-letter aliases: the whole statement stays under psycopg's 4,096 characters, the
    # longest it keeps parsed between executions; longer, it is parsed again each time (issue 15,
    # tests/test_query_counts.py).
    clock, meeting, attendance = (
        aliased(m.Clock, name="c"),
        aliased(m.Meeting, name="m"),
        aliased(m.Attendance, name="a"),
    )
    declaration, ruling = aliased(m.Declaration, name="d"), aliased(m.Ruling, name="r")
    endorsement, request = aliased(m.Endorsement, name="e"), aliased(m.InformationRequest, name="i")
    return {
        "clocks": select(clock.id, *[getattr(clock, f) for f in CLOCK_FIELDS]).where(clock.review_id == review_id),
        "meetings": select(meeting.id, meeting.kind, meeting.scheduled_for, meeting.documents_shared_at).where(
            meeting.review_id == review_id
        ),
        "attendance": select(
            attendance.id,
            attendance.meeting_id,
            attendance.person_id,
            attendance.name,
            attendance.organisation,
            attendance.partner,
            attendance.substitute,
        )
        .join(meeting, meeting.id == attendance.meeting_id)
        .where(meeting.review_id == review_id, attendance.revision == meeting.attendance_revision),
        "declarations": select(
            declaration.id,
            declaration.person_id,
            declaration.name,
            declaration.organisation,
            declaration.role,
            declaration.has_interest,
            declaration.details,
            declaration.declared_on,
        ).where(declaration.review_id == review_id),
        "rulings": select(ruling.id, ruling.declaration_id, ruling.ruling)
        .join(declaration, declaration.id == ruling.declaration_id)
        .where(declaration.review_id == review_id),
        "endorsements": select(
            endorsement.id,
            endorsement.party,
            endorsement.person_id,
            endorsement.name,
            endorsement.agrees,
            endorsement.endorsed_on,
            endorsement.proxy,
            endorsement.decision,
        ).where(endorsement.review_id == review_id, endorsement.state_entered_seq == state_entered_seq),
        "requests": select(
            request.id,
            request.organisation,
            request.kind,
            request.requested_on,
            request.due_on,
            request.returned_on,
        ).where(request.review_id == review_id),
        "links": _links_query(review_id),
    }


@dataclass(frozen=True)
class Records:
    """What one statement brought back: the guards' facts and the links (with the reviews at their other
    ends)."""

    ctx: ReviewContext
    links: list[dict[str, Any]]


Decoders = dict[str, Callable[[dict[str, Any]], dict[str, Any]]]


def _records_columns(dialect: str, review_id: Any, state_entered_seq: Any) -> tuple[dict[str, Any], Decoders]:
    queries = _record_queries(review_id, state_entered_seq)
    count = select(func.count()).select_from(m.Action).where(m.Action.review_id == review_id)
    columns = {name: _json_rows(dialect, q, name) for name, q in queries.items()}
    return {**columns, "actions": count.scalar_subquery()}, {name: _decoder(q) for name, q in queries.items()}


@cache
def _records_statement(dialect: str) -> tuple[Select[Any], Decoders]:
    """Built once per dialect; SQLAlchemy caches its compiled form. A write's records come with the active
    subscribers its history events notify, read in the same transaction (issue 15: one round trip less)."""
    columns, decoders = _records_columns(dialect, bindparam("review_id"), bindparam("state_entered_seq"))
    subscribers = _json_rows(dialect, ACTIVE_SUBSCRIBERS, "subscribers")
    return select(_json_object(dialect, {**columns, "subscribers": subscribers})), decoders


_SUBSCRIBER = _decoder(ACTIVE_SUBSCRIBERS)


@cache
def _review_with_records_statement(dialect: str) -> tuple[Select[Any], Decoders]:
    """The review's row and its records in one statement: one snapshot, so a read needs no transaction."""
    current = aliased(m.Review)  # an alias, so the derived tables inside do not correlate to the outer row
    entered = select(current.state_entered_seq).where(current.id == bindparam("review_id")).scalar_subquery()
    columns, decoders = _records_columns(dialect, bindparam("review_id"), entered)
    return select(m.Review.__table__, _json_object(dialect, columns)).where(
        m.Review.id == bindparam("review_id")
    ), decoders


def load_records(services: Services, session: Session, row: m.Review | Row[Any]) -> Records:
    """The review's records in one round trip (the caller holds the review's row)."""
    statement, decoders = _records_statement(session.get_bind().dialect.name)
    found = session.execute(statement, {"review_id": row.id, "state_entered_seq": row.state_entered_seq}).one()
    records = _parsed(found.records)
    subscribers = _decoded(records, "subscribers", _SUBSCRIBER)
    know_subscribers(session, [Subscriber(s["id"], s["kinds"], s["due_within"]) for s in subscribers])
    return _records(services, row, records, decoders)


def read_review_with_records(services: Services, review_id: str, scope: Any | None) -> tuple[Row[Any], Records] | None:
    """The review (if `scope`, SQL on reviews, lets the caller read it) and its records, in one statement
    outside any transaction (issue 15); None when there is no such review to this caller."""
    statement, decoders = _review_with_records_statement(services.db.dialect)
    row = services.db.first(statement if scope is None else statement.where(scope), {"review_id": review_id})
    return None if row is None else (row, _records(services, row, _parsed(row.records), decoders))


def _parsed(records: str | dict[str, Any]) -> dict[str, Any]:
    """The records' JSON object: parsed by psycopg, text from SQLite."""
    return json.loads(records) if isinstance(records, str) else records


def _decoded(
    records: dict[str, Any], name: str, decode: Callable[[dict[str, Any]], dict[str, Any]]
) -> list[dict[str, Any]]:
    """One kind of record from its JSON array, in id order."""
    return sorted((decode(r) for r in records[name] or ()), key=itemgetter("id"))


def _records(services: Services, row: m.Review | Row[Any], records: dict[str, Any], decoders: Decoders) -> Records:
    rows = {name: _decoded(records, name, decode) for name, decode in decoders.items()}
    attendees: dict[int, list[Attendee]] = {}
    for a in rows["attendance"]:
        attendees.setdefault(a["meeting_id"], []).append(
            Attendee(a["person_id"], a["name"], a["organisation"], a["partner"], a["substitute"])
        )
    ruled = {r["declaration_id"]: r["ruling"] for r in rows["rulings"]}  # a later ruling replaces one
    ctx = ReviewContext(
        state=row.state,
        last_occurred_on=row.last_occurred_on,
        today=services.today(),
        calendar=services.calendar,
        meetings=tuple(
            Meeting(x["id"], x["kind"], x["scheduled_for"], x["documents_shared_at"], tuple(attendees.get(x["id"], ())))
            for x in rows["meetings"]
        ),
        declarations=tuple(
            Declaration(**{k: v for k, v in d.items()}, ruling=ruled.get(d["id"])) for d in rows["declarations"]
        ),
        endorsements=tuple(
            Endorsement(e["party"], e["person_id"], e["name"], e["agrees"], e["endorsed_on"], e["proxy"], e["decision"])
            for e in rows["endorsements"]
        ),
        clocks={c["name"]: Clock(**{f: c[f] for f in CLOCK_FIELDS}) for c in rows["clocks"]},
        information_requests=tuple(InformationRequest(**r) for r in rows["requests"]),
        facts=dict(row.facts),
        description=dict(row.description),
        actions=records["actions"] or 0,
        open=row.open,
        particulars=dict(row.particulars or {}),
    )
    return Records(ctx, rows["links"])
