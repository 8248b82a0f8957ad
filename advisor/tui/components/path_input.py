"""Completion and inline validation for a typed dataset path."""

from __future__ import annotations

import os
from pathlib import Path

from textual.binding import Binding
from textual.suggester import Suggester
from textual.validation import ValidationResult, Validator
from textual.widgets import Input

# What advisor.data.load_data reads besides built-in names and image folders.
SUPPORTED_SUFFIXES = (".csv", ".tsv", ".jsonl", ".ndjson", ".parquet", ".pq", ".npz")


class PathSuggester(Suggester):
    """Suggests the first file or folder that completes the typed path (folders end in /)."""

    def __init__(self) -> None:
        # Paths are case-sensitive and the file system changes: no casefold, no cache.
        super().__init__(use_cache=False, case_sensitive=True)

    async def get_suggestion(self, value: str) -> str | None:
        if not value:
            return None
        expanded = os.path.expanduser(value)
        folder, prefix = os.path.split(expanded)
        try:
            names = sorted(os.listdir(folder or "."))
        except OSError:
            return None
        for name in names:
            if name.startswith(prefix) and (prefix.startswith(".") or not name.startswith(".")):
                if name == prefix:
                    continue
                completed = os.path.join(folder, name)
                if os.path.isdir(completed):
                    completed += os.sep
                # Keep the user's "~" rather than showing the expanded home folder.
                if value.startswith("~"):
                    completed = "~" + completed[len(os.path.expanduser("~")) :]
                return completed
        return None


def _completes(path: Path) -> bool:
    """True when ``path`` is the start of an existing name (the user is still typing)."""
    try:
        return any(name.startswith(path.name) for name in os.listdir(path.parent or "."))
    except OSError:
        return False


def check_data_path(
    value: str, builtin_names: tuple[str, ...] = (), typing: bool = False
) -> str | None:
    """Why ``value`` cannot be loaded, or None when it looks loadable.

    ``typing``: the value is still being typed, so a prefix of an existing name is fine."""
    value = value.strip()
    if not value:
        return (
            None
            if typing
            else ("type a path to an image folder, a .csv, .jsonl or .npz file, or a built-in name")
        )
    if value in builtin_names or (typing and any(n.startswith(value) for n in builtin_names)):
        return None
    if value.startswith("hf://"):  # a hub dataset: load_data says what is wrong, if anything
        return None
    path = Path(os.path.expanduser(value))
    if not path.exists():
        if typing and _completes(path):
            return None
        return f"{value} does not exist; check the path (tab completes names)"
    if path.is_dir():
        return None
    if path.suffix.lower() not in SUPPORTED_SUFFIXES:
        return (
            f"{path.name} is a {path.suffix or 'suffix-less'} file; the advisor reads image "
            f"folders and {', '.join(SUPPORTED_SUFFIXES)} files"
        )
    return None


class DataPathValidator(Validator):
    """Inline validation for the path Input, using :func:`check_data_path`."""

    def __init__(self, builtin_names: tuple[str, ...] = ()) -> None:
        super().__init__()
        self.builtin_names = builtin_names

    def validate(self, value: str) -> ValidationResult:
        problem = check_data_path(value, self.builtin_names, typing=True)
        return self.success() if problem is None else self.failure(problem)


class PathInput(Input):
    """An Input whose tab key accepts the path completion (and moves on when there is none);
    escape leaves the field so the screen's keys work again."""

    BINDINGS = [
        Binding("tab", "complete", "Complete path", show=False),
        Binding("escape", "leave", "Leave field"),
    ]

    def action_leave(self) -> None:
        self.screen.set_focus(None)

    def action_complete(self) -> None:
        if self._suggestion and len(self._suggestion) > len(self.value):
            self.value = self._suggestion
            self.cursor_position = len(self.value)
        else:
            self.screen.focus_next()
