"""Revisions: SEQUENCE and last change of every published calendar component.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "revisions",
        sa.Column("plan_id", sa.String(100), nullable=False),
        sa.Column("uid", sa.String(300), nullable=False),
        sa.Column("recurrence_id", sa.String(40), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("sequence", sa.Integer, nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.Column("modified", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("plan_id", "uid", "recurrence_id"),
    )


def downgrade() -> None:
    op.drop_table("revisions")
