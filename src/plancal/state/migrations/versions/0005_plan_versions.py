"""Plan versions: each plan file plancal wrote, before and after, for history and undo.

Revision ID: 0005
Revises: 0006 (the id the lead assigned, chained after main's 0006 when merging main, so a
database main already took to 0006 still gains this table)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "plan_versions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("plan_path", sa.String(1000), nullable=False),
        sa.Column("plan_id", sa.String(100), nullable=False),
        sa.Column("written", sa.DateTime(timezone=True), nullable=False),
        sa.Column("command", sa.String(1000), nullable=False),
        sa.Column("summary_en", sa.Text, nullable=False),
        sa.Column("summary_sv", sa.Text, nullable=False),
        sa.Column("before", sa.LargeBinary, nullable=False),
        sa.Column("after", sa.LargeBinary, nullable=False),
        sa.Column("undoes", sa.Integer, nullable=True),
    )
    op.create_index("ix_plan_versions_plan_path", "plan_versions", ["plan_path"])


def downgrade() -> None:
    op.drop_index("ix_plan_versions_plan_path", "plan_versions")
    op.drop_table("plan_versions")
