"""Reading and replacing the plan file: all or nothing.

A new version is written to a temporary file beside the plan, flushed to disk, given the plan
file's permissions, and renamed over it; a process killed at any moment leaves the old file or
the new one, never a mix (a stray ``.NAME.*.tmp`` beside it at worst). The replacement is
refused if the file changed since it was read, so a concurrent edit is never overwritten.
"""

from __future__ import annotations

import stat
from dataclasses import dataclass
from pathlib import Path

from plancal.errors import PlanError, Problem, Where
from plancal.files import atomic_write
from plancal.i18n import Text, msg
from plancal.rules.plan import read_source


@dataclass(frozen=True)
class PlanFile:
    path: Path
    raw: bytes
    text: str  # decoded, with "\n" line ends: what the rules read and edit
    newline: str  # the file's own line end, restored on writing
    bom: bool

    def encode(self, text: str) -> bytes:
        data = text.replace("\n", self.newline) if self.newline != "\n" else text
        return ("\ufeff" if self.bom else "").encode() + data.encode("utf-8")


def read(path: Path, pipes: bool = False) -> PlanFile:
    """The plan file, read the one way plans are read (``rules.plan.read_source``)."""
    raw = read_source(path, pipes)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise PlanError(
            [
                Problem(
                    Where(str(path), raw[: e.start].count(b"\n") + 1),
                    msg(Text("the file is not UTF-8 text", "filen är inte UTF-8-text")),
                    msg(Text("save the file as UTF-8", "spara filen som UTF-8")),
                )
            ]
        ) from None
    bom = text.startswith("\ufeff")
    text = text.removeprefix("\ufeff")
    newline = "\r\n" if "\r\n" in text else "\n"
    return PlanFile(path, raw, text.replace("\r\n", "\n"), newline, bom)


def replace(plan_file: PlanFile, data: bytes) -> None:
    """Write ``data`` over the plan file, atomically, if nobody changed it since it was read."""
    target = plan_file.path.resolve()  # a symlinked plan stays a symlink
    current = read_source(target)
    try:
        mode = stat.S_IMODE(target.stat().st_mode)
    except OSError as e:
        raise _cannot(plan_file.path, e) from None
    if current != plan_file.raw:
        raise PlanError(
            [
                Problem(
                    Where(str(plan_file.path)),
                    msg(
                        Text(
                            "the plan file changed while this command ran; nothing was written",
                            "planfilen ändrades medan kommandot körde; inget skrevs",
                        )
                    ),
                    msg(Text("run the command again", "kör kommandot igen")),
                )
            ]
        )
    try:
        atomic_write(target, data, mode)
    except OSError as e:
        raise _cannot(plan_file.path, e) from None


def _cannot(path: Path, e: OSError) -> PlanError:
    return PlanError(
        [
            Problem(
                Where(str(path)),
                msg(
                    Text(
                        "cannot write the plan file: {error}; nothing was changed",
                        "kan inte skriva planfilen: {error}; inget ändrades",
                    ),
                    error=e.strerror or str(e),
                ),
            )
        ]
    )
