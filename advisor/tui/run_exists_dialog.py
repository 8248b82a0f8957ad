"""The output folder already holds a run: resume it, start it over, or pick another folder.

The library refuses such a folder with the command line's words (--resume / --overwrite);
the form asks first, in its own words, and passes the answer on as resume= / overwrite=.
"""

from __future__ import annotations

import os
from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label


def output_folder_state(path_text: str) -> str:
    """ "new" (missing or empty), "run" (a fine-tuning run folder) or "other" (other files)."""
    from advisor.finetuning.run_folder import CONFIG

    path = Path(os.path.expanduser(path_text))
    if not path.is_dir() or not any(path.iterdir()):
        return "file" if path.exists() and not path.is_dir() else "new"
    return "run" if (path / CONFIG).is_file() else "other"


class RunExistsDialog(ModalScreen[str | None]):
    """Returns "resume", "overwrite", or None (escape: change the output folder instead)."""

    BINDINGS = [
        Binding("r", "choose('resume')", "Resume it"),
        Binding("o", "choose('overwrite')", "Start over"),
        Binding("escape", "dismiss(None)", "Cancel", priority=True),
    ]

    def __init__(self, folder: str) -> None:
        super().__init__()
        self.folder = folder

    def compose(self) -> ComposeResult:
        with Vertical(classes="number-box"):
            yield Label("[b]This output folder already holds a fine-tuning run[/]")
            yield Label(self.folder, markup=False)
            yield Label(
                "r resumes it from its last checkpoint · o starts it over (its "
                "checkpoints, metrics and model are replaced) · escape goes back to "
                "change the folder",
                classes="hint",
            )

    def action_choose(self, choice: str) -> None:
        self.dismiss(choice)
