from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import text

from ..auth import ServicesDep

router = APIRouter(tags=["health"])


@router.get("/health", summary="Liveness and database check (no key needed)")
def health(services: ServicesDep) -> dict[str, str]:
    services.db.first(text("SELECT 1"))  # one round trip, no transaction around it (issue 15)
    return {"status": "ok", "database": "ok"}
