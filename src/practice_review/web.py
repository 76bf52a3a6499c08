"""What the two HTTP faces (the API and the board) share: the running service's parts on the app."""

from __future__ import annotations

from fastapi import Request

from .services.common import Services


def get_services(request: Request) -> Services:
    return request.app.state.services  # type: ignore[no-any-return]
