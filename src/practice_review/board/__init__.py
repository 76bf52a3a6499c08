"""The deadline board (issue 8): the Business Unit's read-only window on every review, in the browser.

Server-rendered pages under /board (routes.py), behind a server-side session (session.py) opened by
signing in (sign_in.py) with an organisation's account or, where none is configured, an API key; reading
through the services only: the board table (listing.py), a review's page (views.py) and the
calendar (months.py), search, ended reviews and totals (listing.py), the §21 figures with SVG charts
(figures.py), what is due from an organisation (due.py), with red / amber / green marks (urgency.py) and
plain words (words.py). Templates, CSS, the small script and the vendored Mermaid, Swagger UI and ReDoc
are package data, served from the package itself with hashed names (assets.py).
"""

from __future__ import annotations

from fastapi import FastAPI

from . import acting, assets, documents, pages, sign_in
from .assets import STATIC
from .routes import router

__all__ = ["STATIC", "install"]


def install(app: FastAPI) -> None:
    """Add the board to the app; call after the API's problem handlers are installed."""
    app.include_router(sign_in.router)
    app.include_router(assets.router)  # hashed names, gzip, a year's Cache-Control (assets.py)
    app.include_router(router)
    app.include_router(acting.router)  # issue 17: the forms
    app.include_router(documents.router)  # issue 18: documents and calendars of a review
    pages.install(app)
