"""Who a meeting books, and when people are busy in the plan: what placement asks before it
chooses a day, and what the double-booking check (``conflicts``) compares.

A person is an e-mail address (lower case): two roles with one address are one person.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta

from plancal.rules.model import Activity, Plan

# Is the activity's people free from start to end (naive local times of the plan)?
IsFree = Callable[[Activity, datetime | date, datetime | date], bool]


def always_free(activity: Activity, start: datetime | date, end: datetime | date) -> bool:
    return True


def people(plan: Plan, activity: Activity) -> dict[str, tuple[str, ...]]:
    """Who an activity books: its organizer and attendees, by address (lower case) → role ids."""
    out: dict[str, tuple[str, ...]] = {}
    for role_id in (activity.organizer, *activity.attendees):
        role = plan.role_by_id.get(role_id) if role_id else None
        if role_id is None or role is None:
            continue
        email = role.email.strip().lower()
        if role_id not in out.get(email, ()):
            out[email] = (*out.get(email, ()), role_id)
    return out


class Busy:
    """Timed meetings per person, in start order: is someone busy between two times?

    Times are naive local times of one plan (one zone), as the compiler places them. All-day
    items book nobody.
    """

    def __init__(self, plan: Plan):
        self.plan = plan
        self._people: dict[str, tuple[str, ...]] = {}
        self._booked: dict[str, list[tuple[datetime, datetime, str]]] = {}
        self._longest = timedelta(0)
        self._unsorted: set[str] = set()

    def people_of(self, activity: Activity) -> tuple[str, ...]:
        found = self._people.get(activity.id)
        if found is None:
            found = tuple(people(self.plan, activity))
            self._people[activity.id] = found
        return found

    def add(self, activity: Activity, start: datetime | date, end: datetime | date) -> None:
        if not isinstance(start, datetime) or not isinstance(end, datetime):
            return
        self._longest = max(self._longest, end - start)
        for person in self.people_of(activity):
            self._booked.setdefault(person, []).append((start, end, activity.id))
            self._unsorted.add(person)  # sorted when next asked: one sort, not an insert each

    def add_all(
        self, meetings: Iterable[tuple[Activity, datetime | date, datetime | date]]
    ) -> None:
        for activity, start, end in meetings:
            self.add(activity, start, end)

    def is_free(self, activity: Activity, start: datetime | date, end: datetime | date) -> bool:
        """No one the activity books is in another activity's meeting between start and end."""
        if not isinstance(start, datetime) or not isinstance(end, datetime):
            return True
        earliest = start - self._longest
        for person in self.people_of(activity):
            booked = self._booked.get(person)
            if not booked:
                continue
            if person in self._unsorted:
                booked.sort()
                self._unsorted.discard(person)
            i = bisect_left(booked, (end,))  # the meetings that begin before ``end``
            while i > 0:
                i -= 1
                other_start, other_end, other = booked[i]
                if other_start <= earliest:
                    break
                if other_end > start and other != activity.id:
                    return False
        return True
