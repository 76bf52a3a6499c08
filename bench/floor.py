"""The floor (`make bench`): the least the stack does for each hot path, to measure the service against.

Same uvicorn (2 workers), FastAPI, SQLAlchemy Core, driver, pool settings and tables as the service;
none of its rules. A read is one parametrised SELECT; a write is one UPDATE of the review and one
history INSERT in a transaction; /health is one SELECT 1 (the service's database check), /livez
answers without the database. Not shipped in the package.
Serve it with `uvicorn bench.floor:create_app --factory` and PRACTICE_REVIEW_DATABASE_URL set.
"""

from __future__ import annotations

import hashlib
import os
from datetime import UTC, date, datetime
from typing import Any

from fastapi import FastAPI
from sqlalchemy import insert, select, text, update

from practice_review.storage import models as m
from practice_review.storage.database import Database

REVIEWS, CLOCKS, HISTORY = m.Review.__table__, m.Clock.__table__, m.HistoryEvent.__table__
REVIEW_COLUMNS = [c for c in REVIEWS.c if c.name not in ("last_hash",)]


def create_app() -> FastAPI:
    db = Database(os.environ["PRACTICE_REVIEW_DATABASE_URL"])
    writer = db.engine.execution_options(sqlite_begin="IMMEDIATE") if db.is_sqlite else db.engine
    app = FastAPI()

    @app.get("/livez")
    def livez() -> dict[str, str]:  # the bare endpoint
        return {"status": "ok"}

    @app.get("/health")
    def health() -> dict[str, str]:  # the service's /health checks its database with one round trip: so here
        db.first(text("SELECT 1"))
        return {"status": "ok", "database": "ok"}

    @app.get("/reviews/{review_id}")
    def read(review_id: str) -> dict[str, Any]:
        row = db.first(select(*REVIEW_COLUMNS).where(REVIEWS.c.id == review_id))
        return dict(row._mapping) if row else {}

    @app.get("/deadlines")
    def deadlines(due_by: date, status: str) -> dict[str, Any]:
        with db.engine.connect() as connection:
            rows = connection.execute(
                select(REVIEWS.c.id, REVIEWS.c.reference, REVIEWS.c.review_type, CLOCKS.c.name, CLOCKS.c.due_on)
                .join(REVIEWS, REVIEWS.c.id == CLOCKS.c.review_id)
                .where(CLOCKS.c.status == status, CLOCKS.c.due_on <= due_by)
                .order_by(CLOCKS.c.due_on, CLOCKS.c.id)
                .limit(100)
            )
            return {"items": [dict(r._mapping) for r in rows]}

    def write(review_id: str, kind: str, data: dict[str, Any]) -> dict[str, Any]:
        now = datetime.now(UTC)
        with writer.begin() as connection:
            version = connection.execute(
                update(REVIEWS)
                .where(REVIEWS.c.id == review_id)
                .values(version=REVIEWS.c.version + 1, updated_at=now)
                .returning(REVIEWS.c.version)
            ).scalar_one()
            connection.execute(
                insert(HISTORY).values(
                    review_id=review_id,
                    seq=version,
                    recorded_at=now,
                    occurred_on=now.date(),
                    actor={"floor": True},
                    kind=kind,
                    data=data,
                    effects={},
                    key_id="floor",  # the append-only trigger wants a keyed, 64-hex-digit tag
                    hash=hashlib.sha256(f"{review_id}{version}".encode()).hexdigest(),
                )
            )
        return {"id": review_id, "version": version}

    @app.post("/reviews/{review_id}/transitions")
    def transition(review_id: str, body: dict[str, Any]) -> dict[str, Any]:
        return write(review_id, "transition", body)

    @app.patch("/reviews/{review_id}")
    def patch(review_id: str, body: dict[str, Any]) -> dict[str, Any]:
        return write(review_id, "review_updated", body)

    return app
