"""board sessions held server-side, and OpenID sign-ins under way

The board's cookie held the raw API key; it now holds a random session id, stored here only as its SHA-256
hash, with an expiry and an end (sign-out). A sign-in through a trusted issuer keeps its state, nonce and
PKCE verifier in board_sign_ins until the provider sends the browser back.

Revision ID: 0012
Revises: 0010
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0010"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Stamp = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "board_sessions",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("api_key_id", Id, nullable=False),
        sa.Column("issuer_name", sa.String(length=32), nullable=True),
        sa.Column("identity", sa.JSON(), nullable=True),
        sa.Column("created_at", Stamp, nullable=False),
        sa.Column("last_seen_at", Stamp, nullable=False),
        sa.Column("expires_at", Stamp, nullable=False),
        sa.Column("ended_at", Stamp, nullable=True),
        sa.ForeignKeyConstraint(["api_key_id"], ["api_keys.id"], name=op.f("fk_board_sessions_api_key_id_api_keys")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_board_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_board_sessions_token_hash")),
    )
    op.create_table(
        "board_sign_ins",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("issuer_name", sa.String(length=32), nullable=False),
        sa.Column("flow", sa.JSON(), nullable=False),
        sa.Column("next_path", sa.String(length=300), nullable=False),
        sa.Column("expires_at", Stamp, nullable=False),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_board_sign_ins")),
    )


def downgrade() -> None:
    op.drop_table("board_sign_ins")
    op.drop_table("board_sessions")
