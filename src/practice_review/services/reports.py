"""The partnership's figures for a period (policy §21; domain.md "What the partnership measures").

Every figure is a SQL aggregate (GROUP BY) over the period; only medians are finished in Python, from
the one column of working days each stopped clock took. Definitions, for the period `from`..`to`:
- referrals: reviews received in the period, except those another review opened (K1); their outcome is
  the first event that moved them on from where they started (`pending` if none yet);
- reviews: reviews that ended in the period (their last event), by type and final state, and rapid
  reviews' recommendations;
- panel disagreed: rapid reviews concluded in the period whose National Panel disagreed with a decision
  (S2: even when the partners then reconsidered and the Panel agreed);
- clocks: clocks started in the period, by review type and clock: met, breached, running (as of today),
  and the median working days taken by those that stopped. `met` and `breached` are against the deadline
  as it stands (extended or moved by a pause: C6); T3 adds `timeliness` (met on time, met only after an
  extension, breached), the same counts against the ORIGINAL deadline and against the extended one, and
  `delays`: each clock that ran past its original deadline, with the working days it was late;
- actions: actions due in the period: done on time, done late, overdue (open past their date), open
  (not yet due), dropped.
"""

from __future__ import annotations

import csv
import io
import statistics
from collections import defaultdict
from datetime import date
from typing import Any

from sqlalchemy import and_, case, exists, func, literal, or_, select
from sqlalchemy.orm import Session

from ..calendar import WorkingCalendar
from ..errors import InvalidData
from ..permissions import require
from ..roles import Caller
from ..storage import models as m
from ..workflow import clocks as clock_rules
from .common import Services


def _counts(session: Session, key: Any, *where: Any, source: Any = m.Review) -> dict[str, int]:
    rows = session.execute(select(key, func.count()).select_from(source).where(*where).group_by(key)).all()
    return {str(k) if k is not None else "none": n for k, n in sorted(rows, key=lambda r: str(r[0]))}


def _referrals(session: Session, start: date, end: date) -> dict[str, Any]:
    received = and_(
        m.Review.received_on.between(start, end),
        ~exists().where(m.Link.linked_review_id == m.Review.id, m.Link.relation == "opened"),
    )
    first = (
        select(m.HistoryEvent.review_id, func.min(m.HistoryEvent.seq).label("seq"))
        .where(m.HistoryEvent.kind == "transition")
        .group_by(m.HistoryEvent.review_id)
        .subquery()
    )
    decided = (
        select(m.Review.id.label("review_id"), func.coalesce(m.HistoryEvent.event, "pending").label("outcome"))
        .where(received)
        .outerjoin(first, first.c.review_id == m.Review.id)
        .outerjoin(m.HistoryEvent, and_(m.HistoryEvent.review_id == m.Review.id, m.HistoryEvent.seq == first.c.seq))
        .subquery()
    )
    elements = func.json_each if session.get_bind().dialect.name == "sqlite" else func.json_array_elements_text
    theme = elements(m.Review.themes).table_valued("value").alias("theme")
    theme_column = theme.c.value
    by_theme = session.execute(
        select(theme_column, func.count())
        .select_from(m.Review)
        .join(theme, literal(True))
        .where(received)
        .group_by(theme_column)
    ).all()
    return {
        "total": session.scalar(select(func.count()).select_from(m.Review).where(received)) or 0,
        "by_type": _counts(session, m.Review.review_type, received),
        "by_outcome": _counts(session, decided.c.outcome, source=decided),
        "by_referrer": _counts(session, m.Review.referrer_organisation, received),
        "by_theme": {str(k): n for k, n in sorted(by_theme)},
    }


def _reviews(session: Session, start: date, end: date) -> dict[str, Any]:
    ended = and_(m.Review.open.is_(False), m.Review.last_occurred_on.between(start, end))
    by_type_and_outcome: dict[str, dict[str, int]] = defaultdict(dict)
    for review_type, state, n in session.execute(
        select(m.Review.review_type, m.Review.state, func.count())
        .where(ended)
        .group_by(m.Review.review_type, m.Review.state)
    ):
        by_type_and_outcome[review_type][state] = n
    concluded_rapid = and_(ended, m.Review.review_type == "rapid", m.Review.state == "concluded")
    disagreed = session.scalars(
        select(m.Review.reference)
        .where(
            concluded_rapid,
            or_(
                m.Review.facts["panel_view"].as_string() == "disagrees",
                m.Review.facts["panel_disagreed_on"].as_string().is_not(None),  # S2: disagreed, then reconsidered
            ),
        )
        .order_by(m.Review.reference)
    ).all()
    return {
        "ended": sum(sum(v.values()) for v in by_type_and_outcome.values()),
        "by_type_and_outcome": {k: dict(sorted(v.items())) for k, v in sorted(by_type_and_outcome.items())},
        "rapid_recommendations": _counts(session, m.Review.facts["recommendation"].as_string(), concluded_rapid),
        "national_panel_disagreed": {"count": len(disagreed), "references": list(disagreed)},
    }


