"""Push a plan to a target: read, reconcile, apply, and again until nothing is left to do.

Target-agnostic: the target reads what plancal owns into ``Held`` values and applies
``Change`` lists (``sync.py``). A round whose writes may or may not have landed (a timeout, a
dropped connection) ends early with ``Unsettled``; the next round reads the target again and
reconciles from what is really there, so nothing is sent twice. A push is done when a round
finds no difference; that last read also refreshes what the state store remembers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from plancal.calendars.sync import Change, Held, Meeting, When, desired, messages, reconcile
from plancal.errors import PlanError, Problem, UserError
from plancal.i18n import Lang, Message, Text, msg
from plancal.rules.compile import Schedule

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Pushed:
    """What a target wrote for one key, as it last read it back."""

    key: str
    item_id: str
    change_key: str
    digest: str
    snapshot: dict[str, Any]


class PushLedger(Protocol):
    """What a target remembers between runs (``plancal.state.pushstate.PushState``)."""

    def load(self) -> dict[str, Pushed]: ...
    def remember(self, rows: Iterable[Pushed], now: datetime) -> None: ...
    def forget(self, keys: Iterable[str] | None = None) -> None: ...
    def begin(self, intents: Iterable[tuple[str, str]], now: datetime) -> None: ...
    def end(self, keys: Iterable[str] | None = None) -> None: ...
    def in_flight(self) -> dict[str, set[str]]: ...


class Target(Protocol):
    @property
    def organizer(self) -> str: ...

    def problems(self, want: Mapping[str, Meeting]) -> list[Problem]: ...

    def interrupted(self) -> Mapping[str, set[str]]: ...

    def read(self) -> dict[str, Held]: ...

    def apply(self, changes: list[Change], progress: Progress | None = None) -> None: ...

    def settled(self) -> None: ...


class PushError(UserError):
    """The push could not finish; the message is safe to show."""


@dataclass
class PushResult:
    changes: list[Change]  # what the first round found to do (all of it, on a dry run)
    rounds: int = 0  # rounds that wrote
    interrupted: int = 0  # writes left in flight by an earlier push, now repaired
    dry_run: bool = False
    unsettled: list[str] = field(default_factory=list)  # why rounds ended early
    now: datetime | None = None  # when the push ran: which exceptions are still to come
    apart: bool = False  # the target restores occurrences as single meetings where cheaper


def plan_changes(schedule: Schedule, target: Target) -> tuple[dict[str, Meeting], list[Change]]:
    want = desired(schedule, target.organizer)
    problems = target.problems(want)
    if problems:
        raise PlanError(problems)
    return want, reconcile(want, target.read())


def push(
    schedule: Schedule,
    target: Target,
    dry_run: bool = False,
    progress: Progress | None = None,
    max_rounds: int = 30,
    unsettled: type[Exception] = RuntimeError,
    now: datetime | None = None,
) -> PushResult:
    """Make the target hold the plan. ``unsettled`` is the target's "outcome unknown" error."""
    interrupted = len(target.interrupted())
    want, changes = plan_changes(schedule, target)
    # A target that cannot undelete an occurrence may restore it as a single meeting
    # (``sync.restores_apart``); the counts follow what it does.
    apart = bool(getattr(target, "restores_apart", False))
    result = PushResult(changes, 0, interrupted, dry_run, now=now, apart=apart)
    if dry_run:
        return result
    todo = changes
    landed: list[Change] | None = None  # the changes of the last round whose writes all landed
    for _ in range(max_rounds):
        if not todo:
            target.settled()
            return result
        if landed is not None and _same(landed, todo):
            raise _repeating(todo)
        result.rounds += 1
        try:
            target.apply(todo, progress)
            landed = todo
        except unsettled as e:
            result.unsettled.append(str(e))
            landed = None
        todo = reconcile(want, target.read())
    raise PushError(
        msg(
            Text(
                "the calendar still differs from the plan after {n} rounds ({why})",
                "kalendern skiljer sig fortfarande från planen efter {n} omgångar ({why})",
            ),
            n=max_rounds,
            why=result.unsettled[-1] if result.unsettled else "-",
        )
    )


