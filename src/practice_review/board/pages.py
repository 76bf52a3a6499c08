"""Rendering the board's HTML pages, and HTML error pages for everything under /board.

The JSON API answers errors as application/problem+json (api/problems.py); a person looking at the
board gets a page instead: the same status code, the same detail, and a way back.
"""

from __future__ import annotations

import inspect
import logging
from pathlib import Path
from typing import Any

import jinja2
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..calendar import OutsideCalendar
from ..errors import DomainError
from ..permissions import allows
from ..roles import Caller
from ..web import get_services
from .assets import asset
from .session import PATH, SignInRequired, current_session, to_sign_in
from .words import FILTERS

HERE = Path(__file__).resolve().parent
log = logging.getLogger("practice_review")

_environment = jinja2.Environment(
    loader=jinja2.FileSystemLoader(HERE / "templates"),
    autoescape=True,  # every value a caller gave (summaries, names, notes) is escaped
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_environment.filters.update(FILTERS)
_environment.globals["asset"] = asset
templates = Jinja2Templates(env=_environment)

HEADERS = {
    "Cache-Control": "no-store",  # pages hold review data: not kept by the browser or a proxy
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
}
TITLES = {
    400: "Bad request",
    401: "Not signed in",
    403: "Not allowed",
    404: "Not found",
    405: "Not allowed here",
    409: "Conflict",
    413: "Request too large",
    422: "Not understood",
    500: "Something went wrong",
}


def render(request: Request, template: str, context: dict[str, Any], status: int = 200) -> HTMLResponse:
    defaults = {
        "caller": None,
        "today": None,
        "active_page": "",
        "partnership_name": get_services(request).partnership_name,
    }
    response = templates.TemplateResponse(request, template, {**defaults, **context}, status_code=status)
    response.headers.update(HEADERS)
    return response


def error_page(request: Request, status: int, detail: str) -> HTMLResponse:
    """The error in words, inside the layout with its navigation when the browser is signed in."""
    context = {"status": status, "title": TITLES.get(status, "Error"), "detail": detail, "caller": _signed_in(request)}
    return render(request, "error.html", context, status)


def _signed_in(request: Request) -> Caller | None:
    try:
        found = current_session(request)
    except Exception:  # the error page itself must not fail: the database may be why we are here
        log.warning("no session for the error page of %s", request.url.path, exc_info=True)
        return None
    return found.caller if found else None


def _on_board(request: Request) -> bool:
    return request.url.path == PATH or request.url.path.startswith(PATH + "/")


def _status_and_detail(exc: Exception) -> tuple[int, str]:
    if isinstance(exc, DomainError):
        return exc.status, exc.detail
    if isinstance(exc, StarletteHTTPException):
        detail = "There is no such page on the board." if exc.status_code == 404 else str(exc.detail)
        return exc.status_code, detail
    if isinstance(exc, (RequestValidationError, OutsideCalendar)):
        return 422, "The address asks for something the board cannot show; go back and try again."
    return 500, "An unexpected error occurred; it has been logged."


def install(app: FastAPI) -> None:
    """Pages under /board answer errors in HTML; every other path keeps the handlers it had."""
    app.add_exception_handler(SignInRequired, to_sign_in)  # type: ignore[arg-type]
    for exc_class, handler in list(app.exception_handlers.items()):
        if exc_class is not SignInRequired:
            app.add_exception_handler(exc_class, _html_on_board(handler))


def _html_on_board(api_handler: Any) -> Any:
    async def handler(request: Request, exc: Exception) -> Response:
        if not _on_board(request):
            answer = api_handler(request, exc)
            return await answer if inspect.isawaitable(answer) else answer  # type: ignore[no-any-return]
        status, detail = _status_and_detail(exc)
        if status == 500:
            log.exception("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
        return error_page(request, status, detail)

    return handler


def menu(caller: Any) -> list[tuple[str, str, str]]:
    """The board's menu for this caller: (path, page name, label); only the pages its role may read."""
    items = [
        (PATH, "board", "Open reviews"),
        (f"{PATH}/search", "search", "Search"),
        (f"{PATH}/ended", "ended", "Ended"),
    ]
    items.append((f"{PATH}/calendar", "calendar", "Calendar"))
    if caller is not None and caller.organisation:
        items.append((f"{PATH}/due", "due", "Due from us"))
    if caller is not None and allows(caller, "read_reports"):
        items.append((f"{PATH}/figures", "figures", "Figures"))
    items.append((f"{PATH}/rules", "rules", "Rules"))
    return items


_environment.globals["menu"] = menu
