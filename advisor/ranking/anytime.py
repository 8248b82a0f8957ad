"""Anytime ranking (``budget="auto"``): extract in rounds, stop once the answer is clear.

Round sizes grow geometrically (200, 400, 800, ... up to the cap: the data size, at most
4000, or N of "auto:N"). The rounds are nested, seeded, stratified subsamples: one seeded
permutation per class, each round a longer prefix of it, so a round holds every row of the
one before and only the new rows are embedded (each batch of new rows is cached under its
own fingerprint, so a rerun embeds nothing). The rows are those ``advisor.data.subsample``
picks: the round at the cap is exactly the subsample of a fixed budget equal to the cap.

After each round the candidates are probed, fused and resampled cheaply (``ROUND_RESAMPLES``
half-samples) for P(best). The rounds stop when the leader's P(best) >= ``P_STOP``, when the
top-``TOP_K`` order has not changed for ``STABLE_ROUNDS`` rounds, or at the cap. A candidate
that is clearly out (its best plausible rank, the 5 % bound, is below the top ``TOP_K``; or,
from the second round on, the bottom half by fused score, keeping at least ``TOP_K``) embeds
no more rows: it stays in the ranking, below the finalists, with the round it stopped at,
and its last scores still count in the fusion's scales (``Run.scale_reference``).
See docs/ranking.md "Anytime ranking".
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from advisor import events
from advisor.data.image_files import UnreadableImages
from advisor.errors import Cancelled
from advisor.ranking.anytime_rows import Pieces, round_plan

DEFAULT_CAP = 4000  # the most examples "auto" embeds per candidate
P_STOP = 0.95  # stop once the leader wins this share of the round's resamples
TOP_K = 3  # the order that must settle, and the places a candidate must still reach
STABLE_ROUNDS = 2  # stop once the top-k order has held for this many re-ranks
ROUND_RESAMPLES = 20  # the round's cheap bootstrap (the final ranking has the full one)


def is_auto(budget: Any) -> bool:
    return isinstance(budget, str) and budget.strip().lower().startswith("auto")


def cap_of(budget: str, n_rows: int) -> int:
    """The most examples per candidate: N of "auto:N", else min(data size, DEFAULT_CAP)."""
    _, _, cap = budget.strip().lower().partition(":")
    return min(n_rows, int(cap) if cap.strip() else DEFAULT_CAP)


@dataclass
class Run:
    """What the rounds found: ``loop``, the final round's candidate results (finalists
    only) for ``rank`` to fuse and bootstrap; the rows it used; what every round did."""

    loop: Any
    used: Any = None
    indices: np.ndarray | None = None  # positions of ``used`` in the data of score_rounds
    cap: int = 0
    planned: list[int] = field(default_factory=list)  # examples of every planned round
    rounds: list[dict] = field(default_factory=list)
    stopped: dict[str, dict] = field(default_factory=dict)  # dropped id -> record at its round
    stop: str = ""
    examples: dict[str, int] = field(default_factory=dict)
    computed: dict[str, float] = field(default_factory=dict)  # extraction s of the rows used
    fresh_seconds: float = 0.0  # extraction done in this call (0 from a warm cache)
    rules: dict = field(default_factory=dict)  # the stopping and dropping rules used
    tables: dict[int, Any] = field(default_factory=dict)  # round -> its probe score table
    entries: dict[str, Any] = field(default_factory=dict)  # every candidate's catalog entry

    def scale_reference(self, scores: Any) -> Any:
        """The dropped candidates as the fusion's ``ScaleReference`` for ``scores`` (a table
        of the finalists): each one's scores at the round it stopped, shifted per column by
        the finalists' median change since that round (None when nobody was dropped)."""
        return scale_reference(self.tables, self.stopped, self.entries, scores)

    def finish(self, ranking: Any) -> Any:
        """The ranking with the dropped candidates below the finalists (each marked with
        its round), every record's examples, and the saving in notes and settings."""
        from advisor.ranking.anytime_report import finish

        return finish(self, ranking)


