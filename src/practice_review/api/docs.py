"""The API's documentation pages, /docs (Swagger UI) and /redoc (ReDoc), working offline: their scripts
and styles are vendored in the package (board/static/vendor/, with their licences) and served with
hashed names (board/assets.py), never fetched from a CDN as FastAPI's defaults would."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse
from markupsafe import Markup

from ..board.assets import asset

router = APIRouter(include_in_schema=False)
SPEC = "/openapi.json"
HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        "worker-src 'self' blob:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
    ),
    "Cache-Control": "no-cache",
    "X-Content-Type-Options": "nosniff",
}


def _page(title: str, head: str, body: str) -> HTMLResponse:
    html = Markup(
        '<!doctype html>\n<html lang="en-GB">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        "<title>{title}</title>\n{head}</head>\n"
        '<body data-spec="{spec}">\n<main>\n{body}</main>\n'
        '<script src="{start}" defer></script>\n</body>\n</html>\n'
    ).format(title=title, head=Markup(head), spec=SPEC, body=Markup(body), start=asset("api-docs.js"))
    return HTMLResponse(str(html), headers=HEADERS)


@router.get("/docs")
def swagger_ui() -> HTMLResponse:
    head = Markup('<link rel="stylesheet" href="{}">\n<script src="{}" defer></script>\n').format(
        asset("vendor/swagger-ui/swagger-ui.css"), asset("vendor/swagger-ui/swagger-ui-bundle.js")
    )
    return _page("practice-review API (Swagger UI)", head, '<div id="swagger-ui"></div>\n')


@router.get("/redoc")
def redoc() -> HTMLResponse:
    head = Markup('<script src="{}" defer></script>\n').format(asset("vendor/redoc/redoc.standalone.js"))
    return _page("practice-review API (ReDoc)", head, '<div id="redoc"></div>\n')
