"""Step 3: score the selected candidates in a worker; progress and ranking fill in live."""

from __future__ import annotations

import math
import threading
import time

from rich.markup import escape
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Label, ProgressBar, Static

from advisor.tui.messages import (CandidateFailed, CandidateProgress, CandidateScored,
                                  RankingDone, WorkFailed)
from advisor.tui.reasons import is_user_error, reason
from advisor.tui.step_bar import StepBar

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
    return [k for k, v in record.items()
            if k not in skip and not k.endswith(bookkeeping) and isinstance(v, (int, float))
            and not isinstance(v, bool)]


def default_probes() -> list[str] | None:
    """Every probe name in the probes registry (None when it cannot be read)."""
    try:
        from probes import REGISTRY

        return [getattr(spec, "name", spec) for spec in REGISTRY]
    except Exception:
        return None


def event_to_message(event: dict):
    """One ``advisor.rank`` progress event -> the message the screen handles (or None)."""
    kind = event.get("kind")
    candidate = str(event.get("candidate"))
    if kind == "candidate_done":
        return CandidateScored(candidate, dict(event.get("record") or {}), bool(event.get("cached")))
    if kind == "candidate_failed":
        return CandidateFailed(candidate, str(event.get("reason") or "unknown error"))
    if kind == "extract" and event.get("steps"):
        # Extraction progress within the candidate (done/total count candidates).
        return CandidateProgress(candidate, kind, int(event.get("step") or 0),
                                 int(event["steps"]), bool(event.get("cached")))
    if kind in ("candidate_start", "extract", "probe"):
        return CandidateProgress(candidate, kind, 0, 0, bool(event.get("cached")))
    return None


class CandidateRow(Horizontal):
    """Name, progress bar and status of one candidate."""

    DEFAULT_CSS = """
    CandidateRow { height: auto; }
    CandidateRow > .cand-name { width: 36; }
    CandidateRow > ProgressBar { width: 42; }
    CandidateRow > .cand-state { width: 1fr; height: auto; }
    """

    def __init__(self, candidate: str) -> None:
        super().__init__()
        self.candidate = candidate
        self.fraction = 0.0
        self.finished = False

    def compose(self) -> ComposeResult:
        yield Label(self.candidate[:35], classes="cand-name", markup=False)
        yield ProgressBar(total=100, show_eta=False)
        yield Label("queued", classes="cand-state", markup=False)

    def set_state(self, percent: float, state: str, finished: bool = False) -> None:
        self.fraction = max(self.fraction, percent / 100)
        self.finished = finished
        self.query_one(ProgressBar).update(progress=self.fraction * 100)
        self.query_one(".cand-state", Label).update(state)


