"""What ``plancal remind --dry-run`` shows: what a tick would send now, and what the outbox holds.

Read-only: it asks the same planner as the tick and reads the outbox, and writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from plancal.calendars.reminders import LATE_DAYS, Reminder, by_deadline, is_late, owed
from plancal.i18n import Lang, Text
from plancal.rules.compile import Schedule
from plancal.state.outbox import Outbox, Row


@dataclass(frozen=True)
class Preview:
    owed: list[Reminder]  # what a tick at ``now`` would send
    rows: list[Row]  # everything the outbox holds for the plan (sent, failed, ...)


def preview(
    schedule: Schedule, outbox: Outbox, now: datetime, late_days: int = LATE_DAYS
) -> Preview:
    """Mirrors a tick: enqueue the newly owed, retire the expired and superseded, send the rest."""
    rows = outbox.rows(schedule.plan.id)
    known = {r.key for r in rows}
    fresh = [r for r in owed(schedule, now, late_days) if r.key not in known]
    waiting = [
        r.reminder
        for r in rows
        if r.status == "pending"
        or (r.status == "sending" and r.lease_until is not None and r.lease_until < now)
    ]
    newest: dict[tuple[str, date, str], int] = {}  # per deadline and recipient: fewest days
    reached = {r.key for r in rows if r.reminder.owed_at <= now}  # not those enqueued ahead
    for _plan, deadline, due, recipient, days in reached | {r.key for r in fresh}:
        group = (deadline, due, recipient)
        newest[group] = min(days, newest.get(group, days))
    chosen = [
        r
        for r in waiting + fresh
        if r.owed_at <= now < r.expires
        and r.offset_days == newest[(r.deadline, r.due, r.recipient)]
    ]
    chosen.sort(key=lambda r: (r.owed_at, r.deadline, r.recipient))
    return Preview(chosen, [r for r in rows if r.status != "pending"])


T: dict[str, Text] = {
    "owed": Text("Owed now ({n}):", "Ska skickas nu ({n}):"),
    "done": Text("In the outbox ({n}):", "I utkorgen ({n}):"),
    "none": Text("  (none)", "  (inga)"),
    "before": Text("{n} d before", "{n} d före"),
    "due": Text("due {due}", "senast {due}"),
    "late": Text("late", "försenad"),
    "gone": Text("(no longer in the plan)", "(finns inte längre i planen)"),
    "sent": Text("sent", "skickad"),
    "sending": Text("being sent", "skickas"),
    "failed": Text("failed", "misslyckades"),
    "cancelled": Text("cancelled", "struken"),
    "superseded": Text("superseded", "ersatt av en senare"),
    "expired": Text("expired", "för gammal"),
}


def lines(schedule: Schedule, p: Preview, now: datetime, lang: Lang) -> list[str]:
    plan = schedule.plan
    deadlines = by_deadline(schedule)

    def t(key: str, **values: object) -> str:
        return T[key].render(lang, **values)

    def local(moment: datetime) -> str:
        return moment.astimezone(plan.tz).strftime("%Y-%m-%d %H:%M")

    def describe(r: Reminder) -> str:
        d = deadlines.get((r.deadline, r.due))
        what = d.followup.what if d else t("gone")
        return (
            f"{local(r.owed_at)}  {r.recipient} <{r.address}>  "
            f"{t('before', n=r.offset_days)}  {what}  {t('due', due=r.due)}"
        )

    out = [t("owed", n=len(p.owed))]
    out += [
        f"  {describe(r)}" + (f"  [{t('late')}]" if is_late(r.owed_at, now, plan.tz) else "")
        for r in p.owed
    ] or [t("none")]
    out += ["", t("done", n=len(p.rows))]
    for row in p.rows:
        status = t(row.status)
        if row.sent_at is not None:
            status += f" {local(row.sent_at)}" + (f" ({t('late')})" if row.late else "")
        if row.error and row.status != "sent":
            status += f": {row.error}"
        out.append(f"  {describe(row.reminder)}  – {status}")
    if not p.rows:
        out.append(t("none"))
    return out
