"""The fine-tuning engine's use of ``advisor.atomic``: the same writes, with the run folder's
error (``CheckpointError``) and fix (``--output``, ``--resume``) in the message."""

from __future__ import annotations

import os  # noqa: F401  (tests patch atomic.os.fsync)
from pathlib import Path
from typing import Any

from advisor import atomic as _atomic
from advisor.atomic import (  # noqa: F401  (re-exported for the engine)
    aside_paths,
    replace_folder_atomically,
    restore_folder,
)
from advisor.errors import CheckpointError

_RUN_ERRORS = {"error": CheckpointError, "option": "--output", "retry": "run again with --resume"}


def write_error(path: Path, exc: OSError) -> CheckpointError:
    return _atomic.write_error(path, exc, **_RUN_ERRORS)  # type: ignore[return-value]


def write_bytes(path: Path, data: bytes) -> None:
    _atomic.write_bytes(path, data, **_RUN_ERRORS)


def write_text(path: Path, text: str) -> None:
    _atomic.write_text(path, text, **_RUN_ERRORS)


def write_json(path: Path, obj: Any) -> None:
    _atomic.write_json(path, obj, **_RUN_ERRORS)