MET, BREACHED, RUNNING, PAUSED = clock_rules.MET, clock_rules.BREACHED, clock_rules.RUNNING, clock_rules.PAUSED
OUTCOMES = ("met", "breached", "running", "cancelled")
TIMELINESS = ("met_on_time", "met_after_extension", "breached", "running", "cancelled")


def _stopped_by(deadline: Any) -> Any:
    return and_(m.Clock.status.in_((MET, BREACHED)), m.Clock.stopped_on.is_not(None), m.Clock.stopped_on <= deadline)


def _late_against_original(today: date) -> Any:
    """T3: stopped after its original deadline, or still ticking past it."""
    stopped_late = and_(m.Clock.stopped_on.is_not(None), m.Clock.stopped_on > m.Clock.original_due_on)
    ticking_late = and_(
        m.Clock.stopped_on.is_(None), m.Clock.status.in_((RUNNING, PAUSED, BREACHED)), m.Clock.original_due_on < today
    )
    return and_(m.Clock.status != clock_rules.CANCELLED, or_(stopped_late, ticking_late))


def _timeliness_cases(today: date) -> dict[str, Any]:
    """T3: each clock's outcome on time / after extension / breached, and against the original deadline."""
    ticking = m.Clock.status.in_((RUNNING, PAUSED))
    return {
        "timeliness": case(
            (_stopped_by(m.Clock.original_due_on), literal("met_on_time")),
            (m.Clock.status == MET, literal("met_after_extension")),
            (
                or_(m.Clock.status == BREACHED, and_(m.Clock.status == RUNNING, m.Clock.due_on < today)),
                literal("breached"),
            ),
            (ticking, literal("running")),
            else_=literal("cancelled"),
        ),
        "against_original_deadline": case(
            (_stopped_by(m.Clock.original_due_on), literal("met")),
            (_late_against_original(today), literal("breached")),
            (ticking, literal("running")),
            else_=literal("cancelled"),
        ),
    }


def _delays(
    session: Session, started: Any, today: date, calendar: WorkingCalendar
) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """T3: every clock that ran past its original deadline, and by how many working days."""
    delays: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for review_type, name, reference, original, due, stopped, status in session.execute(
        select(
            m.Review.review_type,
            m.Clock.name,
            m.Review.reference,
            m.Clock.original_due_on,
            m.Clock.due_on,
            m.Clock.stopped_on,
            m.Clock.status,
        )
        .join(m.Review, m.Review.id == m.Clock.review_id)
        .where(started, _late_against_original(today))
        .order_by(m.Review.reference, m.Clock.name)
    ):
        delays[(review_type, name)].append(
            {
                "reference": reference,
                "original_due_on": original.isoformat(),
                "due_on": due.isoformat() if due else None,
                "stopped_on": stopped.isoformat() if stopped else None,
                "status": status,
                "working_days_late": calendar.count_working_days(original, stopped or today),
            }
        )
    return delays


