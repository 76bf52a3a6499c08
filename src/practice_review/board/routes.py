"""The board's pages: HTTP in, the services' reads, HTML out. Read-only, and not part of the API's schema."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse

from ..calendar import LONDON, add_calendar_months
from ..errors import InvalidData
from ..permissions import allows
from ..services import page_views
from ..web import get_services
from . import due, figures, listing, months, words
from .offers import offers
from .pages import render
from .session import PATH, BoardCaller
from .views import review_page

router = APIRouter(prefix=PATH, include_in_schema=False)
REFRESH_SECONDS = 60
Text = Annotated[str, Query(max_length=200)]


def _types(request: Request) -> dict[str, str]:
    return {d.review_type: d.title for d in get_services(request).engine.current_definitions}


def _review_type(request: Request, value: str) -> str | None:
    if value and value not in _types(request):
        raise InvalidData([{"field": "type", "message": f"there is no review type {value!r}"}])
    return value or None


@router.get("", response_class=HTMLResponse)
def board(request: Request, caller: BoardCaller, type: Text = "", status: Text = "", page: Text = "") -> HTMLResponse:
    services = get_services(request)
    found = listing.open_reviews(services, caller, _review_type(request, type), status, page or None)
    context = {
        "caller": caller,
        "today": services.today(),
        "types": _types(request),
        "statuses": listing.statuses(services),
        "chosen": {"type": type, "status": status},
        "page": found,
        "first_page": not page,
        "refresh_seconds": REFRESH_SECONDS,
        "updated_at": datetime.now(LONDON).strftime("%H:%M"),
        "totals": listing.totals(services, caller),
        "active_page": "board",
        "can_refer": allows(caller, "create_review"),  # issue 17: the referral form
    }
    return render(request, "board.html", context)


@router.get("/search", response_class=HTMLResponse)
def search(request: Request, caller: BoardCaller, q: Annotated[str, Query(max_length=64)] = "") -> HTMLResponse:
    services = get_services(request)
    context = {
        "caller": caller,
        "today": services.today(),
        "types": _types(request),
        "query": q,
        "rows": listing.search(services, caller, q),
        "most": listing.MOST_FOUND,
        "active_page": "search",
    }
    return render(request, "search.html", context)


@router.get("/ended", response_class=HTMLResponse)
def ended(request: Request, caller: BoardCaller, type: Text = "", page: Text = "") -> HTMLResponse:
    services = get_services(request)
    found = listing.ended(services, caller, _review_type(request, type), page or None)
    context = {
        "caller": caller,
        "today": services.today(),
        "types": _types(request),
        "chosen": {"type": type},
        "page": found,
        "first_page": not page,
        "active_page": "ended",
    }
    return render(request, "ended.html", context)


@router.get("/figures", response_class=HTMLResponse)
def figures_(request: Request, caller: BoardCaller, year: Text = "") -> HTMLResponse:
    services = get_services(request)
    shown = figures.figures_page(services, caller, year, _types(request))
    context = {"caller": caller, "today": services.today(), "shown": shown, "types": _types(request)}
    return render(request, "figures.html", {**context, "active_page": "figures"})


@router.get("/due", response_class=HTMLResponse)
def due_from_us(request: Request, caller: BoardCaller) -> HTMLResponse:
    services = get_services(request)
    context = {"caller": caller, "today": services.today(), "items": due.due_from(services, caller)}
    return render(request, "due.html", {**context, "active_page": "due"})


@router.get("/rules", response_class=HTMLResponse)
def rules(request: Request, caller: BoardCaller) -> HTMLResponse:
    services = get_services(request)
    context = {"caller": caller, "today": services.today(), "rules": words.glossary(), "active_page": "rules"}
    return render(request, "rules.html", context)


@router.get("/reviews/{review_id}", response_class=HTMLResponse)
def review(request: Request, caller: BoardCaller, review_id: str, done: Text = "") -> HTMLResponse:
    services = get_services(request)
    page = review_page(services, caller, review_id)
    page_views.record_view(services, caller, page.review["id"])  # who looked at the child's case (issue 17)
    views = (
        page_views.list_views(services, caller, page.review["id"], 20) if allows(caller, "read_page_views") else None
    )
    can = offers(services, caller, page.review, page.declarations, done)  # issue 17: the forms this caller may use
    context = {"caller": caller, "today": services.today(), "page": page, "views": views, "offers": can}
    context["active_page"] = "board"
    return render(request, "review.html", context)


@router.get("/calendar", response_class=HTMLResponse)
def calendar(request: Request, caller: BoardCaller, month: Text = "", type: Text = "") -> HTMLResponse:
    services = get_services(request)
    start = months.first_month(month, services.today())
    shown = months.months(services, caller, start, _review_type(request, type))
    context = {
        "caller": caller,
        "today": shown.today,
        "calendar": shown,
        "types": _types(request),
        "chosen": {"type": type, "month": month},
        "earlier": add_calendar_months(start, -months.MONTHS),
        "later": add_calendar_months(start, months.MONTHS),
        "most_a_day": months.MOST_A_DAY,
        "active_page": "calendar",
    }
    return render(request, "calendar.html", context)


@router.get("/calendar/{day}", response_class=HTMLResponse)
def calendar_day(request: Request, caller: BoardCaller, day: Annotated[str, Path(max_length=10)]) -> HTMLResponse:
    """Everything due on one day: where the calendar's square says "and N more"."""
    services = get_services(request)
    when = months.one_day(day)
    context = {"caller": caller, "today": services.today(), "day": when, "due": months.due_on(services, caller, when)}
    return render(request, "calendar_day.html", {**context, "active_page": "calendar"})
