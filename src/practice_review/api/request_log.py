"""One log line per request, with a request id; never a request or response body (they hold case details)."""

from __future__ import annotations

import atexit
import logging
import logging.handlers
import queue
import re
import sys
import time
import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("practice_review.requests")
REQUEST_ID = b"x-request-id"
SAFE_ID = re.compile(rb"^[A-Za-z0-9._\-]{1,64}$")


class RequestLog:
    """Takes the caller's X-Request-Id (if it is a plain token) or makes one, returns it, and logs the request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope["headers"]).get(REQUEST_ID, b"")
        request_id = given if SAFE_ID.match(given) else uuid.uuid4().hex.encode()
        started, status = time.perf_counter(), 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), (REQUEST_ID, request_id)]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            log.info(
                "%s %s %s %d %.1fms",
                request_id.decode(),
                scope["method"],
                scope["path"],
                status,
                (time.perf_counter() - started) * 1000,
            )


class _Unformatted(logging.handlers.QueueHandler):
    def prepare(self, record: logging.LogRecord) -> logging.LogRecord:
        return record  # formatted by the listener's handler, off the request's thread


def queued(handler: logging.Handler) -> logging.Handler:
    """`handler` behind a queue: a request only enqueues its line; a thread formats and writes it."""
    lines: queue.SimpleQueue[logging.LogRecord] = queue.SimpleQueue()
    listener = logging.handlers.QueueListener(lines, handler, respect_handler_level=True)
    listener.start()
    atexit.register(listener.stop)
    return _Unformatted(lines)


def queued_stderr() -> logging.Handler:
    """For logging.config (cli.py's `serve`): uvicorn's own line format on standard error, behind a queue."""
    from uvicorn.logging import DefaultFormatter

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(DefaultFormatter("%(levelprefix)s %(message)s"))
    return queued(handler)
