"""OpenTelemetry traces of requests, SQL and outgoing HTTP (webhooks, OpenID providers): off unless the
standard OTEL_* variables ask for them, and then only with the `[tracing]` extra installed.

On when OTEL_TRACES_EXPORTER is set (otlp or console) or an OTLP endpoint is; OTEL_SERVICE_NAME,
OTEL_RESOURCE_ATTRIBUTES, OTEL_EXPORTER_OTLP_* and OTEL_TRACES_SAMPLER are read by the SDK itself.
The probes (/livez, /readyz, /health, /metrics) are not traced.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import Any

log = logging.getLogger("practice_review.tracing")
UNTRACED = "livez,readyz,health,metrics"


def wanted(env: Mapping[str, str] | None = None) -> bool:
    env = os.environ if env is None else env
    exporter = env.get("OTEL_TRACES_EXPORTER", "").strip().lower()
    if exporter == "none" or env.get("OTEL_SDK_DISABLED", "").lower() == "true":
        return False
    return bool(exporter or env.get("OTEL_EXPORTER_OTLP_ENDPOINT") or env.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"))


def provider() -> Any | None:
    """The process's tracer provider, made once, or None when tracing is off or cannot be had."""
    if not wanted():
        return None
    try:
        from opentelemetry import trace
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SimpleSpanProcessor
    except ImportError:
        log.warning(
            "OTEL_* asks for traces but the tracing extra is not installed: pip install 'practice-review[tracing]'"
        )
        return None
    current = trace.get_tracer_provider()
    if isinstance(current, TracerProvider):
        return current
    made = TracerProvider(
        resource=Resource.create({"service.name": os.environ.get("OTEL_SERVICE_NAME", "practice-review")})
    )
    if os.environ.get("OTEL_TRACES_EXPORTER", "otlp").strip().lower() == "console":
        made.add_span_processor(SimpleSpanProcessor(ConsoleSpanExporter()))
    else:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        made.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(made)
    return made


def instrument_app(app: Any) -> None:
    """Spans for every request but the probes (before the app first runs: it adds a middleware)."""
    tracer_provider = provider()
    if tracer_provider is not None:
        from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

        FastAPIInstrumentor.instrument_app(app, tracer_provider=tracer_provider, excluded_urls=UNTRACED)


def instrument_engines(*engines: Any) -> None:
    """Spans for SQL on these engines, and for every outgoing httpx request (traces never stop the service)."""
    tracer_provider = provider()
    if tracer_provider is None:
        return
    try:
        _instrument_engines(tracer_provider, engines)
    except Exception:  # noqa: BLE001 - a tracing failure is logged; requests are still served
        log.exception("tracing of SQL and outgoing HTTP could not be set up")


def _instrument_engines(tracer_provider: Any, engines: tuple[Any, ...]) -> None:
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
    from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor

    sql = SQLAlchemyInstrumentor()
    if sql.is_instrumented_by_opentelemetry:
        sql.uninstrument()
    # skip_dep_check: the instrumentation's declared SQLAlchemy range lags releases; its engine hooks work
    sql.instrument(engines=[e for e in engines if e is not None], tracer_provider=tracer_provider, skip_dep_check=True)
    if not HTTPXClientInstrumentor().is_instrumented_by_opentelemetry:
        HTTPXClientInstrumentor().instrument(tracer_provider=tracer_provider)
