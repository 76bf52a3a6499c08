"""calendar feed tokens, reminder contacts and the e-mail outbox (issue 18)

calendar_feeds: a secret feed URL's token, held only as its SHA-256 hash, bound to the key (or signed-in
person's row) that made it, revocable. information_requests.contact_email and actions.owner_email: whom a
reminder goes to. email_outbox: reminders written in the sweep's transaction, each once (unique
dedupe_key), delivered with retries and dead letters like the webhook outbox.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Stamp = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "calendar_feeds",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("api_key_id", Id, nullable=False),
        sa.Column("label", sa.String(length=100), nullable=False),
        sa.Column("created_at", Stamp, nullable=False),
        sa.Column("revoked_at", Stamp, nullable=True),
        sa.ForeignKeyConstraint(["api_key_id"], ["api_keys.id"], name=op.f("fk_calendar_feeds_api_key_id_api_keys")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_feeds")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_calendar_feeds_token_hash")),
    )
    op.create_index(op.f("ix_calendar_feeds_api_key_id"), "calendar_feeds", ["api_key_id"])
    with op.batch_alter_table("information_requests") as batch:
        batch.add_column(sa.Column("contact_email", sa.String(length=254), nullable=True))
    with op.batch_alter_table("actions") as batch:
        batch.add_column(sa.Column("owner_email", sa.String(length=254), nullable=True))
    op.create_table(
        "email_outbox",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("dedupe_key", sa.String(length=200), nullable=False),
        sa.Column("review_id", sa.String(length=36), nullable=False),
        sa.Column("to_address", sa.String(length=254), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", Stamp, nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("transport", sa.String(length=16), nullable=True),
        sa.Column("created_at", Stamp, nullable=False),
        sa.Column("sent_at", Stamp, nullable=True),
        sa.ForeignKeyConstraint(["review_id"], ["reviews.id"], name=op.f("fk_email_outbox_review_id_reviews")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_email_outbox")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_email_outbox_dedupe_key")),
    )
    op.create_index("ix_email_outbox_status_next_attempt_at", "email_outbox", ["status", "next_attempt_at"])


def downgrade() -> None:
    op.drop_index("ix_email_outbox_status_next_attempt_at", table_name="email_outbox")
    op.drop_table("email_outbox")
    with op.batch_alter_table("actions") as batch:
        batch.drop_column("owner_email")
    with op.batch_alter_table("information_requests") as batch:
        batch.drop_column("contact_email")
    op.drop_index(op.f("ix_calendar_feeds_api_key_id"), table_name="calendar_feeds")
    op.drop_table("calendar_feeds")
