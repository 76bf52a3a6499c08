"""A1: the review's history, one appended, hash-chained event per change; and reading it back."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from ..audit import AuditKeys
from ..roles import Caller
from ..storage import models as m
from ..storage.models import HistoryEvent, Review
from . import need_to_know
from .access import find_review
from .common import Services, as_utc, jsonable, utcnow
from .notifications import notify_history

_INSERT = insert(HistoryEvent.__table__)
_COLUMNS = [c.name for c in HistoryEvent.__table__.columns if c.name != "id"]


def chained(entry: HistoryEvent) -> dict[str, Any]:
    """The fields of a history event its hash covers, as they read back from either database."""
    return {
        "review_id": entry.review_id,
        "seq": entry.seq,
        "recorded_at": as_utc(entry.recorded_at).isoformat(),  # type: ignore[union-attr]
        "occurred_on": entry.occurred_on.isoformat(),
        "actor": entry.actor,
        "kind": entry.kind,
        "event": entry.event,
        "from_state": entry.from_state,
        "to_state": entry.to_state,
        "data": entry.data,
        "effects": entry.effects,
        "note": entry.note,
    }


def record_history(
    session: Session,
    row: Review,
    caller: Caller,
    kind: str,
    occurred_on: date,
    data: Mapping[str, Any] | None = None,
    **details: Any,
) -> HistoryEvent:
    """A1: every change is one appended history event, and moves the review's version on by one;
    `details` are next_event's (event, from_state, to_state, effects, note)."""
    entry = next_event(session, row, caller, kind, occurred_on, data, **details)
    append_history(session, row, [entry])
    return entry


def next_event(
    session: Session,
    row: Review,
    caller: Caller,
    kind: str,
    occurred_on: date,
    data: Mapping[str, Any] | None = None,
    *,
    event: str | None = None,
    from_state: str | None = None,
    to_state: str | None = None,
    effects: Mapping[str, Any] | None = None,
    note: str | None = None,
) -> HistoryEvent:
    """The review's next history event, signed onto its chain (A1): the review's version and last hash
    move on with it. Nothing is written until `append_history`."""
    now = utcnow()
    row.version += 1
    row.updated_at = now
    entry = HistoryEvent(
        review_id=row.id,
        seq=row.version,
        recorded_at=now,
        occurred_on=occurred_on,
        actor=caller.as_actor(),
        kind=kind,
        event=event,
        from_state=from_state,
        to_state=to_state,
        data=jsonable(data or {}),
        effects=jsonable(effects or {}),
        note=note,
    )
    keys: AuditKeys = session.info.get("audit_keys") or AuditKeys.development()
    entry.key_id, entry.hash = keys.sign(row.last_hash, chained(entry))
    row.last_hash = entry.hash
    return entry


def append_history(session: Session, row: Review, entries: list[HistoryEvent]) -> None:
    """The events, in order, in one INSERT of their columns (not ORM objects: nothing reads them back in
    this session, and the unit of work's bookkeeping cost more than the statement; issue 15), with the
    notifications they cause written to the outbox in the same transaction."""
    session.execute(_INSERT, [{c: getattr(entry, c) for c in _COLUMNS} for entry in entries])
    for entry in entries:
        notify_history(session, row, entry)


def history(
    services: Services, caller: Caller, review_id: str, limit: int | None = None, after_seq: int | None = None
) -> dict[str, Any]:
    """In order; `limit` events after `after_seq` (a page), with `next_cursor` when there are more (issue 19)."""
    with services.db.read() as session:
        find_review(session, caller, review_id)
        query = select(m.HistoryEvent).where(m.HistoryEvent.review_id == review_id)
        if after_seq is not None:
            query = query.where(m.HistoryEvent.seq > after_seq)
        query = query.order_by(m.HistoryEvent.seq)
        events = list(session.scalars(query if limit is None else query.limit(limit + 1)))
        more = limit is not None and len(events) > limit
        events = events[:limit] if limit is not None else events
        return jsonable(
            {
                "items": [
                    need_to_know.history_item(
                        caller,
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
                        },
                    )
                    for e in events
                ],
                "more": more,
            }
        )
