"""The board's table: open reviews, most urgent first, a page at a time, from the services' indexed reads.

A page never loads every review. For keys that poll deadlines the order comes from the deadlines
service (`list_deadlines`: running and breached clocks, earliest due first, one index scan a page);
each review is listed once, at its next due clock, with what `listed_reviews` says of it. Clocks due
the same day are listed in the order the workflow declares them (the order their rows were made),
and a review's next due clock is the first of them, so a review is never listed twice. Once every
review with a clock running has been listed, the open reviews with none running (paused, or waiting
on someone else) follow, from `list_reviews`. A key that may not poll deadlines (an agency's) pages
through `list_reviews` itself, each page ordered by urgency.

A review's mark counts its outstanding information requests and open actions too (urgency.py): the
deadlines service lists those beside the clocks, and each page reads them for its reviews in two
indexed queries (an agency key's only its own organisation's).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, case, exists, func, literal, or_, select

from ..errors import InvalidData
from ..permissions import allows
from ..roles import Caller
from ..services import need_to_know
from ..services.access import review_scope
from ..services.actions import action_view
from ..services.common import Services
from ..services.deadlines import list_deadlines, starting_after
from ..services.records import information_request_view
from ..services.reviews import list_reviews, listed_reviews
from ..storage import models as m
from .urgency import Mark, action_deadline, last_amber_day, request_deadline, review_mark, with_items

PAGE_SIZE = 50
MAX_READS = 8  # service reads one page may take before it hands back a cursor to carry on from

STATUSES = ("", "breached", "due_soon", "on_track", "no_deadline")


def statuses(services: Services) -> dict[str, str]:
    """Each status filter and its label; amber is the partnership's due-soon working days (T1)."""
    due_soon = services.engine.partnership.due_soon_working_days
    labels = (
        "All open reviews",
        "Breached (red)",
        f"Due within {due_soon} working day{'' if due_soon == 1 else 's'} (amber)",
        "On track (green)",
        "Paused or no deadline running",
    )
    return dict(zip(STATUSES, labels, strict=True))


# The marks each status filter shows (for keys that may not poll deadlines, filtered page by page).
LEVELS = {
    "breached": {"red"},
    "due_soon": {"amber"},
    "on_track": {"green"},
    "no_deadline": {"paused", "none"},
}
BREACHED, RUNNING, QUIET, ALL_BY_PAGE = "b", "r", "q", "a"  # the phases a board cursor names
# Each status lists its phases in turn: every breached deadline is due before every running one, so
# breached then running is the deadlines' own order, each phase one of the service's index scans.
PHASES = {
    "": (BREACHED, RUNNING, QUIET),
    "breached": (BREACHED,),
    "due_soon": (RUNNING,),
    "on_track": (RUNNING,),
    "no_deadline": (QUIET,),
}


@dataclass(frozen=True)
class Row:
    review: dict[str, Any]  # as `list_reviews` lists it: summary and clocks
    clock: dict[str, Any] | None  # the clock the row shows: the next due, else a paused one
    mark: Mark
    paused: list[str]  # the review's other paused clocks, by name


@dataclass(frozen=True)
class Page:
    rows: list[Row]
    next_cursor: str | None
    ordered_within_page: bool  # the key may not poll deadlines: urgency holds within this page only


def open_reviews(services: Services, caller: Caller, review_type: str | None, status: str, cursor: str | None) -> Page:
    """One page of the board: open reviews of `review_type` whose mark matches `status` (a STATUSES key)."""
    if status not in STATUSES:
        raise InvalidData([{"field": "status", "message": f"must be one of {', '.join(s for s in STATUSES if s)}"}])
    if not allows(caller, "read_deadlines"):
        return _by_page(services, caller, review_type, status, _parse(cursor, (ALL_BY_PAGE,)))
    phases = PHASES[status]
    inner = _parse(cursor, phases)
    rows: list[Row] = []
    for phase in phases[phases.index(cursor.partition(":")[0]) if cursor else 0 :]:
        if len(rows) >= PAGE_SIZE:
            return Page(rows, f"{phase}:", False)
        if phase == QUIET:
            inner = _without_deadlines(services, caller, review_type, inner or None, rows)
        else:
            inner = _with_deadlines(services, caller, review_type, status, phase, inner or None, rows)
        if inner is not None:
            return Page(rows, f"{phase}:{inner}", False)
    return Page(rows, None, False)


