"""plancal run's push: every calendar system the settings configure, when the plan changed.

The daemon calls the same use cases as ``plancal push …`` (``app.push``); this module only
decides which targets the settings name, when each plan goes to each of them, and what a
failure means. A plan is pushed to a target when its compiled content (the digests of its
VEVENTs) differs from what this process last pushed there, so once at start (a reconcile: a
target that already holds the plan is sent nothing) and then after each edit, never on every
tick. A target that fails is logged as one line with its own UserError message and tried
again with backoff; the others, the reminders and the feeds go on. A push killed midway is
finished by the next one: each target's ledger in the store guarantees it.

In a folder of plans every plan goes to the same configured targets: each target touches
only the items tagged with the plan's id, so one mailbox or collection holds many plans
without one push touching another's meetings. ``{plan}`` in ``[caldav] url`` gives each plan
a collection of its own.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from plancal.config.settings import Settings, env_name
from plancal.errors import PlanError, Problem, UserError, Where
from plancal.i18n import Text, msg
from plancal.rules.compile import Schedule
from plancal.scheduler.mail import SmtpSettings
from plancal.state.store import Store

log = logging.getLogger("plancal.daemon")

PLAN_FIELD = "{plan}"
FIRST_RETRY = timedelta(minutes=1)
LONGEST_RETRY = timedelta(hours=1)

# One target's push of one plan: the number of changes it applied.
Run = Callable[[Schedule, Store, datetime], int]


@dataclass(frozen=True)
class Target:
    name: str  # exchange, graph, caldav, mail: the section that configures it
    run: Run


@dataclass
class _Failing:
    attempts: int
    retry_at: datetime


@dataclass
class Pusher:
    """Which plan goes to which target when; the backoff of a failing target."""

    targets: list[Target]
    first_retry: timedelta = FIRST_RETRY
    longest_retry: timedelta = LONGEST_RETRY
    _pushed: dict[tuple[str, str], str] = field(default_factory=dict, init=False)
    _failing: dict[tuple[str, str], _Failing] = field(default_factory=dict, init=False)
    _digests: dict[str, tuple[Schedule, str]] = field(default_factory=dict, init=False)

    def forget(self, plans: Iterable[str]) -> None:
        """Plans this process gave up: whoever takes them, and we if we get them back,
        reconcile once."""
        gone = set(plans)
        for memory in (self._pushed, self._failing):
            for key in [k for k in memory if k[0] in gone]:
                del memory[key]

    def digest(self, schedule: Schedule) -> str:
        """The compiled content, once per version of the plan (a comment edit is no change)."""
        plan_id = schedule.plan.id
        cached = self._digests.get(plan_id)
        if cached is not None and cached[0] is schedule:
            return cached[1]
        from plancal.calendars import ics

        h = hashlib.sha256()
        for c in ics.components(schedule):
            h.update(f"{c.key}\0{c.digest}\n".encode())
        value = h.hexdigest()
        self._digests[plan_id] = (schedule, value)
        return value

    def push(self, schedule: Schedule, store: Store, now: datetime) -> dict[str, str]:
        """Each target that does not hold this version yet and is not waiting out a failure;
        what became of each one tried: "pushed" or "failed"."""
        plan_id = schedule.plan.id
        digest = self.digest(schedule)
        done: dict[str, str] = {}
        for target in self.targets:
            key = (plan_id, target.name)
            if self._pushed.get(key) == digest:
                continue
            failing = self._failing.get(key)
            if failing is not None and now < failing.retry_at:
                continue
            try:
                changes = target.run(schedule, store, now)
            except Exception as e:  # one target never stops the others
                attempts = failing.attempts + 1 if failing is not None else 1
                wait = min(self.first_retry * 2 ** (attempts - 1), self.longest_retry)
                self._failing[key] = _Failing(attempts, now + wait)
                log.warning(
                    "targets.failed",
                    extra={
                        "fields": {
                            "plan": plan_id,
                            "target": target.name,
                            "error": _said(e),
                            "attempt": attempts,
                            "retry_at": (now + wait).isoformat(),
                        }
                    },
                )
                done[target.name] = "failed"
                continue
            self._failing.pop(key, None)
            self._pushed[key] = digest
            log.info(
                "targets.pushed",
                extra={"fields": {"plan": plan_id, "target": target.name, "changes": changes}},
            )
            done[target.name] = "pushed"
        return done


def _said(e: Exception) -> str:
    """The target's own message (UserError: written for people, no secrets), else only the
    kind of failure: a library's text may carry URLs with credentials or raw server answers."""
    if isinstance(e, UserError):
        return " ".join(e.render("en").split())
    return f"unexpected {type(e).__name__}; the next push continues where this one stopped"


