"""Push targets: what plancal wrote where (a cache by change key), and writes in flight.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pushed",
        sa.Column("target", sa.String(300), nullable=False),
        sa.Column("plan_id", sa.String(100), nullable=False),
        sa.Column("key", sa.String(300), nullable=False),
        sa.Column("item_id", sa.Text, nullable=False),
        sa.Column("change_key", sa.String(200), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("snapshot", sa.Text, nullable=False),
        sa.Column("updated", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("target", "plan_id", "key"),
    )
    op.create_table(
        "push_intents",
        sa.Column("target", sa.String(300), nullable=False),
        sa.Column("plan_id", sa.String(100), nullable=False),
        sa.Column("key", sa.String(300), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("started", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("target", "plan_id", "key", "action"),
    )


def downgrade() -> None:
    op.drop_table("push_intents")
    op.drop_table("pushed")
