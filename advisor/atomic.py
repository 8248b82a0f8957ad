"""The one implementation of crash-safe writes, for files and for whole folders.

A file is written to a temp file in the same folder, fsynced, then renamed over the target
(``os.replace``), so a reader never sees a half-written file; on any error the temp file is
removed and the previous file, if any, is left intact. New files get the mode an ordinary
``open()`` gives (``0o666 & ~umask``), not ``mkstemp``'s 0600; a replaced file keeps its
mode. A folder is built under a temporary sibling name and swapped in by two renames
(``replace_folder_atomically``).

``replace_atomically`` lets ``OSError`` through; ``write_bytes`` / ``write_text`` /
``write_json`` turn it into an ``AdvisorError`` (or the subclass passed as ``error``) that
names the path and the fix, in one message format (``write_error``).
"""

from __future__ import annotations

import errno
import os
import secrets
import shutil
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

from advisor.errors import AdvisorError

_NEW_FILE_MODE = 0o666  # what open() asks for; the kernel applies the umask


def replace_atomically(path: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` all-or-nothing; OSError propagates after the temp file is gone."""
    path = Path(path)
    tmp, fd = _create_temp(path)
    try:
        with os.fdopen(fd, "wb") as handle:
            _keep_mode(path, handle.fileno())
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)


def _create_temp(path: Path) -> tuple[Path, int]:
    # os.open with 0o666 (not mkstemp, whose 0600 would survive the rename): the umask applies
    for _ in range(100):
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
        try:
            return tmp, os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, _NEW_FILE_MODE)
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no free temporary name", str(path))


def _keep_mode(path: Path, fd: int) -> None:
    """A replaced file keeps its permission bits, as it would when rewritten in place."""
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        return  # a new file: the umask already decided
    if hasattr(os, "fchmod"):  # not on Windows, where the mode bits mean little
        os.fchmod(fd, mode)


def fsync_dir(folder: str | os.PathLike) -> None:
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


def write_error(
    path: str | os.PathLike,
    exc: OSError,
    *,
    error: type[AdvisorError] = AdvisorError,
    option: str | None = None,
    retry: str | None = None,
) -> AdvisorError:
    """The user's message for a failed write: what happened to which path, and the fix.

    ``option``: the command-line option that chooses the place (e.g. "--output");
    ``retry``: how to continue after freeing space (e.g. "run again with --resume").
    """
    if exc.errno == errno.ENOSPC:
        elsewhere = f" (or pass {option} on another disk)" if option else ""
        then = f" and {retry}" if retry else ""
        return error(
            f"the disk is full while writing {path}; what was there before is intact. "
            f"Free some space{elsewhere}{then}"
        )
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        with_option = f" with {option}" if option else ""
        return error(
            f"cannot write {path}: permission denied; choose a writable folder{with_option}"
        )
    return error(
        f"cannot write {path}: {exc.strerror or exc}; check the folder"
        f"{f' (or pass another {option})' if option else ''}"
    )


def write_bytes(path: str | os.PathLike, data: bytes, **error_options: Any) -> None:
    """``replace_atomically``; an OS error becomes ``write_error(path, ...)``."""
    try:
        replace_atomically(path, data)
    except OSError as exc:
        raise write_error(path, exc, **error_options) from exc


def write_text(path: str | os.PathLike, text: str, **error_options: Any) -> None:
    """Write text (UTF-8) atomically; see ``write_bytes`` for errors."""
    write_bytes(path, text.encode("utf-8"), **error_options)


def write_json(
    path: str | os.PathLike,
    obj: Any,
    *,
    indent: int | None = 2,
    digits: int | None = None,
    **error_options: Any,
) -> None:
    """Write strict JSON (``advisor.jsonable.dumps``: NaN -> null, numpy -> numbers) atomically."""
    from advisor.jsonable import dumps

    write_text(path, dumps(obj, indent=indent, digits=digits) + "\n", **error_options)


def replace_folder_atomically(final: str | os.PathLike, fill: Callable[[Path], None]) -> Path:
    """Build a folder with ``fill(tmp)`` under a temporary sibling name, then swap it in.

    Whatever happens, ``final`` is afterwards either the old folder or the new one, whole:
    the old one is renamed aside before the new one is renamed in, and put back if the
    second rename never happened (``restore_folder`` does that on the next read, too).
    Errors propagate (OSError included) once the temporary folder is gone.
    """
    final = Path(final)
    tmp, old = _aside(final, "tmp"), _aside(final, "old")
    try:
        final.parent.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir()
        fill(tmp)
        if final.exists():
            shutil.rmtree(old, ignore_errors=True)
            os.replace(final, old)
        os.replace(tmp, final)
        fsync_dir(final.parent)
        shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        restore_folder(final)
        raise
    return final


def restore_folder(final: str | os.PathLike) -> None:
    """A crash between the two renames leaves only ``.name.old``: put it back."""
    final = Path(final)
    old = _aside(final, "old")
    if not final.exists() and old.exists():
        try:
            os.replace(old, final)
        except OSError:
            pass


def aside_paths(final: str | os.PathLike) -> tuple[Path, Path]:
    """(temporary, old) sibling paths a folder swap of ``final`` uses."""
    final = Path(final)
    return _aside(final, "tmp"), _aside(final, "old")


def _aside(final: Path, kind: str) -> Path:
    return final.with_name(f".{final.name}.{kind}")
