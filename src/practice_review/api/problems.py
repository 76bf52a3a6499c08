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
from .contract import absolute

PROBLEM = "application/problem+json"
log = logging.getLogger("practice_review")


# Every problem `type` the API answers with, each explained at GET /problems/{slug} (issue 19): the
# type is that page's absolute URL, so an integrator can follow it from any refusal.
PAGES: dict[str, tuple[int, str, str]] = {
    "guard-failed": (
        409,
        "Refused by the workflow's rules",
        "The event is possible from the review's state, but rules of the policy are not met yet. `blocked_by` lists "
        "every unmet rule with its id (look each up at GET /rules/{id}) and what is missing. Nothing changed; "
        "record what is missing, then fire the event again.",
    ),
    "stale-version": (
        409,
        "Stale version",
        "`expected_version` is not the review's (or the action's) current version: someone changed it since you "
        "read it. `current_version` says what it is now. Nothing changed: read it again, check, and retry.",
    ),
    "precondition-failed": (
        412,
        "Precondition failed",
        "`If-Match` named an ETag whose version is no longer current (RFC 9110 §13.1.1). `current_version` says "
        "what it is now. Nothing changed: GET the resource for its current ETag, check, and retry.",
    ),
    "conflict": (409, "Conflict", "The request clashes with the state of the thing it changes. Nothing changed."),
    "idempotency-key-in-progress": (
        409,
        "Idempotency key in use",
        "Another request with this `Idempotency-Key` is still running (or was cut off before it answered). Retry "
        "with the same key after a short wait: it will get that request's answer.",
    ),
    "idempotent-secret-withheld": (
        409,
        "Secret not shown again",
        "The first request with this `Idempotency-Key` succeeded, and its answer carried a secret shown only once "
        "(an API key, a subscription's signing secret), which is never stored. `Location` says where the thing is; "
        "rotate the secret (or make a new key) if the first answer was lost.",
    ),
    "invalid-data": (
        422,
        "Invalid data",
        "The request was well formed but its content is not acceptable: `errors` names each field and why. "
        "Nothing changed.",
    ),
    "invalid-request": (
        422,
        "Invalid request",
        "The request does not match the operation: a missing or malformed field, a value out of range, an unknown "
        "query parameter, or a body that is not JSON. `errors` names each field. Nothing changed.",
    ),
    "event-not-available": (
        422,
        "Event not available",
        "The event is not one of the workflow's, or cannot happen from the review's current state. `available` "
        "lists the events that can; GET /workflows/{review_type} shows the whole state machine.",
    ),
    "unknown-review-type": (422, "Unknown review type", "No workflow of that review type: see GET /workflows."),
    "outside-calendar": (
        422,
        "Date outside the calendar",
        "The date is outside the years whose bank holidays the service knows, so working days cannot be counted.",
    ),
    "not-found": (404, "Not found", "No such review, meeting, action or other record, or not one this key may see."),
    "forbidden": (
        403,
        "Forbidden",
        "The key or person is known, but its role may not do this (or not for this partner or organisation). "
        "Who may do what is in the README's access table.",
    ),
    "unauthorized": (
        401,
        "Unauthorized",
        "No credentials, or an unknown, revoked or expired API key, or an access token that is not valid here: "
        "send `Authorization: Bearer <key or token>`.",
    ),
    "method-not-allowed": (
        405,
        "Method not allowed",
        "The path does not take this method: `Allow` lists those it does.",
    ),
    "request-too-large": (413, "Request too large", "The request body is larger than the service accepts."),
    "renderer-unavailable": (
        503,
        "PDF renderer unavailable",
        "The PDF could not be made here (its renderer is not installed or failed); ask for the DOCX "
        "(`format=docx`) meanwhile, and tell the service's operator.",
    ),
    "not-ready": (
        503,
        "Service not ready",
        "The service cannot serve yet: its database is unreachable, its schema is not at the code's revision, or "
        "its workflows are not loaded (`detail` says which). Retry after `Retry-After` seconds; an operator "
        "should look at /readyz and the logs.",
    ),
    "unavailable": (503, "Service unavailable", "Something the service depends on cannot be reached; try again."),
    "internal-error": (500, "Internal server error", "An unexpected error; it has been logged with the request id."),
}
HTTP_TYPES = {
    401: "unauthorized",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    413: "request-too-large",
}
HTTP_TYPES |= {503: "unavailable", 500: "internal-error"}


def type_uri(request: Request, type_: str) -> str:
    """A problem type as the absolute URL of its page (RFC 9457 §3.1.1: a type should resolve)."""
    return absolute(request.scope, type_)


def problem(
    request: Request,
    status: int,
    title: str,
    detail: str,
    type_: str = "about:blank",
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    if type_ == "about:blank" and status in HTTP_TYPES:
        type_ = f"/problems/{HTTP_TYPES[status]}"
    body = {
        "type": type_uri(request, type_),
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
        **extra,
    }
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
