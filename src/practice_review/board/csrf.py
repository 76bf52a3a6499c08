"""CSRF protection for the board's forms: a token tied to the browser's session, checked on every POST.

The token is an HMAC of a fixed purpose under the session's own random id (the cookie value): another
site can neither read the cookie nor the page that carries the token, so it cannot forge a form. The
browser's Sec-Fetch-Site / Origin are checked as well (session.refuse_cross_site). A session that ends
makes its tokens worthless with it.
"""

from __future__ import annotations

import hashlib
import hmac

from fastapi import Request

from ..errors import NotPermitted
from .session import refuse_cross_site, session_token

FIELD = "csrf_token"
_PURPOSE = b"practice-review board form"


def token(request: Request) -> str:
    session = session_token(request)
    return hmac.new(session.encode(), _PURPOSE, hashlib.sha256).hexdigest() if session else ""


def check(request: Request, given: str | None) -> None:
    """Refuse (403) a form that came from elsewhere or carries no valid token for this session."""
    refuse_cross_site(request)
    expected = token(request)
    if not expected or not given or not hmac.compare_digest(expected, given):
        raise NotPermitted("this form has expired or did not come from the board: reload the page and try again")
