"""Deadline polling and the breach sweep (C5).

`GET /deadlines` is one query: clocks (running, running past their date, recorded breached), information
requests and actions, each an index range scan (status, due date) cut at the page size, merged with
UNION ALL, keyset-paginated.
The sweep records each clock that ran past its deadline exactly once, however many sweeps run at
the same time: a clock is marked breached only by a conditional UPDATE (`status = 'running'`), and the
unique `clock_breaches.clock_id` is the database's own guarantee behind it. On PostgreSQL a sweep
skips reviews another sweep has locked (`FOR UPDATE SKIP LOCKED`).
"""

from __future__ import annotations

import base64
from datetime import date, timedelta
from functools import cache
from typing import Any, NamedTuple

from sqlalchemy import Date, Select, String, and_, bindparam, case, cast, literal, select, tuple_, union_all, update
from sqlalchemy.orm import Session

from ..errors import InvalidData
from ..permissions import require
from ..roles import Caller
from ..storage import models as m
from ..storage.database import insert_for
from ..storage.models import HistoryEvent
from ..workflow import clocks as clock_rules
from . import reminders
from .access import review_scope
from .common import Services, not_in_future, utcnow
from .history import append_history, next_event, record_history
from .notifications import notify_approaching

SWEEP_BATCH = 200
LAST_ID = 2**63 - 1  # past any row id (ids are 64-bit integers)


Cursor = tuple[date, str, int]  # (due_on, kind, item id): the order deadlines are listed in


# The query's values are bound parameters, so each shape of it (which filters, which kind the cursor is at)
# is built once and SQLAlchemy's compiled form reused (issue 15: building it was a third of a poll's CPU).
TODAY, DUE_BY, REVIEW_TYPE = bindparam("today", type_=Date), bindparam("due_by", type_=Date), bindparam("review_type")
AFTER_DUE, AFTER_ID, LIMIT = bindparam("after_due", type_=Date), bindparam("after_id"), bindparam("limit")


class Shape(NamedTuple):
    status: str | None
    due_by: bool
    review_type: bool
    cursor_kind: str | None


def _after(due_on: Any, item_id: Any, kind: str, cursor_kind: str | None) -> Any:
    """Rows of `kind` that come after the cursor in (due_on, kind, id) order; clocks sort before requests."""
    if cursor_kind is None:
        return literal(True)
    if kind == cursor_kind:
        return tuple_(due_on, item_id) > tuple_(AFTER_DUE, AFTER_ID)
    return due_on > AFTER_DUE if kind < cursor_kind else due_on >= AFTER_DUE


def _narrowed(query: Any, table: Any, shape: Shape) -> Any:
    if shape.due_by:
        query = query.where(table.due_on <= DUE_BY)
    if shape.review_type:
        query = query.where((m.Clock if table is m.Clock else m.Review).review_type == REVIEW_TYPE)
    return query.order_by(table.due_on, table.id).limit(LIMIT)


def _review_columns() -> tuple[Any, ...]:
    return (
        m.Review.id.label("review_id"),
        m.Review.reference.label("reference"),
        m.Review.review_type.label("review_type"),
    )


def _clock_branch(wanted: str, *where: Any) -> Any:
    """Clocks of one status and due-date side: each is a range scan of the (status, due_on, id) index.
    C5: a clock still running after its deadline is breached, whether or not a sweep has recorded it."""

    def branch(shape: Shape) -> Any:
        if shape.status not in (None, wanted):
            return None
        query = (
            select(
                m.Clock.due_on.label("due_on"),
                literal("clock").label("kind"),
                m.Clock.id.label("item_id"),
                m.Clock.name.label("name"),
                literal(wanted).label("status"),
                *_review_columns(),
            )
            .join(m.Review, m.Review.id == m.Clock.review_id)
            .where(*where)
            .where(m.Clock.window.is_(False), _after(m.Clock.due_on, m.Clock.id, "clock", shape.cursor_kind))
        )
        return _narrowed(query, m.Clock, shape)

    return branch


def _item_branch(kind: str, table: Any, still_open: Any) -> Any:
    """Deadlines that are rows of their own (information requests, actions): running until due, then breached."""

    def branch(shape: Shape) -> Any:
        query = (
            select(
                table.due_on.label("due_on"),
                literal(kind).label("kind"),
                table.id.label("item_id"),
                cast(table.id, String).label("name"),
                case((table.due_on < TODAY, literal(clock_rules.BREACHED)), else_=literal(clock_rules.RUNNING)).label(
                    "status"
                ),
                *_review_columns(),
            )
            .join(m.Review, m.Review.id == table.review_id)
            .where(still_open, _after(table.due_on, table.id, kind, shape.cursor_kind))
        )
        if shape.status == "running":
            query = query.where(table.due_on >= TODAY)
        elif shape.status == "breached":
            query = query.where(table.due_on < TODAY)
        return _narrowed(query, table, shape)

    return branch


