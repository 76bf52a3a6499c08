"""A review as the API shows it: summary, clocks, links, what can happen next."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from sqlalchemy import Row
from sqlalchemy.orm import Session

from ..storage import models as m
from ..workflow import clocks as clock_rules
from ..workflow.context import Clock, ReviewContext
from ..workflow.definitions import WorkflowDefinition
from .common import (
    Services,
    as_utc,
)
from .facts import load_links, load_records

OPENED, OPENED_BY = "opened", "opened_by"  # K1: the relation of a review opened by another, each way


def clock_view(services: Services, clock: Clock, today: date, pausable: bool = True) -> dict[str, Any]:
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
        "pausable": pausable,  # T3: as its workflow declares
        "delayed": clock_rules.delayed(clock, today),
        "delay_reported_on": clock.delay_reported_on,
    }


def summary_view(row: m.Review | Row[Any]) -> dict[str, Any]:
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
        "particulars": dict(row.particulars or {}),
        "created_at": as_utc(row.created_at),
        "updated_at": as_utc(row.updated_at),
    }


def clock_views(
    services: Services, row: m.Review | Row[Any], clocks: dict[str, Clock], today: date
) -> list[dict[str, Any]]:
    """The review's clocks in the order its workflow declares them."""
    definitions = services.engine.definition(row.review_type, row.workflow_version).clocks
    order = {d.name: i for i, d in enumerate(definitions)}
    pausable = {d.name: d.pausable for d in definitions}
    ordered = sorted(clocks.values(), key=lambda c: order.get(c.name, len(order)))
    return [clock_view(services, c, today, pausable.get(c.name, True)) for c in ordered]


def links_view(session: Session, review_id: str) -> list[dict[str, Any]]:
    """K1: links both ways, read on their own (load_records reads them with the rest)."""
    return link_views(review_id, load_links(session, review_id))


def link_views(review_id: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """K1: a link recorded on the other review shows here with its relation reversed."""
    views = []
    for link in rows:
        if link["linked_review_id"] is None:
            views.append(
                {
                    "id": link["id"],
                    "relation": link["relation"],
                    "direction": "outgoing",
                    "external": {"kind": link["external_kind"], "reference": link["external_reference"]},
                }
            )
            continue
        outgoing = link["review_id"] == review_id
        views.append(
            {
                "id": link["id"],
                "relation": link["relation"] if outgoing else reverse_relation(link["relation"]),
                "direction": "outgoing" if outgoing else "incoming",
                "review_id": link["linked_review_id"] if outgoing else link["review_id"],
                "reference": link["other_reference"],
                "review_type": link["other_review_type"],
                "state": link["other_state"],
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
    session: Session | None,
    row: m.Review | Row[Any],
    ctx: ReviewContext | None = None,
    links: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The review as the API shows it; a caller that already holds its facts and links passes them (and
    then needs no session)."""
    definition = services.engine.definition(row.review_type, row.workflow_version)
    if ctx is None or links is None:
        assert session is not None, "a review's records are read in a session"
        records = load_records(services, session, row)
        ctx, links = ctx or records.ctx, link_views(row.id, records.links) if links is None else links
    clock_list = clock_views(services, row, ctx.clocks, ctx.today)
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
        "links": links,
        "outstanding_tasks": outstanding_tasks(services, definition, ctx, links),
    }


def outstanding_tasks(
    services: Services, definition: WorkflowDefinition, ctx: ReviewContext, links: list[dict[str, Any]]
) -> list[dict[str, str]]:
    """S5, N1, X1: what the workflow's `tasks` say is still to be done; they block nothing."""
    external = tuple((link["external"]["kind"], link["external"]["reference"]) for link in links if "external" in link)
    return [
        {"rule": b.rule, "message": b.message}
        for b in services.engine.tasks(definition, replace(ctx, external_links=external))
    ]
