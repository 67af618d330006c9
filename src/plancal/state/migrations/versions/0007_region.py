"""A region: tokens across plans (or a person's), and each plan file's last good version.

Revision ID: 0007
Revises: 0005 (the chain is 0004 → 0006 → 0005 → 0007)

A region token has ``plan_id`` "" and lists ``plan-id/feed`` pairs; a person's token names an
e-mail address (``person``) and opens that person's feeds in every plan of the region. The
feed list may now be longer than 4000 characters (a coordinator of thirty municipalities);
SQLite never enforced the length, so only PostgreSQL's column changes type.

``served_plans`` keeps the last good source of each plan file a region's server built, so a host
that starts while a file is broken serves the version the other hosts still serve.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "served_plans",
        sa.Column("name", sa.String(300), primary_key=True),
        sa.Column("plan_id", sa.String(100), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("source", sa.LargeBinary, nullable=False),
        sa.Column("updated", sa.DateTime(timezone=True), nullable=False),
    )
    op.add_column("feed_tokens", sa.Column("person", sa.String(320), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column("feed_tokens", "feeds", type_=sa.Text, existing_nullable=False)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column("feed_tokens", "feeds", type_=sa.String(4000), existing_nullable=False)
    with op.batch_alter_table("feed_tokens") as batch:
        batch.drop_column("person")
    op.drop_table("served_plans")