def _signature(c: Change) -> tuple[object, ...]:
    return (c.kind, c.key, c.occurrence, c.start, c.invite, c.update, c.cancel)


def _same(a: list[Change], b: list[Change]) -> bool:
    return [_signature(c) for c in a] == [_signature(c) for c in b]


FIELDS: dict[str, Text] = {
    "attendees": Text("its attendees", "dess deltagare"),
    "content": Text(
        "its title, place, time, text or reminder",
        "dess rubrik, plats, tid, text eller påminnelse",
    ),
    "occurrence": Text("the occurrence of {when}", "tillfället {when}"),
    "presence": Text("whether it exists", "om det finns"),
}


def _field(c: Change) -> Message:
    if c.kind in ("update-series", "update-meeting"):
        return msg(FIELDS["content" if c.update or c.reschedules else "attendees"])
    if c.occurrence is not None:
        return msg(FIELDS["occurrence"], when=str(c.occurrence))
    return msg(FIELDS["presence"])


def _repeating(todo: list[Change]) -> PushError:
    """A round that would write exactly what the last one wrote, and it all landed: the
    target reads back something other than what plancal writes. Say which item and field."""
    c = todo[0]
    return PushError(
        msg(
            Text(
                "the calendar took the push's changes but reads back something else for "
                "{title!r} ({key}): {field}; a further round would write the same again "
                "({n} change(s) repeat)",
                "kalendern tog emot ändringarna men läser tillbaka något annat för "
                "{title!r} ({key}): {field}; en ny omgång skulle skriva samma sak igen "
                "({n} ändring(ar) upprepas)",
            ),
            title=c.title,
            key=c.key,
            field=_field(c),
            n=len(todo),
        ),
        msg(
            Text(
                "check that item in Outlook (an address Exchange rewrites, a field a rule "
                "changes); nothing else is affected",
                "kontrollera det mötet i Outlook (en adress som Exchange skriver om, ett fält "
                "som en regel ändrar); inget annat påverkas",
            )
        ),
    )


# --- reporting (no terminal here: the CLI prints what these return) ----------------------------

KINDS: dict[str, Text] = {
    "create-series": Text("new series", "ny mötesserie"),
    "update-series": Text("series changed", "mötesserien ändras"),
    "cancel-series": Text("series cancelled", "mötesserien ställs in"),
    "move-occurrence": Text("occurrence moved to {start}", "tillfället flyttas till {start}"),
    "cancel-occurrence": Text("occurrence cancelled", "tillfället ställs in"),
    "restore-occurrence": Text("occurrence restored", "tillfället återinförs"),
    "create-meeting": Text("new meeting", "nytt möte"),
    "update-meeting": Text("meeting changed", "mötet ändras"),
    "cancel-meeting": Text("meeting cancelled", "mötet ställs in"),
}
WHO: dict[str, Text] = {
    "invite": Text("invitation", "inbjudan"),
    "update": Text("update", "uppdatering"),
    "cancel": Text("cancellation", "avbokning"),
}


def when_text(value: When | None, tz: ZoneInfo) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.astimezone(tz).strftime("%Y-%m-%d %H:%M")
    return value.isoformat()


def change_json(c: Change, tz: ZoneInfo) -> dict[str, object]:
    return {
        "kind": c.kind,
        "activity": c.activity,
        "key": c.key,
        "title": c.title,
        "occurrence": when_text(c.occurrence, tz) or None,
        "start": when_text(c.start, tz) or None,
        "invite": sorted(c.invite),
        "update": sorted(c.update),
        "cancel": sorted(c.cancel),
    }


