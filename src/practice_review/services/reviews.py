"""Reviews: create, read, list, fire events, read the history."""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .. import clocks as clock_rules
from ..context import Attendee, Declaration, Endorsement, Meeting, ReviewContext
from ..errors import Conflict, InvalidData, NotFound, NotPermitted
from ..permissions import require
from ..roles import Caller
from ..storage import models as m
from ..storage.database import insert_for
from ..workflows import WorkflowDefinition
from .common import (
    Services,
    as_utc,
    check_version,
    is_review_id,
    jsonable,
    locked_review,
    not_in_future,
    record_history,
    utcnow,
)


@dataclass(frozen=True)
class NewReview:
    review_type: str
    child_reference: str
    received_on: date
    referrer_organisation: str
    became_aware_on: date | None = None
    themes: tuple[str, ...] = ()
    summary: str = ""

    def fingerprint(self) -> str:
        canonical = json.dumps(jsonable(self.__dict__), sort_keys=True)
        return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class Created:
    body: dict[str, Any]
    location: str
    replayed: bool = False


# ---------------------------------------------------------------- loading


def clock_rows(session: Session, review_id: str) -> dict[str, m.Clock]:
    return {c.name: c for c in session.scalars(select(m.Clock).where(m.Clock.review_id == review_id))}


def as_clock(row: m.Clock) -> clock_rules.Clock:
    return clock_rules.Clock(row.name, row.status, row.started_on, row.due_on, row.original_due_on, row.stopped_on)


def load_meetings(session: Session, review_id: str) -> list[Meeting]:
    meetings = list(session.scalars(select(m.Meeting).where(m.Meeting.review_id == review_id).order_by(m.Meeting.id)))
    attendance: dict[int, list[Attendee]] = {meeting.id: [] for meeting in meetings}
    if meetings:
        rows = session.scalars(
            select(m.Attendance)
            .join(
                m.Meeting,
                and_(m.Meeting.id == m.Attendance.meeting_id, m.Meeting.attendance_revision == m.Attendance.revision),
            )
            .where(m.Meeting.review_id == review_id)
            .order_by(m.Attendance.id)
        )
        for a in rows:
            attendance[a.meeting_id].append(Attendee(a.person_id, a.name, a.organisation, a.partner, a.substitute))
    return [
        Meeting(x.id, x.kind, as_utc(x.scheduled_for), as_utc(x.documents_shared_at), tuple(attendance[x.id]))  # type: ignore[arg-type]
        for x in meetings
    ]


def load_declarations(session: Session, review_id: str) -> list[Declaration]:
    rulings: dict[int, str] = {}
    for ruling in session.scalars(select(m.Ruling).where(m.Ruling.review_id == review_id).order_by(m.Ruling.id)):
        rulings[ruling.declaration_id] = ruling.ruling
    return [
        as_declaration(d, rulings.get(d.id))
        for d in session.scalars(
            select(m.Declaration).where(m.Declaration.review_id == review_id).order_by(m.Declaration.id)
        )
    ]


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


def load_context(services: Services, session: Session, row: m.Review) -> ReviewContext:
    """The facts guards read, in five queries: meetings, attendance, declarations, rulings, endorsements."""
    endorsements = session.scalars(
        select(m.Endorsement)
        .where(m.Endorsement.review_id == row.id, m.Endorsement.state_entered_seq == row.state_entered_seq)
        .order_by(m.Endorsement.id)
    )
    return ReviewContext(
        review_type=row.review_type,
        state=row.state,
        received_on=row.received_on,
        last_occurred_on=row.last_occurred_on,
        today=services.today(),
        meetings=tuple(load_meetings(session, row.id)),
        declarations=tuple(load_declarations(session, row.id)),
        endorsements=tuple(Endorsement(e.party, e.person_id, e.name, e.agrees, e.endorsed_on) for e in endorsements),
    )


def check_can_read(session: Session, caller: Caller, review_id: str) -> None:
    """Everyone but `admin` reads reviews; an `agency` only those that asked it for information."""
    require(caller, "read_reviews")
    if caller.role == "agency":
        asked = session.scalar(
            select(
                exists().where(
                    m.InformationRequest.review_id == review_id,
                    m.InformationRequest.organisation == (caller.organisation or ""),
                )
            )
        )
        if not asked:
            raise NotPermitted("an agency key reads only the reviews that asked its organisation for information")


def find_review(session: Session, caller: Caller, review_id: str) -> m.Review:
    row = session.get(m.Review, review_id) if is_review_id(review_id) else None
    if row is None:
        raise NotFound(f"no review {review_id!r}")
    check_can_read(session, caller, review_id)
    return row


# ---------------------------------------------------------------- views


def clock_view(services: Services, clock: clock_rules.Clock, today: date) -> dict[str, Any]:
    return {
        "name": clock.name,
        "status": clock_rules.reported_status(clock, today),
        "started_on": clock.started_on,
        "due_on": clock.due_on,
        "original_due_on": clock.original_due_on,
        "stopped_on": clock.stopped_on,
        "working_days_remaining": clock_rules.working_days_remaining(clock, today, services.calendar),
    }


