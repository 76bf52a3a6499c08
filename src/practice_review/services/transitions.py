"""Firing a workflow event on a review, and the review it opens (K1)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from functools import cache
from typing import Any

from sqlalchemy.orm import Session

from ..roles import Caller
from ..storage import models as m
from ..storage.database import dialect_insert
from ..workflow import clocks as clock_rules
from ..workflow.context import Clock
from .access import check_can_read
from .common import (
    Services,
    check_version,
    locked_review,
    utcnow,
)
from .deadlines import StoredClock, breach_event
from .facts import CLOCK_FIELDS, load_records
from .history import append_history, next_event
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


@cache
def _upsert_clocks(dialect: str) -> Any:
    """A stored clock updated, a new one inserted: one statement for all an event changes, executed for
    each (one round trip), giving back their ids by name (issue 15)."""
    clocks = m.Clock.__table__  # the table, not the entity: the ORM's bulk insert splits rows by their columns
    statement = dialect_insert(dialect, clocks)
    return statement.on_conflict_do_update(
        index_elements=["review_id", "name"], set_={f: statement.excluded[f] for f in CLOCK_FIELDS}
    ).returning(clocks.c.name, clocks.c.id)


def _write_clocks(session: Session, row: m.Review, changes: dict[str, Clock]) -> dict[str, StoredClock]:
    if not changes:
        return {}
    values = [
        {"review_id": row.id, "review_type": row.review_type, "name": n, **c.__dict__} for n, c in changes.items()
    ]
    ids = {
        name: clock_id for name, clock_id in session.execute(_upsert_clocks(session.get_bind().dialect.name), values)
    }
    return {name: StoredClock(ids[name], name, c.due_on) for name, c in changes.items()}


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
    together, or nothing does. The review after it, its dates still dates (issue 15)."""
    with services.db.write() as session:
        row = locked_review(session, review_id)
        check_can_read(session, caller, review_id)
        check_version(row, expected_version)
        definition = services.engine.definition(row.review_type, row.workflow_version)
        records = load_records(services, session, row)
        ctx = records.ctx
        when = occurred_on or ctx.today
        decision = services.engine.fire(definition, ctx, event, when, data, caller.role, caller.partner)
        clocks = _write_clocks(session, row, decision.clock_changes)
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
        row.state_entered_seq = row.version + 1  # the seq of the transition's history event
        transition = next_event(
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
        with session.no_autoflush:  # the review's one UPDATE goes with its history, below
            breaches = [  # C5: stopped after its deadline, unless the sweep recorded it already
                breach_event(session, row, caller, clocks[name], when)
                for name, changed in decision.clock_changes.items()
                if changed.status == clock_rules.BREACHED
            ]
        append_history(session, row, [transition, *[b for b in breaches if b is not None]])
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
        return review_view(services, session, row, after, links)  # the API's response model encodes it
