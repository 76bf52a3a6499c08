"""endorsement proxies and decisions, review particulars, priority information requests (issue 13)

S1: an endorsement records whether the Business Unit recorded it as a proxy, with the evidence, and who
recorded it; S4: the decision an endorsement is of. N1/X1: a review's particulars (circumstances, the
local authority's notifications, incident and home areas, lead partnership). X1: an information request's
area and priority.

Revision ID: 0009
Revises: 0007
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("endorsements") as batch:
        batch.add_column(sa.Column("proxy", sa.Boolean(), server_default=sa.text("false"), nullable=False))
        batch.add_column(sa.Column("proxy_evidence", sa.Text(), nullable=True))
        batch.add_column(sa.Column("recorded_by", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("decision", sa.String(length=64), nullable=True))
    with op.batch_alter_table("reviews") as batch:
        batch.add_column(sa.Column("particulars", sa.JSON(), server_default=sa.text("'{}'"), nullable=False))
    with op.batch_alter_table("information_requests") as batch:
        batch.add_column(sa.Column("area", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("priority", sa.Boolean(), server_default=sa.text("false"), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("information_requests") as batch:
        batch.drop_column("priority")
        batch.drop_column("area")
    with op.batch_alter_table("reviews") as batch:
        batch.drop_column("particulars")
    with op.batch_alter_table("endorsements") as batch:
        batch.drop_column("decision")
        batch.drop_column("recorded_by")
        batch.drop_column("proxy_evidence")
        batch.drop_column("proxy")
