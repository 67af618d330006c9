"""The state store's tables. Changed only together with a migration in ``migrations/``."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Index,
    Integer,
    LargeBinary,
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
    "revisions",
    metadata,
    Column("plan_id", String(100), nullable=False),
    Column("uid", String(300), nullable=False),
    Column("recurrence_id", String(40), nullable=False),  # "" for a master or single event
    Column("digest", String(64), nullable=False),
    Column("sequence", Integer, nullable=False),
    Column("created", DateTime(timezone=True), nullable=False),
    Column("modified", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("plan_id", "uid", "recurrence_id"),
)

# The reminder outbox: one row per reminder ever owed. The key is the reminder's identity
# (deadline and its due day, recipient role, days before), so inserting it twice is a no-op and
# a reminder is delivered once even if every tick recomputes what is owed.
outbox = Table(
    "outbox",
    metadata,
    Column("plan_id", String(100), nullable=False),
    Column("deadline", String(300), nullable=False),  # the deadline's UID
    Column("due", Date, nullable=False),  # a moved deadline is a new deadline to remind of
    Column("recipient", String(100), nullable=False),  # role id
    Column("offset_days", Integer, nullable=False),  # days before the deadline's start
    Column("address", String(320), nullable=False),
    Column("owed_at", DateTime(timezone=True), nullable=False),
    Column("expires", DateTime(timezone=True), nullable=False),
    Column("message_id", String(200), nullable=False),
    Column("status", String(12), nullable=False),  # see plancal.state.outbox.Status
    Column("attempts", Integer, nullable=False),
    Column("lease_until", DateTime(timezone=True)),
    Column("worker", String(200)),
    Column("created", DateTime(timezone=True), nullable=False),
    Column("sent_at", DateTime(timezone=True)),
    Column("late", Boolean),
    Column("error", String(500)),
    PrimaryKeyConstraint("plan_id", "deadline", "due", "recipient", "offset_days"),
    Index("outbox_work", "plan_id", "status", "owed_at"),
)

# Feed tokens: a token opens a set of private feeds of one plan, or (``plan_id`` "") feeds of
# several plans ("plan-id/feed" pairs) and, with ``person``, one person's feeds across the
# region. Only a SHA-256 of the token is kept; the token itself is shown once, when created.
feed_tokens = Table(
    "feed_tokens",
    metadata,
    Column("id", String(20), primary_key=True),  # public name, for list/revoke and logs
    Column("plan_id", String(100), nullable=False, index=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("label", String(200), nullable=False),
    Column("feeds", Text, nullable=False),  # feed slugs (or plan-id/slug), space-separated
    Column("person", String(320), nullable=True),  # an e-mail address (lower case)
    Column("created", DateTime(timezone=True), nullable=False),
    Column("revoked", DateTime(timezone=True), nullable=True),
)

# What each served resource (feed file or page) last said and since when, so Last-Modified
# survives restarts and is the same on every host that shares the store.
served_versions = Table(
    "served_versions",
    metadata,
    Column("plan_id", String(100), nullable=False),
    Column("name", String(200), nullable=False),  # e.g. "public.ics", "en/index.html"
    Column("etag", String(64), nullable=False),
    Column("modified", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("plan_id", "name"),
)

# The last good version of each plan file a region's server built, by file name: a host that
# starts while a plan is broken serves this version, as the hosts that ran before it do.
served_plans = Table(
    "served_plans",
    metadata,
    Column("name", String(300), primary_key=True),  # the file's name in the region's folder
    Column("plan_id", String(100), nullable=False),
    Column("digest", String(64), nullable=False),
    Column("source", LargeBinary, nullable=False),
    Column("updated", DateTime(timezone=True), nullable=False),
)

# What a push target holds (issue 3): one row per meeting or series plancal wrote there, as last
# read. The target itself is the truth (its items carry plancal's tag); this record tells which
# items vanished since (deleted by hand) and what plancal believes it owns.
pushed = Table(
    "pushed",
    metadata,
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
    "push_intents",
    metadata,
    Column("target", String(300), nullable=False),
    Column("plan_id", String(100), nullable=False),
    Column("key", String(300), nullable=False),
    Column("action", String(40), nullable=False),
    Column("started", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("target", "plan_id", "key", "action"),
)

# Every version of a plan file that plancal wrote (an edit or an undo): what it was before and
# after, so `plancal history` can list them and `plancal undo` can go back one, refusing when
# the file was changed by hand since. ``undoes``: the version an undo took back.
plan_versions = Table(
    "plan_versions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("plan_path", String(1000), nullable=False, index=True),  # resolved absolute path
    Column("plan_id", String(100), nullable=False),
    Column("written", DateTime(timezone=True), nullable=False),
    Column("command", String(1000), nullable=False),
    Column("summary_en", Text, nullable=False),
    Column("summary_sv", Text, nullable=False),
    Column("before", LargeBinary, nullable=False),
    Column("after", LargeBinary, nullable=False),
    Column("undoes", Integer, nullable=True),
)

# Invitations by e-mail: one row per message to one attendee about one version of a meeting.
# The key is unique, so posting the same letter twice is a no-op; the bytes are kept, so a
# resend after a crash is the same message with the same Message-ID.
invitation_outbox = Table(
    "invitation_outbox",
    metadata,
    Column("target", String(300), nullable=False),  # mail:organizer@host
    Column("plan_id", String(100), nullable=False),
    Column("key", String(64), nullable=False),
    Column("uid", String(300), nullable=False),
    Column("recurrence_id", String(40), nullable=False),
    Column("attendee", String(320), nullable=False),
    Column("method", String(10), nullable=False),
    Column("sequence", Integer, nullable=False),
    Column("message_id", String(200), nullable=False),
    Column("message", Text, nullable=False),  # the RFC 5322 bytes (ASCII: MIME-encoded)
    Column("status", String(12), nullable=False),  # pending, sending, sent, failed
    Column("attempts", Integer, nullable=False),
    Column("lease_until", DateTime(timezone=True)),
    Column("created", DateTime(timezone=True), nullable=False),
    Column("sent_at", DateTime(timezone=True)),
    Column("error", String(500)),
    PrimaryKeyConstraint("target", "plan_id", "key"),
    Index("invitation_outbox_work", "target", "plan_id", "status", "created"),
)

# What each attendee last received of each meeting or series: written with the letter, so a
# later change is sent only to those it concerns and an operator can see who knows what.
invitations_received = Table(
    "invitations_received",
    metadata,
    Column("target", String(300), nullable=False),
    Column("plan_id", String(100), nullable=False),
    Column("uid", String(300), nullable=False),
    Column("attendee", String(320), nullable=False),
    Column("recurrence_id", String(40), nullable=False),  # of the last message; "" whole
    Column("method", String(10), nullable=False),
    Column("sequence", Integer, nullable=False),
    Column("key", String(64), nullable=False),  # the letter in invitation_outbox
    Column("updated", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("target", "plan_id", "uid", "attendee"),
)