def summary_view(row: m.Review) -> dict[str, Any]:
    return {
        "id": row.id,
        "reference": row.reference,
        "review_type": row.review_type,
        "workflow_version": row.workflow_version,
        "state": row.state,
        "version": row.version,
        "open": row.open,
        "child_reference": row.child_reference,
        "received_on": row.received_on,
        "became_aware_on": row.became_aware_on,
        "referrer_organisation": row.referrer_organisation,
        "themes": list(row.themes),
        "summary": row.summary,
        "created_at": as_utc(row.created_at),
        "updated_at": as_utc(row.updated_at),
    }


def review_view(services: Services, session: Session, row: m.Review) -> dict[str, Any]:
    definition = services.engine.definition(row.review_type, row.workflow_version)
    ctx = load_context(services, session, row)
    order = {c.name: i for i, c in enumerate(definition.clocks)}
    clocks = sorted(clock_rows(session, row.id).values(), key=lambda c: order.get(c.name, len(order)))
    return {
        **summary_view(row),
        "clocks": [clock_view(services, as_clock(c), ctx.today) for c in clocks],
        "available_events": [
            {
                "event": a.event,
                "to": a.to,
                "allowed": a.allowed,
                "roles": list(a.roles),
                "blocked_by": [{"rule": b.rule, "message": b.message} for b in a.blocked_by],
            }
            for a in services.engine.available_events(definition, ctx)
        ],
        "links": [],
    }


# ---------------------------------------------------------------- use cases


def get_review(services: Services, caller: Caller, review_id: str) -> dict[str, Any]:
    with services.db.read() as session:
        return jsonable(review_view(services, session, find_review(session, caller, review_id)))


def _next_reference(session: Session, prefix: str, year: int) -> str:
    statement = (
        insert_for(session, m.ReferenceCounter)
        .values(prefix=prefix, year=year, last_number=1)
        .on_conflict_do_update(
            index_elements=["prefix", "year"], set_={"last_number": m.ReferenceCounter.last_number + 1}
        )
        .returning(m.ReferenceCounter.last_number)
    )
    number = session.execute(statement).scalar_one()
    return f"{prefix}-{year}-{number:04d}"


def _replay(session: Session, caller: Caller, key: str, fingerprint: str) -> Created | None:
    stored = session.scalar(
        select(m.IdempotencyKey).where(m.IdempotencyKey.api_key_id == caller.key_id, m.IdempotencyKey.key == key)
    )
    if stored is None:
        return None
    if stored.request_hash != fingerprint:
        raise InvalidData(
            [{"field": "Idempotency-Key", "message": "this key was already used with a different request body"}]
        )
    return Created(stored.response_body, stored.location or "", replayed=True)


def create_review(services: Services, caller: Caller, new: NewReview, idempotency_key: str | None = None) -> Created:
    require(caller, "create_review")
    definition = services.engine.current(new.review_type)
    try:
        return _create(services, caller, new, definition, idempotency_key)
    except IntegrityError:
        # Another request with the same Idempotency-Key committed first: answer as it did.
        if idempotency_key is None:
            raise
        with services.db.read() as session:
            replay = _replay(session, caller, idempotency_key, new.fingerprint())
        if replay is None:
            raise Conflict("the review could not be created; retry") from None
        return replay


def _create(
    services: Services, caller: Caller, new: NewReview, definition: WorkflowDefinition, idempotency_key: str | None
) -> Created:
    today = services.today()
    aware = new.became_aware_on or new.received_on
    not_in_future("received_on", new.received_on, today)
    not_in_future("became_aware_on", aware, today)
    with services.db.write() as session:
        if idempotency_key is not None:
            replay = _replay(session, caller, idempotency_key, new.fingerprint())
            if replay is not None:
                return replay
        now = utcnow()
        row = m.Review(
            id=str(uuid.uuid4()),
            reference=_next_reference(session, definition.reference_prefix, new.received_on.year),
            review_type=definition.review_type,
            workflow_version=definition.version,
            state=definition.initial_states[0],
            version=0,
            open=True,
            child_reference=new.child_reference,
            received_on=new.received_on,
            became_aware_on=aware,
            referrer_organisation=new.referrer_organisation,
            themes=list(new.themes),
            summary=new.summary,
            last_occurred_on=new.received_on,
            state_entered_seq=1,
            created_at=now,
            updated_at=now,
        )
        session.add(row)
        session.flush()  # the review row first: clocks and history refer to it
        started = clock_rules.initial_clocks(
            definition.clocks, {"received_on": new.received_on, "became_aware_on": aware}, services.calendar
        )
        session.add_all(m.Clock(review_id=row.id, **c.__dict__) for c in started)
        record_history(
            session,
            row,
            caller,
            "review_created",
            new.received_on,
            jsonable(new.__dict__),
            to_state=row.state,
            effects={"clocks_started": [c.name for c in started if c.status == clock_rules.RUNNING]},
        )
        session.flush()
        body = jsonable(review_view(services, session, row))
        location = f"/reviews/{row.id}"
        if idempotency_key is not None:
            session.add(
                m.IdempotencyKey(
                    api_key_id=caller.key_id,
                    key=idempotency_key,
                    request_hash=new.fingerprint(),
                    status_code=201,
                    response_body=body,
                    location=location,
                    created_at=now,
                )
            )
            session.flush()
        return Created(body, location)


