"""The state store's tables. Changed only together with a migration in ``migrations/``."""

from __future__ import annotations

from sqlalchemy import (
    Column,
    DateTime,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
)

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

# What a push target holds (issue 3): one row per meeting or series plancal wrote there, as last
# read. The target itself is the truth (its items carry plancal's tag); this record tells which
# items vanished since (deleted by hand) and what plancal believes it owns.
pushed = Table(
    "pushed", metadata,
    Column("target", String(300), nullable=False),  # e.g. exchange:mailbox@host
    Column("plan_id", String(100), nullable=False),
    Column("key", String(300), nullable=False),  # the plan's UID
    Column("item_id", Text, nullable=False),
    Column("change_key", String(200), nullable=False),
    Column("digest", String(64), nullable=False),
    Column("snapshot", Text, nullable=False),  # JSON: what the item held at that change key
    Column("updated", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("target", "plan_id", "key"),
)

# Writes in flight: recorded before a request, cleared after its answer. A row left over means a
# push was interrupted; the next push re-reads those items before deciding anything.
push_intents = Table(
    "push_intents", metadata,
    Column("target", String(300), nullable=False),
    Column("plan_id", String(100), nullable=False),
    Column("key", String(300), nullable=False),
    Column("action", String(40), nullable=False),
    Column("started", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("target", "plan_id", "key", "action"),
)
