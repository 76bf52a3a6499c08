"""indexes for every listing filter

GET /reviews?open=…|review_type=…|state=… reads newest first from an index instead of sorting every match;
GET /deadlines reads clocks of each status in (due_on, id) order, and with review_type=… from an index
on the clock's own copy of its review's type (a review never changes type).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("clocks", sa.Column("review_type", sa.String(length=64), nullable=True))
    op.execute("UPDATE clocks SET review_type = (SELECT review_type FROM reviews WHERE reviews.id = clocks.review_id)")
    with op.batch_alter_table("clocks") as batch:
        batch.alter_column("review_type", existing_type=sa.String(length=64), nullable=False)
    op.create_index("ix_clocks_status_review_type_due_on_id", "clocks", ["status", "review_type", "due_on", "id"])
    op.create_index("ix_reviews_open_created_at_id", "reviews", ["open", "created_at", "id"])
    op.drop_index("ix_reviews_open_created_at", table_name="reviews")
    op.create_index("ix_reviews_review_type_created_at_id", "reviews", ["review_type", "created_at", "id"])
    op.create_index("ix_reviews_state_created_at_id", "reviews", ["state", "created_at", "id"])
    op.create_index("ix_clocks_status_due_on_id", "clocks", ["status", "due_on", "id"])
    op.drop_index("ix_clocks_status_due_on", table_name="clocks")


def downgrade() -> None:
    op.drop_index("ix_clocks_status_review_type_due_on_id", table_name="clocks")
    with op.batch_alter_table("clocks") as batch:
        batch.drop_column("review_type")
    op.create_index("ix_clocks_status_due_on", "clocks", ["status", "due_on"])
    op.drop_index("ix_clocks_status_due_on_id", table_name="clocks")
    op.drop_index("ix_reviews_state_created_at_id", table_name="reviews")
    op.drop_index("ix_reviews_review_type_created_at_id", table_name="reviews")
    op.create_index("ix_reviews_open_created_at", "reviews", ["open", "created_at"])
    op.drop_index("ix_reviews_open_created_at_id", table_name="reviews")
