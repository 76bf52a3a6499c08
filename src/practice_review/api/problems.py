"""Every error as application/problem+json (RFC 9457)."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import compile_path

from ..calendar import OutsideCalendar
from ..errors import DomainError

PROBLEM = "application/problem+json"
log = logging.getLogger("practice_review")


def problem(
    request: Request,
    status: int,
    title: str,
    detail: str,
    type_: str = "about:blank",
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body = {"type": type_, "title": title, "status": status, "detail": detail, "instance": request.url.path, **extra}
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


def _field(location: tuple[Any, ...]) -> str:
    parts = [str(p) for p in location if p != "body"] or ["body"]
    return ".".join(parts)


def allowed_methods(request: Request) -> list[str]:
    """Every method the API takes at this path, from its spec (Starlette names only the first route's)."""
    if not hasattr(request.app.state, "allowed_methods"):
        request.app.state.allowed_methods = [
            (compile_path(path)[0], {m.upper() for m in operations} | ({"HEAD"} if "get" in operations else set()))
            for path, operations in request.app.openapi()["paths"].items()
        ]
    methods: set[str] = set()
    for pattern, allowed in request.app.state.allowed_methods:
        if pattern.match(request.url.path):
            methods |= allowed
    return sorted(methods)


def install(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def domain_error(request: Request, exc: DomainError) -> JSONResponse:
        return problem(request, exc.status, exc.title, exc.detail, exc.type, **exc.extra)

    @app.exception_handler(OutsideCalendar)
    async def outside_calendar(request: Request, exc: OutsideCalendar) -> JSONResponse:
        return problem(
            request,
            422,
            "Date outside the calendar",
            str(exc),
            "/problems/outside-calendar",
            errors=[{"field": "date", "message": str(exc)}],
        )

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [{"field": _field(tuple(e.get("loc", ()))), "message": e.get("msg", "invalid")} for e in exc.errors()]
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
        return problem(request, 422, "Invalid request", detail, "/problems/invalid-request", errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 400:  # a body that is not JSON, or nested too deeply to parse
            errors = [{"field": "body", "message": "not valid JSON, or nested too deeply"}]
            detail = "body: not valid JSON, or nested too deeply"
            return problem(request, 422, "Invalid request", detail, "/problems/invalid-request", errors=errors)
        headers = dict(getattr(exc, "headers", None) or {})
        if exc.status_code == 405:
            headers["Allow"] = ", ".join(allowed_methods(request)) or headers.get("Allow", "")
        titles = {
            401: "Unauthorized",
            403: "Forbidden",
            404: "Not found",
            405: "Method not allowed",
            413: "Request too large",
        }
        return problem(
            request,
            exc.status_code,
            titles.get(exc.status_code, "Error"),
            str(exc.detail),
            headers=headers or None,
        )

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return problem(request, 500, "Internal server error", "an unexpected error occurred; it has been logged")
