"""A subscriber's own tools read what plancal serves: vdirsyncer syncs the feeds over HTTP from
``plancal serve`` (loopback) into a local calendar folder, and khal lists it. They must see as
many events as ``plancal agenda`` lists: no two events merged, none lost, none doubled."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.helpers.web import Server, plancal

BIN = Path(sys.executable).parent
PERIOD = ("2022-09-01", "2023-12-31")


def vdirsyncer_config(tmp: Path, urls: dict[str, str]) -> Path:
    parts = [f'[general]\nstatus_path = "{tmp / "status"}/"\n']
    for name, url in urls.items():
        parts.append(
            f'[pair {name}]\na = "{name}_remote"\nb = "{name}_local"\ncollections = null\n'
            f'conflict_resolution = "a wins"\n\n'
            f'[storage {name}_remote]\ntype = "http"\nurl = "{url}"\n\n'
            f'[storage {name}_local]\ntype = "filesystem"\npath = "{tmp / "cal" / name}/"\n'
            f'fileext = ".ics"\n'
        )
    path = tmp / "vdirsyncer.conf"
    path.write_text("\n".join(parts), encoding="utf-8")
    return path


def khal_config(tmp: Path, names: list[str]) -> Path:
    calendars = "".join(
        f"[[{name}]]\npath = {tmp / 'cal' / name}/\ntype = calendar\n" for name in names
    )
    path = tmp / "khal.conf"
    path.write_text(
        f"[calendars]\n{calendars}\n[locale]\nlocal_timezone = Europe/Stockholm\n"
        "default_timezone = Europe/Stockholm\ntimeformat = %H:%M\ndateformat = %Y-%m-%d\n"
        "longdateformat = %Y-%m-%d\ndatetimeformat = %Y-%m-%d %H:%M\n"
        "longdatetimeformat = %Y-%m-%d %H:%M\n\n[default]\ndefault_calendar = "
        f"{names[0]}\n\n[sqlite]\npath = {tmp / 'khal.db'}\n",
        encoding="utf-8",
    )
    return path


def run(*args: str | Path, cwd: Path) -> str:
    done = subprocess.run(
        [str(a) for a in args], capture_output=True, text=True, timeout=300, cwd=cwd
    )
    assert done.returncode == 0, f"{args[0]}: {done.stdout[-2000:]}\n{done.stderr[-3000:]}"
    return done.stdout


def khal_events(tmp: Path, config: Path, calendar: str) -> set[str]:
    """Every occurrence khal lists in the plan period, as (UID, start).

    khal prints an event spanning several days (a follow-up window, "september") on each of
    them, with the same start: the set counts it once. ``--once`` would also fold a recurring
    series into one line, so it is not used.
    """
    out = run(
        BIN / "khal",
        "-c",
        config,
        "list",
        "--include-calendar",
        calendar,
        "--day-format",
        "",
        "--format",
        "{uid} {start}",
        PERIOD[0],
        PERIOD[1],
        cwd=tmp,
    )
    return {line for line in out.splitlines() if line.strip()}


def agenda(server: Server, *args: str) -> list[dict[str, object]]:
    out = plancal(
        "agenda",
        str(server.plan),
        "--from",
        PERIOD[0],
        "--to",
        PERIOD[1],
        "--format",
        "json",
        *args,
        env=server.env,
    )
    assert out.returncode == 0, out.stderr
    return [json.loads(line) for line in out.stdout.splitlines()]


def test_regression_vdirsyncer_and_khal_see_every_event_the_agenda_lists(
    server: Server, tmp_path: Path
) -> None:
    _, _, paths = server.create_token("plan", "deadlines")
    base = f"http://127.0.0.1:{server.port}"
    urls = {"plan": base + paths[0], "deadlines": base + paths[1], "public": base + "/public.ics"}
    config = vdirsyncer_config(tmp_path, urls)
    for name in urls:
        (tmp_path / "cal" / name).mkdir(parents=True)
    run(BIN / "vdirsyncer", "-c", config, "discover", cwd=tmp_path)
    run(BIN / "vdirsyncer", "-c", config, "sync", cwd=tmp_path)
    khal = khal_config(tmp_path, list(urls))

    # The agenda also lists the as-needed activities, which have no time and are no event.
    everything = [e for e in agenda(server) if e["start"] is not None]
    deadlines = agenda(server, "--kind", "deadlines")
    public_ids = {"medborgardialoger", "trygghetsvandringar", "lagesbild-allmanheten"}
    public = [e for e in everything if e["activity"] in public_ids and e["kind"] == "meeting"]
    for name, expected in (("plan", everything), ("deadlines", deadlines), ("public", public)):
        seen = khal_events(tmp_path, khal, name)
        assert len(seen) == len(expected), name
        # vdirsyncer's filesystem storage replaces a UID with '@' in it by a hash of the item's
        # content; two events that differ only in UID got one hash and were merged into one.
        # One stored item per UID of ours: every event kept apart.
        uids = {str(e["uid"]) for e in expected}
        assert len(list((tmp_path / "cal" / name).glob("*.ics"))) == len(uids), name
    assert len(everything) == 238 and len(deadlines) == 23 and len(public) > 0
