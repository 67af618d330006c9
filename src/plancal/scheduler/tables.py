"""The state store's tables. Changed only together with a migration in ``migrations/``."""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Integer, MetaData, PrimaryKeyConstraint, String, Table

metadata = MetaData()

# One row per calendar component ever published: SEQUENCE and DTSTAMP survive restarts and
# hosts, so a client sees every content change as an update of the same event.
revisions = Table(
    "revisions", metadata,
    Column("plan_id", String(100), nullable=False),
    Column("uid", String(300), nullable=False),
    Column("recurrence_id", String(40), nullable=False),  # "" for a master or single event
    Column("digest", String(64), nullable=False),
    Column("sequence", Integer, nullable=False),
    Column("created", DateTime(timezone=True), nullable=False),
    Column("modified", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("plan_id", "uid", "recurrence_id"),
)
