from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import text

from ..auth import ServicesDep

router = APIRouter(tags=["health"])


@router.get("/health", summary="Liveness and database check (no key needed)")
def health(services: ServicesDep) -> dict[str, str]:
    with services.db.read() as session:
        session.execute(text("SELECT 1"))
    return {"status": "ok", "database": "ok"}
