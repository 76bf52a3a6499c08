"""Reviews: create, read, list, update, fire events, link, read the history."""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .. import clocks as clock_rules
from ..context import Attendee, Clock, Declaration, Endorsement, InformationRequest, Meeting, ReviewContext
from ..errors import Conflict, InvalidData, NotFound, NotPermitted
from ..permissions import require
from ..roles import Caller
from ..rules.privacy import personal_data_in
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
    open_review,
    record_history,
    utcnow,
)
from .deadlines import record_breach

OPENED, OPENED_BY = "opened", "opened_by"  # K1: the relation of a review opened by another, each way


@dataclass(frozen=True)
class NewReview:
    review_type: str
    child_reference: str
    received_on: date
    referrer_organisation: str
    became_aware_on: date | None = None
    themes: tuple[str, ...] = ()
    summary: str = ""
    description: dict[str, str] = field(default_factory=dict)

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
        endorsements=tuple(Endorsement(e.party, e.person_id, e.name, e.agrees, e.endorsed_on) for e in endorsements),
        clocks={name: as_clock(c) for name, c in clocks.items()},
        information_requests=tuple(
            InformationRequest(r.id, r.organisation, r.kind, r.requested_on, r.due_on, r.returned_on) for r in requests
        ),
        facts=dict(row.facts),
        description=dict(row.description),
        actions=session.scalar(select(func.count()).select_from(m.Action).where(m.Action.review_id == row.id)) or 0,
    )


def check_can_read(session: Session, caller: Caller, review_id: str) -> None:
    """Everyone but `admin` reads reviews; an `agency` only those that asked it for information or
    gave it an action."""
    require(caller, "read_reviews")
    if caller.role == "agency" and not session.scalar(select(agency_involved(caller, review_id))):
        raise NotPermitted("an agency key reads only the reviews that asked its organisation for something")


def agency_involved(caller: Caller, review_id: Any) -> Any:
    """SQL: the review asked the caller's organisation for information, or gave it an action."""
    organisation = caller.organisation or ""
    return or_(
        exists().where(m.InformationRequest.review_id == review_id, m.InformationRequest.organisation == organisation),
        exists().where(m.Action.review_id == review_id, m.Action.owner_organisation == organisation),
    )


def find_review(session: Session, caller: Caller, review_id: str) -> m.Review:
    row = session.get(m.Review, review_id) if is_review_id(review_id) else None
    if row is None:
        raise NotFound(f"no review {review_id!r}")
    check_can_read(session, caller, review_id)
    return row


# ---------------------------------------------------------------- views


def clock_view(services: Services, clock: Clock, today: date) -> dict[str, Any]:
    return {
        "name": clock.name,
        "status": clock_rules.reported_status(clock, today),
        "started_on": clock.started_on,
        "due_on": clock.due_on,
        "original_due_on": clock.original_due_on,
        "stopped_on": clock.stopped_on,
        "working_days_remaining": clock_rules.working_days_remaining(clock, today, services.calendar),
        "paused_on": clock.paused_on,
        "paused_working_days": clock.paused_working_days,
        "window": clock.window,
        "delayed": clock_rules.delayed(clock, today),
        "delay_reported_on": clock.delay_reported_on,
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
        "description": dict(row.description),
        "facts": dict(row.facts),
        "created_at": as_utc(row.created_at),
        "updated_at": as_utc(row.updated_at),
    }


def clock_views(services: Services, row: m.Review, clocks: dict[str, m.Clock], today: date) -> list[dict[str, Any]]:
    """The review's clocks in the order its workflow declares them."""
    definitions = services.engine.definition(row.review_type, row.workflow_version).clocks
    order = {d.name: i for i, d in enumerate(definitions)}
    ordered = sorted(clocks.values(), key=lambda c: order.get(c.name, len(order)))
    return [clock_view(services, as_clock(c), today) for c in ordered]


def links_view(session: Session, review_id: str) -> list[dict[str, Any]]:
    """K1: links both ways; a link recorded on the other review shows here with its relation reversed."""
    rows = list(
        session.scalars(
            select(m.Link)
            .where(or_(m.Link.review_id == review_id, m.Link.linked_review_id == review_id))
            .order_by(m.Link.id)
        )
    )
    other_ids = {r.linked_review_id if r.review_id == review_id else r.review_id for r in rows} - {None}
    others = {r.id: r for r in session.scalars(select(m.Review).where(m.Review.id.in_(other_ids)))} if other_ids else {}
    views = []
    for link in rows:
        if link.linked_review_id is None:
            views.append(
                {
                    "id": link.id,
                    "relation": link.relation,
                    "direction": "outgoing",
                    "external": {"kind": link.external_kind, "reference": link.external_reference},
                }
            )
            continue
        outgoing = link.review_id == review_id
        other = others[link.linked_review_id if outgoing else link.review_id]
        views.append(
            {
                "id": link.id,
                "relation": link.relation if outgoing else reverse_relation(link.relation),
                "direction": "outgoing" if outgoing else "incoming",
                "review_id": other.id,
                "reference": other.reference,
                "review_type": other.review_type,
                "state": other.state,
            }
        )
    return views


