"""The board's static files (CSS, scripts, vendored Mermaid, Swagger UI, ReDoc, GOV.UK Frontend), served
from the package with names that carry a hash of their content, gzip-compressed, and cached for a year.

A page names each file through `asset("board.css")`: `/board/static/board.1a2b3c4d5e6f.css`. A hashed
name never changes content, so it is sent `Cache-Control: public, max-age=31536000, immutable`; a new
release changes the name, never what a cached name means. A plain name (from a stylesheet's relative
`url()`, or an old page) is still served, with `no-cache` and an ETag so the browser checks it. Text
files are gzip-compressed once, on first request, and kept compressed in memory.
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
import re
from functools import cache
from pathlib import Path, PurePosixPath

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.exceptions import HTTPException

from .session import PATH

STATIC = Path(__file__).resolve().parent / "static"
PREFIX = f"{PATH}/static"
FOREVER = "public, max-age=31536000, immutable"
CHECK = "public, no-cache"
COMPRESSIBLE = ("text/", "application/javascript", "application/json", "image/svg+xml")
HASHED = re.compile(r"^(?P<stem>.+)\.(?P<hash>[0-9a-f]{12})(?P<suffix>\.[A-Za-z0-9]+)$")
TYPES = {".js": "application/javascript", ".css": "text/css", ".svg": "image/svg+xml", ".woff2": "font/woff2"}

router = APIRouter(prefix=PREFIX, include_in_schema=False)


@cache
def _digest(relative: str) -> str:
    return hashlib.sha256((STATIC / relative).read_bytes()).hexdigest()[:12]


def asset(relative: str) -> str:
    """The address of a static file, its name carrying its content's hash: `board.css` as
    `/board/static/board.1a2b3c4d5e6f.css`."""
    path = PurePosixPath(relative)
    return f"{PREFIX}/{path.with_name(f'{path.stem}.{_digest(relative)}{path.suffix}')}"


def _file(requested: str) -> tuple[str, bool]:
    """The file a request names (relative to STATIC) and whether the name was hashed with its current hash."""
    path = PurePosixPath(requested)
    if ".." in path.parts or path.is_absolute() or not requested:
        raise HTTPException(404)
    found = HASHED.match(path.name)
    if found:
        plain = str(path.with_name(found["stem"] + found["suffix"]))
        if (STATIC / plain).is_file():
            if _digest(plain) != found["hash"]:
                raise HTTPException(404)  # another release's file: never served under a name it does not have
            return plain, True
    if not (STATIC / requested).is_file():
        raise HTTPException(404)
    return requested, False


def _type(relative: str) -> str:
    suffix = PurePosixPath(relative).suffix
    return TYPES.get(suffix) or mimetypes.guess_type(relative)[0] or "application/octet-stream"


@cache
def _body(relative: str, compressed: bool) -> bytes:
    raw = (STATIC / relative).read_bytes()
    return gzip.compress(raw, compresslevel=9, mtime=0) if compressed else raw


@router.get("/{requested:path}")
def static_file(request: Request, requested: str) -> Response:
    relative, hashed = _file(requested)
    media_type = _type(relative)
    etag = f'"{_digest(relative)}"'
    headers = {"Cache-Control": FOREVER if hashed else CHECK, "ETag": etag, "X-Content-Type-Options": "nosniff"}
    compressible = media_type.startswith(COMPRESSIBLE)
    if compressible:
        headers["Vary"] = "Accept-Encoding"
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    gzipped = compressible and "gzip" in request.headers.get("accept-encoding", "")
    if gzipped:
        headers["Content-Encoding"] = "gzip"
    charset = "; charset=utf-8" if media_type.startswith(("text/", "application/javascript")) else ""
    return Response(_body(relative, gzipped), media_type=media_type + charset, headers=headers)
