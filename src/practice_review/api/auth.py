"""Bearer keys: 401 for a missing or unknown key, 403 (elsewhere) for a role that may not act."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from ..roles import Caller
from ..services.common import Services
from ..services.keys import authenticate
from ..web import get_services

bearer = HTTPBearer(auto_error=False, description="An API key from `practice-review keys create`")


def get_caller(
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
) -> Caller:
    challenge = {"WWW-Authenticate": "Bearer"}
    if credentials is None:  # HTTPBearer gives None for a missing header or another scheme
        raise HTTPException(401, "an API key is required: Authorization: Bearer <key>", headers=challenge)
    caller = authenticate(get_services(request), credentials.credentials, acting_for)
    if caller is None:
        raise HTTPException(401, "unknown, revoked or expired API key", headers=challenge)
    return caller


ServicesDep = Annotated[Services, Depends(get_services)]
CallerDep = Annotated[Caller, Depends(get_caller)]
