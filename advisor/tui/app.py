"""The advisor's terminal app: five steps (data, candidates, scoring, ranking, fine-tune).

Each step is a Textual mode with its own screen, so a running scoring or training job keeps
going while the user looks elsewhere. Slow work runs in thread workers on the screens;
this class owns the shared :class:`Session`, the running :class:`Jobs` (quitting cancels
them all) and the navigation between steps.
"""

from __future__ import annotations

import traceback
from collections.abc import Sequence
from pathlib import Path

from textual.app import App
from textual.binding import Binding

from advisor.errors import user_message
from advisor.tui.candidates_screen import CandidatesScreen
from advisor.tui.commands import AdvisorCommands
from advisor.tui.components.step_bar import STEPS
from advisor.tui.data_screen import DataScreen
from advisor.tui.finetune_screen import FinetuneScreen
from advisor.tui.help_screen import HelpScreen
from advisor.tui.jobs import Jobs
from advisor.tui.ranking_screen import RankingScreen
from advisor.tui.scoring_screen import ScoringScreen
from advisor.tui.state import Session

DEMO_DATASET = "digits"


class AdvisorApp(App):
    """``AdvisorApp(data="digits")`` opens on that data; ``demo=True`` on the demo dataset."""

    CSS_PATH = Path(__file__).with_name("advisor.tcss")  # absolute: subclasses live elsewhere
    # Screen classes the stylesheet lays out by (advisor.tcss): narrow/wide, short/tall.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (32, "-tall")]
    TITLE = "advisor"
    MODES = {
        "data": DataScreen,
        "candidates": CandidatesScreen,
        "scoring": ScoringScreen,
        "ranking": RankingScreen,
        "finetune": FinetuneScreen,
    }
    COMMANDS = App.COMMANDS | {AdvisorCommands}
    BINDINGS = [
        *(
            Binding(str(n), f"goto('{mode}')", title, show=False)
            for n, (mode, title) in enumerate(STEPS, start=1)
        ),
        Binding("question_mark", "help", "Help"),
        Binding("q", "quit", "Quit"),
    ]

    def __init__(
        self,
        data: str | None = None,
        *,
        demo: bool = False,
        catalog_files: Sequence[str | Path] = (),
        catalog=None,
    ) -> None:
        """``catalog_files`` add user TOML files to the built-in catalog; ``catalog`` (a
        ``catalog.Catalog``) replaces it altogether."""
        super().__init__()
        self.session = Session(catalog=catalog)
        self.initial_spec = data if data else (DEMO_DATASET if demo else None)
        self.catalog_files = tuple(catalog_files)
        self.jobs = Jobs()
        self.bug_reports: list[str] = []  # tracebacks of bugs met in workers, printed on exit

    def on_mount(self) -> None:
        self.switch_mode("data")

    # ---- shared state ---------------------------------------------------------------------

    def catalog(self):
        """The candidate catalog, loaded once (built-ins plus ``catalog_files``)."""
        if self.session.catalog is None:
            try:
                from catalog import load_catalog

                self.session.catalog = load_catalog(self.catalog_files)
            except Exception as exc:
                self.notify(
                    user_message(exc),
                    title="Cannot read the catalog",
                    severity="error",
                    markup=False,
                )
        return self.session.catalog

    def entry(self, candidate: str):
        """The catalog entry of ``candidate``, or None (e.g. an ad-hoc local model)."""
        catalog = self.catalog()
        try:
            return catalog.get(candidate) if catalog is not None else None
        except Exception:
            return None

    def set_data(self, data, spec: str) -> None:
        """New data: everything computed on the old data (ranking, verification, the
        fine-tune choice) no longer applies and is dropped."""
        session = self.session
        old = session.modality
        if data is not session.data:
            session.ranking = session.verify_report = None
            session.finetune_candidate = session.finetune_result = None
        session.data, session.data_spec = data, spec
        if data.modality != old:
            session.selected = []  # the candidates screen picks new defaults

    def set_ranking(self, ranking) -> None:
        self.session.ranking = ranking
        self.session.verify_report = None

    # ---- jobs and quitting ---------------------------------------------------------------

    def report_bug(self, error: BaseException) -> None:
        """Keep a worker's traceback (a bug, not a user error) for the report on exit."""
        self.bug_reports.append("".join(traceback.format_exception(error)))
        self.log.error(self.bug_reports[-1])

    async def action_quit(self) -> None:
        """Quit now: every running job is cancelled, so the process ends with its workers
        (each stops at its next batch, probe, resample or training step)."""
        running = self.jobs.cancel_all()
        if running:
            names = ", ".join(job.name for job in running)
            self.notify(f"stopping {names} …", title="Quitting", timeout=2)
        self.exit()

    def on_unmount(self) -> None:
        self.jobs.cancel_all()  # any other way out (ctrl+c, app.exit) stops the work too

    # ---- navigation and actions (also reachable from the command palette) ------------------

    async def action_goto(self, mode: str) -> None:
        if mode == "candidates":
            self.catalog()
        if self.current_mode != mode:
            await self.switch_mode(mode)

    async def action_screen_action(self, mode: str, action: str) -> None:
        """Run ``action`` on the screen of step ``mode`` (switching to it first)."""
        await self.action_goto(mode)
        await self.run_action(action, self.screen)

    async def action_start_scoring(self) -> None:
        session = self.session
        if session.data is None:
            self.notify("load a dataset first (1)", severity="warning")
            return
        if not session.selected:
            self.notify("select at least one candidate (space toggles)", severity="warning")
            return
        self.catalog()  # loaded here too when the candidates step was never opened
        await self.action_goto("scoring")
        await self.screen.start(
            session.data, list(session.selected), session.budget, layers=session.layers
        )

    async def open_finetune(self, candidate: str) -> None:
        self.session.finetune_candidate = candidate
        if self.current_mode == "finetune":
            self.screen.sync_with_session()  # no screen resume when already there
        await self.action_goto("finetune")

    async def action_load_demo(self) -> None:
        await self.action_goto("data")
        self.screen.load(DEMO_DATASET)

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())