def _clocks(session: Session, start: date, end: date, today: date, calendar: WorkingCalendar) -> list[dict[str, Any]]:
    status = case(
        (m.Clock.status == clock_rules.MET, literal("met")),
        (
            or_(
                m.Clock.status == clock_rules.BREACHED,
                and_(m.Clock.status == clock_rules.RUNNING, m.Clock.due_on < today),
            ),
            literal("breached"),
        ),
        (m.Clock.status.in_((clock_rules.RUNNING, clock_rules.PAUSED)), literal("running")),
        else_=literal("cancelled"),
    )
    started = and_(m.Clock.started_on.between(start, end), m.Clock.window.is_(False))
    figures: dict[tuple[str, str], dict[str, Any]] = defaultdict(
        lambda: {
            **dict.fromkeys(OUTCOMES, 0),
            "median_working_days_taken": None,
            "timeliness": dict.fromkeys(TIMELINESS, 0),
            "against_original_deadline": dict.fromkeys(OUTCOMES, 0),
            "against_extended_deadline": dict.fromkeys(OUTCOMES, 0),
            "delays": [],
        }
    )
    for review_type, name, outcome, n in session.execute(
        select(m.Review.review_type, m.Clock.name, status, func.count())
        .join(m.Review, m.Review.id == m.Clock.review_id)
        .where(started)
        .group_by(m.Review.review_type, m.Clock.name, status)
    ):
        figures[(review_type, name)][outcome] = n
        figures[(review_type, name)]["against_extended_deadline"][outcome] = n
    for part, outcome_case in _timeliness_cases(today).items():
        for review_type, name, outcome, n in session.execute(
            select(m.Review.review_type, m.Clock.name, outcome_case, func.count())
            .join(m.Review, m.Review.id == m.Clock.review_id)
            .where(started)
            .group_by(m.Review.review_type, m.Clock.name, outcome_case)
        ):
            figures[(review_type, name)][part][outcome] = n
    for key, delays in _delays(session, started, today, calendar).items():
        figures[key]["delays"] = delays
    taken: dict[tuple[str, str], list[int]] = defaultdict(list)
    for review_type, name, days in session.execute(
        select(m.Review.review_type, m.Clock.name, m.Clock.working_days_taken)
        .join(m.Review, m.Review.id == m.Clock.review_id)
        .where(started, m.Clock.working_days_taken.is_not(None), m.Clock.status != clock_rules.CANCELLED)
    ):
        taken[(review_type, name)].append(days)
    for key, days in taken.items():
        median = statistics.median(days)
        figures[key]["median_working_days_taken"] = int(median) if median == int(median) else median
    return [{"review_type": t, "clock": c, **v} for (t, c), v in sorted(figures.items())]


def _actions(session: Session, start: date, end: date, today: date) -> dict[str, int]:
    outcome = case(
        (and_(m.Action.status == "done", m.Action.completed_on <= m.Action.due_on), literal("done_on_time")),
        (m.Action.status == "done", literal("done_late")),
        (m.Action.status == "dropped", literal("dropped")),
        (m.Action.due_on < today, literal("overdue")),
        else_=literal("open"),
    )
    counted = _counts(session, outcome, m.Action.due_on.between(start, end), source=m.Action)
    return {k: counted.get(k, 0) for k in ("done_on_time", "done_late", "overdue", "open", "dropped")}


def summary(services: Services, caller: Caller, start: date, end: date) -> dict[str, Any]:
    require(caller, "read_reports")
    if end < start:
        raise InvalidData([{"field": "to", "message": f"is before from ({start})"}])
    today = services.today()
    with services.db.reports() as session:
        return {
            "from": start.isoformat(),
            "to": end.isoformat(),
            "as_of": today.isoformat(),
            "referrals": _referrals(session, start, end),
            "reviews": _reviews(session, start, end),
            "clocks": _clocks(session, start, end, today, services.calendar),
            "actions": _actions(session, start, end, today),
        }


def as_csv(figures: dict[str, Any]) -> str:
    """The same figures, one per row (section, group, measure, value), for the annual report."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["section", "group", "measure", "value"])
    referrals = figures["referrals"]
    writer.writerow(["referrals", "", "total", referrals["total"]])
    for part in ("by_type", "by_outcome", "by_referrer", "by_theme"):
        for key, n in referrals[part].items():
            writer.writerow(["referrals", part.removeprefix("by_"), key, n])
    reviews = figures["reviews"]
    writer.writerow(["reviews", "", "ended", reviews["ended"]])
    for review_type, outcomes in reviews["by_type_and_outcome"].items():
        for state, n in outcomes.items():
            writer.writerow(["reviews", review_type, state, n])
    for recommendation, n in reviews["rapid_recommendations"].items():
        writer.writerow(["reviews", "rapid recommendation", recommendation, n])
    writer.writerow(["reviews", "", "national_panel_disagreed", reviews["national_panel_disagreed"]["count"]])
    for clock in figures["clocks"]:
        group = f"{clock['review_type']}/{clock['clock']}"
        for measure in ("met", "breached", "running", "cancelled", "median_working_days_taken"):
            writer.writerow(["clocks", group, measure, "" if clock[measure] is None else clock[measure]])
        for part in ("timeliness", "against_original_deadline"):  # T3
            prefix = "" if part == "timeliness" else "original_deadline_"
            for measure, n in clock[part].items():
                writer.writerow(["clocks", group, f"{prefix}{measure}", n])
        for delay in clock["delays"]:
            writer.writerow(["clock delays", group, delay["reference"], delay["working_days_late"]])
    for measure, n in figures["actions"].items():
        writer.writerow(["actions", "", measure, n])
    return out.getvalue()
