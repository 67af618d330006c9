"""plancal run with push = true: Exchange holds the plan; a tick with no change asks nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from plancal.config.settings import load
from plancal.scheduler.daemon import Daemon, configured_push
from plancal.scheduler.mail import SmtpSettings
from plancal.state.store import Store
from tests.helpers import SEED
from tests.helpers.ews import ORGANIZER, PASSWORD, USER, agenda_of, occurrences_in
from tests.simulators.ews import Simulator

NOW = datetime(2022, 9, 1, 8, tzinfo=UTC)


def test_daemon_pushes_the_plan_and_a_second_tick_sends_nothing(
    sim: Simulator, tmp_path: Path
) -> None:
    settings = load(
        None,
        {
            "PLANCAL_CONFIG": str(tmp_path / "none.toml"),
            "PLANCAL_DAEMON_PUSH": "true",
            "PLANCAL_EXCHANGE_MAILBOX": ORGANIZER,
            "PLANCAL_EXCHANGE_URL": sim.url,
            "PLANCAL_EXCHANGE_AUTH": "basic",
            "PLANCAL_EXCHANGE_USERNAME": USER,
            "PLANCAL_EXCHANGE_PASSWORD": PASSWORD,
        },
    )
    push = configured_push(settings)
    assert push is not None
    with Store(str(tmp_path / "state.sqlite")) as store:
        smtp = SmtpSettings("127.0.0.1", "plancal@soderhamn.example")  # unused here
        daemon = Daemon(SEED, store, smtp, push=push)
        assert daemon.push_changed(NOW) == {"soderhamn-2022-2023": {"exchange": "pushed"}}
        schedule = daemon.schedule()
        assert schedule is not None
        assert occurrences_in(sim, schedule.plan.tz) == agenda_of(schedule)
        assert sim.sent and sim.writes()
        sent, writes, asked = len(sim.sent), len(sim.writes()), len(sim.log)
        assert daemon.push_changed(NOW) == {}
        # The second tick asks nothing; a restarted daemon reconciles and sends nothing.
        assert len(sim.log) == asked
        again = Daemon(SEED, store, smtp, push=configured_push(settings))
        assert again.push_changed(NOW) == {"soderhamn-2022-2023": {"exchange": "pushed"}}
        assert (len(sim.sent), len(sim.writes())) == (sent, writes)
