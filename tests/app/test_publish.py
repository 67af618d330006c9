"""Publishing feeds to a folder."""

from __future__ import annotations

import stat
from datetime import UTC, datetime
from pathlib import Path

from plancal.app.publish import publish
from plancal.rules.compile import compile_plan
from plancal.rules.plan import load
from tests.helpers import MINIMAL

NOW = datetime(2024, 1, 1, tzinfo=UTC)


def test_regression_feeds_are_readable_by_a_web_server(tmp_path: Path) -> None:
    # mkstemp made every feed 0600, unreadable to a server running as another user.
    written = publish(compile_plan(load(MINIMAL)), tmp_path, None, NOW)
    for w in written:
        assert stat.S_IMODE(w.path.stat().st_mode) & 0o044 == 0o044


def test_a_feed_keeps_the_mode_it_was_given(tmp_path: Path) -> None:
    schedule = compile_plan(load(MINIMAL))
    publish(schedule, tmp_path, None, NOW)
    (tmp_path / "plan.ics").chmod(0o640)
    (tmp_path / "plan.ics").write_bytes(b"old")  # so the next publish rewrites it
    publish(schedule, tmp_path, None, NOW)
    assert stat.S_IMODE((tmp_path / "plan.ics").stat().st_mode) == 0o640


def test_a_removed_feed_disappears_and_nothing_else_does(tmp_path: Path) -> None:
    schedule = compile_plan(load(MINIMAL))
    publish(schedule, tmp_path, None, NOW)
    (tmp_path / "notes.txt").write_text("mine")
    manifest = (tmp_path / "feeds.json").read_text()
    (tmp_path / "feeds.json").write_text(manifest.replace('"plan.ics"', '"role-gone.ics"', 1))
    (tmp_path / "role-gone.ics").write_text("stale")
    publish(schedule, tmp_path, None, NOW)
    assert not (tmp_path / "role-gone.ics").exists()
    assert (tmp_path / "notes.txt").exists() and (tmp_path / "plan.ics").exists()
