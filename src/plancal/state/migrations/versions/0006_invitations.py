"""Invitations by e-mail: the letters (an outbox with a unique key) and what each attendee got.

Revision ID: 0006
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "invitation_outbox",
        sa.Column("target", sa.String(300), nullable=False),
        sa.Column("plan_id", sa.String(100), nullable=False),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("uid", sa.String(300), nullable=False),
        sa.Column("recurrence_id", sa.String(40), nullable=False),
        sa.Column("attendee", sa.String(320), nullable=False),
        sa.Column("method", sa.String(10), nullable=False),
        sa.Column("sequence", sa.Integer, nullable=False),
        sa.Column("message_id", sa.String(200), nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("lease_until", sa.DateTime(timezone=True)),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True)),
        sa.Column("error", sa.String(500)),
        sa.PrimaryKeyConstraint("target", "plan_id", "key"),
    )
    op.create_index(
        "invitation_outbox_work",
        "invitation_outbox",
        ["target", "plan_id", "status", "created"],
    )
    op.create_table(
        "invitations_received",
        sa.Column("target", sa.String(300), nullable=False),
        sa.Column("plan_id", sa.String(100), nullable=False),
        sa.Column("uid", sa.String(300), nullable=False),
        sa.Column("attendee", sa.String(320), nullable=False),
        sa.Column("recurrence_id", sa.String(40), nullable=False),
        sa.Column("method", sa.String(10), nullable=False),
        sa.Column("sequence", sa.Integer, nullable=False),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("updated", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("target", "plan_id", "uid", "attendee"),
    )


def downgrade() -> None:
    op.drop_table("invitations_received")
    op.drop_index("invitation_outbox_work", table_name="invitation_outbox")
    op.drop_table("invitation_outbox")
