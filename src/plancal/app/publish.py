"""Compile a plan into feed files in a folder: revisions from the store, atomic writes.

Every feed is first written to a temporary file beside its target, then renamed over it, so a
reader (a web server, a sync client) sees the old file or the new one, never half of either.
``feeds.json`` lists what plancal wrote, so a feed that disappears from the plan (a removed
role) is removed from the folder, and nothing else in the folder is touched.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from plancal.calendars import ics
from plancal.calendars.feeds import Feed
from plancal.files import atomic_write
from plancal.rules.compile import Schedule
from plancal.state.store import Store

MANIFEST = "feeds.json"


@dataclass(frozen=True)
class Written:
    feed: Feed
    path: Path
    events: int
    size: int
    changed: bool


def compiled_feeds(schedule: Schedule, store: Store | None, now: datetime) -> dict[Feed, bytes]:
    """Every feed's bytes, with SEQUENCE and DTSTAMP from the store (bumped where changed)."""
    parts = ics.components(schedule)
    revisions = None
    if store is not None:
        revisions = store.revise(schedule.plan.id, {c.key: c.digest for c in parts}, now)
    return ics.render_all(schedule, revisions, parts)


def write_atomic(path: Path, data: bytes) -> bool:
    """Write unless unchanged; True if the file changed."""
    try:
        if path.read_bytes() == data:
            return False
    except OSError:
        pass
    atomic_write(path, data)
    return True


def publish(schedule: Schedule, out_dir: Path, store: Store | None, now: datetime) -> list[Written]:
    out_dir.mkdir(parents=True, exist_ok=True)
    feeds = compiled_feeds(schedule, store, now)
    written = []
    for feed, data in feeds.items():
        path = out_dir / feed.filename
        changed = write_atomic(path, data)
        written.append(Written(feed, path, data.count(b"BEGIN:VEVENT"), len(data), changed))
    manifest_path = out_dir / MANIFEST
    try:
        previous = {f["file"] for f in json.loads(manifest_path.read_text("utf-8"))["feeds"]}
    except (OSError, ValueError, KeyError, TypeError):
        previous = set()
    manifest = {
        "plan": schedule.plan.id,
        "name": schedule.plan.name,
        "feeds": [
            {
                "file": w.feed.filename,
                "slug": w.feed.slug,
                "kind": w.feed.kind,
                "title": w.feed.title,
                "public": w.feed.public,
                "role": w.feed.role,
                "events": w.events,
            }
            for w in written
        ],
    }
    write_atomic(manifest_path, json.dumps(manifest, ensure_ascii=False, indent=2).encode() + b"\n")
    current = {w.feed.filename for w in written}
    for stale in sorted(previous - current):
        if "/" not in stale and stale.endswith(".ics"):
            (out_dir / stale).unlink(missing_ok=True)
    return written
