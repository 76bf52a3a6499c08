"""The board's table: open reviews, most urgent first, a page at a time, from the services' indexed reads.

A page never loads every review. For keys that poll deadlines the order comes from the deadlines
service (`list_deadlines`: running and breached clocks, earliest due first, one index scan a page);
each review is listed once, at its next due clock, with what `listed_reviews` says of it. Clocks due
the same day are listed in the order the workflow declares them (the order their rows were made),
and a review's next due clock is the first of them, so a review is never listed twice. Once every
review with a clock running has been listed, the open reviews with none running (paused, or waiting
on someone else) follow, from `list_reviews`. A key that may not poll deadlines (an agency's) pages
through `list_reviews` itself, each page ordered by urgency.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import InvalidData
from ..permissions import allows
from ..roles import Caller
from ..services.common import Services
from ..services.deadlines import list_deadlines, starting_after
from ..services.reviews import list_reviews, listed_reviews
from .urgency import Mark, last_amber_day, review_mark

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


def _row(review: dict[str, Any], due_soon: int) -> Row:
    clock, mark = review_mark(review["clocks"], due_soon)
    paused = [
        c["name"]
        for c in review["clocks"]
        if c["status"] == "paused" and not c["window"] and (clock is None or c["name"] != clock["name"])
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
        clocks = [i for i in page["items"] if ":" not in i["clock"]]  # not information requests or actions
        reviews = listed_reviews(services, caller, [i["review_id"] for i in clocks])
        for item in clocks:
            review = reviews.get(item["review_id"])
            if review is None or not review["open"] or review["id"] in seen:
                continue
            row = _row(review, _due_soon(services))
            if row.clock is None or row.clock["name"] != item["clock"]:
                continue  # listed at its next due clock: earlier on, on another page, or under another status
            seen.add(review["id"])
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
        found = (_row(review, _due_soon(services)) for review in page["items"])
        rows += [row for row in found if row.mark.level in LEVELS["no_deadline"]]
        cursor = page["next_cursor"]
        if cursor is None or len(rows) >= PAGE_SIZE:
            break
    return cursor


def _by_page(services: Services, caller: Caller, review_type: str | None, status: str, cursor: str) -> Page:
    """For keys that may not poll deadlines: the open reviews they may read, a page at a time, each page
    ordered by urgency."""
    page = list_reviews(services, caller, review_type, None, True, PAGE_SIZE, cursor or None)
    found = (_row(review, _due_soon(services)) for review in page["items"])
    rows = [row for row in found if not status or row.mark.level in LEVELS[status]]
    rows.sort(key=lambda r: (r.mark.rank, r.clock["due_on"] if r.clock else "9999-12-31"))
    next_cursor = page["next_cursor"]
    more_than_a_page = bool(cursor) or next_cursor is not None
    return Page(rows, f"{ALL_BY_PAGE}:{next_cursor}" if next_cursor else None, more_than_a_page)
