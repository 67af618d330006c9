"""The push against the simulator's stricter Exchange: message counts, convergence, per-item
errors, moves in an order Exchange accepts, day 29–31, schema-valid refusals."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from plancal.calendars.push import PushError
from plancal.calendars.sync import desired, messages, reconcile
from plancal.errors import PlanError
from tests.helpers.ews import ORGANIZER, agenda_of, occurrences_in, run_push
from tests.simulators.ews import EwsError, Simulator

A, B = "a@kommun.example", "b@polisen.example"


def weekly(
    tmp_path: Path,
    name: str,
    exceptions: str = "",
    place: str = "Rum 1",
    series: bool = True,
    when: str = "Varje tisdag kl. 09.00",
) -> Any:
    """A small plan: one weekly series on Tuesdays in November–December 2022 (and a meeting
    that stays, so the series can be removed)."""
    from plancal.app.check import load_schedule

    lines = [
        "id: liten",
        "name: Liten plan",
        "period: {start: 2022-11-01, end: 2022-12-31}",
        "roles:",
        f"  a: {{name: A, email: {A}}}",
        f"  b: {{name: B, email: {B}}}",
        "activities:",
        "  - id: kvar",
        "    title: Kvar",
        "    when: Varje fredag kl. 13.00",
        "    duration: 30",
        "    attendees: [a]",
    ]
    if series:
        lines += [
            "  - id: serie",
            "    title: Serie",
            f"    when: {when}",
            "    duration: 60",
            "    holidays: keep",
            "    breaks: continue",
            "    attendees: [a, b]",
            f"    place: {place}",
        ]
        if exceptions:
            lines += ["    exceptions:", *(f"      {x}" for x in exceptions.splitlines())]
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    schedule, _ = load_schedule(path)
    return schedule


def sent_since(sim: Simulator, mark: int) -> Counter[tuple[str, str]]:
    return Counter((s.attendee, s.kind) for s in sim.sent[mark:])


def predicted(result: Any, now: datetime | None = None) -> Counter[tuple[str, str]]:
    m = messages(result.changes, now)
    out: Counter[tuple[str, str]] = Counter()
    for kind, box in (
        ("invitation", m.invitations),
        ("update", m.updates),
        ("cancellation", m.cancellations),
    ):
        for who, n in box.items():
            out[(who, kind)] += n
    return out


# --- messages per update ------------------------------------------------------------------------


def test_a_series_update_sends_one_message_per_exception_and_the_dry_run_counts_them(
    sim: Simulator, tmp_path: Path
) -> None:
    moved = "moved: {2022-11-15: 2022-11-16 09:00, 2022-11-29: 2022-11-30 09:00}"
    run_push(weekly(tmp_path, "a.yaml", moved), sim)
    changed = weekly(tmp_path, "b.yaml", moved, place="Rum 2")
    dry = run_push(changed, sim, dry_run=True)
    mark = len(sim.sent)
    run_push(changed, sim)
    # The master's update and one per modified occurrence, to each attendee.
    assert sent_since(sim, mark) == {(A, "update"): 3, (B, "update"): 3}
    assert predicted(dry) == sent_since(sim, mark)


def test_cancelling_a_series_cancels_each_exception_still_to_come(
    sim: Simulator, tmp_path: Path
) -> None:
    now = datetime(2022, 11, 20, tzinfo=UTC)
    sim.clock = lambda: now
    moved = "moved: {2022-11-08: 2022-11-09 09:00, 2022-11-29: 2022-11-30 09:00}"
    run_push(weekly(tmp_path, "a.yaml", moved), sim)
    gone = weekly(tmp_path, "b.yaml", series=False)
    dry = run_push(gone, sim, dry_run=True)
    mark = len(sim.sent)
    run_push(gone, sim)
    # The series, and the exception on 30 November (9 November has passed).
    assert sent_since(sim, mark) == {(A, "cancellation"): 2, (B, "cancellation"): 2}
    assert predicted(dry, now) == sent_since(sim, mark)


# --- pushes that converge -----------------------------------------------------------------------


def test_optional_attendees_and_rooms_added_in_outlook_are_left_alone(
    sim: Simulator, tmp_path: Path
) -> None:
    schedule = weekly(tmp_path, "a.yaml")
    run_push(schedule, sim)
    (series,) = [i for i in sim.calendar(ORGANIZER) if i.subject == "Serie"]
    series.optional.append("gast@kommun.example")
    series.resources.append("rum.2@kommun.example")
    mark, sent = len(sim.log), len(sim.sent)
    result = run_push(schedule, sim)
    assert result.changes == [] and not [e for e in sim.log[mark:] if e.write]
    assert len(sim.sent) == sent
    assert series.optional == ["gast@kommun.example"]
    assert series.resources == ["rum.2@kommun.example"]


def test_an_alias_exchange_resolves_to_a_primary_address_converges(
    sim: Simulator, tmp_path: Path
) -> None:
    primary = "bertil.berg@polisen.example"
    sim.directory = {B: primary, primary: primary}
    schedule = weekly(tmp_path, "a.yaml")
    result = run_push(schedule, sim)
    assert result.rounds == 1
    (series,) = [i for i in sim.calendar(ORGANIZER) if i.subject == "Serie"]
    assert series.required == [A, "bertil.berg@polisen.example"]
    mark = len(sim.log)
    assert run_push(schedule, sim).changes == []
    assert not [e for e in sim.log[mark:] if e.write]
    assert Counter(s.attendee for s in sim.sent) == {A: 2, "bertil.berg@polisen.example": 1}


def test_a_round_that_would_repeat_the_last_stops_naming_the_item_and_field(
    sim: Simulator, tmp_path: Path
) -> None:
    """An address Exchange rewrites and will not resolve for plancal (a mailbox hidden from
    the address lists): the push stops after the second round instead of writing 30."""
    sim.directory = {B: "dold@polisen.example"}
    sim.unlisted = {"dold@polisen.example"}
    with pytest.raises(PushError) as e:
        run_push(weekly(tmp_path, "a.yaml"), sim)
    sv, en = e.value.render("sv"), e.value.render("en")
    assert "serie@liten.plancal" in en and "its attendees" in en
    assert "dess deltagare" in sv and "its attendees" not in sv
    assert len([e for e in sim.log if e.operation == "UpdateItem"]) == 1


# --- one item's answer, not the batch's ---------------------------------------------------------


def test_regression_a_busy_item_in_a_create_batch_is_never_created_twice(
    sim: Simulator, seed_schedule: Any
) -> None:
    creates = [0]

    def fault(n: int, op: str) -> str | None:
        if op == "CreateItem":
            creates[0] += 1
            return "busy-item" if creates[0] == 1 else None
        return None

    sim.fault = fault
    result = run_push(seed_schedule, sim)
    assert result.unsettled and "ErrorServerBusy" in result.unsettled[0]
    keys = [
        v
        for i in sim.calendar(ORGANIZER)
        for (_, n, _), v in i.extended.items()
        if n == "plancal-key"
    ]
    assert len(keys) == len(set(keys)) == len(seed_schedule.series)
    expected = messages(reconcile(desired(seed_schedule, ORGANIZER), {}))
    assert Counter(s.attendee for s in sim.sent) == expected.invitations
    assert occurrences_in(sim, seed_schedule.plan.tz) == agenda_of(seed_schedule)


def test_regression_moves_go_in_an_order_that_never_crosses_a_neighbour(
    sim: Simulator, tmp_path: Path
) -> None:
    """Tue 8 → Thu 10 while Tue 15 comes back from Wed 9: moved in the plan's order, the
    first move would pass the second occurrence still on Wed 9 (ErrorOccurrenceCrossingBoundary)."""
    run_push(weekly(tmp_path, "a.yaml", "moved: {2022-11-15: 2022-11-09 09:00}"), sim)
    after = weekly(tmp_path, "b.yaml", "moved: {2022-11-08: 2022-11-10 09:00}")
    mark = len(sim.sent)
    result = run_push(after, sim)
    assert result.rounds == 1 and not result.unsettled
    assert occurrences_in(sim, after.plan.tz) == agenda_of(after)
    assert sent_since(sim, mark) == {(A, "update"): 2, (B, "update"): 2}


# --- what Exchange cannot hold ------------------------------------------------------------------


def test_monthly_on_day_31_is_refused_before_anything_is_written(
    sim: Simulator, tmp_path: Path
) -> None:
    schedule = weekly(
        tmp_path, "a.yaml", when='"RRULE:FREQ=MONTHLY;BYMONTHDAY=31"\n    time: "09.00"'
    )
    with pytest.raises(PlanError) as e:
        run_push(schedule, sim)
    assert "day 31" in e.value.render("en") and "dag 31" in e.value.render("sv")
    assert not sim.writes()


def test_day_of_month_past_the_end_is_the_last_day_in_the_simulator() -> None:
    from datetime import date
    from itertools import islice

    from tests.simulators.ews import pattern_days

    days = list(islice(pattern_days({"kind": "absolute-monthly", "day": 31}, date(2023, 1, 1)), 3))
    assert days == [date(2023, 1, 31), date(2023, 2, 28), date(2023, 3, 31)]


# --- the simulator's own answers -----------------------------------------------------------------


@pytest.mark.parametrize("op", ["UpdateItem", "CreateItem", "GetItem"])
def test_refusals_carry_an_empty_items_element_and_pass_the_schema(sim: Simulator, op: str) -> None:
    answer = sim._response(op, [sim._message(op, EwsError("ErrorItemNotFound", "Not found."))])
    sim.check_answers = 0  # only refusals are checked now
    sim._envelope(answer)
    assert answer[0][0].find("{*}Items") is not None
    assert sim.response_errors == []


# --- access ---------------------------------------------------------------------------------------


def test_a_delegate_with_only_reviewer_rights_is_stopped_before_anything_lands(
    ews_schema: Any, seed_schedule: Any
) -> None:
    """Delegate access is a grant with a calendar permission level: reading is not writing."""
    from plancal.calendars.targets.exchange.target import ExchangeError
    from tests.helpers.ews import PASSWORD, USER

    sim = Simulator(ews_schema, users={USER: PASSWORD}, delegates={USER: {ORGANIZER: "Reviewer"}})
    sim.start()
    try:
        with pytest.raises(ExchangeError) as caught:
            run_push(seed_schedule, sim)
        en, sv = caught.value.render("en"), caught.value.render("sv")
        assert "ErrorAccessDenied" in en and "Editor rights" in en and ORGANIZER in en
        assert "redigeringsrätt" in sv
        assert sim.calendar(ORGANIZER) == [] and sim.sent == []
        assert len([e for e in sim.log if e.write]) == 1  # stopped at the first refusal
    finally:
        sim.stop()


def test_impersonation_is_the_default_on_premises_and_needs_the_role_for_that_mailbox(
    ews_schema: Any, seed_schedule: Any
) -> None:
    """On premises too, plancal impersonates the organizer unless told otherwise; Exchange
    refuses without the ApplicationImpersonation role, or with it scoped to other mailboxes."""
    from plancal.calendars.targets.exchange.target import Connection, ExchangeError
    from plancal.config.settings import Settings
    from tests.helpers.ews import PASSWORD, USER

    values = {
        "mailbox": ORGANIZER,
        "url": "https://mail.example.se/EWS/Exchange.asmx",
        "auth": "ntlm",
        "username": USER,
        "password": PASSWORD,
    }
    settings = Settings({"exchange": values}, "(no file at /x)")
    assert Connection.from_settings(settings).access == "impersonation"

    grants: list[Any] = [set(), {USER: {"annan@soderhamn.example"}}, {USER: {ORGANIZER}}]
    for grant in grants:
        # Delegate rights alone are not impersonation.
        sim = Simulator(
            ews_schema,
            users={USER: PASSWORD},
            delegates={USER: {ORGANIZER}},
            impersonators=grant,
        )
        sim.start()
        try:
            if grant and ORGANIZER in grant[USER]:
                run_push(seed_schedule, sim, access="impersonation")
                assert len(sim.calendar(ORGANIZER)) == len(seed_schedule.series)
                continue
            with pytest.raises(ExchangeError) as caught:
                run_push(seed_schedule, sim, access="impersonation")
            en, sv = caught.value.render("en"), caught.value.render("sv")
            assert "ErrorImpersonateUserDenied" in en and "ApplicationImpersonation role" in en
            assert "rollen ApplicationImpersonation" in sv
            assert sim.calendar(ORGANIZER) == [] and sim.sent == []
        finally:
            sim.stop()


def test_a_certificate_needs_its_thumbprint_and_is_never_shown() -> None:
    from plancal.calendars.targets.exchange.target import Connection
    from plancal.config.settings import Settings

    values = {
        "mailbox": ORGANIZER,
        "url": "https://outlook.office365.com/EWS/Exchange.asmx",
        "auth": "oauth2",
        "client_id": "app-id",
        "tenant_id": "tenant",
        "certificate": "-----BEGIN PRIVATE KEY-----\nhemligt\n-----END PRIVATE KEY-----",
    }
    with pytest.raises(PlanError) as caught:
        Connection.from_settings(Settings({"exchange": values}, "(no file at /x)"))
    assert "certificate_thumbprint" in caught.value.render("en")
    assert "hemligt" not in caught.value.render("en") + caught.value.render("sv")
    settings = Settings({"exchange": {**values, "certificate_thumbprint": "ab12"}}, "/p.toml")
    c = Connection.from_settings(settings)
    assert c.certificate and c.client_secret is None and "hemligt" not in repr(c)
    assert settings.shown()["exchange"]["certificate"] == "***"