def score_rounds(
    chosen: Sequence[Any],
    data: Any,
    specs: Sequence[Any],
    *,
    budget: str,
    cache: Any,
    device: Any,
    seed: int,
    emit: Any,
    cancel: Any = None,
    max_latency_ms: float | None = None,
    layers: str = "last",
    min_per_class: int = 10,
) -> Run:
    """Extract, probe and re-rank round by round until the answer is clear (module doc)."""
    from advisor.ranking.candidate_loop import LoopResult, check_cancel

    cap = cap_of(budget, len(data))
    plan = round_plan(data.labels, cap=cap, seed=seed, min_per_class=min_per_class)
    work = _Rounds(data, specs, cache, device, seed, emit, cancel, max_latency_ms, layers)
    run = Run(loop=LoopResult(), cap=cap, planned=[len(p) for p in plan], rules=rules())
    run.entries = {c.id: c.entry for c in chosen}
    live, history = list(chosen), []
    for number, planned in enumerate(plan, start=1):
        check_cancel(cancel)
        loop = LoopResult(failures=run.loop.failures, excluded=run.loop.excluded)
        work.round(live, planned, loop)
        run.loop, run.indices = loop, work.without_bad(planned)
        live = [c for c in live if c.id in loop.featuresets]
        if not live:
            break
        ranked = work.rerank(loop, live, run)
        run.tables[number] = ranked["scores"]
        history.append(ranked["order"][:TOP_K])
        run.stop = _stop_reason(ranked, history, number, len(plan), cap)
        dropped = [] if run.stop else _out(ranked, number)
        examples = len(run.indices)
        for cid in dropped:
            run.stopped[cid] = {**ranked["records"][cid], "round": number, "examples": examples}
            for part in (loop.featuresets, loop.scores, loop.extra, loop.probe_errors):
                part.pop(cid, None)
        live = [c for c in live if c.id not in dropped]
        if not run.stop and len(live) < 2:  # nothing left to compare: no more rows needed
            run.stop = "one candidate is left"
        leader = ranked["order"][0]
        p_best = float(ranked["p_best"].get(leader, math.nan))
        run.rounds.append(
            {
                "round": number,
                "examples": examples,
                "candidates": len(live) + len(dropped),
                "leader": leader,
                "p_best": p_best,
                "top": list(history[-1]),
                "dropped": dropped,
            }
        )
        emit(
            events.AnytimeRound(
                number, len(plan), examples, len(live), leader, p_best, tuple(dropped), run.stop
            )
        )
        if run.stop:
            break
    for cid, part in work.pieces.items():
        if part.rows:
            run.examples[cid] = part.n
            run.computed[cid] = part.computed_seconds()
            run.fresh_seconds += part.fresh_seconds()
    run.used = data.subset(run.indices)
    if work.bad:
        run.used.skipped.extend(work.bad.values())
    return run


def rules() -> dict:
    """The schedule and the rules of this module, as the ranking's settings record them."""
    from advisor.ranking import anytime_rows

    return {
        "start": anytime_rows.START,
        "growth": anytime_rows.GROWTH,
        "p_stop": P_STOP,
        "top_k": TOP_K,
        "stable_rounds": STABLE_ROUNDS,
        "round_resamples": ROUND_RESAMPLES,
        "stopped_count_in_scales": True,  # Run.scale_reference
    }


def scale_reference(tables: dict, stopped: dict, entries: dict, scores: Any) -> Any:
    """``Run.scale_reference``: ``tables`` round -> score table, ``stopped`` dropped id ->
    its record (with its "round")."""
    import pandas as pd

    from advisor.ranking.fusion import ScaleReference

    rows = {}
    for cid, record in stopped.items():
        then = tables.get(record["round"])
        if then is None or cid not in then.index:
            continue
        both = [c for c in scores.index if c in then.index]
        row = {}
        for column in scores.columns:
            if column not in then.columns:
                continue
            change = pd.to_numeric(scores.loc[both, column], errors="coerce") - pd.to_numeric(
                then.loc[both, column], errors="coerce"
            )
            shift = float(np.nanmedian(change)) if np.isfinite(change).any() else 0.0
            row[column] = float(pd.to_numeric(then.at[cid, column], errors="coerce")) + shift
        rows[cid] = row
    if not rows:
        return None
    frame = pd.DataFrame.from_dict(rows, orient="index").reindex(columns=scores.columns)
    return ScaleReference(frame.astype(float), {c: entries.get(c) for c in rows})


