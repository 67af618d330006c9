"""Reminders and the service: remind (once, now) and run (the daemon)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click

from plancal.cli import main
from plancal.cli.options import (
    MOMENT,
    PLAN_ARG,
    compiled,
    db_option,
    lang_option,
    load_settings,
    say,
    settings_option,
)
from plancal.i18n import Lang, Text


@main.command()
@PLAN_ARG
@click.option(
    "--dry-run", is_flag=True, help="List what is owed now and what the outbox holds; send nothing."
)
@click.option(
    "--now",
    "at",
    type=MOMENT,
    metavar="TIME",
    help="Act as if it were this time (ISO 8601; plan-local without an offset).",
)
@db_option
@settings_option
@lang_option
def remind(
    plan: Path,
    dry_run: bool,
    at: datetime | None,
    db_url: str | None,
    config: Path | None,
    lang: Lang,
) -> None:
    """Send the follow-up reminders owed now; each goes out once, however often this runs."""
    import logging

    from plancal.scheduler import report
    from plancal.scheduler.clock import utcnow
    from plancal.scheduler.dispatch import tick, worker_id
    from plancal.scheduler.mail import SmtpMailer, smtp_settings
    from plancal.state.outbox import Outbox
    from plancal.state.store import Store

    logging.getLogger("plancal").addHandler(logging.NullHandler())  # the summary says it all
    schedule = compiled(plan, lang)
    loaded = load_settings(config)
    late_days = loaded.get("reminders", "late_days")
    fixed = at if at is None or at.tzinfo else at.replace(tzinfo=schedule.plan.tz)
    smtp = None if dry_run else smtp_settings(loaded)
    with Store(db_url or loaded.get("store", "url")) as store:
        outbox = Outbox(store)
        if smtp is None:  # --dry-run
            now = fixed or utcnow()
            for line in report.lines(
                schedule, report.preview(schedule, outbox, now, late_days), now, lang
            ):
                click.echo(line)
            return
        worker, sent, failed, stopped = worker_id(), 0, 0, None
        with SmtpMailer(smtp) as mailer:
            while True:  # batch by batch, each with its own lease time
                now = fixed or utcnow()
                outcome = tick(schedule, outbox, mailer, now, worker, late_days=late_days)
                for row in outcome.sent:
                    r = row.reminder
                    click.echo(
                        f"{r.recipient} <{r.address}>  {r.deadline}  {r.due}"
                        + ("  [late]" if row.late else "")
                    )
                sent, failed = sent + len(outcome.sent), failed + len(outcome.failed)
                stopped = outcome.stopped
                if not outcome.more or stopped:
                    break
    say(
        Text(
            "{sent} reminder(s) sent, {failed} refused by the server.",
            "{sent} påminnelse(r) skickade, {failed} avvisade av servern.",
        ),
        lang,
        sent=sent,
        failed=failed,
    )
    if stopped:
        say(
            Text(
                "Stopped: {error}. The rest stays owed and goes out on the next run.",
                "Avbrutet: {error}. Resten ligger kvar och skickas nästa gång.",
            ),
            lang,
            err=True,
            error=stopped,
        )
    if stopped or failed:
        raise SystemExit(1)


@main.command()
@click.argument("plans", metavar="PLAN|PLANS_DIR", type=click.Path(exists=True, path_type=Path))
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder for the feeds (default: the [daemon] out setting); a folder of plans "
    "publishes each into out/<plan id>/.",
)
@db_option
@settings_option
@lang_option
def run(
    plans: Path, out_dir: Path | None, db_url: str | None, config: Path | None, lang: Lang
) -> None:
    """Run as a service: reminders every minute, feeds recompiled at an interval.

    PLAN is one plan file (one instance per plan and store), or PLANS_DIR a folder of plan
    files: then any number of processes, on any number of hosts sharing one PostgreSQL, share
    the plans, and a process that dies loses its plans to the others within [daemon] lease.
    New, changed and removed plan files are picked up; a broken one keeps its last good
    version and is logged. SIGTERM stops it cleanly. Logs are JSON lines on stderr.
    """
    from contextlib import nullcontext

    from plancal.scheduler import daemon
    from plancal.scheduler.mail import smtp_settings
    from plancal.state.store import Store

    folder = plans.is_dir()
    if folder:
        from plancal.app.region import plan_paths

        plan_paths([plans])  # at least one plan file, or a clear error
        plan_id = None
    else:
        plan_id = compiled(plans, lang).plan.id
    loaded = load_settings(config)
    smtp = smtp_settings(loaded)
    push = daemon.configured_push(loaded)
    out = out_dir or (Path(loaded.get("daemon", "out")) if loaded.get("daemon", "out") else None)
    with (
        Store(db_url or loaded.get("store", "url")) as store,
        daemon.single_instance(store, plan_id) if plan_id is not None else nullcontext(),
    ):
        daemon.configure_logging()
        service = daemon.Daemon(plans, store, smtp, loaded.get("reminders", "late_days"), out, push)
        if folder:
            from plancal.state.leases import leases

            service.schedules()  # compile the region first: the lease session must not idle

            service.leases = leases(
                store, service.worker, plans.resolve().name, loaded.get("daemon", "lease")
            )
            service.leases.register()
        daemon.serve(
            service,
            loaded.get("daemon", "reminder_every"),
            loaded.get("daemon", "publish_every"),
        )
