"""Step 3: score the selected candidates in a worker; progress and ranking fill in live."""

from __future__ import annotations

import math
import time

from rich.markup import escape
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import DataTable, Footer, Label, ProgressBar, Static

from advisor.ranking.display import probes_by_weight, short_names
from advisor.tui.components.step_bar import StepBar
from advisor.tui.eta import Eta
from advisor.tui.jobs import Job, WorkScreen
from advisor.tui.messages import (
    CandidateFailed,
    CandidateProgress,
    CandidateScored,
    RankingDone,
    RankingPhase,
    WorkCancelled,
    WorkFailed,
)

# Share of a candidate's bar for each stage; extraction dominates the time.
STAGE_START, EXTRACT_SPAN, PROBE_AT = 5.0, 80.0, 90.0


def format_seconds(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    seconds = int(round(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"


def score_columns(record: dict, probe_names: list[str] | None = None) -> list[str]:
    """Probe score columns of a partial record: the known probes, else numbers that are not
    ranks, timings or extraction statistics."""
    if probe_names:
        return [name for name in probe_names if name in record]
    skip = {"candidate", "rank", "params_m", "availability", "cached", "final_score"}
    bookkeeping = ("_rank", "_seconds", "_rate", "_size", "_ratio")
    return [
        k
        for k, v in record.items()
        if k not in skip
        and not k.endswith(bookkeeping)
        and isinstance(v, (int, float))
        and not isinstance(v, bool)
    ]


def default_probes() -> list[str] | None:
    """Every probe name in the probes registry (None when it cannot be read)."""
    try:
        from probes import REGISTRY

        return [getattr(spec, "name", spec) for spec in REGISTRY]
    except Exception:
        return None


def event_to_message(event):
    """One typed ``advisor.rank`` progress event -> the message the screen handles (or None)."""
    from advisor import events as ev

    if isinstance(event, ev.CandidateDone):
        return CandidateScored(event.candidate, dict(event.record), event.cached)
    if isinstance(event, ev.CandidateFailed):
        return CandidateFailed(event.candidate, event.reason or "unknown error")
    if isinstance(event, ev.Extracting):
        return CandidateProgress(
            event.candidate, "extract", int(event.done or 0), int(event.total or 0), event.cached
        )
    if isinstance(event, ev.CandidateStarted):
        return CandidateProgress(event.candidate, "candidate_start", 0, 0, False)
    if isinstance(event, ev.Probing):
        return CandidateProgress(event.candidate, "probe", 0, 0, event.cached)
    if isinstance(event, ev.BootstrapProgress):
        return RankingPhase("bootstrapping", event.done, event.total)
    if isinstance(event, ev.PhaseStarted):
        return RankingPhase(event.phase)
    return None


PHASE_TEXT = {
    "fusing": "fusing the probe scores",
    "set-level": "set-level probes across the candidates",
    "bootstrapping": "bootstrapping rank ranges",
}


class CandidateRow(Horizontal):
    """Name, progress bar and status of one candidate."""

    DEFAULT_CSS = """
    CandidateRow { height: auto; }
    CandidateRow > .cand-name { width: 36; }
    CandidateRow > ProgressBar { width: 42; }
    CandidateRow > .cand-state { width: 1fr; height: auto; }
    """

    def __init__(self, candidate: str, label: str | None = None) -> None:
        super().__init__()
        self.candidate = candidate
        self.label = label or candidate  # the short display name
        self.fraction = 0.0
        self.finished = False

    def compose(self) -> ComposeResult:
        yield Label(self.label, classes="cand-name", markup=False)
        yield ProgressBar(total=100, show_eta=False)
        yield Label("queued", classes="cand-state", markup=False)

    def set_state(self, percent: float, state: str, finished: bool = False) -> None:
        self.fraction = max(self.fraction, percent / 100)
        self.finished = finished
        self.query_one(ProgressBar).update(progress=self.fraction * 100)
        self.query_one(".cand-state", Label).update(state)


class ScoringScreen(WorkScreen):
    """Runs advisor.rank in a thread worker; escape or c cancels it."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("c", "cancel", "Cancel", show=False),
        Binding("n", "app.goto('ranking')", "Next: ranking"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.job: Job | None = None
        self.started_at: float | None = None
        self.finished_at: float | None = None
        self.records: dict[str, dict] = {}
        self.failed = 0  # candidates failed in this run; only the first gets a toast
        self.running = False
        self.outcome = "finished"  # or "cancelled" / "failed", once the run has ended
        self.phase: RankingPhase | None = None  # set after the last candidate
        self.eta = Eta()
        self.probe_names: list[str] | None = None
        self.summary = ""
        self.names: dict[str, str] = {}  # candidate id -> short display name
        self.clock = time.monotonic  # replaceable, so snapshots show fixed times

    def compose(self) -> ComposeResult:
        yield StepBar("scoring")
        yield Static("Nothing scored yet: select candidates (2) and press s.", id="scoring-header")
        yield VerticalScroll(id="scoring-rows")
        yield Label("Ranking so far (provisional, by the first probe)", classes="section-title")
        yield DataTable(id="live-ranking", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        self.set_interval(0.5, self._tick)

    # ---- starting and cancelling ----------------------------------------------------------

    async def start(
        self, data, candidates: list[str], budget: int, *, layers: str = "last"
    ) -> None:
        """Show one row per candidate and run advisor.rank in a thread worker; ``layers``
        is the layer mode (last, layermean, bestlayer)."""
        if self.running:
            self.notify("scoring is already running; cancel it first (escape)", severity="warning")
            return
        mode = "" if layers == "last" else f", layers {layers}"
        await self.prepare(
            candidates, f"{len(candidates)} candidates on {data.name} (budget {budget}{mode})"
        )
        self.job = self.app.jobs.start("scoring")
        self.started_at, self.finished_at = self.clock(), None
        self.running, self.outcome, self.phase = True, "finished", None
        self.eta.reset()
        self.refresh_bindings()
        self._tick()
        self._score(data, candidates, budget, self.job, self.app.session.catalog, layers)

    async def prepare(self, candidates: list[str], summary: str) -> None:
        """Empty progress rows and live table for a new run."""
        rows = self.query_one("#scoring-rows", VerticalScroll)
        await rows.remove_children()
        self.names = short_names(candidates)
        await rows.mount_all(CandidateRow(c, self.names[c]) for c in candidates)
        self.query_one("#live-ranking", DataTable).clear(columns=True)
        self.records = {}
        self.failed = 0
        self.probe_names = default_probes()
        self.summary = summary

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        # escape cancels a run; with nothing running it does nothing (and the footer says so)
        return self.running if action == "cancel" else True

    def action_cancel(self) -> None:
        if self.running and self.job is not None:
            self.job.cancel.set()
            self.notify("cancelling after the current batch …", title="Scoring")

    @work(
        thread=True, exclusive=True, group="scoring", name="score candidates", exit_on_error=False
    )
    def _score(
        self, data, candidates: list[str], budget: int, job: Job, catalog, layers: str = "last"
    ) -> None:
        import advisor

        def progress(event) -> None:
            message = event_to_message(event)
            if message is not None:
                self.post_message(message)

        with job:  # Cancelled and errors go to WorkScreen.on_worker_state_changed
            ranking = advisor.rank(
                data,
                candidates=candidates,
                budget=budget,
                layers=layers,
                progress=progress,
                cancel=job.cancel,
                catalog=catalog,
            )
            self.post_message(RankingDone(ranking, cancelled=job.cancel.is_set()))

    # ---- messages from the worker ---------------------------------------------------------

    def _row(self, candidate: str) -> CandidateRow | None:
        for row in self.query(CandidateRow):
            if row.candidate == candidate:
                return row
        return None

    def on_candidate_progress(self, message: CandidateProgress) -> None:
        row = self._row(message.candidate)
        if row is None:
            return
        if message.stage == "candidate_start":
            row.set_state(STAGE_START, "loading weights")
        elif message.stage == "extract":
            share = message.done / message.total if message.total else 0.0
            label = (
                "reading cache" if message.cached else f"extracting {message.done}/{message.total}"
            )
            row.set_state(STAGE_START + EXTRACT_SPAN * share, label)
        elif message.stage == "probe":
            row.set_state(PROBE_AT, "probing")

    def on_candidate_scored(self, message: CandidateScored) -> None:
        row = self._row(message.candidate)
        seconds = message.record.get("extract_seconds")
        if row is not None:
            detail = (
                "cached features" if message.cached else f"{format_seconds(seconds)} extracting"
            )
            row.set_state(100, f"done · {detail}", finished=True)
        self.records[message.candidate] = message.record
        self._refill_live_table()

    def on_ranking_phase(self, message: RankingPhase) -> None:
        if self.phase is None or self.phase.phase != message.phase:
            self.eta.reset()  # a new kind of work unit: resamples, not candidates
        self.phase = message
        self._tick()

    def on_candidate_failed(self, message: CandidateFailed) -> None:
        row = self._row(message.candidate)
        if row is not None:
            row.set_state(100, f"failed: {message.reason}", finished=True)
            row.add_class("failed")
        self.failed += 1
        if self.failed == 1:  # each row says why; one toast per failure would bury the screen
            self.notify(
                message.reason, title=f"{message.candidate} failed", severity="error", markup=False
            )

    def _stopped(self, outcome: str) -> None:
        self.running, self.outcome = False, outcome
        if self.failed > 1:
            self.notify(
                f"{self.failed} candidates failed; each row says why",
                title="Scoring",
                severity="warning",
            )
        self.finished_at = self.clock()
        self.refresh_bindings()
        if outcome != "finished":
            for row in self.query(CandidateRow):
                if not row.finished:
                    row.set_state(row.fraction * 100, outcome, finished=True)
        self._tick()

    async def on_ranking_done(self, message: RankingDone) -> None:
        self._stopped("cancelled" if message.cancelled else "finished")
        for candidate, why in (getattr(message.ranking, "failures", None) or {}).items():
            row = self._row(candidate)
            if row is not None and not row.has_class("failed"):
                row.set_state(100, f"failed: {why}", finished=True)
        if not message.ranking.records:
            self.notify(
                "no candidate could be scored; see the reasons above",
                title="Scoring",
                severity="error",
            )
            return
        self.app.set_ranking(message.ranking)
        self._refill_live_table(message.ranking.probe_weights)
        best = message.ranking.records[0]["candidate"]
        note = " (cancelled: partial ranking)" if message.cancelled else ""
        self.notify(f"best: {best}{note}", title="Ranking ready", markup=False)
        await self.app.action_goto("ranking")

    def on_work_cancelled(self, message: WorkCancelled) -> None:
        self._stopped("cancelled")
        self.notify("scoring cancelled; nothing was ranked", title="Scoring", severity="warning")

    def on_work_failed(self, message: WorkFailed) -> None:
        self._stopped("failed")
        self.notify(message.reason, title=f"Cannot {message.task}", severity="error", markup=False)

    # ---- display --------------------------------------------------------------------------

    def _refill_live_table(self, weights: dict[str, float] | None = None) -> None:
        """``weights``: the finished ranking's probe weights (before: the shipped fit's)."""
        table = self.query_one("#live-ranking", DataTable)
        records = list(self.records.values())
        # Heaviest fused weight first: the provisional order follows the probe that counts most.
        probes = (
            probes_by_weight(score_columns(records[0], self.probe_names), weights or None)
            if records
            else []
        )
        if weights:
            table.clear(columns=True)  # the fusion's own weights may reorder the columns
        if not table.columns:
            table.add_column("#", key="#")
            table.add_column("candidate", key="candidate")
            for probe in probes:
                table.add_column(probe, key=probe)
            table.add_column("extract s", key="extract_seconds")
        lead = probes[0] if probes else None
        if lead:
            records.sort(key=lambda r: _sortable(r.get(lead)), reverse=True)
        table.clear()
        for position, record in enumerate(records, start=1):
            candidate = record.get("candidate", "?")
            cells = [str(position), self.names.get(candidate, candidate)]
            cells += [_fmt(record.get(p)) for p in probes]
            cells.append(_fmt(record.get("extract_seconds"), 1))
            table.add_row(*cells, key=record.get("candidate"))

    def _tick(self) -> None:
        header = self.query_one("#scoring-header", Static)
        if self.started_at is None:
            return
        now = self.clock()
        elapsed = (self.finished_at or now) - self.started_at
        state = self.outcome
        if self.running:
            state, done, total = self._progress()
            self.eta.update(done, total, now)
        text = f"[b]Scoring[/] {escape(self.summary)} · {state} · elapsed {format_seconds(elapsed)}"
        if self.running:
            text += f" · remaining ~{format_seconds(self.eta.remaining(now))} · escape cancels"
        header.update(text)

    def _progress(self) -> tuple[str, float, float]:
        """(what runs now, work units done, units in all) for the header and the estimate:
        candidates (fractional, by extraction progress), then bootstrap resamples."""
        phase = self.phase
        if phase is not None:
            text = PHASE_TEXT.get(phase.phase, phase.phase)
            if phase.total:
                text += f" {phase.done}/{phase.total}"
            return text, float(phase.done), float(phase.total)
        rows = list(self.query(CandidateRow))
        done = sum(r.fraction for r in rows)
        finished = sum(r.finished for r in rows)
        return f"running · {finished}/{len(rows)} candidates", done, float(len(rows))


def _fmt(value, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def _sortable(value) -> float:
    """Missing and NaN scores sort last when sorting best-first."""
    if not isinstance(value, (int, float)) or math.isnan(value):
        return float("-inf")
    return float(value)
