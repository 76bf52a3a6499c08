"""Tables. Every change to them is an Alembic migration in migrations/versions/."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
Id = BigInteger().with_variant(Integer(), "sqlite")  # SQLite autoincrements only INTEGER keys


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def review_fk() -> Mapped[str]:
    return mapped_column(ForeignKey("reviews.id"), nullable=False, index=True)


class WorkflowVersion(Base):
    """Every workflow definition a review has run on, so old reviews keep their rules."""

    __tablename__ = "workflow_versions"
    review_type: Mapped[str] = mapped_column(String(64), primary_key=True)
    version: Mapped[str] = mapped_column(String(32), primary_key=True)
    definition: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    registered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


class Review(Base):
    __tablename__ = "reviews"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    reference: Mapped[str] = mapped_column(String(32), nullable=False, unique=True)
    review_type: Mapped[str] = mapped_column(String(64), nullable=False)
    workflow_version: Mapped[str] = mapped_column(String(32), nullable=False)
    state: Mapped[str] = mapped_column(String(64), nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    open: Mapped[bool] = mapped_column(Boolean, nullable=False)
    child_reference: Mapped[str] = mapped_column(String(64), nullable=False)
    received_on: Mapped[date] = mapped_column(Date, nullable=False)
    became_aware_on: Mapped[date] = mapped_column(Date, nullable=False)
    referrer_organisation: Mapped[str] = mapped_column(String(200), nullable=False)
    themes: Mapped[list[str]] = mapped_column(JSON, nullable=False)
    summary: Mapped[str] = mapped_column(Text, nullable=False, default="")
    description: Mapped[dict[str, str]] = mapped_column(JSON, nullable=False, server_default=text("'{}'"))
    facts: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, server_default=text("'{}'"))
    # issue 13, N1/X1: the child's circumstances, the LA's notifications, the incident and home areas
    particulars: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, server_default=text("'{}'"))
    last_occurred_on: Mapped[date] = mapped_column(Date, nullable=False)
    last_hash: Mapped[str] = mapped_column(String(64), nullable=False, server_default=text("''"))
    state_entered_seq: Mapped[int] = mapped_column(Integer, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)

    __table_args__ = (
        Index("ix_reviews_created_at_id", "created_at", "id"),
        Index("ix_reviews_review_type_state", "review_type", "state"),
        # GET /reviews filtered by open, type or state, newest first, without sorting every match
        Index("ix_reviews_open_created_at_id", "open", "created_at", "id"),
        Index("ix_reviews_review_type_created_at_id", "review_type", "created_at", "id"),
        Index("ix_reviews_state_created_at_id", "state", "created_at", "id"),
    )


class ReferenceCounter(Base):
    __tablename__ = "reference_counters"
    prefix: Mapped[str] = mapped_column(String(16), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer, nullable=False)


class HistoryEvent(Base):
    """A1: append-only. Never updated or deleted."""

    __tablename__ = "history_events"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    review_id: Mapped[str] = mapped_column(ForeignKey("reviews.id"), nullable=False)
    seq: Mapped[int] = mapped_column(Integer, nullable=False)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    occurred_on: Mapped[date] = mapped_column(Date, nullable=False)
    actor: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    kind: Mapped[str] = mapped_column(String(64), nullable=False)
    event: Mapped[str | None] = mapped_column(String(64))
    from_state: Mapped[str | None] = mapped_column(String(64))
    to_state: Mapped[str | None] = mapped_column(String(64))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    effects: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    note: Mapped[str | None] = mapped_column(Text)
    hash: Mapped[str] = mapped_column(String(64), nullable=False, server_default=text("''"))  # A1: chained
    key_id: Mapped[str | None] = mapped_column(String(32))  # the audit key of the HMAC; NULL: unkeyed (before 0010)

    __table_args__ = (UniqueConstraint("review_id", "seq"),)


class Meeting(Base):
    __tablename__ = "meetings"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    review_id: Mapped[str] = review_fk()
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    scheduled_for: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    documents_shared_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    attendance_revision: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


class Attendance(Base):
    """Who was at a meeting. Each PUT adds a new revision; earlier revisions are kept."""

    __tablename__ = "attendance"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), nullable=False)
    revision: Mapped[int] = mapped_column(Integer, nullable=False)
    person_id: Mapped[str] = mapped_column(String(100), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    organisation: Mapped[str] = mapped_column(String(200), nullable=False)
    partner: Mapped[str | None] = mapped_column(String(32))
    substitute: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)

    __table_args__ = (Index("ix_attendance_meeting_id_revision", "meeting_id", "revision"),)


class Declaration(Base):
    """D1/D4: never edited; a later declaration by the same person supersedes the earlier one."""

    __tablename__ = "declarations"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    review_id: Mapped[str] = review_fk()
    person_id: Mapped[str] = mapped_column(String(100), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    organisation: Mapped[str] = mapped_column(String(200), nullable=False)
    role: Mapped[str] = mapped_column(String(100), nullable=False)
    has_interest: Mapped[bool] = mapped_column(Boolean, nullable=False)
    details: Mapped[str] = mapped_column(Text, nullable=False, default="")
    declared_on: Mapped[date] = mapped_column(Date, nullable=False)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


class Ruling(Base):
    """D2: the chair's ruling on a declared interest; the latest ruling on a declaration stands."""

    __tablename__ = "rulings"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    declaration_id: Mapped[int] = mapped_column(ForeignKey("declarations.id"), nullable=False, index=True)
    review_id: Mapped[str] = review_fk()
    ruling: Mapped[str] = mapped_column(String(16), nullable=False)
    ruled_by: Mapped[str] = mapped_column(String(200), nullable=False)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


