"""A response body checked against its schema and encoded to JSON once, in the endpoint's own thread.

FastAPI would do the same for a sync endpoint, but in a second trip through the threadpool after the
endpoint's (issue 15). The route keeps its `response_model`, so the spec is unchanged, and the bytes are
those FastAPI's own encoding gives (pydantic-core's, by alias).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from fastapi import Response
from pydantic import BaseModel, TypeAdapter

from .contract import tag_of


@cache
def _adapter(model: type[BaseModel]) -> TypeAdapter[Any]:
    return TypeAdapter(model)


def encoded(model: type[BaseModel], body: dict[str, Any], status_code: int = 200) -> Response:
    """With its ETag, from the version in hand: api/contract.py need not parse the body again to find it."""
    adapter = _adapter(model)
    content = adapter.dump_json(adapter.validate_python(body), by_alias=True)
    tag = tag_of(content, body.get("version"))
    return Response(content, status_code, headers={"ETag": tag}, media_type="application/json")
