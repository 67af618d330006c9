"""Our cheap membership and neighbour tests agree with dateutil's expansion of the same rule."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from plancal.rules.recurrence import Rule

START = date(2022, 1, 1)


def expanded(rule: Rule, first: date, last: date) -> list[date]:
    return [
        d.date()
        for d in rule.dateutil(
            datetime.combine(first, datetime.min.time()),
            datetime.combine(last, datetime.min.time()),
        )
    ]


rules = st.one_of(
    st.builds(
        lambda days, interval: Rule("WEEKLY", interval, tuple(sorted(days))),
        st.sets(st.integers(0, 6), min_size=1, max_size=3),
        st.integers(1, 4),
    ),
    st.builds(
        lambda day, nth: Rule("MONTHLY", 1, (day,), nth),
        st.integers(0, 6),
        st.sampled_from([1, 2, 3, 4, -1]),
    ),
)


@settings(max_examples=200, deadline=None)
@given(rule=rules, offset=st.integers(0, 400), length=st.integers(30, 800))
def test_contains_first_last_and_neighbours_agree_with_dateutil(
    rule: Rule, offset: int, length: int
) -> None:
    begin = START + timedelta(days=offset)
    first = rule.first_on_or_after(begin)
    assert first is not None
    end = first + timedelta(days=length)
    last = rule.last_on_or_before(end, first)
    assert last is not None
    truth = expanded(rule, first, last)
    assert truth[0] == first and truth[-1] == last
    clock = datetime.min.time().replace(hour=14, minute=30)
    stepped = list(rule.instants(datetime.combine(first, clock), datetime.combine(last, clock)))
    assert [d.date() for d in stepped] == truth and all(d.time() == clock for d in stepped)
    members = [
        first + timedelta(days=i)
        for i in range((last - first).days + 1)
        if rule.contains(first + timedelta(days=i), first)
    ]
    assert members == truth
    for i, day in enumerate(truth):
        before, after = rule.neighbours(day, first, last)
        assert before == (truth[i - 1] if i else None)
        assert after == (truth[i + 1] if i + 1 < len(truth) else None)
