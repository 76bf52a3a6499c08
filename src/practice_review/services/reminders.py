"""E-mail reminders (issue 18): to an information request's contact and an action's owner N working
days before the due date (PRACTICE_REVIEW_REMINDER_WORKING_DAYS) and on breach, and to the Business Unit
for the clocks it runs. Queued by the sweep, in its transaction, each once: its `dedupe_key` names the
deadline, the kind of reminder and the due date (an extended deadline earns a new reminder), and the
unique key makes racing sweeps write it once. A body carries the review reference, what is due and
when, and a link to the board: never case details (no child, no summary, no names).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from ..storage import models as m
from ..storage.database import insert_for
from ..workflow import clocks as clock_rules
from .common import Services, utcnow

BEFORE, BREACH = "before", "breach"


def human(name: str) -> str:
    from ..board.words import human  # imported late: the board's package imports the deadlines, which import this

    return human(name)


def day(value: date) -> str:
    from ..board.words import day

    return day(value)


@dataclass(frozen=True)
class Reminder:
    key: str  # e.g. information:12:before:2026-02-24
    review_id: str
    reference: str
    to: str
    what: str  # "the chronology requested from Salford Primary School"
    due_on: date
    when: str  # BEFORE or BREACH


def _when(due_on: date, as_of: date) -> str:
    return BREACH if due_on < as_of else BEFORE


def _requests(session: Session, as_of: date, horizon: date) -> list[Reminder]:
    r = m.InformationRequest
    rows = session.execute(
        select(r, m.Review.reference)
        .join(m.Review, m.Review.id == r.review_id)
        .where(r.returned_on.is_(None), r.contact_email.is_not(None), m.Review.open.is_(True), r.due_on <= horizon)
    )
    return [
        Reminder(
            f"information:{x.id}:{_when(x.due_on, as_of)}:{x.due_on}",
            x.review_id,
            reference,
            x.contact_email,
            f"the {human(x.kind).lower()} requested from {x.organisation} (information request {x.id})",
            x.due_on,
            _when(x.due_on, as_of),
        )
        for x, reference in rows
    ]


def _actions(session: Session, as_of: date, horizon: date) -> list[Reminder]:
    a = m.Action
    rows = session.execute(
        select(a, m.Review.reference)
        .join(m.Review, m.Review.id == a.review_id)
        .where(a.status == "open", a.owner_email.is_not(None), a.due_on <= horizon)
    )
    return [
        Reminder(
            f"action:{x.id}:{_when(x.due_on, as_of)}:{x.due_on}",
            x.review_id,
            reference,
            x.owner_email,
            f"action {x.id} of the action plan, owned by {x.owner_organisation}",
            x.due_on,
            _when(x.due_on, as_of),
        )
        for x, reference in rows
    ]


def _clocks(session: Session, as_of: date, horizon: date, business_unit: str | None) -> list[Reminder]:
    if not business_unit:
        return []
    c = m.Clock
    ticking = or_(c.status == clock_rules.RUNNING, and_(c.status == clock_rules.BREACHED, c.stopped_on.is_(None)))
    rows = session.execute(
        select(c, m.Review.reference)
        .join(m.Review, m.Review.id == c.review_id)
        .where(ticking, c.window.is_(False), c.due_on.is_not(None), c.due_on <= horizon)
    )
    return [
        Reminder(
            f"clock:{x.id}:{_when(x.due_on, as_of)}:{x.due_on}",
            x.review_id,
            reference,
            business_unit,
            f"the {human(x.name).lower()} clock",
            x.due_on,
            _when(x.due_on, as_of),
        )
        for x, reference in rows
    ]


def _subject(reminder: Reminder) -> str:
    if reminder.when == BREACH:
        return f"{reminder.reference}: overdue since {day(reminder.due_on)}"
    return f"{reminder.reference}: due {day(reminder.due_on)}"


def _body(services: Services, reminder: Reminder, as_of: date) -> str:
    link = f"{services.public_base_url or ''}/board/reviews/{reminder.review_id}"
    if reminder.when == BREACH:
        said = f"{reminder.what} was due on {day(reminder.due_on)} and is overdue."
    else:
        left = services.calendar.count_working_days(as_of, reminder.due_on)
        said = f"{reminder.what} is due on {day(reminder.due_on)} ({left} working day{'s' if left != 1 else ''} left)."
    return (
        f"Practice review {reminder.reference}: {said}\n\n"
        f"See the review on the board: {link}\n\n"
        "This message carries no case details. Sign in to the board to see the review.\n"
    )


def queue(services: Services, session: Session, as_of: date) -> int:
    """Write each reminder due as of `as_of` once; how many this call wrote."""
    if services.mail.transport == "none":
        return 0
    horizon = services.calendar.add_working_days(as_of, services.mail.reminder_working_days)
    found = [
        *_requests(session, as_of, horizon),
        *_actions(session, as_of, horizon),
        *_clocks(session, as_of, horizon, services.mail.business_unit),
    ]
    written = 0
    now = utcnow()
    for reminder in found:
        inserted = session.execute(
            insert_for(session, m.EmailMessage)
            .values(
                id=str(uuid.uuid4()),
                dedupe_key=reminder.key,
                review_id=reminder.review_id,
                to_address=reminder.to,
                subject=_subject(reminder),
                body=_body(services, reminder, as_of),
                status="pending",
                attempts=0,
                next_attempt_at=now,
                created_at=now,
            )
            .on_conflict_do_nothing(index_elements=["dedupe_key"])
            .returning(m.EmailMessage.id)
        ).first()
        written += inserted is not None
    return written


def outbox(services: Services) -> list[dict[str, Any]]:
    """Every reminder written, oldest first (for the CLI and the tests)."""
    with services.db.read() as session:
        rows = session.scalars(select(m.EmailMessage).order_by(m.EmailMessage.created_at, m.EmailMessage.id))
        return [
            {"dedupe_key": x.dedupe_key, "to": x.to_address, "status": x.status, "attempts": x.attempts} for x in rows
        ]