def _parse(cursor: str | None, phases: tuple[str, ...]) -> str:
    """The service's own cursor inside a board cursor ("" to start the phase); the phase must be one of `phases`."""
    if not cursor:
        return ""
    phase, _, inner = cursor.partition(":")
    if phase not in phases:
        raise InvalidData([{"field": "page", "message": "not a page this board handed out for these filters"}])
    return inner


def due_items(services: Services, caller: Caller, review_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    """The outstanding information requests and open actions of these (readable) reviews, as deadlines,
    by review id; an agency key's only its own organisation's (need to know)."""
    found: dict[str, list[dict[str, Any]]] = {i: [] for i in review_ids}
    if not review_ids:
        return found
    own = need_to_know.own_organisation(caller)
    today = services.today()
    requests = select(m.InformationRequest).where(
        m.InformationRequest.review_id.in_(review_ids), m.InformationRequest.returned_on.is_(None)
    )
    actions = select(m.Action).where(m.Action.review_id.in_(review_ids), m.Action.status == "open")
    if own is not None:
        requests = requests.where(m.InformationRequest.organisation == own)
        actions = actions.where(m.Action.owner_organisation == own)
    with services.db.read() as session:
        for r in session.scalars(requests):
            if (due := request_deadline(information_request_view(services, r, today))) is not None:
                found[r.review_id].append(due)
        for a in session.scalars(actions):
            if (due := action_deadline(action_view(a, today), services.calendar, today)) is not None:
                found[a.review_id].append(due)
    return found


def _rows(services: Services, caller: Caller, reviews: list[dict[str, Any]]) -> list[Row]:
    items = due_items(services, caller, [r["id"] for r in reviews])
    return [_row({**r, "clocks": with_items(r["clocks"], items[r["id"]])}, _due_soon(services)) for r in reviews]


def _row(review: dict[str, Any], due_soon: int) -> Row:
    clock, mark = review_mark(review["clocks"], due_soon)
    paused = [
        c["name"]
        for c in review["clocks"]
        if c["status"] == "paused" and not c.get("window") and (clock is None or c["name"] != clock["name"])
    ]
    return Row(review, clock, mark, paused)


def _due_soon(services: Services) -> int:
    return services.engine.partnership.due_soon_working_days  # T1: partnership.yaml


def _with_deadlines(
    services: Services,
    caller: Caller,
    review_type: str | None,
    status: str,
    phase: str,
    cursor: str | None,
    rows: list[Row],
) -> str | None:
    """Fill `rows` with reviews in the order of their next due clock, from the deadlines of `phase`
    (breached or running); the cursor to go on from, or None when they are all listed."""
    amber_until = last_amber_day(services.calendar, services.today(), _due_soon(services))
    due_by = amber_until if status == "due_soon" else None
    if cursor is None and status == "on_track":
        cursor = starting_after(amber_until)
    wanted = "breached" if phase == BREACHED else "running"
    seen: set[str] = set()
    for _ in range(MAX_READS):
        page = list_deadlines(services, caller, due_by, wanted, review_type, PAGE_SIZE - len(rows), cursor)
        listed = listed_reviews(services, caller, [i["review_id"] for i in page["items"]])
        by_id = {row.review["id"]: row for row in _rows(services, caller, [r for r in listed.values() if r["open"]])}
        for item in page["items"]:
            row = by_id.get(item["review_id"])
            if row is None or item["review_id"] in seen:
                continue
            if row.clock is None or row.clock["name"] != item["clock"]:
                continue  # listed at its next due clock: earlier on, on another page, or under another status
            seen.add(item["review_id"])
            rows.append(row)
        cursor = page["next_cursor"]
        if cursor is None or len(rows) >= PAGE_SIZE:
            break
    return cursor


def _without_deadlines(
    services: Services, caller: Caller, review_type: str | None, cursor: str | None, rows: list[Row]
) -> str | None:
    """Fill `rows` with open reviews that have no clock running (newest first); the cursor to go on from."""
    for _ in range(MAX_READS):
        page = list_reviews(services, caller, review_type, None, True, PAGE_SIZE - len(rows), cursor)
        rows += [row for row in _rows(services, caller, page["items"]) if row.mark.level in LEVELS["no_deadline"]]
        cursor = page["next_cursor"]
        if cursor is None or len(rows) >= PAGE_SIZE:
            break
    return cursor


def _by_page(services: Services, caller: Caller, review_type: str | None, status: str, cursor: str) -> Page:
    """For keys that may not poll deadlines: the open reviews they may read, a page at a time, each page
    ordered by urgency."""
    page = list_reviews(services, caller, review_type, None, True, PAGE_SIZE, cursor or None)
    rows = [row for row in _rows(services, caller, page["items"]) if not status or row.mark.level in LEVELS[status]]
    rows.sort(key=lambda r: (r.mark.rank, r.clock["due_on"] if r.clock else "9999-12-31"))
    next_cursor = page["next_cursor"]
    more_than_a_page = bool(cursor) or next_cursor is not None
    return Page(rows, f"{ALL_BY_PAGE}:{next_cursor}" if next_cursor else None, more_than_a_page)


# ---------------------------------------------------------------- search, ended reviews, totals

MOST_FOUND = 50


def search(services: Services, caller: Caller, text: str) -> list[Row]:
    """Reviews (open or ended) whose reference is `text`, or whose child reference starts with it, in
    any case: at most MOST_FOUND, newest first. Only those the caller may read."""
    wanted = text.strip().lower()
    if not wanted:
        return []
    escaped = wanted.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    query = select(m.Review.id).where(
        (func.lower(m.Review.reference) == wanted)
        | func.lower(m.Review.child_reference).like(f"{escaped}%", escape="\\")
    )
    if (scope := review_scope(caller)) is not None:
        query = query.where(scope)
    query = query.order_by(m.Review.created_at.desc(), m.Review.id.desc()).limit(MOST_FOUND)
    with services.db.read() as session:
        ids = list(session.scalars(query))
    found = listed_reviews(services, caller, ids)
    return _rows(services, caller, [found[i] for i in ids if i in found])


def ended(services: Services, caller: Caller, review_type: str | None, cursor: str | None) -> Page:
    """Reviews that have ended (closed, withdrawn, concluded), newest first, a page at a time."""
    page = list_reviews(services, caller, review_type, None, False, PAGE_SIZE, cursor)
    rows = [Row(r, None, Mark("none", "Ended", "", 5), []) for r in page["items"]]
    return Page(rows, page["next_cursor"], False)


@dataclass(frozen=True)
class Totals:
    red: int
    amber: int
    green: int
    quiet: int  # paused, or nothing running

    @property
    def open(self) -> int:
        return self.red + self.amber + self.green + self.quiet


def totals(services: Services, caller: Caller) -> Totals:
    """How many open reviews are red, amber, green or quiet, by the marks the board gives them (clocks,
    information requests and actions, as urgency.py counts them): one aggregate query, however many."""
    today = services.today()
    amber_until = last_amber_day(services.calendar, today, _due_soon(services))
    own = need_to_know.own_organisation(caller)
    running = m.Clock.status == "running"
    clocks = and_(m.Clock.review_id == m.Review.id, m.Clock.window.is_(False), m.Clock.due_on.is_not(None))
    requests = and_(m.InformationRequest.review_id == m.Review.id, m.InformationRequest.returned_on.is_(None))
    actions = and_(m.Action.review_id == m.Review.id, m.Action.status == "open")
    if own is not None:
        requests = and_(requests, m.InformationRequest.organisation == own)
        actions = and_(actions, m.Action.owner_organisation == own)

    def due(by: Any = None, before: Any = None) -> Any:
        """SQL: the review has a counting deadline due on or before `by` (or before `before`)."""

        def cut(column: Any) -> Any:
            return column < before if before is not None else column <= by if by is not None else literal(True)

        breached_clock = and_(clocks, m.Clock.status == "breached", m.Clock.stopped_on.is_(None))
        return or_(
            exists().where(clocks, running, cut(m.Clock.due_on)),
            exists().where(breached_clock),  # C5: recorded breached and not stopped: red whatever the date
            exists().where(requests, cut(m.InformationRequest.due_on)),
            exists().where(actions, cut(m.Action.due_on)),
        )

    level = case(
        (due(before=today), literal("red")),
        (due(by=amber_until), literal("amber")),
        (due(), literal("green")),
        else_=literal("quiet"),
    )
    query = select(level.label("level"), func.count()).where(m.Review.open.is_(True))
    if (scope := review_scope(caller)) is not None:
        query = query.where(scope)
    with services.db.read() as session:
        counted = dict(session.execute(query.group_by(level)).all())
    return Totals(*(int(counted.get(k, 0)) for k in ("red", "amber", "green", "quiet")))
