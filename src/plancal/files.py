"""Writing files so that a reader never sees half of one: one ``atomic_write`` for the house."""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_MODE = 0o644  # mkstemp makes 0600; feeds and plans must stay readable by others


def atomic_write(path: Path, data: bytes, mode: int | None = None, durable: bool = True) -> None:
    """Replace ``path`` with ``data`` through a temporary file and a rename.

    The new file keeps the old one's permission bits (``mode`` when given, 0644 for a new file).
    With ``durable``, the data and the rename are flushed to disk before returning. Raises
    ``OSError``; the temporary file never stays behind.
    """
    import tempfile  # not at the top: it pulls in shutil, random, bz2 and lzma at every start

    if mode is None:
        try:
            mode = path.stat().st_mode & 0o7777
        except OSError:
            mode = DEFAULT_MODE
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            if durable:
                out.flush()
                os.fsync(out.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    if durable:
        _sync_dir(path.parent)


def _sync_dir(folder: Path) -> None:
    """Make the rename itself durable (POSIX); a no-op where folders cannot be opened."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
