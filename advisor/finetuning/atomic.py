"""Crash-safe file writes: temp file in the same folder, fsync, then os.replace.

A reader never sees a half-written file; on a full disk (ENOSPC) or another OS error the
temp file is removed, the previous file is left intact and a clear CheckpointError names
the path and the fix.
"""

from __future__ import annotations

import errno
import json
import os  # noqa: F401  (tests patch atomic.os.fsync)
from pathlib import Path

from advisor.atomic import fsync_dir, replace_atomically  # noqa: F401  (re-exported)
from advisor.errors import CheckpointError


def write_bytes(path: Path, data: bytes) -> None:
    path = Path(path)
    try:
        replace_atomically(path, data)
    except OSError as exc:
        raise write_error(path, exc) from exc


def write_text(path: Path, text: str) -> None:
    write_bytes(path, text.encode("utf-8"))


def write_json(path: Path, obj) -> None:
    write_text(path, json.dumps(obj, indent=2, sort_keys=False, default=_json_default) + "\n")


def write_error(path: Path, exc: OSError) -> CheckpointError:
    if exc.errno == errno.ENOSPC:
        return CheckpointError(
            f"the disk is full while writing {path}; the previous files are intact. "
            "Free some space (or pass --output on another disk) and run again with --resume"
        )
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return CheckpointError(
            f"cannot write {path}: permission denied; choose a writable folder with --output"
        )
    return CheckpointError(f"cannot write {path}: {exc.strerror or exc}; check the output folder")


def _json_default(value):
    # numpy scalars and paths appear in metrics and configs
    if hasattr(value, "item"):
        return value.item()
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"cannot write {type(value).__name__} as JSON")
