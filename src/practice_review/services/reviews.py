"""Reviews: create, read, list and update."""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from ..errors import InvalidData, NotFound
from ..permissions import require
from ..roles import Caller
from ..rules.privacy import personal_data_in
from ..storage import models as m
from ..storage.database import insert_for
from ..workflow import clocks as clock_rules
from ..workflow.definitions import WorkflowDefinition
from . import need_to_know
from .access import readable, review_scope
from .common import (
    Services,
    as_utc,
    check_version,
    is_review_id,
    jsonable,
    not_in_future,
    open_review,
    utcnow,
)
from .facts import as_clock, read_review_with_records
from .history import record_history
from .views import clock_views, link_views, review_view, summary_view


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
    facts: dict[str, Any] = field(default_factory=dict)  # carried from the review that opened it (L2a)
    particulars: dict[str, Any] = field(default_factory=dict)  # N1, X1


@dataclass(frozen=True)
class Created:
    body: dict[str, Any]
    location: str


def get_review(services: Services, caller: Caller, review_id: str) -> dict[str, Any]:
    """The review as JSON values (dates as ISO strings)."""
    return jsonable(review_as_read(services, caller, review_id))


def review_as_read(services: Services, caller: Caller, review_id: str) -> dict[str, Any]:
    """The review and its records in one statement; a second only for a key that reads some reviews and
    not others, to know which of the linked ones it may see. Its dates are still dates: the API's
    response model encodes them, once (issue 15)."""
    require(caller, "read_reviews")
    scope = review_scope(caller)
    found = read_review_with_records(services, review_id, scope) if is_review_id(review_id) else None
    if found is None:
        raise NotFound(f"no review {review_id!r}")  # or not one this caller may read: the same 404
    row, records = found
    view = review_view(services, None, row, records.ctx, link_views(row.id, records.links))
    linked = {link["review_id"] for link in view["links"] if "review_id" in link}
    if scope is not None and linked:
        with services.db.read() as session:
            linked = readable(session, caller, linked)
    return need_to_know.review(caller, view, linked)


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


def create_review(services: Services, caller: Caller, new: NewReview) -> Created:
    """A new review (a repeated POST with the same Idempotency-Key is answered by api/idempotency.py)."""
    require(caller, "create_review")
    found = personal_data_in(new.child_reference)
    if found:
        message = f"looks like {found}: a child is identified by a pseudonym such as 'Child A' or a case reference"
        raise InvalidData([{"field": "child_reference", "message": f"{message} (§2.2)"}])
    return _create(services, caller, new, services.engine.current(new.review_type))


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
        particulars=jsonable(new.particulars),
        facts=dict(new.facts),
        last_occurred_on=new.received_on,
        state_entered_seq=1,
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    session.flush()  # the review row first: clocks and history refer to it
    decided = date.fromisoformat(new.facts["decided_on"]) if new.facts.get("decided_on") else new.received_on
    dates = {"received_on": new.received_on, "became_aware_on": aware, "decided_on": decided}  # L2a
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


def _create(services: Services, caller: Caller, new: NewReview, definition: WorkflowDefinition) -> Created:
    today = services.today()
    not_in_future("received_on", new.received_on, today)
    not_in_future("became_aware_on", new.became_aware_on or new.received_on, today)
    check_particulars(new.particulars, today)
    with services.db.write() as session:
        row = insert_review(services, session, caller, new, definition)
        session.flush()
        body = jsonable(review_view(services, session, row))
        return Created(body, f"/reviews/{row.id}")


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
        if "particulars" in changes:
            changes["particulars"] = jsonable({**(row.particulars or {}), **changes["particulars"]})
            check_particulars(changes["particulars"], services.today())
        for name, value in changes.items():
            setattr(row, name, list(value) if name == "themes" else value)
        record_history(session, row, caller, "review_updated", services.today(), changes)
        session.flush()
        return review_view(services, session, row)  # its dates still dates: the API's response model encodes it


def check_particulars(particulars: dict[str, Any], today: date) -> None:
    """N1 dates are not in the future (C7); X1: the lead partnership is one of the two areas (§20.4)."""
    for name in ("secretary_of_state_notified_on", "ofsted_notified_on"):
        value = particulars.get(name)
        if value is not None:
            not_in_future(f"particulars.{name}", date.fromisoformat(str(value)), today)
    lead, areas = particulars.get("lead_partnership"), {particulars.get("incident_area"), particulars.get("home_area")}
    if lead is not None and lead not in areas:
        message = "must be the incident area or the home area (X1, §20.4)"
        raise InvalidData([{"field": "particulars.lead_partnership", "message": message}])


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
    updated_since: datetime | None = None,
) -> dict[str, Any]:
    """Newest first, by (created_at, id), with an opaque cursor for the next page."""
    require(caller, "read_reviews")
    query = select(m.Review)
    if updated_since is not None:
        if updated_since.tzinfo is None:
            raise InvalidData([{"field": "query.updated_since", "message": "needs its offset, e.g. 2026-03-02T09:00Z"}])
        query = query.where(m.Review.updated_at >= updated_since.astimezone(UTC))
    if review_type:
        query = query.where(m.Review.review_type == review_type)
    if state:
        query = query.where(m.Review.state == state)
    if open_ is not None:
        query = query.where(m.Review.open == open_)
    if (scope := review_scope(caller)) is not None:
        query = query.where(scope)
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
        items = [need_to_know.summary(caller, i) for i in _listed(services, session, page)]
        return jsonable({"items": items, "next_cursor": next_cursor})


def _listed(services: Services, session: Session, rows: list[m.Review]) -> list[dict[str, Any]]:
    """Reviews as lists show them: the summary and the clocks (one query for all their clocks)."""
    today = services.today()
    clocks: dict[str, list[m.Clock]] = {r.id: [] for r in rows}
    if rows:
        for c in session.scalars(select(m.Clock).where(m.Clock.review_id.in_(clocks)).order_by(m.Clock.id)):
            clocks[c.review_id].append(c)
    return [
        {**summary_view(r), "clocks": clock_views(services, r, {c.name: as_clock(c) for c in clocks[r.id]}, today)}
        for r in rows
    ]


def listed_reviews(services: Services, caller: Caller, review_ids: list[str]) -> dict[str, dict[str, Any]]:
    """The reviews with these ids, as `list_reviews` shows them, by id: those the caller may read (an
    agency key only those involving its organisation); unknown ids are left out. Two queries however many."""
    require(caller, "read_reviews")
    wanted = sorted({i for i in review_ids if is_review_id(i)})
    if not wanted:
        return {}
    query = select(m.Review).where(m.Review.id.in_(wanted))
    if (scope := review_scope(caller)) is not None:
        query = query.where(scope)
    with services.db.read() as session:
        listed = _listed(services, session, list(session.scalars(query)))
        return {item["id"]: need_to_know.summary(caller, item) for item in jsonable(listed)}
