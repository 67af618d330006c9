"""A file a command was asked to write (a picture, a printout, a draft plan): replaced whole,
or a UserError naming the file and the system's reason; nothing half-written."""

from __future__ import annotations

from pathlib import Path

from plancal.errors import UserError
from plancal.files import atomic_write
from plancal.i18n import Message, Text, msg


def write_output(
    out: Path, data: bytes, mode: int | None = None, hint: Message | None = None
) -> None:
    try:
        atomic_write(out, data, mode=mode)
    except OSError as e:
        raise UserError(
            msg(
                Text("cannot write {file}: {error}", "kan inte skriva {file}: {error}"),
                file=str(out),
                error=e.strerror or str(e),
            ),
            hint,
        ) from None
