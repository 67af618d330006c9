"""Which follow-up reminders are owed at a given time. Pure: no clock, no database.

A reminder is identified by its deadline (UID and due day), its recipient (a role) and how many
days before the deadline it is sent: that key is what the outbox keeps unique. The time comes
from the feeds' alarms: 09:00 plan-local, N days before the deadline's first day (a yearly
window such as "september" starts on the 1st), so a mail and a calendar alarm arrive together.

Each tick asks again what is owed, so a reminder missed while plancal was down is still owed
when it comes back: it goes out late, and says so. Two rules keep a long outage from flooding
people: only the newest reminder reached per deadline and recipient is owed (after a month
away, "2 days left" replaces "14 days left"), and a missed reminder is dropped ``late_days``
after its deadline has passed (a plan taken into use half-way does not mail its whole past).
"""

from __future__ import annotations

import hashlib
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from plancal.rules.compile import Deadline, Schedule

REMIND_AT = time(9)  # as the VALARMs of calendars/ics.py
LATE_DAYS = 7  # default: how long after its deadline a missed reminder still goes out

Key = tuple[str, str, date, str, int]  # plan, deadline UID, due day, role, days before


@dataclass(frozen=True, slots=True)
class Reminder:
    plan_id: str
    deadline: str
    due: date
    recipient: str  # role id
    offset_days: int
    address: str
    owed_at: datetime  # UTC
    expires: datetime  # UTC: from then on, a missed reminder is no longer sent

    @property
    def key(self) -> Key:
        return (self.plan_id, self.deadline, self.due, self.recipient, self.offset_days)

    @property
    def message_id(self) -> str:
        return message_id(self.key)


def message_id(key: Key) -> str:
    """Derived from the key alone: a resend after a crash is the same message to a receiver."""
    plan_id, deadline, due, recipient, offset = key
    digest = hashlib.sha256(
        f"{plan_id}\n{deadline}\n{due.isoformat()}\n{recipient}\n{offset}".encode()
    ).hexdigest()[:40]
    return f"<{digest}.reminder@plancal>"  # short enough never to be folded


def local_instant(day: date, at: time, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, at, tzinfo=tz).astimezone(UTC)


def of_deadline(schedule: Schedule, d: Deadline, late_days: int = LATE_DAYS) -> list[Reminder]:
    """Every reminder of one deadline, earliest first."""
    plan = schedule.plan
    expires = local_instant(d.due + timedelta(days=1 + late_days), time(0), plan.tz)
    return [
        Reminder(
            plan.id,
            d.uid,
            d.due,
            role,
            days,
            plan.role_by_id[role].email,
            local_instant(d.start - timedelta(days=days), REMIND_AT, plan.tz),
            expires,
        )
        for days in sorted(d.followup.remind_days, reverse=True)
        for role in d.followup.responsible
    ]


def planned(schedule: Schedule, late_days: int = LATE_DAYS) -> list[Reminder]:
    """Every reminder the plan foresees, in the order they fall due."""
    out = [r for d in schedule.deadlines for r in of_deadline(schedule, d, late_days)]
    return sorted(out, key=lambda r: (r.owed_at, r.deadline, r.recipient))


def owed(schedule: Schedule, now: datetime, late_days: int = LATE_DAYS) -> list[Reminder]:
    """What is owed at ``now``: per deadline and recipient, the newest reminder reached."""
    return newest_reached(planned(schedule, late_days), now)


def newest_reached(reminders: Iterable[Reminder], now: datetime) -> list[Reminder]:
    newest: dict[tuple[str, date, str], Reminder] = {}
    for r in reminders:
        if r.owed_at <= now < r.expires:
            group = (r.deadline, r.due, r.recipient)
            if group not in newest or r.owed_at > newest[group].owed_at:
                newest[group] = r
    return sorted(newest.values(), key=lambda r: (r.owed_at, r.deadline, r.recipient))


class Timetable:
    """A plan's reminders, planned once, for a daemon that asks every minute what is owed.

    ``owed(now)`` equals ``owed(schedule, now)`` without walking the whole plan: reminders are
    sorted by when they fall due, and none is owed longer than the longest span from due to
    expiry, so only a window of the list is looked at.
    """

    def __init__(self, schedule: Schedule, late_days: int = LATE_DAYS):
        self.schedule = schedule
        self.reminders = planned(schedule, late_days)
        self._at = [r.owed_at for r in self.reminders]
        self._span = max((r.expires - r.owed_at for r in self.reminders), default=timedelta(0))

    def owed(self, now: datetime, ahead: timedelta = timedelta(0)) -> list[Reminder]:
        """What is owed at ``now``, then what falls due within ``ahead`` after it."""
        window = self.reminders[
            bisect_right(self._at, now - self._span) : bisect_right(self._at, now + ahead)
        ]
        return newest_reached(window, now) + [r for r in window if r.owed_at > now]


def is_late(owed_at: datetime, now: datetime, tz: ZoneInfo) -> bool:
    """Late means sent on a later day (plan-local) than it was meant for."""
    return now.astimezone(tz).date() > owed_at.astimezone(tz).date()


def by_deadline(schedule: Schedule) -> dict[tuple[str, date], Deadline]:
    return {(d.uid, d.due): d for d in schedule.deadlines}
