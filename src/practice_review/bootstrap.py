"""Putting the service together from its configuration, once per process."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select

from .calendar import WorkingCalendar
from .config import ConfigurationError, Settings
from .identity.discovery import Trust
from .identity.issuers import partner_codes
from .security import parse_allowed_networks, parse_audit_keys, parse_secrets_keys, warn_if_insecure
from .services.common import Services, utcnow
from .services.mail_settings import MailSettings
from .storage import models as m
from .storage.database import Database, insert_for
from .workflow.definitions import WorkflowDefinition, load_directory, parse_definition
from .workflow.engine import WorkflowEngine
from .workflow.partnership import WorkflowSettings, load_partnership


def register_workflows(
    db: Database, current: list[WorkflowDefinition], partnership: WorkflowSettings | None = None
) -> list[WorkflowDefinition]:
    """Store the current definitions; return the earlier ones that reviews may still run on (each with
    the settings it was stored with; one stored before settings were, with the partnership's now)."""
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
        replace(
            parse_definition(row.definition, f"stored workflow {row.review_type}@{row.version}", partnership, True),
            version=row.version,
        )
        for row in stored
        if (row.review_type, row.version) not in known
    ]


def load_workflows(settings: Settings) -> tuple[list[WorkflowDefinition], WorkflowSettings]:
    """The workflow files and the partnership's settings, checked against the issuers; no database needed
    (issue 19: `serve` checks this before it starts, so a bad file is one line and exit 2)."""
    definitions = load_directory(settings.workflows_dir)
    partnership = load_partnership(settings.workflows_dir)
    unknown = partner_codes(settings.issuers) - set(partnership.statutory_partners)
    if unknown:  # T1: an issuer may only name the partnership's own partner codes
        known = ", ".join(partnership.statutory_partners)
        raise ConfigurationError(
            [f"PRACTICE_REVIEW_ISSUERS: partner {', '.join(sorted(unknown))} is not one of {known}"]
        )
    return definitions, partnership


def build_services(settings: Settings) -> Services:
    definitions, partnership = load_workflows(settings)
    calendar = WorkingCalendar(settings.region, settings.closure_days)
    audit_keys, secrets = parse_audit_keys(settings.audit_keys), parse_secrets_keys(settings.secrets_keys)
    warn_if_insecure(audit_keys, secrets)
    db = Database(
        settings.database_url,
        settings.reports_database_url,
        info={"audit_keys": audit_keys},
        pool_size=settings.pool_size,
        max_overflow=settings.pool_max_overflow,
        pool_timeout=settings.pool_timeout_seconds,
    )
    earlier = register_workflows(db, definitions, partnership)
    return Services(
        db=db,
        engine=WorkflowEngine(definitions, calendar, earlier, partnership),
        calendar=calendar,
        audit_keys=audit_keys,
        secrets=secrets,
        webhook_networks=parse_allowed_networks(settings.webhook_allowed_networks),
        trust=Trust(settings.issuers, settings.jwks_refetch_seconds),
        board_session_minutes=settings.board_session_minutes,
        public_base_url=settings.public_base_url,
        mail=MailSettings.from_settings(settings),
        board_idle_minutes=settings.board_idle_minutes,
        webhook_timeout_seconds=settings.webhook_timeout_seconds,
        webhook_max_attempts=settings.webhook_max_attempts,
        metrics_token=settings.metrics_token,
        partnership_name=settings.partnership_name,
    )
