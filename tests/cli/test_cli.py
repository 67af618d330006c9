"""The command line, as a user runs it: real processes, real files, both languages."""

from __future__ import annotations

import importlib
import json
import pkgutil
import re
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import click
import icalendar
import pytest

import plancal.cli as cli
from tests.helpers import FIXTURES, SEED
from tests.helpers.cli import LAZY_CHECK, plancal
from tests.helpers.ical import recurrence_id, value


def test_validate_seed_in_both_languages() -> None:
    sv = plancal("validate", str(SEED), "--lang", "sv")
    en = plancal("validate", str(SEED), env={"LANG": "en_GB.UTF-8"})
    assert sv.returncode == en.returncode == 0
    assert "OK – 18 aktiviteter" in sv.stdout and "215 möten" in sv.stdout
    assert "OK – 18 activities" in en.stdout and "215 meetings" in en.stdout
    assert (
        "OK – 18 aktiviteter" in plancal("validate", str(SEED), env={"LANG": "sv_SE.UTF-8"}).stdout
    )


def test_agenda_json_lines() -> None:
    run = plancal("agenda", str(SEED), "--format", "json")
    assert run.returncode == 0, run.stderr
    rows = [json.loads(line) for line in run.stdout.splitlines()]
    meetings = [r for r in rows if r["kind"] == "meeting"]
    assert len(meetings) == 215
    for r in meetings:
        for key in (
            "uid",
            "recurrence_id",
            "activity",
            "title",
            "start",
            "end",
            "status",
            "attendees",
        ):
            assert key in r
        if "T" in r["start"]:
            assert re.search(r"[+-]\d\d:\d\d$", r["start"]) and re.search(
                r"[+-]\d\d:\d\d$", r["end"]
            )
        assert r["status"] == "confirmed"
        assert all("@" in a for a in r["attendees"])
    assert {r["kind"] for r in rows} == {"meeting", "deadline", "as-needed"}
    starts = [r["start"] for r in rows if r["start"]]
    assert [datetime.fromisoformat(s).date() if "T" in s else s for s in starts]


def test_agenda_filters_and_cancelled() -> None:
    run = plancal(
        "agenda",
        str(SEED),
        "--from",
        "2022-12-19",
        "--to",
        "2022-12-31",
        "--activity",
        "avstamning-polis-ifo",
        "--cancelled",
        "--format",
        "json",
        "--kind",
        "meetings",
    )
    rows = [json.loads(line) for line in run.stdout.splitlines()]
    assert [(r["start"][:10], r["change"]) for r in rows] == [
        ("2022-12-19", None),
        ("2022-12-27", "moved"),
    ]
    assert rows[1]["recurrence_id"].startswith("2022-12-26T14:00")
    assert "(Second Day of Christmas)" in rows[1]["reason"]  # English output, English holidays


def test_agenda_text_in_swedish() -> None:
    run = plancal("agenda", str(SEED), "--from", "2022-12-26", "--to", "2022-12-27", "--lang", "sv")
    assert "Tisdag 2022-12-27" in run.stdout
    assert "flyttat från 2022-12-26 (Annandag jul)" in run.stdout
    assert "Utan fast tid:" in run.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "2022-13-01"], "is not a date"),
        (["--activity", "nope"], "unknown activity nope"),
    ],
)
def test_agenda_bad_options(args: list[str], message: str) -> None:
    run = plancal("agenda", str(SEED), "--lang", "en", *args)
    assert run.returncode == 2 and message in run.stderr and "Traceback" not in run.stderr


def test_agenda_of_a_bad_plan_fails_cleanly() -> None:
    bad = FIXTURES / "plans" / "bad" / "unknown-weekday.yaml"
    run = plancal("agenda", str(bad), "--lang", "en")
    assert run.returncode == 1 and "unknown weekday 'mondag'" in run.stderr
    assert "nothing was written" in run.stderr and not run.stdout


