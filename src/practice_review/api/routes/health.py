"""Probes and metrics, none needing an API key (docs/operating.md "Probes and metrics").

/livez: the process answers (restart it if not). /readyz: it can serve (send it traffic only if so): the
database answers, its schema is at the code's head, and the workflows are loaded. /health: the old probe,
kept for compatibility, 503 when the database is gone. /metrics: Prometheus text, behind a token when one
is set (PRACTICE_REVIEW_METRICS_TOKEN), else only for scrapers on this host.
"""

from __future__ import annotations

import hmac
import ipaddress
import time
from functools import cache

import anyio
from anyio import to_thread
from fastapi import Request, Response
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from ... import metrics
from ...services.common import Services
from ...storage.migrations import head_revision
from ..auth import ServicesDep
from ..problems import problem
from ..routing import api_router

router = api_router(tags=["health"])
HEALTH_CHECK = text("SELECT 1")
PROBE_SECONDS = 1.0  # /health reuses its last database check for this long (issue 15)
NOT_READY = {503: {"description": "Not ready: `detail` says why (application/problem+json)"}}


@cache
def _head() -> str:
    return head_revision()


def _unavailable(request: Request, detail: str) -> Response:
    return problem(request, 503, "Service unavailable", detail, "/problems/not-ready", headers={"Retry-After": "5"})


@router.get("/livez", summary="Liveness: the process answers (no key needed; no database)")
async def livez() -> dict[str, str]:  # async: nothing to wait for, so no threadpool trip (issue 15)
    return {"status": "ok"}


@router.get(
    "/readyz",
    summary="Readiness: database reachable, schema at head, workflows loaded (no key needed)",
    response_model=dict[str, str],
    responses=NOT_READY,
)
def readyz(request: Request, services: ServicesDep) -> dict[str, str] | Response:
    try:
        with services.db.read() as session:
            revision = session.scalar(text("SELECT version_num FROM alembic_version"))
    except SQLAlchemyError as exc:
        reason = "no schema (alembic_version is missing)" if _no_table(exc) else "database unreachable"
        return _unavailable(request, reason)
    if revision != _head():
        return _unavailable(request, f"schema at revision {revision}, the code needs {_head()}: run migrate")
    if not services.engine.current_definitions:
        return _unavailable(request, "no workflows loaded")
    return {"status": "ok", "database": "ok", "schema": revision, "workflows": "ok"}


class DatabaseProbe:
    """/health's database check, made at most once a second per process, however many ask: under a
    monitor's or a load balancer's polling each request would otherwise cost a pooled connection and a
    round trip (issue 15). Requests that arrive while a check is running wait for that one."""

    def __init__(self) -> None:
        self.answered_at = -PROBE_SECONDS
        self.reachable = False
        self.lock = anyio.Lock()

    async def reachable_now(self, services: Services) -> bool:
        if time.monotonic() - self.answered_at < PROBE_SECONDS:
            return self.reachable
        async with self.lock:
            if time.monotonic() - self.answered_at >= PROBE_SECONDS:  # not answered while this one waited
                self.reachable = await to_thread.run_sync(_database_answers, services)
                self.answered_at = time.monotonic()
        return self.reachable


def _database_answers(services: Services) -> bool:
    try:
        services.db.first(HEALTH_CHECK)
    except SQLAlchemyError:
        return False
    return True


@router.get(
    "/health",
    summary="Liveness and database check (no key needed)",
    response_model=dict[str, str],
    responses=NOT_READY,
)
async def health(request: Request, services: ServicesDep) -> dict[str, str] | Response:
    if not await request.app.state.database_probe.reachable_now(services):
        return _unavailable(request, "database unreachable")
    return {"status": "ok", "database": "ok"}


@router.get("/metrics", include_in_schema=False)
def scrape(request: Request, services: ServicesDep) -> Response:
    token = services.metrics_token
    if token is not None:
        given = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        if not hmac.compare_digest(given.encode(), token.encode()):
            return problem(
                request,
                401,
                "Unauthorized",
                "/metrics needs Authorization: Bearer <the metrics token>",
                headers={"WWW-Authenticate": "Bearer"},
            )
    elif not _loopback(request):
        detail = "/metrics answers only this host's scrapers unless PRACTICE_REVIEW_METRICS_TOKEN is set"
        return problem(request, 403, "Forbidden", detail)
    try:
        body = metrics.render(services)
    except SQLAlchemyError:
        return _unavailable(request, "database unreachable")
    return Response(body, media_type=metrics.CONTENT_TYPE)


def _loopback(request: Request) -> bool:
    host = request.client.host if request.client else ""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _no_table(exc: SQLAlchemyError) -> bool:
    words = str(exc).lower()
    return "alembic_version" in words and ("no such table" in words or "does not exist" in words)
