"""The HTTP contract every API response keeps (issue 19, Build 7): an absolute `Location` on a 201, an
`ETag` on every JSON representation (`If-None-Match` → 304), `If-Match` honoured where a version is
checked (412 when stale), `Cache-Control: no-store` on case data, and 422 for a query parameter the
operation does not take.

A versioned resource's tag is `"<version>.<digest>"`: the digest changes with anything in the
representation (a clock's working days left change overnight, need to know changes what a key sees), so
a 304 is only ever for the same bytes; `If-Match` compares the version alone, because what it guards
against is someone else's change in between. Anything else gets a weak tag of its digest.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from fastapi import Request
from fastapi.dependencies.models import Dependant
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..errors import InvalidData
from ..services.common import ACCEPTED_VERSIONS

CASE_DATA = ("/reviews", "/deadlines", "/reports", "/subscriptions", "/keys")
NO_STORE = "no-store"
RESOURCE_BYTES = 256 * 1024
_TAG_VERSION = re.compile(r'(?:W/)?"(\d+)(?:\.[^"]*)?"')


def base_url(scope: Scope) -> str:
    """The service's public URL: the configured one, or the one the request came to."""
    configured = getattr(scope["app"].state, "public_base_url", None)
    if configured:
        return str(configured).rstrip("/")
    return str(Request(scope).base_url).rstrip("/")


def absolute(scope: Scope, reference: str) -> str:
    return base_url(scope) + reference if reference.startswith("/") else reference


def entity_tag(body: bytes) -> str:
    try:  # a resource is small; a long body is a list, whose tag is its digest alone
        version = json.loads(body).get("version") if body.startswith(b"{") and len(body) < RESOURCE_BYTES else None
    except ValueError:
        version = None
    return tag_of(body, version)


def tag_of(body: bytes, version: Any) -> str:
    """The tag of a body whose version (or None) is known: api/encoding.py's, without parsing it again."""
    digest = hashlib.blake2b(body, digest_size=9).hexdigest()
    if isinstance(version, int) and not isinstance(version, bool):
        return f'"{version}.{digest}"'
    return f'W/"{digest}"'


def _opaque(tag: str) -> str:
    return tag.strip().removeprefix("W/")


def matches_none(if_none_match: str, tag: str) -> bool:
    """RFC 9110 §13.1.2, weak comparison: does the client's copy match this representation?"""
    if if_none_match.strip() == "*":
        return True
    return _opaque(tag) in {_opaque(t) for t in if_none_match.split(",")}


def if_match(request: Request) -> None:
    """The versions `If-Match` accepts, checked where the write checks its version."""
    header = request.headers.get("if-match")
    if header is None or header.strip() == "*":
        return
    ACCEPTED_VERSIONS.set(frozenset(int(v) for v in _TAG_VERSION.findall(header)))


def refuse_unknown_query(request: Request, names: frozenset[str]) -> None:
    """A query parameter the operation does not take (`names`) is refused, not ignored."""
    if not request.scope.get("query_string"):
        return
    unknown = sorted({name for name in request.query_params if name not in names})
    if unknown:
        takes = ", ".join(sorted(names)) or "none"
        raise InvalidData(
            [
                {"field": f"query.{name}", "message": f"not a parameter of this operation (it takes: {takes})"}
                for name in unknown
            ]
        )


def query_names(dependant: Dependant) -> frozenset[str]:
    """The query parameters an operation takes, its dependencies' included."""
    names = {p.alias for p in dependant.query_params}
    for sub in dependant.dependencies:
        names |= query_names(sub)
    return frozenset(names)


class HttpContract:
    """ASGI middleware for the headers above, on the API's paths (the board sets its own)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or path.startswith("/board"):
            await self.app(scope, receive, send)
            return
        case_data = path.startswith(CASE_DATA)
        start: Message | None = None
        chunks: list[bytes] = []

        async def respond(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if case_data:
                    headers["Cache-Control"] = NO_STORE
                if "location" in headers:
                    headers["Location"] = absolute(scope, headers["location"])
                if headers.get("content-type", "").startswith("application/json") and message["status"] < 300:
                    start = message  # hold it: the tag and a derived Location need the body
                    return
                await send(message)
                return
            if start is None:
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            await self._finish(scope, start, b"".join(chunks), send)

        await self.app(scope, receive, respond)

    async def _finish(self, scope: Scope, start: Message, body: bytes, send: Send) -> None:
        headers = MutableHeaders(scope=start)
        tag = headers.get("etag") or entity_tag(body)
        headers["ETag"] = tag
        if start["status"] == 201 and "location" not in headers:
            created = _id_of(body)
            if created is not None:
                headers["Location"] = absolute(scope, f"{scope['path'].rstrip('/')}/{created}")
        if_none_match = Request(scope).headers.get("if-none-match")
        if scope["method"] in ("GET", "HEAD") and if_none_match and matches_none(if_none_match, tag):
            for name in ("content-length", "content-type"):
                del headers[name]
            await send({**start, "status": 304})
            await send({"type": "http.response.body", "body": b""})
            return
        await send(start)
        await send({"type": "http.response.body", "body": body})


def _id_of(body: bytes) -> Any:
    try:
        parsed = json.loads(body)
    except ValueError:
        return None
    return parsed.get("id") if isinstance(parsed, dict) else None
