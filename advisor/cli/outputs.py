"""Check ``--output`` paths before any work starts, so a typo costs seconds, not a whole run.

A ranking of a real zoo extracts features for hours; finding out only then that the
output folder does not exist would lose all of it.
"""

from __future__ import annotations

import os
from pathlib import Path

from advisor.errors import AdvisorError


def check_output_file(path: Path | None, option: str = "--output") -> None:
    """A file the command will write (atomically) at the end: its folder must be there now."""
    if path is None:
        return
    path = Path(path)
    if path.is_dir():
        raise AdvisorError(
            f"{option} {path} is a folder; give a file name, e.g. {path / 'ranking.json'}"
        )
    parent = path.parent
    if not parent.exists():
        raise AdvisorError(
            f"{option} folder {parent} does not exist; create it first or choose another path"
        )
    _require_writable_folder(parent, path, option)


def check_output_folder(path: Path | None, option: str = "--output") -> None:
    """A folder the command will create (with its parents) and fill: no file may be in the way."""
    if path is None:
        return
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise AdvisorError(f"{option} {path} is a file, not a folder; pass a folder path")
    existing = next((p for p in (path, *path.parents) if p.exists()), None)
    if existing is not None:
        _require_writable_folder(existing, path, option)


def _require_writable_folder(folder: Path, path: Path, option: str) -> None:
    """``folder`` (where ``path`` goes) must be a folder this user can create files in."""
    if not folder.is_dir():
        raise AdvisorError(
            f"{option} {path}: {folder} is a file, not a folder; choose another path"
        )
    if not os.access(folder, os.W_OK | os.X_OK):
        raise AdvisorError(
            f"cannot write {option} {path}: {folder} is not writable (permission denied); "
            "choose a writable folder"
        )
