"""One log line per request, with a request id; never a request or response body (they hold case details).

issue 19: the line carries the route template, status, duration and caller as fields (JSON logs), the
request is counted in /metrics, and an unhandled error is answered here, as a 500 problem that carries
X-Request-Id, and logged once with its traceback and request id (not again by the server).
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .. import metrics
from ..logs import REQUEST_ID as CURRENT_REQUEST_ID

log = logging.getLogger("practice_review.requests")
REQUEST_ID = b"x-request-id"
SAFE_ID = re.compile(rb"^[A-Za-z0-9._\-]{1,64}$")
CALLER = "caller"  # scope["state"][CALLER]: who asked, set by api/auth.py once the key or token is known


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
        started, status, responded = time.perf_counter(), 500, False
        context = CURRENT_REQUEST_ID.set(request_id.decode())

        async def send_with_id(message: Message) -> None:
            nonlocal status, responded
            if message["type"] == "http.response.start":
                status, responded = message["status"], True
                message["headers"] = [*message.get("headers", []), (REQUEST_ID, request_id)]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            extra = {"request_id": request_id.decode(), "method": scope["method"], "path": scope["path"]}
            log.exception("unhandled error on %s %s", scope["method"], scope["path"], extra=extra)
            if not responded and _on_board(scope):  # a person at the board gets a page, with the menu
                await _board_error(scope, receive, send_with_id)
            elif not responded:
                await _internal_error(scope, send_with_id)
        finally:
            seconds = time.perf_counter() - started
            route = getattr(scope.get("route"), "path", "unmatched")
            metrics.observe(scope["method"], route, status, seconds)
            log.info(
                "%s %s %s %d %.1fms",
                request_id.decode(),
                scope["method"],
                scope["path"],
                status,
                seconds * 1000,
                extra={
                    "request_id": request_id.decode(),
                    "method": scope["method"],
                    "route": route,
                    "status": status,
                    "duration_ms": round(seconds * 1000, 1),
                    "caller": scope.get("state", {}).get(CALLER),
                },
            )
            CURRENT_REQUEST_ID.reset(context)


async def _internal_error(scope: Scope, send: Send) -> None:
    body = json.dumps(
        {
            "type": "about:blank",
            "title": "Internal server error",
            "status": 500,
            "detail": "an unexpected error occurred; it has been logged with this response's X-Request-Id",
            "instance": scope["path"],
        }
    ).encode()
    headers = [(b"content-type", b"application/problem+json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 500, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _on_board(scope: Scope) -> bool:
    path = scope.get("path", "")
    return bool(path == "/board" or path.startswith("/board/"))


async def _board_error(scope: Scope, receive: Receive, send: Send) -> None:
    from starlette.requests import Request

    from ..board.pages import error_page

    await error_page(Request(scope, receive), 500, "An unexpected error occurred; it has been logged.")(
        scope, receive, send
    )
