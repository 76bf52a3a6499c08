"""The FastAPI application: HTTP in, domain calls, JSON out."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from anyio import to_thread
from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from .. import board, tracing
from ..bootstrap import build_services
from ..config import ConfigurationError, Settings
from ..schemas import SETTINGS_LIST
from ..services.common import Services
from ..workflow.definitions import load_directory, request_kinds
from ..workflow.partnership import load_partnership
from . import docs, problems
from .contract import HttpContract
from .cors import Cors
from .idempotency import IdempotencyRecorder, Replay, replay_response
from .limits import BodySizeLimit
from .request_log import RequestLog
from .routes import (
    actions,
    calendar,
    calendar_feeds,
    clocks,
    deadlines,
    documents,
    health,
    keys,
    page_views,
    records,
    reference,
    reports,
    reviews,
    subscriptions,
    workflows,
)
from .spec import document, operation_id

DESCRIPTION = """Child safeguarding practice reviews as executable workflows.
Every error is `application/problem+json`; a refused transition lists each unmet rule in `blocked_by`."""


def create_app(settings: Settings | None = None, services: Services | None = None) -> FastAPI:
    """The app; its services are built at start-up (from `settings`, or the environment) unless given."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = services is None
        configured = settings or Settings.from_env()
        app.state.services = services or build_services(configured)
        tracing.instrument_engines(app.state.services.db.engine, app.state.services.db.reports_engine)
        app.state.database_probe = health.DatabaseProbe()
        app.state.public_base_url = configured.public_base_url
        app.state.cors_allow_origins = configured.cors_allow_origins
        # Few threads per process: a request holds the GIL for most of its time, so more threads only
        # queue for it, raising latency (bench/README.md).
        to_thread.current_default_thread_limiter().total_tokens = configured.threads
        try:
            yield
        finally:
            if owned:
                app.state.services.db.dispose()

    app = FastAPI(
        title="practice-review",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        generate_unique_id_function=operation_id,
        docs_url=None,  # served offline by api/docs.py, not from a CDN
        redoc_url=None,
    )
    app.add_middleware(IdempotencyRecorder)
    app.add_middleware(HttpContract)
    app.add_middleware(BodySizeLimit, max_bytes=_max_body_bytes(settings))
    app.add_middleware(Cors)
    app.add_middleware(RequestLog)
    problems.install(app)
    app.add_exception_handler(Replay, replay_response)  # type: ignore[arg-type]
    # Each operation keeps the HTTP contract through its route class (api/routing.py). FastAPI tries the
    # routes in this order and each miss costs about 15,000 instructions, so the paths partner systems and
    # schedulers poll come first (issue 15). The feed's `{token}.ics` must stay
    # before calendar_feeds' `{feed_id}`, which would match it too.
    app.include_router(health.router)
    for module in (reviews, deadlines):
        app.include_router(module.router)
    app.include_router(reference.router)
    app.include_router(calendar_feeds.feed_router)  # issue 18: its URL's secret, no key
    for module in (
        calendar,
        calendar_feeds,
        workflows,
        records,
        clocks,
        actions,
        documents,
        subscriptions,
        reports,
        keys,
        page_views,
    ):
        app.include_router(module.router)
    app.include_router(docs.router)  # /docs and /redoc, from the package's own files
    board.install(app)  # the browser pages under /board: not part of the API's schema
    app.openapi = lambda: _openapi(app, settings, services)  # type: ignore[method-assign]
    tracing.instrument_app(app)  # issue 19: only when OTEL_* variables ask for traces
    return app


def _max_body_bytes(settings: Settings | None) -> int:
    """PRACTICE_REVIEW_MAX_BODY_BYTES, known before start-up (the middleware is set up first); a bad
    configuration is reported by the lifespan's Settings.from_env, so the default stands in until then."""
    try:
        return (settings or Settings.from_env()).max_body_bytes
    except ConfigurationError:
        return Settings.model_fields["max_body_bytes"].default  # type: ignore[no-any-return]


def _settings_lists(settings: Settings | None, services: Services | None) -> dict[str, list[str]]:
    """T1: the lists the spec's `x-settings` schemas name, from the running service's workflows (or, for a
    spec written without one running, those the configuration points at)."""
    if services is not None:
        definitions, partnership = services.engine.current_definitions, services.engine.partnership
    else:
        directory = (settings or Settings.from_env()).workflows_dir
        definitions, partnership = load_directory(directory), load_partnership(directory)
    return {
        "statutory_partners": list(partnership.statutory_partners),
        "endorsing_parties": list(partnership.endorsing_parties),
        "information_requests": list(request_kinds(definitions)),
    }


def _fill_settings_enums(node: Any, lists: dict[str, list[str]]) -> None:
    if isinstance(node, dict):
        named = node.pop(SETTINGS_LIST, None)
        if named is not None:
            node["enum"] = lists[named]
        for value in node.values():
            _fill_settings_enums(value, lists)
    elif isinstance(node, list):
        for value in node:
            _fill_settings_enums(value, lists)


def _openapi(app: FastAPI, settings: Settings | None, services: Services | None) -> dict[str, Any]:
    """The generated spec, with every error response documented as application/problem+json, and the
    partnership's codes as enums (T1)."""
    if app.openapi_schema is None:
        spec = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
        for path in spec["paths"].values():
            for operation in path.values():
                for status, response in operation.get("responses", {}).items():
                    if status[0] in "45":
                        schema = response.get("content", {}).get("application/json", {}).get("schema", {})
                        if schema.get("$ref", "").endswith("/HTTPValidationError"):
                            schema = {"$ref": "#/components/schemas/ValidationProblem"}
                        response["content"] = {
                            "application/problem+json": {"schema": schema or {"$ref": "#/components/schemas/Problem"}}
                        }
        schemas = spec.get("components", {}).get("schemas", {})
        for unused in ("HTTPValidationError", "ValidationError"):
            schemas.pop(unused, None)
        running = services or getattr(app.state, "services", None)
        _fill_settings_enums(spec, _settings_lists(settings, running))
        document(spec, settings.public_base_url if settings else getattr(app.state, "public_base_url", None))
        app.openapi_schema = spec
    return app.openapi_schema