RUNNING, BREACHED = clock_rules.RUNNING, clock_rules.BREACHED
BRANCHES = (
    _clock_branch(RUNNING, m.Clock.status == RUNNING, m.Clock.due_on >= TODAY),
    _clock_branch(BREACHED, m.Clock.status == RUNNING, m.Clock.due_on < TODAY),
    _clock_branch(BREACHED, m.Clock.status == BREACHED, m.Clock.stopped_on.is_(None)),
    _item_branch(
        "information", m.InformationRequest, and_(m.InformationRequest.returned_on.is_(None), m.Review.open.is_(True))
    ),
    _item_branch("action", m.Action, m.Action.status == "open"),  # K2: followed up after the review closes
)


def _cursor(due_on: date, kind: str, item_id: int) -> str:
    return base64.urlsafe_b64encode(f"{due_on.isoformat()}|{kind}|{item_id}".encode()).decode()


def _parse_cursor(cursor: str) -> Cursor:
    try:
        due_on, kind, item_id = base64.urlsafe_b64decode(cursor.encode()).decode().split("|")
        if kind not in ("action", "clock", "information") or not 0 <= int(item_id) <= LAST_ID:
            raise ValueError(kind)
        return date.fromisoformat(due_on), kind, int(item_id)
    except ValueError:
        raise InvalidData([{"field": "cursor", "message": "not a cursor this service returned"}]) from None


def starting_after(day: date) -> str:
    """A cursor for `list_deadlines` that starts with the deadlines due after `day` (the kinds sort
    action, clock, information, so a cursor past the last information request of `day` is past all of it)."""
    return _cursor(day, "information", LAST_ID)


def list_deadlines(
    services: Services,
    caller: Caller,
    due_by: date | None = None,
    status: str | None = None,
    review_type: str | None = None,
    limit: int = 100,
    cursor: str | None = None,
) -> dict[str, Any]:
    """Running and breached clocks and outstanding information requests, earliest first."""
    require(caller, "read_deadlines")
    today = services.today()
    after = _parse_cursor(cursor) if cursor else None
    shape = Shape(status, due_by is not None, review_type is not None, after[1] if after else None)
    scope = review_scope(caller)  # an agency or a reviewer: only the reviews it may read
    query = _deadlines_query(shape) if scope is None else _merged(shape, scope)
    values = {"today": today, "due_by": due_by, "review_type": review_type, "limit": limit + 1}
    found = services.db.all(query, {**values, "after_due": after[0], "after_id": after[2]} if after else values)
    page = found[:limit]
    items = [
        {
            "review_id": r.review_id,
            "reference": r.reference,
            "review_type": r.review_type,
            "clock": r.name if r.kind == "clock" else f"{r.kind}:{r.item_id}",
            "due_on": r.due_on.isoformat(),
            "status": r.status,
            "working_days_remaining": services.calendar.count_working_days(today, r.due_on),
        }
        for r in page
    ]
    last = page[-1] if page else None
    next_cursor = _cursor(last.due_on, last.kind, last.item_id) if last and len(found) > limit else None
    return {"as_of": today.isoformat(), "items": items, "next_cursor": next_cursor}


@cache
def _deadlines_query(shape: Shape) -> Select[Any]:
    return _merged(shape, None)


def _merged(shape: Shape, scope: Any | None) -> Select[Any]:
    """Each branch is an index range scan stopping at limit + 1 rows; only those are merged and sorted."""
    branches = [b for b in (branch(shape) for branch in BRANCHES) if b is not None]
    if scope is not None:
        branches = [b.where(scope) for b in branches]
    merged = union_all(*(select(b.subquery()) for b in branches)).subquery("deadlines")
    return select(merged).order_by(merged.c.due_on, merged.c.kind, merged.c.item_id).limit(LIMIT)


def breached_on(due_on: date, as_of: date) -> date:
    """C5: a deadline is breached the day after it, recorded no later than the sweep's date."""
    return min(due_on + timedelta(days=1), as_of)


class StoredClock(NamedTuple):
    """What recording a breach needs of a clock (an ORM Clock has the same attributes)."""

    id: int
    name: str
    due_on: date | None


def record_breach(
    session: Session, row: m.Review, caller: Caller, clock: m.Clock | StoredClock, as_of: date
) -> dict[str, Any] | None:
    """Record `clock`'s breach on its review once (C5); None if it was recorded already."""
    event = breach_event(session, row, caller, clock, as_of)
    if event is None:
        return None
    append_history(session, row, [event])
    return event.data