def configured(settings: Settings, smtp: SmtpSettings | None) -> list[Target]:
    """The targets the settings configure, checked now: a daemon that silently did not push
    would let people believe their calendars were kept.

    Exchange and Graph by ``mailbox``, CalDAV by ``url``, invitations by e-mail by ``[mail]
    organizer`` (set explicitly: ``[smtp] from`` alone sends reminders, not invitations).
    """
    targets: list[Target] = []
    exchange = _lower(settings.get("exchange", "mailbox"))
    graph = _lower(settings.get("graph", "mailbox"))
    organizer = _lower(settings.get("mail", "organizer"))
    url = settings.get("caldav", "url")
    problems: list[Problem] = []
    if exchange is not None and exchange == graph:
        problems.append(
            _problem(
                settings,
                "[graph] mailbox",
                Text(
                    "[exchange] and [graph] name the same mailbox: both would create every "
                    "meeting in it, so each attendee would get every invitation twice",
                    "[exchange] och [graph] anger samma brevlåda: båda skulle skapa varje möte "
                    "där, så varje deltagare skulle få varje inbjudan två gånger",
                ),
                Text(
                    "keep one of them (Graph for Exchange Online, EWS for Exchange Server)",
                    "behåll en av dem (Graph för Exchange Online, EWS för Exchange Server)",
                ),
            )
        )
    if organizer is not None and organizer in (exchange, graph):
        problems.append(
            _problem(
                settings,
                "[mail] organizer",
                Text(
                    "[mail] organizer is also the Exchange mailbox, which sends its own "
                    "invitations: each attendee would get every invitation twice",
                    "[mail] organizer är också Exchange-brevlådan, som skickar egna "
                    "inbjudningar: varje deltagare skulle få varje inbjudan två gånger",
                ),
                Text(
                    "remove organizer under [mail] (Exchange invites), or the mailbox",
                    "ta bort organizer under [mail] (Exchange bjuder in), eller brevlådan",
                ),
            )
        )
    if url is not None and str(url).replace(PLAN_FIELD, "").count("{"):
        problems.append(
            _problem(
                settings,
                "[caldav] url",
                Text(
                    "the CalDAV address has a placeholder other than {{plan}}",
                    "CalDAV-adressen har en platshållare som inte är {{plan}}",
                ),
                Text(
                    "write the calendar's address; {{plan}} stands for the plan's id",
                    "skriv kalenderns adress; {{plan}} står för planens id",
                ),
            )
        )
    if problems:
        raise PlanError(problems)
    if exchange is not None:
        from plancal.calendars.targets.exchange import Connection

        Connection.from_settings(settings)  # a PlanError now, not at the first push
        targets.append(Target("exchange", _exchange(settings)))
    if graph is not None:
        from plancal.calendars.targets.graph import GraphConnection

        GraphConnection.from_settings(settings)
        targets.append(Target("graph", _graph(settings)))
    if url is not None:
        targets.append(Target("caldav", _caldav(settings, str(url))))
    if organizer is not None:
        if smtp is None:
            raise PlanError([_problem(settings, "[smtp] host", *_NO_SMTP)])
        targets.append(Target("mail", _mail(organizer, smtp)))
    if not targets:
        raise PlanError([_problem(settings, "[daemon] push", *_NOTHING)])
    return targets


def _lower(value: Any) -> str | None:
    return str(value).strip().lower() if value else None


def _problem(settings: Settings, where: str, what: Text, instead: Text) -> Problem:
    return Problem(Where(f"{settings.source} {where}"), msg(what), msg(instead))


_NOTHING = (
    Text(
        "push = true, but no calendar is configured",
        "push = true, men ingen kalender är inställd",
    ),
    Text(
        f"set mailbox under [exchange] ({env_name('exchange', 'mailbox')}) or [graph], url "
        "under [caldav], or organizer under [mail]; or push = false",
        f"sätt mailbox under [exchange] ({env_name('exchange', 'mailbox')}) eller [graph], url "
        "under [caldav] eller organizer under [mail]; eller push = false",
    ),
)
_NO_SMTP = (
    Text("invitations by e-mail need [smtp]", "inbjudningar med e-post behöver [smtp]"),
    Text("set host and from under [smtp]", "sätt host och from under [smtp]"),
)


def _exchange(settings: Settings) -> Run:
    def run(schedule: Schedule, store: Store, now: datetime) -> int:
        from plancal.app.push import push_plan

        return len(push_plan(schedule, settings, store).changes)

    return run


def _graph(settings: Settings) -> Run:
    def run(schedule: Schedule, store: Store, now: datetime) -> int:
        from plancal.app.push import push_graph

        result, _forecast = push_graph(schedule, settings, store)
        return len(result.changes)

    return run


def _caldav(settings: Settings, url: str) -> Run:
    def run(schedule: Schedule, store: Store, now: datetime) -> int:
        from plancal.app.push import push_caldav

        here = url.replace(PLAN_FIELD, schedule.plan.id)
        return len(push_caldav(schedule, settings, here, store, now).changes)

    return run


def _mail(organizer: str, smtp: SmtpSettings) -> Run:
    def run(schedule: Schedule, store: Store, now: datetime) -> int:
        from plancal.app.push import push_mail
        from plancal.scheduler.mail import InvitationSender, SmtpMailer

        with SmtpMailer(smtp) as mailer:
            result = push_mail(
                schedule, organizer, store, InvitationSender(mailer), now, envelope_from=smtp.sender
            )
        return len(result.changes)

    return run