def reverse_relation(relation: str) -> str:
    return {OPENED: OPENED_BY, OPENED_BY: OPENED}.get(relation, relation)


def delays_to_report(clocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """C6: delays past an original deadline the National Panel has not yet been told of."""
    return [
        {"clock": c["name"], "original_due_on": c["original_due_on"], "due_on": c["due_on"], "status": c["status"]}
        for c in clocks
        if c["delayed"] and c["delay_reported_on"] is None
    ]


def review_view(
    services: Services,
    session: Session,
    row: m.Review,
    clocks: dict[str, m.Clock] | None = None,
    ctx: ReviewContext | None = None,
) -> dict[str, Any]:
    """The review as the API shows it; a caller that already holds its clocks and facts passes them."""
    definition = services.engine.definition(row.review_type, row.workflow_version)
    clocks = clock_rows(session, row.id) if clocks is None else clocks
    ctx = ctx or load_context(services, session, row, clocks)
    clock_list = clock_views(services, row, clocks, ctx.today)
    return {
        **summary_view(row),
        "clocks": clock_list,
        "delays_to_report": delays_to_report(clock_list),
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
        "links": links_view(session, row.id),
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
    found = personal_data_in(new.child_reference)
    if found:
        message = f"looks like {found}: a child is identified by a pseudonym such as 'Child A' or a case reference"
        raise InvalidData([{"field": "child_reference", "message": f"{message} (§2.2)"}])
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


def insert_review(
    services: Services, session: Session, caller: Caller, new: NewReview, definition: WorkflowDefinition
) -> m.Review:
    """A new review in its workflow's initial state, its creation clocks started, its first history event."""
    aware = new.became_aware_on or new.received_on
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
        description=dict(new.description),
        facts={},
        last_occurred_on=new.received_on,
        state_entered_seq=1,
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    session.flush()  # the review row first: clocks and history refer to it
    dates = {"received_on": new.received_on, "became_aware_on": aware}
    started = clock_rules.initial_clocks(definition.clocks, dates, services.calendar)
    session.add_all(m.Clock(review_id=row.id, review_type=row.review_type, **c.__dict__) for c in started)
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
    return row


def _create(
    services: Services, caller: Caller, new: NewReview, definition: WorkflowDefinition, idempotency_key: str | None
) -> Created:
    today = services.today()
    not_in_future("received_on", new.received_on, today)
    not_in_future("became_aware_on", new.became_aware_on or new.received_on, today)
    with services.db.write() as session:
        if idempotency_key is not None:
            replay = _replay(session, caller, idempotency_key, new.fingerprint())
            if replay is not None:
                return replay
        row = insert_review(services, session, caller, new, definition)
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
                    created_at=utcnow(),
                )
            )
            session.flush()
        return Created(body, location)


def update_review(
    services: Services,
    caller: Caller,
    review_id: str,
    expected_version: int | None,
    changes: dict[str, Any],
) -> dict[str, Any]:
    """Correct or complete what the referral said (summary, themes, the §5.4 description): a history event."""
    require(caller, "create_review")
    with services.db.write() as session:
        row = open_review(session, review_id)
        check_version(row, expected_version)
        if "description" in changes:
            changes["description"] = {**row.description, **changes["description"]}
        for name, value in changes.items():
            setattr(row, name, list(value) if name == "themes" else value)
        record_history(session, row, caller, "review_updated", services.today(), changes)
        session.flush()
        return jsonable(review_view(services, session, row))