def breach_event(
    session: Session, row: m.Review, caller: Caller, clock: m.Clock | StoredClock, as_of: date
) -> HistoryEvent | None:
    """C5: the clock's breach claimed and its history event signed onto the review's chain, unless it was
    recorded already (by the sweep, or an earlier stop); the event is the caller's to append, with any
    others of the same change."""
    assert clock.due_on is not None
    inserted = session.execute(
        insert_for(session, m.ClockBreach)
        .values(clock_id=clock.id, review_id=row.id, due_on=clock.due_on, recorded_at=utcnow())
        .on_conflict_do_nothing(index_elements=["clock_id"])
        .returning(m.ClockBreach.id)
    ).first()
    if inserted is None:
        return None
    breach = {"review_id": row.id, "reference": row.reference, "clock": clock.name, "due_on": clock.due_on.isoformat()}
    return next_event(session, row, caller, "clock_breached", breached_on(clock.due_on, as_of), breach)


def _sweep_batch(
    services: Services, caller: Caller, as_of: date, after: tuple[date, int] | None
) -> tuple[list[dict[str, Any]], tuple[date, int]] | None:
    """One transaction's worth of breaches, and where the next batch starts; None when none is left."""
    with services.db.write() as session:
        query = select(m.Clock.due_on, m.Clock.id, m.Clock.review_id).where(
            m.Clock.status == clock_rules.RUNNING, m.Clock.window.is_(False), m.Clock.due_on < as_of
        )
        if after is not None:
            query = query.where(tuple_(m.Clock.due_on, m.Clock.id) > tuple_(*after))
        candidates = session.execute(query.order_by(m.Clock.due_on, m.Clock.id).limit(SWEEP_BATCH)).all()
        if not candidates:
            return None
        locked = session.scalars(
            select(m.Review)
            .where(m.Review.id.in_({review_id for _, _, review_id in candidates}))
            .order_by(m.Review.id)
            .with_for_update(skip_locked=True)
        )
        reviews = {r.id: r for r in locked}
        breaches = []
        for _, clock_id, review_id in candidates:
            row = reviews.get(review_id)
            if row is None:
                continue  # held by another sweep or a transition: it is dealt with there, or next time
            clock = session.scalar(
                update(m.Clock)
                .where(m.Clock.id == clock_id, m.Clock.status == clock_rules.RUNNING, m.Clock.due_on < as_of)
                .values(status=clock_rules.BREACHED)
                .returning(m.Clock)
            )
            if clock is not None and (breach := record_breach(session, row, caller, clock, as_of)) is not None:
                breaches.append(breach)
        return breaches, (candidates[-1].due_on, candidates[-1].id)


def _record_overdue_actions(services: Services, caller: Caller, as_of: date) -> list[dict[str, Any]]:
    """K2: each open action past its due date is recorded overdue once (a conditional UPDATE decides who)."""
    recorded = []
    with services.db.write() as session:
        overdue = session.execute(
            select(m.Action.id, m.Action.review_id)
            .where(m.Action.status == "open", m.Action.due_on < as_of, m.Action.overdue_recorded.is_(False))
            .order_by(m.Action.due_on, m.Action.id)
        ).all()
        for action_id, review_id in overdue:
            row = session.scalar(select(m.Review).where(m.Review.id == review_id).with_for_update(skip_locked=True))
            if row is None:  # another sweep holds this review: it records the action
                continue
            action = session.scalar(
                update(m.Action)
                .where(m.Action.id == action_id, m.Action.overdue_recorded.is_(False), m.Action.status == "open")
                .values(overdue_recorded=True)
                .returning(m.Action)
            )
            if action is None:
                continue
            entry = {
                "review_id": row.id,
                "reference": row.reference,
                "clock": f"action:{action.id}",
                "due_on": action.due_on.isoformat(),
            }
            record_history(
                session,
                row,
                caller,
                "action_overdue",
                breached_on(action.due_on, as_of),
                {**entry, "owner_organisation": action.owner_organisation},
            )
            recorded.append(entry)
    return recorded


def sweep(services: Services, caller: Caller, as_of: date | None = None) -> dict[str, Any]:
    """Record every clock still running past its deadline as breached, each exactly once."""
    require(caller, "sweep")
    as_of = as_of or services.today()
    not_in_future("as_of", as_of, services.today())
    newly_breached: list[dict[str, Any]] = []
    after: tuple[date, int] | None = None
    while (batch := _sweep_batch(services, caller, as_of, after)) is not None:
        breaches, after = batch
        newly_breached += breaches
    newly_breached += _record_overdue_actions(services, caller, as_of)
    with services.db.write() as session:
        approaching = notify_approaching(services, session, as_of)
        reminded = reminders.queue(services, session, as_of)  # issue 18: e-mail reminders, each once
    return {
        "as_of": as_of.isoformat(),
        "newly_breached": newly_breached,
        "approaching_notified": approaching,
        "reminders_queued": reminded,
    }