class Endorsement(Base):
    __tablename__ = "endorsements"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    review_id: Mapped[str] = review_fk()
    party: Mapped[str] = mapped_column(String(32), nullable=False)
    person_id: Mapped[str] = mapped_column(String(100), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    agrees: Mapped[bool] = mapped_column(Boolean, nullable=False)
    endorsed_on: Mapped[date] = mapped_column(Date, nullable=False)
    state_entered_seq: Mapped[int] = mapped_column(Integer, nullable=False)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    # issue 13, S1: recorded by the party itself, or by the Business Unit as a proxy with its evidence
    proxy: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("false"))
    proxy_evidence: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[str | None] = mapped_column(String(200))
    decision: Mapped[str | None] = mapped_column(String(64))  # S4: the decision endorsed (e.g. publish)


class InformationRequest(Base):
    __tablename__ = "information_requests"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    review_id: Mapped[str] = review_fk()
    organisation: Mapped[str] = mapped_column(String(200), nullable=False)
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    requested_on: Mapped[date] = mapped_column(Date, nullable=False)
    due_on: Mapped[date] = mapped_column(Date, nullable=False)
    returned_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    # issue 13, X1: the area asked, and whether it answers as a priority (a cross-boundary request)
    area: Mapped[str | None] = mapped_column(String(200))
    priority: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("false"))
    contact_email: Mapped[str | None] = mapped_column(String(254))  # issue 18: whom reminders go to

    __table_args__ = (Index("ix_information_requests_returned_on_due_on", "returned_on", "due_on"),)


