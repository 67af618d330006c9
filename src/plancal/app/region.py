"""A region: the plans of several municipalities in one folder, each checked on its own.

``plancal serve``, ``run`` and ``validate`` take a folder of plan files (one per municipality)
as well as a single file. One broken plan never stops the others: a ``Region`` holds every
plan that compiles and, for each file that does not, its problems, so a server keeps the last
good version of that plan and reports it while the rest go on. Plan ids are unique across the
region, because an id names a plan's URLs, tokens, outbox rows and lease in the shared store;
of two files with one id, the first in name order keeps it and the second is refused.

``load(target, previous)`` re-checks only the files whose fingerprint (mtime, size, inode)
changed since ``previous``, so a reloader can call it every few seconds on hundreds of plans.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from plancal.errors import Problem, UserError, Where
from plancal.i18n import Text, msg

if TYPE_CHECKING:  # check compiles plans; `plancal conflicts` imports this module early
    from plancal.app.check import Checked
    from plancal.rules.compile import Schedule

PLAN_SUFFIXES = (".yaml", ".yml")

Fingerprint = tuple[int, int, int]


@dataclass(frozen=True)
class Member:
    """One plan file as last checked."""

    path: Path
    fingerprint: Fingerprint | None
    checked: Checked

    @property
    def plan_id(self) -> str | None:
        return self.checked.plan.id if self.checked.plan is not None else None

    @property
    def schedule(self) -> Schedule | None:
        return self.checked.schedule


@dataclass(frozen=True)
class Region:
    """Every plan file of a folder (or the one file named), in name order."""

    target: Path
    members: tuple[Member, ...]
    duplicates: tuple[Problem, ...] = ()  # a file refused because another holds its id

    @property
    def refused(self) -> set[Path]:
        """The files refused because an earlier file holds their id."""
        return {Path(p.where.file) for p in self.duplicates if p.where is not None}

    @property
    def schedules(self) -> dict[str, Schedule]:
        """The plans that compile, by id (a refused duplicate is not among them)."""
        refused = self.refused
        return {
            m.checked.plan.id: m.schedule
            for m in self.members
            if m.schedule is not None and m.checked.plan is not None and m.path not in refused
        }

    @property
    def broken(self) -> dict[Path, tuple[Problem, ...]]:
        """The files that do not compile (or repeat an id), with their errors."""
        out = {m.path: tuple(m.checked.errors) for m in self.members if m.checked.errors}
        for p in self.duplicates:
            assert p.where is not None
            out[Path(p.where.file)] = (*out.get(Path(p.where.file), ()), p)
        return out

    @property
    def problems(self) -> list[Problem]:
        """Every problem of every file, errors and warnings, file by file."""
        out = [p for m in self.members for p in m.checked.problems]
        return sorted(out + list(self.duplicates), key=Problem.sort_key)


def across(region: Region) -> list[Problem]:
    """Double bookings between the region's plans (a person shared by e-mail address), as
    warnings at the first meeting; each plan's own are among its problems already."""
    from plancal.rules import conflicts

    found = conflicts.find_across(list(region.schedules.values()))
    return conflicts.warnings(d for d in found if d.first.plan is not d.second.plan)


def plan_paths(paths: Iterable[Path]) -> list[Path]:
    """The plan files named, a folder standing for the plans in it (*.yaml, *.yml)."""
    out: list[Path] = []
    for path in paths:
        if not path.is_dir():
            out.append(path)
            continue
        found = _plans_in(path)
        if not found:
            raise UserError(
                msg(Text("no plan files in {dir}", "inga planfiler i {dir}"), dir=path),
                Text(
                    "a folder of plans holds files named *.yaml or *.yml",
                    "en mapp med planer innehåller filer som heter *.yaml eller *.yml",
                ),
            )
        out += found
    return list(dict.fromkeys(out))


def _plans_in(folder: Path) -> list[Path]:
    # One scandir and a sort of names: a daemon re-reads a folder of hundreds of plans every
    # tick. Hidden files are editors' swap and backup files, never plans.
    with os.scandir(folder) as entries:
        names = sorted(
            e.name
            for e in entries
            if e.name.endswith(PLAN_SUFFIXES) and not e.name.startswith(".") and e.is_file()
        )
    return [folder / name for name in names]


def fingerprint(path: Path) -> Fingerprint | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size, st.st_ino)


def load(target: Path, previous: Region | None = None, calendars: bool = True) -> Region:
    """Check every plan of ``target`` (a folder or one file), reusing unchanged files' results.

    A folder may be empty here (a server waiting for its first plan); ``plan_paths`` is the
    stricter reading for commands that need at least one plan.
    """
    from plancal.app.check import check

    paths = _plans_in(target) if target.is_dir() else [target]
    known = {m.path: m for m in previous.members} if previous is not None else {}
    members: list[Member] = []
    for path in paths:
        print_ = fingerprint(path)
        old = known.get(path)
        if old is not None and print_ is not None and old.fingerprint == print_:
            members.append(old)
        else:
            members.append(Member(path, print_, check(path, calendars=calendars)))
    return Region(target, tuple(members), _duplicates(members))


def _duplicates(members: Iterable[Member]) -> tuple[Problem, ...]:
    owner: dict[str, Path] = {}
    out: list[Problem] = []
    for m in members:
        plan = m.checked.plan
        if plan is None:
            continue
        first = owner.setdefault(plan.id, m.path)
        if first != m.path:
            out.append(
                Problem(
                    Where(str(m.path), plan.where.line),
                    msg(
                        Text(
                            "plan id '{id}' is also the id of {other}",
                            "plan-id:t '{id}' är också id för {other}",
                        ),
                        id=plan.id,
                        other=first.name,
                    ),
                    msg(
                        Text(
                            "give each plan in a folder its own id (the `id:` line)",
                            "ge varje plan i mappen ett eget id (raden `id:`)",
                        )
                    ),
                )
            )
    return tuple(out)