def test_missing_plan_file() -> None:
    run = plancal("validate", "no-such-plan.yaml", "--lang", "en")
    assert run.returncode == 1 and "cannot read the plan file" in run.stderr


def sequences(path: Path) -> dict[tuple[str, str], tuple[int, datetime]]:
    cal = icalendar.Calendar.from_ical(path.read_bytes())
    return {
        (
            str(e["UID"]),
            recurrence_id(e),
        ): (value(e, "SEQUENCE", int), value(e, "DTSTAMP", datetime))
        for e in cal.walk("VEVENT")
    }


def test_compile_writes_every_feed_and_bumps_only_what_changed(tmp_path: Path) -> None:
    db = str(tmp_path / "state.sqlite")
    out = tmp_path / "feeds"
    plan = tmp_path / "plan.yaml"
    plan.write_text(SEED.read_text(encoding="utf-8"), encoding="utf-8")
    first = plancal("compile", str(plan), "--out", str(out), "--db", db, "--lang", "en")
    assert first.returncode == 0, first.stderr
    manifest = json.loads((out / "feeds.json").read_text())
    files = {f["file"] for f in manifest["feeds"]}
    assert {"plan.ics", "public.ics", "deadlines.ics", "role-kommunpolis.ics"} <= files
    assert files == {p.name for p in out.glob("*.ics")}
    before = sequences(out / "plan.ics")
    assert {s for s, _ in before.values()} == {0}

    again = plancal("compile", str(plan), "--out", str(out), "--db", db, "--lang", "en")
    assert again.returncode == 0 and not re.search(r"^\*", again.stdout, re.M)
    assert sequences(out / "plan.ics") == before

    # Move one BRÅ meeting: exactly that event changes, and reads as an update.
    text = plan.read_text(encoding="utf-8").replace(
        "pinned: [2022-10-24 09:00, 2023-02-06 09:00]",
        "pinned: [2022-10-24 09:00, 2023-02-06 09:00]\n    exceptions:\n"
        "      moved: {2023-04-24: 2023-04-25 13:00}",
    )
    plan.write_text(text, encoding="utf-8")
    third = plancal("compile", str(plan), "--out", str(out), "--db", db, "--lang", "en")
    assert third.returncode == 0, third.stderr
    after = sequences(out / "plan.ics")
    changed = {k for k in after if after[k] != before.get(k)}
    # The meeting, and the deadline "presented at the next BRÅ" that now falls a day later.
    assert changed == {
        ("bra-styrgrupp.2023-04@soderhamn-2022-2023.plancal", ""),
        ("followup.narkotikainsats-bra.2023-03@soderhamn-2022-2023.plancal", ""),
    }
    assert {after[k][0] for k in changed} == {1}
    public = (out / "public.ics").read_bytes()
    assert b"bra-styrgrupp" not in public


def test_compile_refuses_a_bad_plan_and_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "feeds"
    run = plancal(
        "compile",
        str(FIXTURES / "plans" / "bad" / "dst-gap.yaml"),
        "--out",
        str(out),
        "--db",
        str(tmp_path / "s.sqlite"),
    )
    assert run.returncode == 1 and not out.exists()


def test_schema_is_valid_json_schema_and_accepts_the_seed() -> None:
    import jsonschema
    from ruamel.yaml import YAML

    from plancal.rules.yamlread import load

    run = plancal("schema", "--lang", "sv")
    schema = json.loads(run.stdout)
    jsonschema.Draft202012Validator.check_schema(schema)
    assert "Stabilt id" in json.dumps(schema, ensure_ascii=False)
    seed = json.loads(json.dumps(load(SEED.read_text(encoding="utf-8"))))
    jsonschema.validate(seed, schema, cls=jsonschema.Draft202012Validator)
    bad = YAML(typ="safe").load(
        (FIXTURES / "plans" / "bad" / "several-problems.yaml").read_text(encoding="utf-8")
    )
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(json.loads(json.dumps(bad, default=str)), schema)