def fire_event(
    services: Services,
    caller: Caller,
    review_id: str,
    event: str,
    occurred_on: date | None,
    expected_version: int | None,
    data: dict[str, Any],
    note: str | None = None,
) -> dict[str, Any]:
    """Fire one event: state, version, clocks and the history event commit together, or nothing does."""
    with services.db.write() as session:
        row = locked_review(session, review_id)
        check_can_read(session, caller, review_id)
        check_version(row, expected_version)
        definition = services.engine.definition(row.review_type, row.workflow_version)
        ctx = load_context(services, session, row)
        clocks = clock_rows(session, row.id)
        when = occurred_on or ctx.today
        decision = services.engine.fire(
            definition,
            ctx,
            event,
            when,
            data,
            caller.role,
            caller.partner,
            {name: as_clock(c) for name, c in clocks.items()},
        )
        for name, changed in decision.clock_changes.items():
            clock = clocks.get(name) or m.Clock(review_id=row.id, name=name)
            for attribute, value in changed.__dict__.items():
                setattr(clock, attribute, value)
            session.add(clock)
        row.state = decision.to_state
        row.open = decision.review_open
        row.last_occurred_on = when
        entry = record_history(
            session,
            row,
            caller,
            "transition",
            when,
            data,
            event=event,
            from_state=decision.from_state,
            to_state=decision.to_state,
            note=note,
            effects={
                "meeting_id": decision.meeting_id,
                "clocks": {
                    name: clock_rules.reported_status(c, ctx.today) for name, c in decision.clock_changes.items()
                },
            },
        )
        row.state_entered_seq = entry.seq
        session.flush()
        return jsonable(review_view(services, session, row))


def _encode_cursor(created_at: datetime, review_id: str) -> str:
    return base64.urlsafe_b64encode(f"{as_utc(created_at).isoformat()}|{review_id}".encode()).decode()  # type: ignore[union-attr]


def _decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        created, review_id = base64.urlsafe_b64decode(cursor.encode()).decode().split("|", 1)
        if not is_review_id(review_id):
            raise ValueError(review_id)
        return datetime.fromisoformat(created), review_id
    except ValueError:
        raise InvalidData([{"field": "cursor", "message": "not a cursor this service returned"}]) from None


def list_reviews(
    services: Services,
    caller: Caller,
    review_type: str | None = None,
    state: str | None = None,
    open_: bool | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> dict[str, Any]:
    """Newest first, by (created_at, id), with an opaque cursor for the next page."""
    require(caller, "read_reviews")
    query = select(m.Review)
    if review_type:
        query = query.where(m.Review.review_type == review_type)
    if state:
        query = query.where(m.Review.state == state)
    if open_ is not None:
        query = query.where(m.Review.open == open_)
    if caller.role == "agency":
        query = query.where(
            exists().where(
                m.InformationRequest.review_id == m.Review.id,
                m.InformationRequest.organisation == (caller.organisation or ""),
            )
        )
    if cursor:
        created, last_id = _decode_cursor(cursor)
        query = query.where(
            or_(
                m.Review.created_at < created,
                and_(m.Review.created_at == created, m.Review.id < last_id),
            )
        )
    query = query.order_by(m.Review.created_at.desc(), m.Review.id.desc()).limit(limit + 1)
    with services.db.read() as session:
        rows = list(session.scalars(query))
        page = rows[:limit]
        today = services.today()
        clocks: dict[str, list[m.Clock]] = {r.id: [] for r in page}
        if page:
            for c in session.scalars(select(m.Clock).where(m.Clock.review_id.in_(clocks)).order_by(m.Clock.id)):
                clocks[c.review_id].append(c)
        items = [
            {**summary_view(r), "clocks": [clock_view(services, as_clock(c), today) for c in clocks[r.id]]}
            for r in page
        ]
        next_cursor = _encode_cursor(page[-1].created_at, page[-1].id) if len(rows) > limit else None
        return jsonable({"items": items, "next_cursor": next_cursor})


def history(services: Services, caller: Caller, review_id: str) -> dict[str, Any]:
    with services.db.read() as session:
        find_review(session, caller, review_id)
        events = session.scalars(
            select(m.HistoryEvent).where(m.HistoryEvent.review_id == review_id).order_by(m.HistoryEvent.seq)
        )
        return jsonable(
            {
                "items": [
                    {
                        "seq": e.seq,
                        "recorded_at": as_utc(e.recorded_at),
                        "occurred_on": e.occurred_on,
                        "actor": e.actor,
                        "kind": e.kind,
                        "event": e.event,
                        "from_state": e.from_state,
                        "to_state": e.to_state,
                        "data": e.data,
                        "effects": e.effects,
                        "note": e.note,
                    }
                    for e in events
                ]
            }
        )