def change_lines(changes: list[Change], tz: ZoneInfo, lang: Lang) -> list[str]:
    """Changes grouped per activity, each with who hears of it."""
    lines: list[str] = []
    current = None
    for c in sorted(changes, key=lambda c: (c.activity, c.key, when_text(c.occurrence, tz))):
        if c.activity != current:
            current = c.activity
            lines.append(f"{c.title} ({c.activity})")
        what = KINDS[c.kind].render(lang, start=when_text(c.start, tz))
        head = f"  {when_text(c.occurrence or (c.start if 'meeting' in c.kind else None), tz)}"
        lines.append(f"{head.rstrip():<19} {what}")
        for field_name in ("invite", "update", "cancel"):
            who = sorted(getattr(c, field_name))
            if who:
                lines.append(f"{'':<20}{WHO[field_name].render(lang)}: {', '.join(who)}")
    return lines


def summary(result: PushResult, lang: Lang, per_exception: bool = True) -> dict[str, object]:
    """What the push did or would do; ``per_exception``: counted as Exchange sends (see
    ``sync.messages``), else as one message per series (iMIP)."""
    m = messages(result.changes, result.now, per_exception, result.apart)
    return {
        "changes": len(result.changes),
        "invitations": sum(m.invitations.values()),
        "updates": sum(m.updates.values()),
        "cancellations": sum(m.cancellations.values()),
        "addresses": len(set(m.invitations) | set(m.updates) | set(m.cancellations)),
        "rounds": result.rounds,
        "repaired": result.interrupted,
        "dry_run": result.dry_run,
    }


# Exchange Online's sending limits for one mailbox: 30 messages a minute (more wait in the
# Outbox) and 10,000 recipients a day (more are refused with a non-delivery report).
# https://learn.microsoft.com/en-us/office365/servicedescriptions/exchange-online-service-description/exchange-online-limits#sending-limits
MESSAGES_PER_MINUTE = 30
RECIPIENTS_PER_DAY = 10_000


def limit_notes(result: PushResult, lang: Lang) -> list[str]:
    """What a dry run says when the push would run into Exchange Online's sending limits."""
    m = messages(result.changes, result.now, apart=result.apart)
    notes = []
    if m.total() > RECIPIENTS_PER_DAY:
        notes.append(
            Text(
                "This is more than Exchange Online's {limit} recipients a day for one mailbox "
                "({n}): messages past the limit are refused; push the plan in parts, a day "
                "apart.",
                "Det är fler än Exchange Onlines {limit} mottagare per dygn för en brevlåda "
                "({n}): meddelanden över gränsen avvisas; pusha planen i delar, ett dygn "
                "isär.",
            ).render(lang, limit=f"{RECIPIENTS_PER_DAY:,}".replace(",", " "), n=m.total())
        )
    if m.sent > MESSAGES_PER_MINUTE:
        notes.append(
            Text(
                "Exchange Online sends at most {limit} messages a minute: these {n} messages "
                "take at least {minutes} minutes to leave the outbox.",
                "Exchange Online skickar högst {limit} meddelanden i minuten: dessa {n} "
                "meddelanden tar minst {minutes} minuter att lämna utkorgen.",
            ).render(
                lang,
                limit=MESSAGES_PER_MINUTE,
                n=m.sent,
                minutes=-(-m.sent // MESSAGES_PER_MINUTE),
            )
        )
    return notes


def summary_line(result: PushResult, lang: Lang, per_exception: bool = True) -> str:
    s = summary(result, lang, per_exception)
    if not result.changes:
        return Text(
            "The calendar already equals the plan; nothing was sent.",
            "Kalendern stämmer redan med planen; inget skickades.",
        ).render(lang)
    text = Text(
        "{changes} change(s): {invitations} invitation(s), {updates} update(s), "
        "{cancellations} cancellation(s) to {addresses} address(es).",
        "{changes} ändring(ar): {invitations} inbjudningar, {updates} uppdateringar, "
        "{cancellations} avbokningar till {addresses} adresser.",
    )
    line = text.render(lang, **s)
    if result.dry_run:
        line += " " + Text("Dry run: nothing was written.", "Provkörning: inget skrevs.").render(
            lang
        )
    if result.dry_run:
        line += "".join(" " + note for note in limit_notes(result, lang))
    if result.interrupted:
        line += " " + Text(
            "An interrupted push was repaired.", "En avbruten push reparerades."
        ).render(lang)
    return line
