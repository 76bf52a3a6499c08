"""keyed history chain, append-only guards on every history-like table, webhook secrets at rest

- history_events.key_id: which audit key signed the event's HMAC (NULL: an unkeyed SHA-256 event
  recorded before this revision, still verified as such, and only as the start of a chain).
- INSERT on history_events is checked: its seq follows the review's last one, and it is keyed.
- UPDATE and DELETE are refused on every append-only table (A1, D4): history, declarations, rulings,
  endorsements, attendance, clock breaches, workflow versions, links (K1); DELETE (and any UPDATE but recording
  the return) on information requests; DELETE on meetings and actions, whose current state changes
  while their history is the history events. On PostgreSQL TRUNCATE is refused on them too.
- subscriptions: the partner that owns one, the previous secret while a rotation overlaps, the
  secrets encrypted at rest (by the service, with a key from settings).
- api_keys.person_id: the person a key was issued to (a reviewer is bound to reviews by it).

Revision ID: 0010
Revises: 0007
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

# Never updated, never deleted (0006 guarded history_events and declarations already).
APPEND_ONLY = ("rulings", "endorsements", "attendance", "clock_breaches", "workflow_versions", "links")
# Current state changes, but a row is never deleted.
NEVER_DELETED = ("meetings", "actions", "information_requests")
TRUNCATE_GUARDED = ("history_events", "declarations", *APPEND_ONLY, *NEVER_DELETED)
RETURN_ONLY = "information_requests"  # only returned_on, and only from NULL to a date


def _postgres() -> None:
    for table in APPEND_ONLY:
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION refuse_change()"
        )
    for table in NEVER_DELETED:
        op.execute(
            f"CREATE TRIGGER {table}_never_deleted BEFORE DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION refuse_change()"
        )
    op.execute(
        """
        CREATE FUNCTION refuse_statement() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION '% is append-only: % refused (A1, D4)', TG_TABLE_NAME, TG_OP
                USING ERRCODE = 'insufficient_privilege';
        END $$
        """
    )
    for table in TRUNCATE_GUARDED:
        op.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION refuse_statement()"
        )
    op.execute(
        """
        CREATE FUNCTION information_return_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF OLD.returned_on IS NOT NULL OR NEW.returned_on IS NULL
               OR (to_jsonb(NEW) - 'returned_on') <> (to_jsonb(OLD) - 'returned_on') THEN
                RAISE EXCEPTION 'information_requests: only a return may be recorded, once (A1)'
                    USING ERRCODE = 'insufficient_privilege';
            END IF;
            RETURN NEW;
        END $$
        """
    )
    op.execute(
        f"CREATE TRIGGER {RETURN_ONLY}_return_only BEFORE UPDATE ON {RETURN_ONLY} "
        "FOR EACH ROW EXECUTE FUNCTION information_return_only()"
    )
    op.execute(
        """
        CREATE FUNCTION history_seq_follows() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF NEW.key_id IS NULL OR length(NEW.hash) <> 64
               OR NEW.seq <> COALESCE((SELECT max(seq) FROM history_events WHERE review_id = NEW.review_id), 0) + 1
            THEN
                RAISE EXCEPTION 'history_events: event % of review % does not follow its chain (A1)',
                    NEW.seq, NEW.review_id USING ERRCODE = 'insufficient_privilege';
            END IF;
            RETURN NEW;
        END $$
        """
    )
    op.execute(
        "CREATE TRIGGER history_events_seq_follows BEFORE INSERT ON history_events "
        "FOR EACH ROW EXECUTE FUNCTION history_seq_follows()"
    )


def _refuse(name: str, when: str, table: str, message: str, condition: str = "") -> None:
    where = f" WHEN {condition}" if condition else ""
    op.execute(f"CREATE TRIGGER {name} BEFORE {when} ON {table}{where} BEGIN SELECT RAISE(ABORT, '{message}'); END")


def _sqlite() -> None:
    for table in APPEND_ONLY:
        for action in ("UPDATE", "DELETE"):
            _refuse(f"{table}_no_{action.lower()}", action, table, f"{table} is append-only: {action} refused (A1, D4)")
    for table in NEVER_DELETED:
        _refuse(f"{table}_no_delete", "DELETE", table, f"{table} is append-only: DELETE refused (A1, D4)")
    columns = ("id", "review_id", "organisation", "kind", "requested_on", "due_on", "created_at")
    changed = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in columns)
    _refuse(
        f"{RETURN_ONLY}_return_only",
        "UPDATE",
        RETURN_ONLY,
        "information_requests: only a return may be recorded, once (A1)",
        f"OLD.returned_on IS NOT NULL OR NEW.returned_on IS NULL OR {changed}",
    )
    _refuse(
        "history_events_seq_follows",
        "INSERT",
        "history_events",
        "history_events: the event does not follow its chain (A1)",
        "NEW.key_id IS NULL OR length(NEW.hash) <> 64 OR NEW.seq <> "
        "COALESCE((SELECT MAX(seq) FROM history_events WHERE review_id = NEW.review_id), 0) + 1",
    )


def upgrade() -> None:
    with op.batch_alter_table("history_events") as batch:
        batch.add_column(sa.Column("key_id", sa.String(length=32), nullable=True))
    with op.batch_alter_table("subscriptions") as batch:
        batch.add_column(sa.Column("partner", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("previous_secret", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("previous_secret_until", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("api_keys") as batch:
        batch.add_column(sa.Column("person_id", sa.String(length=100), nullable=True))
    op.execute(
        "UPDATE subscriptions SET partner = (SELECT partner FROM api_keys WHERE api_keys.id = subscriptions.created_by)"
    )
    if op.get_bind().dialect.name == "postgresql":
        _postgres()
    else:
        _sqlite()


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        for table in APPEND_ONLY:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        for table in NEVER_DELETED:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_never_deleted ON {table}")
        for table in TRUNCATE_GUARDED:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
        op.execute(f"DROP TRIGGER IF EXISTS {RETURN_ONLY}_return_only ON {RETURN_ONLY}")
        op.execute("DROP TRIGGER IF EXISTS history_events_seq_follows ON history_events")
        for function in ("refuse_statement", "information_return_only", "history_seq_follows"):
            op.execute(f"DROP FUNCTION IF EXISTS {function}()")
    else:
        for table in APPEND_ONLY:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")
        for table in NEVER_DELETED:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")
        op.execute(f"DROP TRIGGER IF EXISTS {RETURN_ONLY}_return_only")
        op.execute("DROP TRIGGER IF EXISTS history_events_seq_follows")
    with op.batch_alter_table("api_keys") as batch:
        batch.drop_column("person_id")
    with op.batch_alter_table("subscriptions") as batch:
        batch.drop_column("previous_secret_until")
        batch.drop_column("previous_secret")
        batch.drop_column("partner")
    with op.batch_alter_table("history_events") as batch:
        batch.drop_column("key_id")
