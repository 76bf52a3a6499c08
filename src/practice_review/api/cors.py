"""CORS for browsers on the origins in `PRACTICE_REVIEW_CORS_ALLOW_ORIGINS` (none by default: no
cross-origin browser calls), read at start-up; a refused preflight is a problem+json like every error."""

from __future__ import annotations

import json

from starlette.datastructures import Headers
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")
REQUEST_HEADERS = ("Authorization", "Content-Type", "Idempotency-Key", "If-Match", "If-None-Match", "X-Acting-For")
EXPOSED = ("Location", "ETag", "Link", "X-Next-Cursor", "Idempotent-Replayed", "X-Request-Id", "Retry-After")


class _Problems(CORSMiddleware):
    def preflight_response(self, request_headers: Headers) -> Response:
        refused = super().preflight_response(request_headers)
        if refused.status_code != 400:
            return refused
        detail = bytes(refused.body).decode()
        body = {"type": "about:blank", "title": "Cross-origin request refused", "status": 400, "detail": detail}
        headers = {k: v for k, v in refused.headers.items() if k.lower() not in ("content-length", "content-type")}
        return Response(json.dumps(body), 400, headers, media_type="application/problem+json")


class Cors:
    """Built on the first request, from the allow-list the app was started with (app.state)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.inner: ASGIApp | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":  # the allow-list is known once the app has started
            await self.app(scope, receive, send)
            return
        if self.inner is None:
            origins = tuple(getattr(scope["app"].state, "cors_allow_origins", ()) or ())
            self.inner = (
                _Problems(
                    self.app,
                    allow_origins=origins,
                    allow_methods=METHODS,
                    allow_headers=REQUEST_HEADERS,
                    expose_headers=EXPOSED,
                    max_age=600,
                )
                if origins
                else self.app
            )
        await self.inner(scope, receive, send)
