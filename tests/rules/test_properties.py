"""Generated plans never raise anything but a plan error, and what compiles renders and parses.

Two generators: structured plans mixing plausible and wrong values for every field, and random
edits of the seed file's text (deleted, doubled and altered lines), which is how real plan
files go wrong.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from plancal.calendars import ics
from plancal.errors import PlanError
from plancal.rules.compile import compile_plan
from plancal.rules.plan import loads
from tests.helpers import SEED, where

WHEN = st.sampled_from(
    [
        "Varje måndag kl. 14.00",
        "every Friday 08:30-09:15",
        "varannan onsdag 10",
        "11 ggr/år",
        "5 ggr/år",
        "Minst 3 ggr/år",
        "1 ggr/månad",
        "monthly",
        "twice a year",
        "Behovsanpassat",
        "Under 2023",
        "RRULE:FREQ=WEEKLY;BYDAY=TU,TH",
        "RRULE:FREQ=MONTHLY;BYMONTHDAY=31",
        "every Sunday 02:30",
        "Varje mondag",
        "13 ggr/år",
        "",
        "FREQ=HOURLY",
        "måndagar kl 25",
    ]
) | st.text(max_size=30)
DAY = st.dates(date(2021, 6, 1), date(2025, 6, 1)).map(str) | st.sampled_from(
    ["2023-02-30", "07-01", "12-24", "yesterday", "2023-13-01"]
)
DATETIME = st.builds(
    lambda d, h, m: f"{d} {h:02d}:{m:02d}",
    st.dates(date(2022, 1, 1), date(2024, 12, 31)),
    st.integers(0, 26),
    st.integers(0, 61),
)
POLICY = st.sampled_from(
    ["skip", "next", "previous", "keep", "before", "after", "continue", "nest"]
)
ROLE = st.sampled_from(["kp", "ts", "nobody"])


def maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.none() | strategy


@st.composite
def activity(draw: st.DrawFn, index: int) -> dict[str, Any]:
    a: dict[str, Any] = {
        "id": draw(st.sampled_from([f"a{index}", "a0", "Bad Id"])),
        "title": draw(st.text(min_size=0, max_size=20)),
        "when": draw(WHEN | st.lists(DATETIME, max_size=3)),
    }
    optional = {
        "time": st.sampled_from(["14.00", "9", "25:00", 13.3]),
        "duration": st.sampled_from([45, "1 h 30 min", "PT2H", "forever", 0]),
        "all_day": st.booleans(),
        "weekday": st.sampled_from(["onsdag", "friday", "blursday"]),
        "week": st.sampled_from([1, 2, 4, "sista", 7]),
        "from": DAY,
        "until": DAY,
        "pinned": st.lists(DATETIME, max_size=3),
        "organizer": ROLE,
        "attendees": st.lists(ROLE, max_size=3),
        "audience": st.sampled_from(["public", "intern", "x"]),
        "reminder": st.sampled_from([0, 15, False, -1]),
        "holidays": POLICY,
        "breaks": POLICY | st.just({"sommar": "after"}),
        "exceptions": st.fixed_dictionaries(
            {},
            optional={
                "cancelled": st.lists(DAY, max_size=2),
                "moved": st.dictionaries(DAY, DATETIME, max_size=2),
                "added": st.lists(DATETIME, max_size=2),
            },
        ),
        "followups": st.lists(
            st.fixed_dictionaries(
                {"id": st.sampled_from(["f1", "f2", "f1"]), "what": st.just("Rapport")},
                optional={
                    "due": st.sampled_from(
                        [
                            "2023-02-06",
                            "september",
                            "14 dagar efter varje",
                            "at next a0",
                            "at each a1",
                            "plan end",
                            "none",
                            "vid nästa okänd",
                            {"after_each": 3},
                            {"yearly": "mars"},
                            "2030-01-01",
                        ]
                    ),
                    "responsible": st.lists(ROLE, max_size=2),
                    "remind": st.lists(st.integers(-1, 400), max_size=2),
                },
            ),
            max_size=2,
        ),
    }
    for key, strategy in optional.items():
        if draw(st.booleans()):
            a[key] = draw(strategy)
    return a


@st.composite
def plans(draw: st.DrawFn) -> dict[str, Any]:
    start = draw(st.dates(date(2022, 1, 1), date(2023, 6, 1)))
    end = start + timedelta(days=draw(st.integers(-10, 900)))
    plan: dict[str, Any] = {
        "id": "p",
        "name": "Plan",
        "period": {"start": str(start), "end": str(end)},
        "roles": {
            "kp": {"name": "KP", "email": "kp@x.example"},
            "ts": {
                "name": "TS",
                "email": draw(st.sampled_from(["ts@x.example", "not-an-address"])),
            },
        },
        "activities": [draw(activity(i)) for i in range(draw(st.integers(0, 4)))],
    }
    if draw(st.booleans()):
        plan["breaks"] = [{"id": "sommar", "name": "Sommar", "from": draw(DAY), "to": draw(DAY)}]
    if draw(st.booleans()):
        plan["timezone"] = draw(
            st.sampled_from(["Europe/Stockholm", "America/New_York", "Mars/Olympus"])
        )
    if draw(st.booleans()):
        plan["defaults"] = {"time": draw(st.sampled_from(["08:00", "x"])), "holidays": draw(POLICY)}
    return plan


def compile_and_render(text: str) -> None:
    try:
        schedule = compile_plan(loads(text, "generated.yaml"))
    except PlanError as e:
        assert e.problems and all(where(p).file == "generated.yaml" for p in e.problems)
        e.render("sv")
        return
    feeds = ics.render_all(schedule)
    # What compiles must also read back as our own occurrences (here: the whole-plan feed).
    import icalendar
    import recurring_ical_events

    data = next(v for f, v in feeds.items() if f.slug == "plan")
    events = recurring_ical_events.of(icalendar.Calendar.from_ical(data)).between(
        date(2000, 1, 1), date(2040, 1, 1)
    )
    assert len(events) == len(schedule.occurrences()) + len(schedule.deadlines)


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plans())
def test_generated_plans_raise_only_plan_errors(plan: dict[str, Any]) -> None:
    compile_and_render(json.dumps(plan, ensure_ascii=False))  # JSON is YAML


SEED_LINES = SEED.read_text(encoding="utf-8").splitlines()


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["drop", "double", "char", "swap"]),
            st.integers(0, len(SEED_LINES) - 1),
            st.characters(),
        ),
        min_size=1,
        max_size=4,
    )
)
def test_edited_seed_raises_only_plan_errors(edits: list[tuple[str, int, str]]) -> None:
    lines = list(SEED_LINES)
    for kind, index, char in edits:
        index %= len(lines)
        if kind == "drop":
            del lines[index]
        elif kind == "double":
            lines.insert(index, lines[index])
        elif kind == "char" and lines[index]:
            pos = len(lines[index]) // 2
            lines[index] = lines[index][:pos] + char + lines[index][pos + 1 :]
        elif kind == "swap" and index + 1 < len(lines):
            lines[index], lines[index + 1] = lines[index + 1], lines[index]
    compile_and_render("\n".join(lines))