def _open_linked_review(
    services: Services, session: Session, caller: Caller, parent: m.Review, review_type: str, on: date
) -> m.Review:
    """K1: the review an event opens, in the same transaction, linked both ways."""
    new = NewReview(
        review_type=review_type,
        child_reference=parent.child_reference,
        received_on=on,
        referrer_organisation=parent.referrer_organisation,
        themes=tuple(parent.themes),
        summary=f"Opened by {parent.reference}",
    )
    child = insert_review(services, session, caller, new, services.engine.current(review_type))
    session.add(m.Link(review_id=parent.id, linked_review_id=child.id, relation=OPENED, created_at=utcnow()))
    return child


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
    """Fire one event: state, version, clocks, facts, any review it opens and the history event commit
    together, or nothing does."""
    with services.db.write() as session:
        row = locked_review(session, review_id)
        check_can_read(session, caller, review_id)
        check_version(row, expected_version)
        definition = services.engine.definition(row.review_type, row.workflow_version)
        clocks = clock_rows(session, row.id)
        ctx = load_context(services, session, row, clocks)
        when = occurred_on or ctx.today
        decision = services.engine.fire(definition, ctx, event, when, data, caller.role, caller.partner)
        for name, changed in decision.clock_changes.items():
            clock = clocks.setdefault(name, m.Clock(review_id=row.id, review_type=row.review_type, name=name))
            for attribute, value in changed.__dict__.items():
                setattr(clock, attribute, value)
            session.add(clock)
        opened = _open_linked_review(services, session, caller, row, decision.opens, when) if decision.opens else None
        row.state = decision.to_state
        row.open = decision.review_open
        row.last_occurred_on = when
        row.facts = decision.facts
        row.state_entered_seq = row.version + 1  # the seq of the history event below, set before it flushes
        record_history(
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
                "opened": {"review_id": opened.id, "reference": opened.reference} if opened else None,
            },
        )
        session.flush()
        for name, changed in decision.clock_changes.items():
            if changed.status == clock_rules.BREACHED:  # C5: stopped after its deadline
                record_breach(session, row, caller, clocks[name], when)
        session.flush()
        # The facts after the event: the same records, a new state whose endorsements are yet to come.
        after = replace(
            ctx,
            state=row.state,
            last_occurred_on=when,
            facts=dict(row.facts),
            endorsements=(),
            clocks={name: as_clock(c) for name, c in clocks.items()},
        )
        return jsonable(review_view(services, session, row, clocks, after))


def add_link(
    services: Services,
    caller: Caller,
    review_id: str,
    relation: str,
    linked_review_id: str | None = None,
    external: dict[str, str] | None = None,
) -> dict[str, Any]:
    """K1: link a review to another review (seen from both) or to an external process."""
    require(caller, "record_link")
    if (linked_review_id is None) == (external is None):
        raise InvalidData([{"field": "review_id", "message": "give either review_id or external, not both"}])
    with services.db.write() as session:
        row = locked_review(session, review_id)
        data: dict[str, Any] = {"relation": relation}
        if linked_review_id is not None:
            if linked_review_id == review_id:
                raise InvalidData([{"field": "review_id", "message": "a review cannot be linked to itself"}])
            other = session.get(m.Review, linked_review_id) if is_review_id(linked_review_id) else None
            if other is None:
                raise NotFound(f"no review {linked_review_id!r} to link to")
            link = m.Link(review_id=row.id, linked_review_id=other.id, relation=relation, created_at=utcnow())
            data |= {"review_id": other.id, "reference": other.reference}
        else:
            assert external is not None
            link = m.Link(
                review_id=row.id,
                external_kind=external["kind"],
                external_reference=external["reference"],
                relation=relation,
                created_at=utcnow(),
            )
            data |= {"external": external}
        session.add(link)
        session.flush()
        record_history(session, row, caller, "link_recorded", services.today(), {"link_id": link.id, **data})
        return jsonable(next(v for v in links_view(session, row.id) if v["id"] == link.id))


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
        query = query.where(agency_involved(caller, m.Review.id))
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
        next_cursor = _encode_cursor(page[-1].created_at, page[-1].id) if len(rows) > limit else None
        return jsonable({"items": _listed(services, session, page), "next_cursor": next_cursor})


def _listed(services: Services, session: Session, rows: list[m.Review]) -> list[dict[str, Any]]:
    """Reviews as lists show them: the summary and the clocks (one query for all their clocks)."""
    today = services.today()
    clocks: dict[str, list[m.Clock]] = {r.id: [] for r in rows}
    if rows:
        for c in session.scalars(select(m.Clock).where(m.Clock.review_id.in_(clocks)).order_by(m.Clock.id)):
            clocks[c.review_id].append(c)
    return [
        {**summary_view(r), "clocks": clock_views(services, r, {c.name: c for c in clocks[r.id]}, today)} for r in rows
    ]


def listed_reviews(services: Services, caller: Caller, review_ids: list[str]) -> dict[str, dict[str, Any]]:
    """The reviews with these ids, as `list_reviews` shows them, by id: those the caller may read (an
    agency key only those involving its organisation); unknown ids are left out. Two queries however many."""
    require(caller, "read_reviews")
    wanted = sorted({i for i in review_ids if is_review_id(i)})
    if not wanted:
        return {}
    query = select(m.Review).where(m.Review.id.in_(wanted))
    if caller.role == "agency":
        query = query.where(agency_involved(caller, m.Review.id))
    with services.db.read() as session:
        return {item["id"]: item for item in jsonable(_listed(services, session, list(session.scalars(query))))}


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
