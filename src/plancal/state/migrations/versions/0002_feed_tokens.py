"""Feed tokens (hashed) and served versions, for the feed server.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "feed_tokens",
        sa.Column("id", sa.String(20), primary_key=True),
        sa.Column("plan_id", sa.String(100), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("label", sa.String(200), nullable=False),
        sa.Column("feeds", sa.String(4000), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_feed_tokens_plan_id", "feed_tokens", ["plan_id"])
    op.create_table(
        "served_versions",
        sa.Column("plan_id", sa.String(100), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("etag", sa.String(64), nullable=False),
        sa.Column("modified", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("plan_id", "name"),
    )


def downgrade() -> None:
    op.drop_table("served_versions")
    op.drop_index("ix_feed_tokens_plan_id", "feed_tokens")
    op.drop_table("feed_tokens")