class ScoringScreen(Screen):
    """Runs advisor.rank in a thread worker; escape or c cancels."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("c", "cancel", "Cancel", show=False),
        Binding("n", "app.goto('ranking')", "Next: ranking"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.cancel_event: threading.Event | None = None
        self.started_at: float | None = None
        self.finished_at: float | None = None
        self.records: dict[str, dict] = {}
        self.running = False
        self.probe_names: list[str] | None = None
        self.summary = ""
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

    async def start(self, data, candidates: list[str], budget: int) -> None:
        """Show one row per candidate and run advisor.rank in a thread worker."""
        if self.running:
            self.notify("scoring is already running; cancel it first (escape)", severity="warning")
            return
        await self.prepare(candidates, f"{len(candidates)} candidates on {data.name} (budget {budget})")
        self.cancel_event = threading.Event()
        self.started_at, self.finished_at = self.clock(), None
        self.running = True
        self._tick()
        self._score(data, candidates, budget, self.cancel_event, self.app.session.catalog)

    async def prepare(self, candidates: list[str], summary: str) -> None:
        """Empty progress rows and live table for a new run."""
        rows = self.query_one("#scoring-rows", VerticalScroll)
        await rows.remove_children()
        await rows.mount_all(CandidateRow(c) for c in candidates)
        self.query_one("#live-ranking", DataTable).clear(columns=True)
        self.records = {}
        self.probe_names = default_probes()
        self.summary = summary

    async def action_cancel(self) -> None:
        if self.running and self.cancel_event is not None:
            self.cancel_event.set()
            self.notify("cancelling after the current batch …", title="Scoring")
        else:
            await self.app.action_goto("candidates")

    @work(thread=True, exclusive=True, group="scoring")
    def _score(self, data, candidates: list[str], budget: int, cancel: threading.Event,
               catalog) -> None:
        import advisor
        from advisor.errors import Cancelled

        def progress(event: dict) -> None:
            message = event_to_message(event)
            if message is not None:
                self.post_message(message)

        try:
            ranking = advisor.rank(data, candidates=candidates, budget=budget,
                                   progress=progress, cancel=cancel, catalog=catalog)
        except Cancelled:
            self.post_message(RankingDone(None, cancelled=True))
        except Exception as exc:
            self.post_message(WorkFailed("score candidates", reason(exc), is_user_error(exc)))
        else:
            self.post_message(RankingDone(ranking, cancelled=cancel.is_set()))

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
            label = "reading cache" if message.cached else f"extracting {message.done}/{message.total}"
            row.set_state(STAGE_START + EXTRACT_SPAN * share, label)
        elif message.stage == "probe":
            row.set_state(PROBE_AT, "probing")

    def on_candidate_scored(self, message: CandidateScored) -> None:
        row = self._row(message.candidate)
        seconds = message.record.get("extract_seconds")
        if row is not None:
            detail = "cached features" if message.cached else f"{format_seconds(seconds)} extracting"
            row.set_state(100, f"done · {detail}", finished=True)
        self.records[message.candidate] = message.record
        self._refill_live_table()

    def on_candidate_failed(self, message: CandidateFailed) -> None:
        row = self._row(message.candidate)
        if row is not None:
            row.set_state(100, f"failed: {message.reason}", finished=True)
            row.add_class("failed")
        self.notify(message.reason, title=f"{message.candidate} failed", severity="error",
                    markup=False)

    async def on_ranking_done(self, message: RankingDone) -> None:
        self.running = False
        self.finished_at = self.clock()
        self._tick()
        if message.cancelled:
            for row in self.query(CandidateRow):
                if not row.finished:
                    row.set_state(row.fraction * 100, "cancelled", finished=True)
        if message.ranking is None:
            self.notify("scoring cancelled; nothing was ranked", title="Scoring", severity="warning")
            return
        for candidate, why in (getattr(message.ranking, "failures", None) or {}).items():
            row = self._row(candidate)
            if row is not None and not row.has_class("failed"):
                row.set_state(100, f"failed: {why}", finished=True)
        if not message.ranking.records:
            self.notify("no candidate could be scored; see the reasons above",
                        title="Scoring", severity="error")
            return
        self.app.set_ranking(message.ranking)
        best = message.ranking.records[0]["candidate"]
        note = " (cancelled: partial ranking)" if message.cancelled else ""
        self.notify(f"best: {best}{note}", title="Ranking ready", markup=False)
        await self.app.action_goto("ranking")

    def on_work_failed(self, message: WorkFailed) -> None:
        self.running = False
        self.finished_at = self.clock()
        self._tick()
        self.notify(message.reason, title=f"Cannot {message.task}", severity="error", markup=False)

    # ---- display --------------------------------------------------------------------------

    def _refill_live_table(self) -> None:
        table = self.query_one("#live-ranking", DataTable)
        records = list(self.records.values())
        probes = score_columns(records[0], self.probe_names) if records else []
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
            cells = [str(position), record.get("candidate", "?")]
            cells += [_fmt(record.get(p)) for p in probes]
            cells.append(_fmt(record.get("extract_seconds"), 1))
            table.add_row(*cells, key=record.get("candidate"))

    def _tick(self) -> None:
        header = self.query_one("#scoring-header", Static)
        if self.started_at is None:
            return
        end = self.finished_at or self.clock()
        elapsed = end - self.started_at
        rows = list(self.query(CandidateRow))
        done = sum(r.fraction for r in rows) / len(rows) if rows else 0.0
        remaining = elapsed / done - elapsed if 0.02 < done < 1 else None
        state = "running" if self.running else "finished"
        if self.running and rows and all(r.finished for r in rows):
            state = "fusing scores and bootstrapping rank ranges"
        text = (f"[b]Scoring[/] {escape(self.summary)} · {state} · elapsed {format_seconds(elapsed)}")
        if self.running:
            text += f" · remaining ~{format_seconds(remaining)} · escape cancels"
        header.update(text)


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
