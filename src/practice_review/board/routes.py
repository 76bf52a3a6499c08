"""The board's pages: HTTP in, the services' reads, HTML out. Read-only, and not part of the API's schema."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from urllib.parse import parse_qs

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool

from ..calendar import LONDON, add_calendar_months
from ..errors import InvalidData
from ..permissions import allows
from ..services.keys import authenticate
from ..web import get_services
from . import listing, months
from .pages import render
from .session import PATH, BoardCaller, back_to, forget_key, keep_key, refuse_cross_site
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


@router.get("/sign-in", response_class=HTMLResponse)
def sign_in_form(request: Request, next: Text = "") -> HTMLResponse:
    return render(request, "sign_in.html", {"next": back_to(next), "error": None})


@router.post("/sign-in", response_class=HTMLResponse, response_model=None)
async def sign_in(request: Request) -> HTMLResponse | RedirectResponse:
    """The key comes in the form's body; the answer sends the browser on with no query string."""
    refuse_cross_site(request)
    form = parse_qs((await request.body()).decode("utf-8", "replace"))
    key = (form.get("key") or [""])[0].strip()
    target = back_to((form.get("next") or [""])[0])
    caller = await run_in_threadpool(authenticate, get_services(request), key) if key else None
    if caller is None:
        error = "That key is unknown, revoked or expired." if key else "Enter an API key."
        return render(request, "sign_in.html", {"next": target, "error": error}, status=401)
    if not allows(caller, "read_reviews"):
        error = f"A key with role '{caller.role}' reads no review data: sign in with another key."
        return render(request, "sign_in.html", {"next": target, "error": error}, status=403)
    response = RedirectResponse(target, status_code=303)
    keep_key(response, request, key)
    return response


@router.post("/sign-out", response_model=None)
def sign_out(request: Request) -> RedirectResponse:
    refuse_cross_site(request)
    response = RedirectResponse(f"{PATH}/sign-in", status_code=303)
    forget_key(response, request)
    return response


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
        "active_page": "board",
    }
    return render(request, "board.html", context)


@router.get("/reviews/{review_id}", response_class=HTMLResponse)
def review(request: Request, caller: BoardCaller, review_id: str) -> HTMLResponse:
    services = get_services(request)
    page = review_page(services, caller, review_id)
    context = {"caller": caller, "today": services.today(), "page": page, "active_page": "board"}
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
