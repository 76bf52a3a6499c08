"""Cursor pagination for every list (issue 19, Build 7).

Lists that were bare JSON arrays stay arrays, so partners reading them keep working: the next page is in
the `Link: <…>; rel="next"` header (RFC 8288) and `X-Next-Cursor`, and no header means the last page. Lists
that are objects (`/reviews`, `/deadlines`, history) carry `next_cursor` in the body as well. A cursor is
opaque: pass it back unchanged with `cursor=`.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from typing import Annotated, Any

from fastapi import Depends, Query, Request, Response

from ..errors import InvalidData, NotFound
from ..schemas import NO_CONTROL_CHARACTERS
from .contract import absolute

Limit = Annotated[int, Query(ge=1, le=500, description="Items per page (at most 500)")]
Cursor = Annotated[
    str | None,
    Query(
        max_length=200, pattern=NO_CONTROL_CHARACTERS, description="`next_cursor` or `X-Next-Cursor` of the page before"
    ),
]
NEXT_CURSOR = "X-Next-Cursor"


def encode(position: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(position, separators=(",", ":")).encode()).decode().rstrip("=")


def decode(cursor: str) -> Any:
    try:
        return json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, binascii.Error):
        raise InvalidData([{"field": "cursor", "message": "not a cursor this list gave"}]) from None


def after(cursor: str | None) -> int | None:
    """The id (or seq) a cursor of an id-ordered list points after."""
    if cursor is None:
        return None
    position = decode(cursor)
    if not isinstance(position, int) or isinstance(position, bool):
        raise InvalidData([{"field": "cursor", "message": "not a cursor this list gave"}])
    return position


def page(
    items: Sequence[dict[str, Any]], limit: int, cursor: str | None, key: str = "id"
) -> tuple[list[Any], str | None]:
    """A page of a list in ascending `key` order, and the cursor of the next (None: this is the last)."""
    start = after(cursor)
    rest = [i for i in items if start is None or i[key] > start]
    kept = rest[:limit]
    return kept, encode(kept[-1][key]) if len(rest) > limit else None


def link_next(request: Request, response: Response, next_cursor: str | None) -> None:
    if next_cursor is None:
        return
    url = absolute(
        request.scope,
        str(request.url.include_query_params(cursor=next_cursor)).removeprefix(str(request.base_url).rstrip("/")),
    )
    response.headers["Link"] = f'<{url}>; rel="next"'
    response.headers[NEXT_CURSOR] = next_cursor


class Page:
    """The page a list operation was asked for (`limit`, `cursor`) and where its next page's headers go."""

    def __init__(self, request: Request, response: Response, limit: int, cursor: str | None) -> None:
        self.request = request
        self.response = response
        self.limit = limit
        self.cursor = cursor

    def of(self, items: Sequence[dict[str, Any]]) -> list[Any]:
        """A bare-array list's page of `items` (ascending id), with its Link and X-Next-Cursor headers."""
        kept, next_cursor = page(items, self.limit, self.cursor)
        self.link(next_cursor)
        return kept

    def link(self, next_cursor: str | None) -> None:
        link_next(self.request, self.response, next_cursor)


def pages(default_limit: int) -> Callable[..., Page]:
    """The dependency reading `limit` (default `default_limit`) and `cursor` from the query (`async`: it waits
    for nothing, and FastAPI would run a sync one through the threadpool, issue 15)."""

    async def asked(request: Request, response: Response, limit: Limit = default_limit, cursor: Cursor = None) -> Page:
        return Page(request, response, limit, cursor)

    return asked


PageDep = Annotated[Page, Depends(pages(500))]


def one(items: Sequence[dict[str, Any]], wanted: int, what: str) -> dict[str, Any]:
    """The item of a list with this id, as the list shows it to the caller (so need to know holds), or 404:
    what a 201's Location names (issue 19)."""
    for item in items:
        if item["id"] == wanted:
            return dict(item)
    raise NotFound(f"no {what} {wanted} here")