class Clock(Base):
    __tablename__ = "clocks"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    review_id: Mapped[str] = mapped_column(ForeignKey("reviews.id"), nullable=False)
    # The review's, which never changes: GET /deadlines?review_type=… reads one index range, however rare the type.
    review_type: Mapped[str] = mapped_column(String(64), nullable=False)
    name: Mapped[str] = mapped_column(String(64), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    started_on: Mapped[date | None] = mapped_column(Date)
    due_on: Mapped[date | None] = mapped_column(Date)
    original_due_on: Mapped[date | None] = mapped_column(Date)
    stopped_on: Mapped[date | None] = mapped_column(Date)
    paused_on: Mapped[date | None] = mapped_column(Date)
    paused_working_days: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("0"))
    delay_reported_on: Mapped[date | None] = mapped_column(Date)
    window: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("false"))
    working_days_taken: Mapped[int | None] = mapped_column(Integer)  # from start to stop, for the figures

    __table_args__ = (
        UniqueConstraint("review_id", "name"),
        Index("ix_clocks_status_due_on_id", "status", "due_on", "id"),  # GET /deadlines, the sweep
        Index("ix_clocks_status_review_type_due_on_id", "status", "review_type", "due_on", "id"),
    )


class Action(Base):
    """K2: one SMART action of a review's action plan; `version` guards concurrent updates."""

    __tablename__ = "actions"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    review_id: Mapped[str] = review_fk()
    recommendation: Mapped[str] = mapped_column(Text, nullable=False)
    action: Mapped[str] = mapped_column(Text, nullable=False)
    owner_organisation: Mapped[str] = mapped_column(String(200), nullable=False)
    due_on: Mapped[date] = mapped_column(Date, nullable=False)
    intended_outcome: Mapped[str] = mapped_column(Text, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False)  # open, done, dropped
    evidence: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)
    completed_on: Mapped[date | None] = mapped_column(Date)
    overdue_recorded: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("false"))
    owner_email: Mapped[str | None] = mapped_column(String(254))  # issue 18: whom reminders go to
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)

    __table_args__ = (Index("ix_actions_status_due_on", "status", "due_on"),)


class ClockBreach(Base):
    """C5: each clock's breach, recorded once: the unique clock_id is what makes concurrent sweeps safe."""

    __tablename__ = "clock_breaches"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    clock_id: Mapped[int] = mapped_column(ForeignKey("clocks.id"), nullable=False, unique=True)
    review_id: Mapped[str] = review_fk()
    due_on: Mapped[date] = mapped_column(Date, nullable=False)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


class Link(Base):
    """K1: a review linked to another review, or to an external process (SAR, coroner, …)."""

    __tablename__ = "links"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    review_id: Mapped[str] = review_fk()
    linked_review_id: Mapped[str | None] = mapped_column(ForeignKey("reviews.id"), index=True)
    external_kind: Mapped[str | None] = mapped_column(String(32))
    external_reference: Mapped[str | None] = mapped_column(String(200))
    relation: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


class Subscription(Base):
    """A partner system that wants notifications: transitions, breaches, approaching deadlines."""

    __tablename__ = "subscriptions"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    url: Mapped[str] = mapped_column(String(500), nullable=False)
    kinds: Mapped[list[str]] = mapped_column(JSON, nullable=False)
    secret: Mapped[str] = mapped_column(String(200), nullable=False)  # whsec_…, encrypted (security.SecretBox)
    previous_secret: Mapped[str | None] = mapped_column(String(200))  # still signs until previous_secret_until
    previous_secret_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    partner: Mapped[str | None] = mapped_column(String(32))  # a partner key's subscription: only that partner's
    due_within: Mapped[int | None] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False)
    created_by: Mapped[int] = mapped_column(ForeignKey("api_keys.id"), nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


class OutboxMessage(Base):
    """A notification, written in the transaction that caused it and delivered at least once."""

    __tablename__ = "outbox"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # the event id receivers de-duplicate on
    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscriptions.id"), nullable=False)
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    dedupe_key: Mapped[str] = mapped_column(String(200), nullable=False)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False)  # pending, delivered, dead
    attempts: Mapped[int] = mapped_column(Integer, nullable=False)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        UniqueConstraint("subscription_id", "dedupe_key"),
        Index("ix_outbox_status_next_attempt_at", "status", "next_attempt_at"),
    )


