"""Outbox: one row per follow-up reminder owed, keyed so that it is delivered once.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "outbox",
        sa.Column("plan_id", sa.String(100), nullable=False),
        sa.Column("deadline", sa.String(300), nullable=False),
        sa.Column("due", sa.Date, nullable=False),
        sa.Column("recipient", sa.String(100), nullable=False),
        sa.Column("offset_days", sa.Integer, nullable=False),
        sa.Column("address", sa.String(320), nullable=False),
        sa.Column("owed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires", sa.DateTime(timezone=True), nullable=False),
        sa.Column("message_id", sa.String(200), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("lease_until", sa.DateTime(timezone=True)),
        sa.Column("worker", sa.String(200)),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True)),
        sa.Column("late", sa.Boolean),
        sa.Column("error", sa.String(500)),
        sa.PrimaryKeyConstraint("plan_id", "deadline", "due", "recipient", "offset_days"),
    )
    op.create_index("outbox_work", "outbox", ["plan_id", "status", "owed_at"])


def downgrade() -> None:
    op.drop_index("outbox_work", table_name="outbox")
    op.drop_table("outbox")
