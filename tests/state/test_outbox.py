"""The outbox: one contract, passed by SQLite and by a real PostgreSQL server."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta

import pytest

from plancal.calendars.reminders import Reminder
from plancal.state.outbox import Outbox, Row
from plancal.state.store import Store

T0 = datetime(2023, 1, 23, 8, 0, tzinfo=UTC)
LEASE = timedelta(minutes=15)


def reminder(
    n: int = 0,
    offset: int = 14,
    recipient: str = "kommunpolis",
    due: date = date(2023, 2, 6),
    plan_id: str = "p",
) -> Reminder:
    owed_at = datetime.combine(due - timedelta(days=offset), datetime.min.time(), UTC) + timedelta(
        hours=8, minutes=n
    )
    return Reminder(
        plan_id,
        f"followup.f{n}@p.plancal",
        due,
        recipient,
        offset,
        f"{recipient}@example.org",
        owed_at,
        datetime.combine(due + timedelta(days=8), datetime.min.time(), UTC),
    )


class TestOutbox:
    """What every store backend must do for the outbox; subclasses only say how to open one."""

    @pytest.fixture
    def outbox(self, store: Store) -> Outbox:
        return Outbox(store)

    def test_regression_a_reminder_enqueued_ahead_supersedes_nothing_yet(
        self, outbox: Outbox
    ) -> None:
        """A daemon enqueues a day ahead: the 2-days-before row is in the outbox before the
        14-days-before one of the same deadline is sent, and must not retire it."""
        due = reminder(0, offset=1).owed_at.date() + timedelta(days=1)
        early, late = reminder(0, offset=1, due=due), reminder(0, offset=0, due=due)
        outbox.enqueue([early, late], early.owed_at)
        assert outbox.sweep("p", early.owed_at) == {"expired": 0, "superseded": 0}
        letter = outbox.claim_letter(["p"], early.owed_at, "w", LEASE)
        assert letter is not None and [r.key for r in letter.rows] == [early.key]
        assert outbox.claim_letter(["p"], early.owed_at, "w", LEASE) is None  # not due yet

    def test_the_known_keys_are_remembered_so_an_idle_tick_asks_nothing(
        self, outbox: Outbox
    ) -> None:
        outbox.enqueue([reminder(0)], T0)
        outbox.store.engine.dispose()
        asked: list[str] = []
        from sqlalchemy import event

        def count(*args: object) -> None:
            asked.append(str(args[2]))

        event.listen(outbox.store.engine, "before_cursor_execute", count)
        try:
            assert outbox.enqueue([reminder(0)], T0) == []
        finally:
            event.remove(outbox.store.engine, "before_cursor_execute", count)
        assert asked == []

    def test_enqueue_twice_is_a_no_op(self, outbox: Outbox) -> None:
        first = outbox.enqueue([reminder(0), reminder(1)], T0)
        again = outbox.enqueue([reminder(0), reminder(1), reminder(2)], T0 + timedelta(hours=1))
        assert [r.key for r in first] == [reminder(0).key, reminder(1).key]
        assert [r.key for r in again] == [reminder(2).key]
        rows = outbox.rows("p")
        assert len(rows) == 3 and {r.status for r in rows} == {"pending"}
        assert rows[0].created == T0 and rows[0].reminder == reminder(0)

    def test_claim_takes_the_oldest_owed_row_once(self, outbox: Outbox) -> None:
        outbox.enqueue([reminder(1), reminder(0)], T0)
        now = reminder(1).owed_at
        first = claim(outbox, now)
        second = claim(outbox, now)
        assert first is not None and second is not None
        assert (first.key, second.key) == (reminder(0).key, reminder(1).key)
        assert first.status == "sending" and first.attempts == 1
        assert claim(outbox, now) is None

    def test_a_row_is_not_claimed_before_it_is_owed(self, outbox: Outbox) -> None:
        outbox.enqueue([reminder(0)], T0)
        assert claim(outbox, reminder(0).owed_at - timedelta(seconds=1)) is None

    def test_an_expired_lease_makes_the_row_claimable_again(self, outbox: Outbox) -> None:
        outbox.enqueue([reminder(0)], T0)
        now = reminder(0).owed_at
        taken = claim(outbox, now, "dead-worker")
        assert taken is not None
        assert claim(outbox, now + LEASE - timedelta(seconds=1)) is None
        again = claim(outbox, now + LEASE + timedelta(seconds=1), "successor")
        assert again is not None and again.key == taken.key and again.attempts == 2
        assert outbox.rows("p")[0].worker == "successor"

    def test_sent_rows_stay_sent(self, outbox: Outbox) -> None:
        outbox.enqueue([reminder(0)], T0)
        now = reminder(0).owed_at
        row = claim(outbox, now)
        assert row is not None
        outbox.mark_sent(row, now, late=True)
        assert claim(outbox, now + 10 * LEASE) is None
        stored = outbox.rows("p")[0]
        assert (stored.status, stored.sent_at, stored.late, stored.lease_until) == (
            "sent",
            now,
            True,
            None,
        )
        assert outbox.enqueue([reminder(0)], now) == []

    def test_released_rows_are_owed_again_and_keep_the_error(self, outbox: Outbox) -> None:
        outbox.enqueue([reminder(0)], T0)
        now = reminder(0).owed_at
        row = claim(outbox, now)
        assert row is not None
        outbox.release(row, "451 try again later")
        again = claim(outbox, now)
        assert again is not None and again.attempts == 2 and again.error == "451 try again later"

    def test_sweep_expires_and_supersedes(self, outbox: Outbox) -> None:
        fourteen, two = reminder(0, offset=14), reminder(0, offset=2)
        other = reminder(1, offset=14)
        outbox.enqueue([fourteen, other], T0)
        outbox.enqueue([two], T0)
        assert outbox.sweep("p", two.owed_at) == {"expired": 0, "superseded": 1}
        statuses = {r.key: r.status for r in outbox.rows("p")}
        assert statuses[fourteen.key] == "superseded" and statuses[two.key] == "pending"
        assert outbox.sweep("p", other.expires) == {"expired": 2, "superseded": 0}
        assert claim(outbox, other.expires) is None

    def test_plans_do_not_share_rows(self, outbox: Outbox) -> None:
        outbox.enqueue([reminder(0, plan_id="p"), reminder(0, plan_id="q")], T0)
        row = claim(outbox, reminder(0).owed_at, plan_id="q")
        assert row is not None and row.reminder.plan_id == "q"
        assert [r.status for r in outbox.rows("p")] == ["pending"]

    def test_state_survives_reopening(self, store: Store, outbox: Outbox) -> None:
        outbox.enqueue([reminder(0)], T0)
        row = claim(outbox, reminder(0).owed_at)
        assert row is not None
        outbox.mark_sent(row, reminder(0).owed_at, late=False)
        with Store(store.url) as again:
            assert [r.status for r in Outbox(again).rows("p")] == ["sent"]

    def test_concurrent_claimers_never_share_a_row(self, store: Store, outbox: Outbox) -> None:
        outbox.enqueue([reminder(n) for n in range(40)], T0)
        now = reminder(39).owed_at
        taken: list[list[Row]] = [[] for _ in range(4)]
        errors: list[BaseException] = []

        def work(i: int) -> None:
            try:
                with Store(store.url) as own:
                    while (row := Outbox(own).claim("p", now, f"w{i}", LEASE)) is not None:
                        taken[i].append(row)
            except BaseException as e:
                errors.append(e)

        threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors
        keys = [r.key for rows in taken for r in rows]
        assert sorted(keys) == sorted(reminder(n).key for n in range(40))

    def test_concurrent_enqueues_of_the_same_reminders(self, store: Store, outbox: Outbox) -> None:
        batch = [reminder(n) for n in range(30)]
        fresh: list[int] = []
        errors: list[BaseException] = []

        def work() -> None:
            try:
                with Store(store.url) as own:
                    fresh.append(len(Outbox(own).enqueue(batch, T0)))
            except BaseException as e:
                errors.append(e)

        threads = [threading.Thread(target=work) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors
        assert len(outbox.rows("p")) == 30
        assert sum(fresh) == 30  # each reminder counted new exactly once


def claim(outbox: Outbox, now: datetime, worker: str = "w", plan_id: str = "p") -> Row | None:
    return outbox.claim(plan_id, now, worker, LEASE)
