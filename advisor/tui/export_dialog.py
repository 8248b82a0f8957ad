"""Ask where to export the ranking; the suffix picks JSON, CSV or Markdown."""

from __future__ import annotations

import os
from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label

from advisor.atomic import write_text
from advisor.tui.components.path_input import PathInput, PathSuggester

FORMATS = {".json": "to_json", ".csv": "to_csv", ".md": "to_markdown", ".markdown": "to_markdown"}


def export_problem(path_text: str) -> str | None:
    """Why the ranking cannot be written to ``path_text`` (None when it can)."""
    if not path_text.strip():
        return "type a file name ending in .json, .csv or .md"
    path = Path(os.path.expanduser(path_text.strip()))
    if path.is_dir():
        return f"{path} is a folder; add a file name such as ranking.json"
    if path.suffix.lower() not in FORMATS:
        return f"{path.name} has no known suffix; end it in .json, .csv or .md to pick the format"
    if not path.parent.exists():
        return f"folder {path.parent} does not exist; create it or pick another"
    return None


def write_ranking(ranking, path_text: str) -> Path:
    """Write ``ranking`` in the format named by the suffix, atomically (temp file + rename)."""
    problem = export_problem(path_text)
    if problem:
        raise ValueError(problem)
    path = Path(os.path.expanduser(path_text.strip()))
    text = getattr(ranking, FORMATS[path.suffix.lower()])()
    write_text(path, text if text.endswith("\n") else text + "\n")
    return path


class ExportDialog(ModalScreen[str | None]):
    """Returns the chosen path, or None when dismissed with escape."""

    # priority: one escape closes the dialog even while its field has focus (docs/tui.md)
    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel", priority=True)]

    def __init__(self, default: str = "ranking.json") -> None:
        super().__init__()
        self.default = default

    def compose(self) -> ComposeResult:
        with Vertical(id="export-box"):
            yield Label(
                "[b]Export the ranking[/]  (.json, .csv or .md; enter writes, escape cancels)"
            )
            yield PathInput(self.default, suggester=PathSuggester(), id="export-path")
            yield Label("", id="export-error", classes="inline-error", markup=False)

    @on(Input.Submitted, "#export-path")
    def _submitted(self, event: Input.Submitted) -> None:
        problem = export_problem(event.value)
        if problem:
            self.query_one("#export-error", Label).update(problem)
            return
        self.dismiss(event.value.strip())
