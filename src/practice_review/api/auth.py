"""Bearer credentials: an API key, or a JWT from a trusted issuer (issue 16).

401 for a missing, unknown, revoked or expired key and for an invalid token (RFC 6750 `invalid_token`,
saying why in `error_description`); 403 (`insufficient_scope`) for a valid token that gives no role here:
the person is known, a new token would not help. A role that may not take an action is 403 elsewhere.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from ..identity.discovery import ProviderUnavailable
from ..identity.people import NoRole, identify
from ..identity.tokens import InvalidToken, looks_like_jwt, verify_access_token
from ..roles import Caller
from ..services.common import Services
from ..services.keys import authenticate, caller_for
from ..web import get_services

bearer = HTTPBearer(
    auto_error=False,
    description="An API key from `practice-review keys create`, or an access token from a trusted issuer",
)


def _challenge(error: str | None = None, description: str | None = None) -> dict[str, str]:
    """RFC 6750 §3; a missing or unknown API key keeps the bare challenge it always had."""
    if error is None:
        return {"WWW-Authenticate": "Bearer"}
    safe = (description or "").replace("\\", "").replace('"', "'")
    return {"WWW-Authenticate": f'Bearer error="{error}", error_description="{safe}"'}


def token_caller(services: Services, token: str, acting_for: str | None) -> Caller:
    if not services.trust.configured:
        described = "no identity provider is trusted here: use an API key"
        raise HTTPException(401, described, _challenge("invalid_token", described))
    try:
        caller = caller_for(
            services,
            identify(verify_access_token(services.trust, token), services.engine.partnership.statutory_partners),
            acting_for,
        )
    except InvalidToken as exc:
        raise HTTPException(401, exc.description, _challenge("invalid_token", exc.description)) from exc
    except NoRole as exc:
        raise HTTPException(403, exc.description, _challenge("insufficient_scope", exc.description)) from exc
    except ProviderUnavailable as exc:
        raise HTTPException(503, "the token's issuer cannot be reached to check its keys; try again") from exc
    if caller is None:
        described = "this person's or system's access has been revoked here"
        raise HTTPException(401, described, _challenge("invalid_token", described))
    return caller


class Credentials:
    """The request's bearer credentials, read on the event loop; checked (one key lookup, in a worker thread)
    the first time `caller()` is asked. A hot endpoint asks in its own thread, so the check costs no
    threadpool trip of its own (issue 15); every other route asks through `CallerDep`."""

    def __init__(self, request: Request, bearer: HTTPAuthorizationCredentials | None, acting_for: str | None) -> None:
        self.request, self.bearer, self.acting_for = request, bearer, acting_for
        self._caller: Caller | None = None

    def caller(self) -> Caller:
        if self._caller is None:
            self._caller = _check(self.request, self.bearer, self.acting_for)
        return self._caller


def _check(request: Request, credentials: HTTPAuthorizationCredentials | None, acting_for: str | None) -> Caller:
    if credentials is None:  # HTTPBearer gives None for a missing header or another scheme
        raise HTTPException(401, "an API key or access token is required: Authorization: Bearer <it>", _challenge())
    services = get_services(request)
    if looks_like_jwt(credentials.credentials):
        caller = token_caller(services, credentials.credentials, acting_for)
    else:
        found = authenticate(services, credentials.credentials, acting_for)
        if found is None:
            raise HTTPException(401, "unknown, revoked or expired API key", _challenge())
        caller = found
    # issue 19: who asked, for the request's log line (a key id and the person's id, never a name)
    request.state.caller = f"key:{caller.key_id}" + (f" person:{caller.person_id}" if caller.person_id else "")
    return caller


async def get_credentials(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    acting_for: Annotated[
        str | None,
        Header(
            alias="X-Acting-For",
            max_length=200,
            description="The person the key holder acts for (recorded in the history)",
        ),
    ] = None,
) -> Credentials:
    request.state.credentials = Credentials(request, credentials, acting_for)  # api/routing.py: 401 before 422
    return request.state.credentials


CredentialsDep = Annotated[Credentials, Depends(get_credentials)]


def get_caller(credentials: CredentialsDep) -> Caller:
    return credentials.caller()


async def services_on_the_loop(request: Request) -> Services:
    """get_services as an async dependency: FastAPI runs a sync one in a thread of its own (issue 15)."""
    return get_services(request)


ServicesDep = Annotated[Services, Depends(services_on_the_loop)]
CallerDep = Annotated[Caller, Depends(get_caller)]
