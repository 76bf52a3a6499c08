"""Signing in to the board with an API key, kept in a cookie the browser sends only to /board.

The key is entered once in a form (POSTed, never in a URL) and kept in an HttpOnly, SameSite=Strict
cookie scoped to /board (Secure over https). Every page checks it afresh with the API's own
`authenticate`, so a revoked or expired key stops working at once, and the board reads as the key's
caller: the same permission rules as the API.
"""

from __future__ import annotations

import re
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse, Response

from ..errors import NotPermitted
from ..roles import Caller
from ..services.keys import authenticate
from ..web import get_services

COOKIE = "practice_review_board"
PATH = "/board"
# Where a sign-in may send the browser back to: a board page's path, never another site or a query string.
_BOARD_PATH = re.compile(r"^/board(/[A-Za-z0-9_\-/]*)?$")


class SignInRequired(Exception):
    """No key, or one that is unknown, revoked or expired: the browser goes to the sign-in page."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


def board_caller(request: Request) -> Caller:
    secret = request.cookies.get(COOKIE)
    caller = authenticate(get_services(request), secret) if secret else None
    if caller is None:
        raise SignInRequired(request.url.path)
    return caller


BoardCaller = Annotated[Caller, Depends(board_caller)]


def refuse_cross_site(request: Request) -> None:
    """Signing in or out only from the board's own pages: another site cannot sign a browser in with its
    own key, or out (the browser says where a form came from in Sec-Fetch-Site, older ones in Origin)."""
    fetched_from = request.headers.get("sec-fetch-site", "same-origin")
    origin = request.headers.get("origin")
    if fetched_from not in ("same-origin", "none") or (origin and urlsplit(origin).netloc != request.url.netloc):
        raise NotPermitted("sign in and out from the board's own pages")


def back_to(next_path: str | None) -> str:
    """The board page to return to after signing in: `next_path` if it is one, else the board."""
    return next_path if next_path and _BOARD_PATH.match(next_path) and "//" not in next_path else PATH


def keep_key(response: Response, request: Request, secret: str) -> None:
    """For the browser session only (no expiry): closing the browser signs out."""
    response.set_cookie(
        COOKIE, secret, path=PATH, httponly=True, samesite="strict", secure=request.url.scheme == "https"
    )


def forget_key(response: Response, request: Request) -> None:
    response.delete_cookie(COOKIE, path=PATH, httponly=True, samesite="strict", secure=request.url.scheme == "https")


def to_sign_in(request: Request, exc: SignInRequired) -> RedirectResponse:
    target = back_to(exc.next_path)
    query = "" if target == PATH else f"?next={target}"
    response = RedirectResponse(f"{PATH}/sign-in{query}", status_code=303)
    if COOKIE in request.cookies:
        forget_key(response, request)
    return response
