"""What every use case shares: the running service's parts, and how a change to a review is recorded."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from ..audit import AuditKeys
from ..calendar import WorkingCalendar, today_in_london
from ..errors import Conflict, NotFound, PreconditionFailed, StaleVersion, TransitionRefused
from ..identity.discovery import Trust
from ..security import Network, SecretBox, parse_secrets_keys
from ..storage.database import Database
from ..storage.models import Review
from ..workflow.engine import Blocked, WorkflowEngine
from .mail_settings import MailSettings


@dataclass
class Services:
    db: Database
    engine: WorkflowEngine
    calendar: WorkingCalendar
    today: Callable[[], date] = field(default=today_in_london)
    # issue 14: the keys the database does not hold, and the networks webhooks may reach although private
    audit_keys: AuditKeys = field(default_factory=AuditKeys.development)
    secrets: SecretBox = field(default_factory=lambda: parse_secrets_keys(None))
    webhook_networks: tuple[Network, ...] = ()
    trust: Trust = field(default_factory=Trust)  # issue 16: the OpenID providers whose tokens are believed
    board_session_minutes: int = 480
    board_idle_minutes: int = 60
    # issue 19: webhook delivery (Settings.webhook_timeout_seconds, webhook_max_attempts)
    webhook_timeout_seconds: float = 10
    webhook_max_attempts: int = 10
    metrics_token: str | None = None  # GET /metrics asks for it; None: only loopback scrapers
    public_base_url: str | None = None  # issue 18: absolute links in calendars and e-mails (else relative)
    mail: MailSettings = field(default_factory=MailSettings)  # issue 18: e-mail reminders
    partnership_name: str = "Salford Safeguarding Children Partnership"  # issue 17: the board's branding


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime | None) -> datetime | None:
    """SQLite hands timestamps back without their offset; they were stored in UTC."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


_LEAVES = (str, int, float, type(None))


def jsonable(value: Any) -> Any:
    # Concrete types first: most values are leaves, and an ABC's isinstance (Mapping) is slow (issue 15).
    if isinstance(value, _LEAVES):
        return value
    if isinstance(value, dict) or isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def not_in_future(field_name: str, value: date, today: date) -> None:
    """C7 for dates given with records (declarations, endorsements, information requests)."""
    if value > today:
        raise TransitionRefused([Blocked("C7", f"{field_name} {value} is in the future (today is {today})")])


def is_review_id(value: str) -> bool:
    try:
        return str(uuid.UUID(value)) == value
    except ValueError:
        return False


_LOCKED_REVIEW = select(Review).where(Review.id == bindparam("review_id")).with_for_update()  # built once (issue 15)


def locked_review(session: Session, review_id: str, expected_version: int | None = None) -> Review:
    """The review, locked for this transaction (PostgreSQL row lock; SQLite's write lock is already held), at
    `expected_version` when one is given: checked under the lock, so two writes sent with the same version
    cannot both succeed (issue 17)."""
    if not is_review_id(review_id):
        raise NotFound(f"no review {review_id!r}")
    row = session.scalar(_LOCKED_REVIEW, {"review_id": review_id})
    if row is None:
        raise NotFound(f"no review {review_id}")
    check_expected(row, expected_version)
    return row


def part_of(session: Session, row: Review, model: type[Any], part_id: int, what: str) -> Any:
    """A record belonging to the review (a meeting, declaration, request, action), or 404."""
    part = session.get(model, part_id)
    if part is None or part.review_id != row.id:
        raise NotFound(f"review {row.reference} has no {what} {part_id}")
    return part


def open_review(session: Session, review_id: str, expected_version: int | None = None) -> Review:
    """The review, locked, if it is still open: a closed review's record takes nothing new."""
    row = locked_review(session, review_id, expected_version)
    if not row.open:
        raise Conflict(f"review {row.reference} is {row.state}: nothing more can be recorded on it")
    return row


# The versions an HTTP `If-Match` accepts for the row this request writes (None: no If-Match), issue 19.
ACCEPTED_VERSIONS: ContextVar[frozenset[int] | None] = ContextVar("accepted_versions", default=None)


def check_version(row: Any, expected: int | None) -> None:
    """`expected_version` (409 when stale) and `If-Match` (412 when stale) against the row's version."""
    accepted = ACCEPTED_VERSIONS.get()
    if accepted is not None and row.version not in accepted:
        raise PreconditionFailed(row.version)
    check_expected(row, expected)


def check_expected(row: Any, expected: int | None) -> None:
    """`expected_version` (409 when stale) against the version of the row this transaction has locked."""
    if expected is not None and expected != row.version:
        raise StaleVersion(expected, row.version)
