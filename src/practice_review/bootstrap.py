"""Putting the service together from its configuration, once per process."""

from __future__ import annotations

from sqlalchemy import select

from .calendar import WorkingCalendar
from .config import Settings
from .identity.discovery import Trust
from .services.common import Services, utcnow
from .storage import models as m
from .storage.database import Database, insert_for
from .workflow.definitions import WorkflowDefinition, load_directory, parse_definition
from .workflow.engine import WorkflowEngine


def register_workflows(db: Database, current: list[WorkflowDefinition]) -> list[WorkflowDefinition]:
    """Store the current definitions; return the earlier ones that reviews may still run on."""
    with db.write() as session:
        for definition in current:
            session.execute(
                insert_for(session, m.WorkflowVersion)
                .values(
                    review_type=definition.review_type,
                    version=definition.version,
                    definition=definition.source,
                    registered_at=utcnow(),
                )
                .on_conflict_do_nothing(index_elements=["review_type", "version"])
            )
        stored = list(session.scalars(select(m.WorkflowVersion)))
    known = {(d.review_type, d.version) for d in current}
    return [
        parse_definition(row.definition, f"stored workflow {row.review_type}@{row.version}")
        for row in stored
        if (row.review_type, row.version) not in known
    ]


def build_services(settings: Settings) -> Services:
    definitions = load_directory(settings.workflows_dir)
    calendar = WorkingCalendar(settings.region, settings.closure_days)
    db = Database(
        settings.database_url,
        settings.reports_database_url,
        pool_size=settings.pool_size,
        max_overflow=settings.pool_max_overflow,
        pool_timeout=settings.pool_timeout_seconds,
    )
    earlier = register_workflows(db, definitions)
    trust = Trust(settings.issuers, settings.jwks_refetch_seconds)
    return Services(
        db=db,
        engine=WorkflowEngine(definitions, calendar, earlier),
        calendar=calendar,
        trust=trust,
        board_session_minutes=settings.board_session_minutes,
        board_idle_minutes=settings.board_idle_minutes,
    )
