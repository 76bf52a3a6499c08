"""The deadline board (issue 8): the Business Unit's read-only window on every review, in the browser.

Server-rendered pages under /board (routes.py), behind a server-side session (session.py) opened by
signing in (sign_in.py) with an organisation's account or, where none is configured, an API key; reading
through the services only: the board table (listing.py), a review's page (views.py) and the
calendar (months.py), with red / amber / green marks (urgency.py). Templates, CSS, the small script
and the vendored Mermaid are package data, served from the package itself.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from . import acting, pages, sign_in
from .routes import router
from .session import PATH

STATIC = pages.HERE / "static"


def install(app: FastAPI) -> None:
    """Add the board to the app; call after the API's problem handlers are installed."""
    app.include_router(sign_in.router)
    app.include_router(router)
    app.include_router(acting.router)
    app.mount(f"{PATH}/static", StaticFiles(directory=STATIC), name="board-static")
    pages.install(app)
