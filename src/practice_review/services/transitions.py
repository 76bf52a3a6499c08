"""Firing a workflow event on a review, and the review it opens (K1)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from sqlalchemy import bindparam, insert, update
from sqlalchemy.orm import Session

from ..roles import Caller
from ..storage import models as m
from ..workflow import clocks as clock_rules
from ..workflow.context import Clock
from .access import check_can_read
from .common import (
    Services,
    check_version,
    jsonable,
    locked_review,
    utcnow,
)
from .deadlines import StoredClock, record_breach
from .facts import load_records
from .history import record_history
from .reviews import NewReview, insert_review
from .views import OPENED, link_views, links_view, review_view


def _open_linked_review(
    services: Services,
    session: Session,
    caller: Caller,
    parent: m.Review,
    review_type: str,
    on: date,
    carried: dict[str, Any],
) -> m.Review:
    """K1: the review an event opens, in the same transaction, linked both ways, starting with the facts
    the event carries to it (L2a: the local decision date its clocks count from)."""
    new = NewReview(
        facts=dict(carried),
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


def _record_external_link(session: Session, row: m.Review, link: tuple[str, str, str]) -> dict[str, str]:
    """K1: the external process an event names (S2: the national review the Panel undertakes)."""
    kind, reference, relation = link
    session.add(
        m.Link(
            review_id=row.id, external_kind=kind, external_reference=reference, relation=relation, created_at=utcnow()
        )
    )
    return {"kind": kind, "reference": reference, "relation": relation}


_CLOCKS = m.Clock.__table__
_UPDATE_CLOCK = update(_CLOCKS).where(_CLOCKS.c.id == bindparam("clock_id"))


def _write_clocks(
    session: Session, row: m.Review, stored: dict[str, dict[str, Any]], changes: dict[str, Clock]
) -> dict[str, StoredClock]:
    """The clocks an event changes, written with Core: the stored ones in one UPDATE executed for each (one
    round trip), a new one inserted (issue 15)."""
    updates = [{"clock_id": stored[name]["id"], **c.__dict__} for name, c in changes.items() if name in stored]
    if updates:
        session.execute(_UPDATE_CLOCK, updates)
    written = {}
    for name, c in changes.items():
        if name in stored:
            clock_id = stored[name]["id"]
        else:
            new = {"review_id": row.id, "review_type": row.review_type, "name": name, **c.__dict__}
            clock_id = session.execute(insert(_CLOCKS).values(new).returning(_CLOCKS.c.id)).scalar_one()
        written[name] = StoredClock(clock_id, name, c.due_on)
    return written


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
        records = load_records(services, session, row)
        ctx = records.ctx
        when = occurred_on or ctx.today
        decision = services.engine.fire(definition, ctx, event, when, data, caller.role, caller.partner)
        clocks = _write_clocks(session, row, records.clocks, decision.clock_changes)
        opened = (
            _open_linked_review(services, session, caller, row, decision.opens, when, decision.carried)
            if decision.opens
            else None
        )
        external = _record_external_link(session, row, decision.external_link) if decision.external_link else None
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
                **({"linked": external} if external else {}),
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
            open=row.open,
            last_occurred_on=when,
            facts=dict(row.facts),
            endorsements=(),
            clocks={**ctx.clocks, **decision.clock_changes},
        )
        links = links_view(session, row.id) if opened or external else link_views(row.id, records.links)
        return jsonable(review_view(services, session, row, after, links))
