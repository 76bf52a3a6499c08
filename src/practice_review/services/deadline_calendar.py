"""Deadline calendars (issue 18): every running deadline a person or organisation owns as iCalendar
(RFC 5545), for Outlook and Google Calendar.

Who owns what: an organisation (an `agency` or `partner` key, or a signed-in person of one) owns the
information requests made to it and the actions it owns (K2); the Business Unit, which runs the process,
and the chair, scrutineer and read-only readers have every clock, request and action; a reviewer the
clocks of the reviews it is appointed to (services/access.py). Each deadline is an all-day event on its
due date with a UID that never changes (`clock-42@…`) and a SEQUENCE that is the number of history events
that changed it (started, paused, resumed, extended, stopped, breached), so it only ever goes up and a
calendar replaces its copy. A clock met or a request returned stays 30 days, marked so. Descriptions carry
the review reference, the kind of deadline and a board link, never case details.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from icalendar import Calendar, Event
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ..board.words import human
from ..roles import Caller
from ..storage import models as m
from ..workflow import clocks as clock_rules
from .access import review_scope
from .common import Services, utcnow
from .facts import as_clock

MEDIA_TYPE = "text/calendar"
PRODID = "-//practice-review//deadlines//EN"
UID_DOMAIN = "practice-review"
KEPT_AFTER = timedelta(days=30)  # a met clock or returned request stays this long, marked so
CLOCK_KINDS = ("clock_paused", "clock_resumed", "clock_extended", "clock_breached", "delay_reported")
ORGANISATIONS = ("agency", "partner")


@dataclass(frozen=True)
class Deadline:
    uid: str
    due_on: date
    summary: str
    description: str
    sequence: int
    review_id: str


def _clock_sequences(session: Session, review_ids: set[str]) -> Counter[tuple[str, str]]:
    """(review id, clock) -> how many history events changed that clock."""
    counts: Counter[tuple[str, str]] = Counter()
    if not review_ids:
        return counts
    rows = session.execute(
        select(m.HistoryEvent.review_id, m.HistoryEvent.kind, m.HistoryEvent.data, m.HistoryEvent.effects).where(
            m.HistoryEvent.review_id.in_(review_ids),
            m.HistoryEvent.kind.in_(("transition", *CLOCK_KINDS)),
        )
    )
    for review_id, kind, data, effects in rows:
        names = (effects or {}).get("clocks", {}) if kind == "transition" else [data.get("clock")]
        for name in names:
            counts[(review_id, name)] += 1
    return counts


def _action_sequences(session: Session, review_ids: set[str]) -> Counter[int]:
    counts: Counter[int] = Counter()
    if review_ids:
        rows = session.execute(
            select(m.HistoryEvent.data).where(
                m.HistoryEvent.review_id.in_(review_ids), m.HistoryEvent.kind == "action_updated"
            )
        )
        counts.update(data.get("id") for (data,) in rows)
    return counts


def _board(services: Services, review_id: str) -> str:
    return f"{services.public_base_url or ''}/board/reviews/{review_id}"


def _clocks(services: Services, session: Session, caller: Caller, review_id: str | None) -> list[Deadline]:
    if caller.role in ORGANISATIONS:
        return []  # an organisation owns its requests and actions; the Business Unit runs the clocks
    since = services.today() - KEPT_AFTER
    query = (
        select(m.Clock, m.Review.reference)
        .join(m.Review, m.Review.id == m.Clock.review_id)
        .where(
            m.Clock.window.is_(False),
            m.Clock.due_on.is_not(None),
            m.Clock.status.in_((clock_rules.RUNNING, clock_rules.PAUSED, clock_rules.BREACHED, clock_rules.MET)),
            or_(m.Clock.stopped_on.is_(None), m.Clock.stopped_on >= since),
        )
    )
    if (scope := review_scope(caller)) is not None:
        query = query.where(scope)
    if review_id is not None:
        query = query.where(m.Clock.review_id == review_id)
    rows = session.execute(query.order_by(m.Clock.due_on, m.Clock.id)).all()
    sequences = _clock_sequences(session, {clock.review_id for clock, _ in rows})
    deadlines = []
    for clock, reference in rows:
        status = (
            clock_rules.MET
            if clock.status == clock_rules.MET
            else clock_rules.reported_status(as_clock(clock), services.today())
        )
        prefix = {clock_rules.MET: "Met: ", clock_rules.PAUSED: "Paused: ", clock_rules.BREACHED: "Breached: "}
        moved = f"; original due date {clock.original_due_on}" if clock.original_due_on != clock.due_on else ""
        deadlines.append(
            Deadline(
                uid=f"clock-{clock.id}@{UID_DOMAIN}",
                due_on=clock.due_on,
                summary=f"{prefix.get(status, '')}{reference}: {human(clock.name)} due",
                description=f"{reference}: the {human(clock.name).lower()} clock ({status}){moved}. "
                f"{_board(services, clock.review_id)}",
                sequence=sequences[(clock.review_id, clock.name)],
                review_id=clock.review_id,
            )
        )
    return deadlines


def _requests(services: Services, session: Session, caller: Caller, review_id: str | None) -> list[Deadline]:
    if caller.role == "reviewer":
        return []
    since = services.today() - KEPT_AFTER
    request = m.InformationRequest
    query = (
        select(request, m.Review.reference)
        .join(m.Review, m.Review.id == request.review_id)
        .where(or_(request.returned_on.is_(None), request.returned_on >= since))
    )
    if caller.role in ORGANISATIONS:
        query = query.where(request.organisation == (caller.organisation or ""))
    if review_id is not None:
        query = query.where(request.review_id == review_id)
    deadlines = []
    for r, reference in session.execute(query.order_by(request.due_on, request.id)):
        returned = r.returned_on is not None
        deadlines.append(
            Deadline(
                uid=f"information-{r.id}@{UID_DOMAIN}",
                due_on=r.due_on,
                summary=f"{'Returned: ' if returned else ''}{reference}: {human(r.kind)} from {r.organisation} due",
                description=f"{reference}: information request {r.id} ({human(r.kind).lower()}) to {r.organisation}"
                f"{', returned ' + r.returned_on.isoformat() if returned else ''}. {_board(services, r.review_id)}",
                sequence=1 if returned else 0,
                review_id=r.review_id,
            )
        )
    return deadlines


def _actions(services: Services, session: Session, caller: Caller, review_id: str | None) -> list[Deadline]:
    if caller.role == "reviewer":
        return []
    query = select(m.Action, m.Review.reference).join(m.Review, m.Review.id == m.Action.review_id)
    query = query.where(or_(m.Action.status == "open", m.Action.updated_at >= utcnow() - KEPT_AFTER))
    if caller.role in ORGANISATIONS:
        query = query.where(m.Action.owner_organisation == (caller.organisation or ""))
    if review_id is not None:
        query = query.where(m.Action.review_id == review_id)
    rows = session.execute(query.order_by(m.Action.due_on, m.Action.id)).all()
    sequences = _action_sequences(session, {a.review_id for a, _ in rows})
    return [
        Deadline(
            uid=f"action-{a.id}@{UID_DOMAIN}",
            due_on=a.due_on,
            summary=f"{'' if a.status == 'open' else human(a.status) + ': '}{reference}: action {a.id} "
            f"({a.owner_organisation}) due",
            description=f"{reference}: action plan action {a.id}, owned by {a.owner_organisation} ({a.status}). "
            f"{_board(services, a.review_id)}",
            sequence=sequences[a.id],
            review_id=a.review_id,
        )
        for a, reference in rows
    ]


def deadlines(services: Services, session: Session, caller: Caller, review_id: str | None = None) -> list[Deadline]:
    """Every deadline the caller owns (or, for one review, every one of it the caller may see)."""
    found = [
        *_clocks(services, session, caller, review_id),
        *_requests(services, session, caller, review_id),
        *_actions(services, session, caller, review_id),
    ]
    return sorted(found, key=lambda d: (d.due_on, d.uid))


def ics(name: str, found: list[Deadline], now: datetime | None = None) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", "Europe/London")
    stamp = now or utcnow()
    for deadline in found:
        event = Event()
        event.add("uid", deadline.uid)
        event.add("dtstamp", stamp)
        event.add("dtstart", deadline.due_on)
        event.add("dtend", deadline.due_on + timedelta(days=1))
        event.add("summary", deadline.summary)
        event.add("description", deadline.description)
        event.add("sequence", deadline.sequence)
        event.add("transp", "TRANSPARENT")
        calendar.add_component(event)
    return calendar.to_ical()