class ApiKey(Base):
    __tablename__ = "api_keys"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    role: Mapped[str] = mapped_column(String(32), nullable=False)
    partner: Mapped[str | None] = mapped_column(String(32))
    organisation: Mapped[str | None] = mapped_column(String(200))
    person_id: Mapped[str | None] = mapped_column(String(100))  # the person it was issued to (binds a reviewer)
    key_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    prefix: Mapped[str] = mapped_column(String(16), nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class IdempotencyKey(Base):
    """The first response to a POST carrying an Idempotency-Key, replayed for retries."""

    __tablename__ = "idempotency_keys"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    api_key_id: Mapped[int] = mapped_column(ForeignKey("api_keys.id"), nullable=False)
    key: Mapped[str] = mapped_column(String(200), nullable=False)
    request_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    status_code: Mapped[int] = mapped_column(Integer, nullable=False)
    response_body: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    location: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)

    __table_args__ = (UniqueConstraint("api_key_id", "key"),)


# issue 16 / issue 14 item 11: the board's sign-ins, held here; the browser holds only a random id.
class BoardSession(Base):
    """A signed-in browser: its cookie's random id is stored only as a SHA-256 hash, and it expires."""

    __tablename__ = "board_sessions"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    token_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    api_key_id: Mapped[int] = mapped_column(ForeignKey("api_keys.id"), nullable=False)  # the key, or the person's row
    issuer_name: Mapped[str | None] = mapped_column(String(32))  # signed in through this trusted issuer
    identity: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # who the issuer said they are, and their role
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class BoardSignIn(Base):
    """A sign-in under way at an OpenID provider: state, nonce and PKCE verifier, kept here, not in the browser."""

    __tablename__ = "board_sign_ins"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    issuer_name: Mapped[str] = mapped_column(String(32), nullable=False)
    flow: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    next_path: Mapped[str] = mapped_column(String(300), nullable=False)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


class JobRun(Base):
    """issue 19: when each scheduled job (sweep, deliver, purge) last succeeded, and what it did (/metrics)."""

    __tablename__ = "job_runs"
    job: Mapped[str] = mapped_column(String(32), primary_key=True)
    succeeded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    outcome: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)


class ReviewView(Base):
    """Who looked at which review, and when (issue 17): append-only, like the history (A1)."""

    __tablename__ = "review_views"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    review_id: Mapped[str] = mapped_column(ForeignKey("reviews.id"), nullable=False)
    viewed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    api_key_id: Mapped[int] = mapped_column(ForeignKey("api_keys.id"), nullable=False)
    viewer: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)  # Caller.as_actor(): key, role, person
    page: Mapped[str] = mapped_column(String(32), nullable=False)  # where: the board's review page

    __table_args__ = (Index("ix_review_views_review_id_id", "review_id", "id"),)


# issue 18: deadline calendars and e-mail reminders
class CalendarFeed(Base):
    """A secret calendar feed URL: its token stored only as a SHA-256 hash, read as the key that made it."""

    __tablename__ = "calendar_feeds"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    token_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    api_key_id: Mapped[int] = mapped_column(ForeignKey("api_keys.id"), nullable=False, index=True)
    label: Mapped[str] = mapped_column(String(100), nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class EmailMessage(Base):
    """A reminder e-mail, written by the sweep once (unique dedupe_key) and sent at least once."""

    __tablename__ = "email_outbox"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(200), nullable=False, unique=True)
    review_id: Mapped[str] = mapped_column(ForeignKey("reviews.id"), nullable=False)
    to_address: Mapped[str] = mapped_column(String(254), nullable=False)
    subject: Mapped[str] = mapped_column(String(200), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False)  # pending, sent, dead
    attempts: Mapped[int] = mapped_column(Integer, nullable=False)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    last_error: Mapped[str | None] = mapped_column(Text)
    transport: Mapped[str | None] = mapped_column(String(16))  # smtp or notify: the one that sent it
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (Index("ix_email_outbox_status_next_attempt_at", "status", "next_attempt_at"),)
