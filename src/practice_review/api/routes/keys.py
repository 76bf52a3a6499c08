"""API keys, for `admin` keys: create (the secret shown once), list (never a secret), revoke."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path

from ...schemas import KeyCreate, KeyCreated, KeyOut, problems
from ...services import keys
from ..auth import CallerDep, ServicesDep
from ..pagination import PageDep, one
from ..routing import api_router

router = api_router(prefix="/keys", tags=["keys"], responses=problems(401, 403, 422))


@router.post("", status_code=201, response_model=KeyCreated, summary="Create a key; its secret is shown only now")
def create_key(services: ServicesDep, caller: CallerDep, body: KeyCreate) -> dict[str, Any]:
    created = keys.create_key(
        services,
        body.name,
        body.role,
        body.partner,
        body.organisation,
        body.expires_at,
        caller=caller,
        person_id=body.person_id,
    )
    return {**created.view, "key": created.secret}


@router.get("", response_model=list[KeyOut], summary="Every key, without secrets")
def list_keys(
    services: ServicesDep,
    caller: CallerDep,
    page: PageDep,
) -> list[dict[str, Any]]:
    return page.of(keys.list_keys(services, caller))


@router.post(
    "/{key_id}/revoke",
    response_model=KeyOut,
    responses=problems(404),
    summary="Revoke a key: it fails from the next request on",
)
def revoke_key(
    services: ServicesDep, caller: CallerDep, key_id: Annotated[int, Path(ge=1, le=2**62)]
) -> dict[str, Any]:
    return keys.revoke_key(services, key_id, caller)


@router.get("/{key_id}", response_model=KeyOut, responses=problems(404), summary="One key, without its secret")
def get_key(services: ServicesDep, caller: CallerDep, key_id: Annotated[int, Path(ge=1, le=2**62)]) -> dict[str, Any]:
    return one(keys.list_keys(services, caller), key_id, "key")