def _stop_reason(ranked: dict, history: list[list[str]], number: int, rounds: int, cap) -> str:
    """Why the rounds end after this one ("" when they go on)."""
    order = ranked["order"]
    if len(order) < 2:
        return "one candidate is left"
    p_best = ranked["p_best"].get(order[0], math.nan)
    if p_best >= P_STOP:
        return f"the leader's P(best) is {p_best:.2f} >= {P_STOP}"
    recent = history[-(STABLE_ROUNDS + 1) :]
    if len(recent) == STABLE_ROUNDS + 1 and all(top == recent[-1] for top in recent):
        return f"the top-{min(TOP_K, len(order))} order held for {STABLE_ROUNDS} rounds"
    if number == rounds:
        return f"the cap of {cap} examples is reached"
    return ""


def _out(ranked: dict, number: int) -> list[str]:
    """Candidates that embed no more rows, best first: those whose best plausible rank (the
    5 % bound) misses the top TOP_K, and from round 2 the bottom half by fused score."""
    order = ranked["order"]
    keep = len(order) if number < 2 else max(TOP_K, math.ceil(len(order) / 2))
    out = set(order[keep:])
    for cid in order[TOP_K:]:
        low = ranked["rank_low"].get(cid)
        if low is not None and low > TOP_K:
            out.add(cid)
    return [c for c in order if c in out]


