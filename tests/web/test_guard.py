"""The connection guard's rules on their own: who gives way when there is no room."""

from __future__ import annotations

from dataclasses import dataclass

from plancal.web.guard import Guard, Limits


@dataclass(eq=False)
class Conn:
    client_host: str
    evicted: bool = False

    def evict(self) -> None:
        self.evicted = True


def test_a_client_over_its_cap_loses_its_own_oldest_waiting_connection() -> None:
    guard = Guard(Limits(total=100, per_client=3))
    mine = [Conn("10.0.0.1") for _ in range(3)]
    other = Conn("10.0.0.2")
    assert all(guard.admit(c) for c in [*mine, other])
    guard.busy(mine[0])  # working on a request: not evictable
    newcomer = Conn("10.0.0.1")
    assert guard.admit(newcomer)
    assert [c.evicted for c in mine] == [False, True, False]
    assert not other.evicted
    assert guard.per_client["10.0.0.1"] == 3 and guard.open == 4


def test_at_the_total_cap_the_oldest_waiting_connection_of_anyone_gives_way() -> None:
    guard = Guard(Limits(total=3, per_client=10))
    a, b, c = Conn("a"), Conn("b"), Conn("c")
    for conn in (a, b, c):
        assert guard.admit(conn)
    guard.busy(a)
    guard.busy(b)
    guard.idle(a)  # a finished a response: waiting again, now the newest
    d = Conn("d")
    assert guard.admit(d)
    assert (a.evicted, b.evicted, c.evicted) == (False, False, True)


def test_when_every_connection_is_busy_a_new_one_is_refused() -> None:
    guard = Guard(Limits(total=2, per_client=10))
    a, b = Conn("a"), Conn("b")
    assert guard.admit(a) and guard.admit(b)
    guard.busy(a)
    guard.busy(b)
    assert not guard.admit(Conn("c"))
    assert guard.refused == 1
    guard.closed(a)
    assert guard.admit(Conn("c"))


def test_closing_twice_frees_one_place() -> None:
    guard = Guard(Limits(total=5, per_client=5))
    a = Conn("a")
    guard.admit(a)
    guard.closed(a)
    guard.closed(a)  # evicted, then its transport reports the loss
    assert guard.open == 0 and "a" not in guard.per_client


def test_a_head_not_complete_within_the_deadline_is_closed() -> None:
    guard = Guard(Limits(total=10, per_client=10, header_timeout=10))
    slow, working, fresh = Conn("a"), Conn("b"), Conn("c")
    guard.admit(slow, now=0)
    guard.admit(working, now=1)
    guard.busy(working)  # its head is complete: the deadline no longer applies
    guard.admit(fresh, now=5)
    assert guard.expired(now=9.9) == []
    assert guard.expired(now=12) == [slow]
    assert (slow.evicted, working.evicted, fresh.evicted) == (True, False, False)
    guard.idle(working, now=12)  # waits for its next request head from now on
    assert guard.expired(now=21) == [fresh]
    assert guard.expired(now=22) == [working]
    assert guard.open == 0 and guard.timed_out == 3
