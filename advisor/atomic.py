"""Crash-safe file writes: a temp file in the same folder, fsync, then os.replace.

A reader never sees a half-written file: on any error the temp file is removed and the
previous file, if any, is left intact.
"""

from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path

from advisor.errors import AdvisorError


def replace_atomically(path: Path, data: bytes) -> None:
    """Write data to path all-or-nothing; OSError propagates after the temp file is gone."""
    path = Path(path)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)


def fsync_dir(folder: Path) -> None:
    """Make a rename durable (no-op where directories cannot be opened, e.g. Windows)."""
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


def describe_write_error(path: Path, exc: OSError) -> str:
    if exc.errno == errno.ENOSPC:
        return f"the disk is full while writing {path}; the previous file is intact. Free some space"
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"cannot write {path}: permission denied; choose a writable folder"
    return f"cannot write {path}: {exc.strerror or exc}; check the folder"


def write_text(path: Path, text: str) -> None:
    """Write text (UTF-8) atomically; an OS error becomes an AdvisorError naming the fix."""
    try:
        replace_atomically(path, text.encode("utf-8"))
    except OSError as exc:
        raise AdvisorError(describe_write_error(path, exc)) from exc