class _Rounds:
    """The state shared by the rounds: every candidate's rows so far and the bad files."""

    def __init__(self, data, specs, cache, device, seed, emit, cancel, max_latency_ms, layers):
        self.data, self.specs, self.cache, self.device = data, list(specs), cache, device
        self.seed, self.emit, self.cancel = seed, emit, cancel
        self.max_latency_ms, self.layers = max_latency_ms, layers
        self.pieces: dict[str, Pieces] = {}
        self.bad: dict[int, tuple[str, str]] = {}  # unreadable rows -> (file, reason)

    def without_bad(self, rows: np.ndarray) -> np.ndarray:
        return rows[~np.isin(rows, list(self.bad))] if self.bad else rows

    def round(self, live: Sequence[Any], planned: np.ndarray, loop: Any) -> None:
        """Embed the new rows of every live candidate and probe it on the round's rows."""
        bad_before = len(self.bad)
        for position, candidate in enumerate(live):
            part = self.pieces.setdefault(candidate.id, Pieces())
            self.emit(events.CandidateStarted(candidate.id, position, len(live)))
            reason = self._extend(candidate, part, planned, position, len(live))
            if reason is not None:
                loop.failures[candidate.id] = reason
                self.emit(events.CandidateFailed(candidate.id, position, len(live), reason))
                continue
            self._probe(candidate, part, loop, position, len(live))
        if len(self.bad) > bad_before:  # rows found bad late: re-probe without them
            for position, candidate in enumerate(live):
                if candidate.id in loop.featuresets:
                    self._probe(candidate, self.pieces[candidate.id], loop, position, len(live))

    def _extend(self, candidate, part: Pieces, planned, position: int, total: int) -> str | None:
        """Embed the round's rows this candidate has not seen; the failure reason or None."""
        from advisor.ranking.candidate_loop import _features_for, failure_reason

        while True:
            new = np.setdiff1d(self.without_bad(planned), part.seen())
            if not new.size:
                return None
            try:
                featureset = _features_for(
                    candidate,
                    self.data.subset(new),
                    self.cache,
                    self.device,
                    self.cancel,
                    self.emit,
                    position,
                    total,
                    self.layers != "last",
                )
            except Cancelled:
                raise
            except UnreadableImages as exc:  # left out for every candidate, as rank does
                found = {int(new[i]): why for i, why in exc.rows.items()}
                self.bad.update(found)
                for other in self.pieces.values():
                    other.drop(set(found))
                continue
            except Exception as exc:  # noqa: BLE001 - one bad candidate must not sink the rest
                if os.environ.get("ADVISOR_DEBUG"):
                    raise
                return failure_reason(exc)
            part.add(new, featureset)
            return None

    def _probe(self, candidate, part: Pieces, loop, position: int, total: int) -> None:
        """Probe the candidate on every row it has; its result goes into ``loop``."""
        from advisor.ranking import scoring
        from advisor.ranking.candidate_loop import _over_latency, record_extras

        cid = candidate.id
        featureset = part.assemble(self.data)
        over = _over_latency(featureset, self.max_latency_ms)
        if over:
            loop.excluded[cid] = over
            self.emit(events.CandidateFailed(cid, position, total, f"skipped: {over}", True))
            return
        self.emit(events.Probing(cid, position, total, cached=bool(featureset.cached)))
        layer_extra = {}
        if self.layers == "last":
            scored = scoring.score_candidate(  # a rerun's rounds come from the probe cache
                featureset, self.specs, seed=self.seed, cancel=self.cancel, cache=self.cache
            )
        else:  # as the candidate loop does: the mode's features stand for the candidate
            from advisor.ranking.layers import score_layers

            by_layer = score_layers(
                featureset, self.specs, self.layers, seed=self.seed, cancel=self.cancel
            )
            scored, featureset, layer_extra = by_layer.scores, by_layer.featureset, by_layer.extra
        loop.featuresets[cid] = featureset
        loop.scores[cid] = scored.scores
        loop.probe_errors.pop(cid, None)
        if scored.errors:
            loop.probe_errors[cid] = scored.errors
        loop.extra[cid] = {
            **record_extras(featureset, scored.seconds),
            **layer_extra,
            "examples": len(featureset.labels),
        }
        record = {"candidate": cid, **scored.scores, **loop.extra[cid]}
        self.emit(events.CandidateDone(cid, position, total, record, bool(featureset.cached)))

    def rerank(self, loop, live: Sequence[Any], run: Run) -> dict:
        """Fusion and a cheap bootstrap of this round: the order, P(best), the 5 % rank
        bound, every candidate's record as the ranking would show it, and the score table.
        The candidates ``run`` dropped count in the columns' scales (``Run.scale_reference``)."""
        from advisor.ranking import scoring
        from advisor.ranking.fusion import fuse_scores
        from advisor.ranking.result import build_ranking
        from advisor.ranking.signals import extraction_signals

        self.emit(events.PhaseStarted("fusing", f"round of {len(live)} candidates"))
        set_scores, set_errors = scoring.score_set_level(
            loop.featuresets, self.specs, seed=self.seed, cancel=self.cancel, cache=self.cache
        )
        seconds = {c: e["probe_seconds"] for c, e in loop.extra.items()}
        scores = scoring.assemble_frame(
            loop.scores, set_scores, self.specs, loop.probe_errors, set_errors, seconds
        )
        scores = scores.drop(columns=[c for c in scores.columns if scores[c].isna().all()])
        # The live candidates are ranked, as in the final fusion; the dropped ones count only
        # in the scales, where leaving them out moved close calls (docs/ranking.md).
        entries = {c.id: c.entry for c in live}
        signals = extraction_signals(loop.featuresets)
        reference = run.scale_reference(scores)
        fused = fuse_scores(scores, entries, signals=signals, scale_reference=reference)
        uncertainty = None
        probe_names = list(scores.columns)
        if len(live) > 1 and probe_names:
            uncertainty = self._bootstrap(
                loop, probe_names, entries, signals, fused, scores, reference
            )
        records = build_ranking(
            scores, entries, fused, extra=loop.extra, uncertainty=uncertainty
        ).records
        column = {} if uncertainty is None else uncertainty
        return {
            "order": [r["candidate"] for r in records],
            "records": {r["candidate"]: r for r in records},
            "p_best": {} if uncertainty is None else column["p_best"].to_dict(),
            "rank_low": {} if uncertainty is None else column["rank_low"].to_dict(),
            "scores": scores,
        }

    def _bootstrap(self, loop, probe_names, entries, signals, fused, scores, reference):
        from advisor.ranking.uncertainty import bootstrap_ranks

        try:
            return bootstrap_ranks(
                loop.featuresets,
                probe_names,
                entries,
                n_boot=ROUND_RESAMPLES,
                seed=self.seed,
                signals=signals,
                cancel=self.cancel,
                point=fused.final,
                cache=self.cache,  # replicates already probed come from the probe cache
                scores=scores,
                scale_reference=reference,
            )
        except ValueError:  # classes too small to resample: the round goes on without it
            return None
