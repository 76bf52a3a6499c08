"""Running the service: when the scheduled jobs last succeeded, the counts an operator watches, retention.

History is never purged (A1); only the delivery queue's settled rows and stored Idempotency-Key replies
are, once older than their retention (Settings.outbox_retention_days, idempotency_retention_days).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select

from ..storage import models as m
from ..storage.database import insert_for
from .common import Services, as_utc, jsonable, utcnow

JOBS = ("sweep", "deliver", "purge")


def record_success(services: Services, job: str, outcome: dict[str, Any]) -> None:
    """The job finished without a failure: /metrics shows when (alert when it grows old)."""
    now = utcnow()
    with services.db.write() as session:
        session.execute(
            insert_for(session, m.JobRun)
            .values(job=job, succeeded_at=now, outcome=jsonable(outcome))
            .on_conflict_do_update(index_elements=["job"], set_={"succeeded_at": now, "outcome": jsonable(outcome)})
        )


@dataclass(frozen=True)
class Counts:
    outbox: dict[str, int]  # by status: pending, delivered, dead
    emails: dict[str, int]  # issue 18's e-mail reminders, by status
    breaches: int
    open_reviews: dict[str, int]  # by review type
    last_success: dict[str, datetime]  # by job


def counts(services: Services) -> Counts:
    """What /metrics reports from the database: a handful of grouped counts, one read."""
    by_status = select(m.OutboxMessage.status, func.count()).group_by(m.OutboxMessage.status)
    emails_by_status = select(m.EmailMessage.status, func.count()).group_by(m.EmailMessage.status)
    by_type = select(m.Review.review_type, func.count()).where(m.Review.open).group_by(m.Review.review_type)
    with services.db.read() as session:
        outbox = {str(status): int(n) for status, n in session.execute(by_status)}
        emails = {str(status): int(n) for status, n in session.execute(emails_by_status)}
        breaches = session.scalar(select(func.count()).select_from(m.ClockBreach)) or 0
        open_reviews = {str(kind): int(n) for kind, n in session.execute(by_type)}
        runs = session.execute(select(m.JobRun.job, m.JobRun.succeeded_at)).all()
    return Counts(
        outbox={status: outbox.get(status, 0) for status in ("pending", "delivered", "dead")},
        emails={status: emails.get(status, 0) for status in ("pending", "sent", "dead")},
        breaches=breaches,
        open_reviews=open_reviews,
        last_success={job: at for job, when in runs if (at := as_utc(when)) is not None},
    )


def purge(services: Services, outbox_days: int, idempotency_days: int, now: datetime | None = None) -> dict[str, int]:
    """Delete delivered and dead outbox rows, and Idempotency-Key replies, older than their retention."""
    now = now or utcnow()
    outbox_before, replies_before = now - timedelta(days=outbox_days), now - timedelta(days=idempotency_days)
    settled_on = func.coalesce(m.OutboxMessage.delivered_at, m.OutboxMessage.created_at)
    with services.db.write() as session:
        outbox = session.execute(
            delete(m.OutboxMessage).where(m.OutboxMessage.status.in_(("delivered", "dead")), settled_on < outbox_before)
        ).rowcount
        replies = session.execute(delete(m.IdempotencyKey).where(m.IdempotencyKey.created_at < replies_before)).rowcount
        emails = session.execute(  # issue 18: the e-mail reminders' outbox, on the same retention
            delete(m.EmailMessage).where(
                m.EmailMessage.status.in_(("sent", "dead")),
                func.coalesce(m.EmailMessage.sent_at, m.EmailMessage.created_at) < outbox_before,
            )
        ).rowcount
    return {"outbox": int(outbox or 0) + int(emails or 0), "idempotency_keys": int(replies or 0)}
