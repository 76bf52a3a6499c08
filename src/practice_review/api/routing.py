"""The route class every API operation is built with (issue 15).

The checks every operation shares (api/contract.py's unknown query parameters and `If-Match`, and a
POST's `Idempotency-Key`) were router dependencies, which FastAPI solves again on every request: about
7 % of a review's read. Here the first two run in the route's handler, with the operation's query names
worked out once, and only a POST carries the idempotency dependency.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute

from .contract import if_match, query_names, refuse_unknown_query
from .idempotency import idempotent


class ContractRoute(APIRoute):
    def __init__(self, path: str, endpoint: Callable[..., Any], **options: Any) -> None:
        if "POST" in (options.get("methods") or ()):
            options["dependencies"] = [*(options.get("dependencies") or ()), Depends(idempotent)]
        super().__init__(path, endpoint, **options)

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        names = query_names(self.dependant)

        async def checked(request: Request) -> Response:
            refuse_unknown_query(request, names)
            if_match(request)
            try:
                return await handler(request)
            except RequestValidationError:
                await _refuse_unknown_credentials(request)
                raise

        return checked


async def _refuse_unknown_credentials(request: Request) -> None:
    """An endpoint that checks its key itself (CredentialsDep) still answers a bad key with 401 before a bad
    body with 422, as a route whose dependency checks it (CallerDep) does."""
    credentials = getattr(request.state, "credentials", None)
    if credentials is not None:
        await run_in_threadpool(credentials.caller)


def api_router(**options: Any) -> APIRouter:
    """An APIRouter whose operations keep the HTTP contract (api/contract.py)."""
    return APIRouter(route_class=ContractRoute, **options)