# The command modules a plan-reading command never needs: running one command imports the
# module that defines it (cli.COMMANDS), not the edit, push, reminder, web and wheel commands.
OTHER_COMMAND_MODULES = [
    "plancal.cli.edit",
    "plancal.cli.importing",
    "plancal.cli.push",
    "plancal.cli.remind",
    "plancal.cli.web",
    "plancal.cli.wheel",
]


@pytest.mark.parametrize(
    ("args", "heavy"),
    [
        (
            ["--help"],
            [
                "sqlalchemy",
                "icalendar",
                "holidays",
                "ruamel",
                "dateutil",
                "alembic",
                "plancal.rules.compile",
                "msal",
                "requests",
                "plancal.calendars.targets.graph",
                "docx",
                "pdfplumber",
                "plancal.importing.readers",
                "plancal.cli.plan",  # the list of commands comes without their modules
                *OTHER_COMMAND_MODULES,
            ],
        ),
        (
            ["agenda", str(SEED)],
            [
                "sqlalchemy",
                "icalendar",
                "holidays",
                "alembic",
                "plancal.calendars.ics",
                "exchangelib",
                "msal",
                "requests",
                "plancal.calendars.targets.graph",
                "docx",
                "pdfplumber",
                *OTHER_COMMAND_MODULES,
            ],
        ),
        (
            ["agenda", str(SEED), "--lang", "en"],
            ["holidays", "icalendar", "sqlalchemy", *OTHER_COMMAND_MODULES],
        ),
        (["validate", str(SEED)], ["holidays", "icalendar", "sqlalchemy", *OTHER_COMMAND_MODULES]),
    ],
)
def test_startup_imports_only_what_the_command_needs(args: list[str], heavy: list[str]) -> None:
    plancal("validate", str(SEED))  # warms the holiday cache, as any second run has it
    run = subprocess.run(
        [sys.executable, "-c", LAZY_CHECK.format(args=args, heavy=heavy)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "HEAVY:\n" in run.stderr or run.stderr.rstrip().endswith("HEAVY:"), run.stderr


def test_the_command_list_names_each_command_where_it_is_defined() -> None:
    """``plancal --help`` lists the commands from ``cli.COMMANDS`` without importing them: each
    must be defined in the module named there, with the summary written there, and no module
    may define a command that is not listed."""
    cli.load_commands()
    for found in pkgutil.iter_modules(cli.__path__):
        if found.name != "__main__":  # a new module counts too
            importlib.import_module(f"plancal.cli.{found.name}")
    assert set(cli.main.commands) == set(cli.COMMANDS)
    for name, command in cli.main.commands.items():
        module, summary = cli.COMMANDS[name]
        assert command.callback is not None
        assert command.callback.__module__ == f"plancal.cli.{module}", name
        assert command.help is not None
        assert command.help.split("\n\n")[0].replace("\n", " ").strip() == summary, name
        for width in (40, 60, 80, 120):
            listed = click.Command(name, help=summary).get_short_help_str(width)
            assert command.get_short_help_str(width) == listed


def test_help_lists_the_commands_as_when_all_are_loaded() -> None:
    """The list ``--help`` prints from ``cli.COMMANDS`` is what click prints with every
    command module loaded."""
    lazy = plancal("--help")
    loaded = subprocess.run(
        [
            sys.executable,
            "-c",
            "import plancal.cli as c; c.load_commands(); c.main(['--help'], prog_name='plancal')",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert lazy.returncode == loaded.returncode == 0, loaded.stderr
    assert "agenda " in lazy.stdout and "wheel " in lazy.stdout
    assert lazy.stdout == loaded.stdout


def test_a_mistyped_command_is_refused_with_the_names_close_to_it() -> None:
    run = plancal("agendaa", str(SEED), "--lang", "sv")
    assert run.returncode == 2
    assert "Det finns inget kommando 'agendaa'. Menade du 'agenda'" in run.stderr
