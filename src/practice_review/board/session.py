"""The board's sign-in cookie: a random session id, the session itself held server-side (services/sessions.py).

The cookie holds nothing secret but that id: HttpOnly, scoped to /board, Secure over https, SameSite=Lax
(a sign-in through an OpenID provider comes back as a cross-site top-level GET, and a Strict cookie set
there would not be sent on the way on to the board; the board's GETs change nothing, and signing in or
out refuses cross-site forms by Sec-Fetch-Site and Origin). Every page looks the session up afresh, so
an ended, expired or idle session, or a revoked key or person, stops working at once, and the board
reads as the session's caller: the same permission rules as the API.
"""

from __future__ import annotations

import re
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse, Response

from ..errors import NotPermitted
from ..roles import Caller
from ..services.sessions import SignedIn, signed_in
from ..web import get_services

COOKIE = "practice_review_board"
PATH = "/board"
# Where a sign-in may send the browser back to: a board page's path, never another site or a query string.
_BOARD_PATH = re.compile(r"^/board(/[A-Za-z0-9_\-/]*)?$")
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,100}$")


class SignInRequired(Exception):
    """No session, or one that is unknown, ended, expired or idle: the browser goes to the sign-in page."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


def session_token(request: Request, cookie: str = COOKIE) -> str | None:
    token = request.cookies.get(cookie)
    return token if token and _TOKEN.match(token) else None


def current_session(request: Request) -> SignedIn | None:
    token = session_token(request)
    services = get_services(request)
    return signed_in(services, token, services.board_idle_minutes) if token else None


def board_caller(request: Request) -> Caller:
    found = current_session(request)
    if found is None:
        raise SignInRequired(request.url.path)
    return found.caller


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


def set_cookie(response: Response, request: Request, name: str, value: str, path: str, max_age: int | None) -> None:
    secure = request.url.scheme == "https"
    response.set_cookie(name, value, path=path, max_age=max_age, httponly=True, samesite="lax", secure=secure)


def forget_cookie(response: Response, request: Request, name: str = COOKIE, path: str = PATH) -> None:
    response.delete_cookie(name, path=path, httponly=True, samesite="lax", secure=request.url.scheme == "https")


def keep_session(response: Response, request: Request, token: str) -> None:
    """For the browser session only (no Max-Age): closing the browser forgets it; the server ends it anyway."""
    set_cookie(response, request, COOKIE, token, PATH, None)


def to_sign_in(request: Request, exc: SignInRequired) -> RedirectResponse:
    target = back_to(exc.next_path)
    query = "" if target == PATH else f"?next={target}"
    response = RedirectResponse(f"{PATH}/sign-in{query}", status_code=303)
    if COOKIE in request.cookies:
        forget_cookie(response, request)
    return response
