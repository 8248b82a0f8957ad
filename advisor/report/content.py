"""What a shared report says, independent of its format: sections of text, tables and
figures (PNG bytes). html.py and md.py only lay it out."""

from __future__ import annotations

import json
import math
import shlex
from dataclasses import dataclass, field

from advisor.jsonable import to_jsonable


@dataclass
class Table:
    headers: list[str]
    rows: list[list[str]]
    caption: str = ""


@dataclass
class Section:
    title: str
    paragraphs: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    figures: list[str] = field(default_factory=list)  # names in Content.figures
    code: str | None = None  # preformatted (settings)


@dataclass
class Content:
    title: str
    subtitle: str
    sections: list[Section]
    figures: dict[str, bytes]  # name -> PNG
    captions: dict[str, str] = field(default_factory=dict)


def build_content(ranking, *, curves=None, advice=None, notes=()) -> Content:
    """The report of ``ranking``, with learning curves ({candidate: LearningCurve}) and the
    strategy advice (StrategyAdvice, or a list of them) when given."""
    from advisor.report.plots import curves_png, pareto_png

    data = (ranking.settings or {}).get("data") or {}
    advice_list = [advice] if advice is not None and not isinstance(advice, list) else advice or []
    figures = {"pareto": pareto_png(ranking)}
    captions = {"pareto": "Final score against cost; red points are on the Pareto front."}
    sections = [_ranking_section(ranking), Section("Score against cost", figures=["pareto"])]
    sections[0].paragraphs += [f"Note: {n}" for n in notes]
    sections.append(_evidence_section(ranking))
    if curves:
        figures["curves"] = curves_png(curves)
        captions["curves"] = "Frozen-feature learning curves with the fitted power law."
        sections.append(_curves_section(curves))
    for item in advice_list:
        sections.append(_advice_section(item))
    sections.append(_settings_section(ranking))
    name = data.get("name", "data")
    subtitle = (
        f"{name}: {data.get('n_used', '?')} of {data.get('n_total', '?')} examples probed, "
        f"{data.get('num_classes', '?')} classes, {len(ranking.records)} candidates"
    )
    return Content(f"Transfer advisor report: {name}", subtitle, sections, figures, captions)


def _ranking_section(ranking) -> Section:
    axis = ranking.pareto_cost or "params_m"
    headers = ["rank", "candidate", "final score", "P(best)", "rank interval", "params (M)"]
    headers += [axis if axis != "params_m" else "cost (s)", "Pareto"]
    rows = []
    for r in ranking.records:
        low, high = r.get("rank_low"), r.get("rank_high")
        interval = f"{_int(low)}–{_int(high)}" if _finite(low) and _finite(high) else "-"
        if r.get("too_close"):
            interval += " (too close)"
        cost = (
            _fmt(r.get(axis))
            if axis != "params_m"
            else _fmt((r.get("extract_seconds") or 0) + (r.get("probe_seconds") or 0))
        )
        rows.append(
            [
                str(r["rank"]),
                r["candidate"],
                _fmt(r.get("final_score")),
                _fmt(r.get("p_best")),
                interval,
                _fmt(r.get("params_m")),
                cost,
                "yes" if r.get("pareto") else "",
            ]
        )
    paragraphs = []
    if ranking.suggestion is not None:
        s = ranking.suggestion
        paragraphs.append(f"Suggestion: {s.candidate} instead of {s.instead_of}: {s.reason}")
    paragraphs += [f"Note: {n}" for n in ranking.notes]
    paragraphs += [f"Failed: {c}: {why}" for c, why in ranking.failures.items()]
    paragraphs += [f"Excluded: {c}: {why}" for c, why in ranking.excluded.items()]
    caption = "P(best) and the rank interval come from the bootstrap over the probe subsample."
    return Section("Ranking", paragraphs, [Table(headers, rows, caption)])


def _evidence_section(ranking) -> Section:
    probes = list(ranking.probes)
    weights = ranking.probe_weights or {}
    headers = ["candidate", *probes]
    rows = []
    for r in ranking.records:
        cells = [r["candidate"]]
        for p in probes:
            value, rank = r.get(p), r.get(f"{p}_rank")
            cells.append(_fmt(value) + (f" ({_int(rank)})" if _finite(rank) else ""))
        rows.append(cells)
    if weights:
        rows.append(["fusion weight", *(_fmt(weights.get(p)) for p in probes)])
    why = [f"{r['candidate']}: {r['why']}" for r in ranking.records if r.get("why")]
    text = [f"Fusion: {ranking.fusion}"] if ranking.fusion else []
    caption = "Each probe's score (its rank among the candidates); higher is better."
    return Section("Per-probe evidence", text + why, [Table(headers, rows, caption)])


def _curves_section(curves) -> Section:
    headers = ["candidate", "measured sizes", "at the full set", "at 2×", "at 10×", "a (ceiling)"]
    rows, paragraphs = [], []
    for cid, c in curves.items():
        preds = [c.predictions.get(k) for k in ("full", "2x", "10x")]
        rows.append(
            [
                cid,
                ", ".join(str(s) for s in c.sizes),
                *(_interval(p) for p in preds),
                _pct(c.params[0]),
            ]
        )
        paragraphs.append(f"{cid}: {c.gain_sentence(2.0)}.")
        paragraphs += [f"{cid}: {n}" for n in c.notes]
    caption = (
        "Predicted frozen-feature score, % (90% bootstrap interval over the repeats and the "
        "probed rows)."
    )
    return Section("Learning curves", paragraphs, [Table(headers, rows, caption)], ["curves"])


def _advice_section(advice) -> Section:
    headers = ["strategy", "expected %", "interval %", "time", "memory (GB)", "advisor.finetune"]
    rows = []
    for e in advice.estimates:
        mark = " (recommended)" if e.name == advice.recommended else ""
        rows.append(
            [
                e.label + mark,
                _pct(e.expected),
                f"{_pct(e.low)}–{_pct(e.high)}",
                _duration(e.seconds),
                _fmt(e.memory_gb),
                ", ".join(f"{k}={v!r}" for k, v in e.recipe.items()) or "(defaults)",
            ]
        )
    paragraphs = [advice.reasoning, *advice.notes]
    caption = "Time and memory are estimates for the device the features were measured on."
    return Section(
        f"Strategy for {advice.candidate} ({advice.n_train:,} training labels)",
        paragraphs,
        [Table(headers, rows, caption)],
    )


def _settings_section(ranking) -> Section:
    settings = ranking.settings or {}
    data = settings.get("data") or {}
    parts = ["advisor", "rank", str(data.get("source") or data.get("name") or "DATA")]
    if settings.get("candidates"):
        parts += ["--models", ",".join(settings["candidates"])]
    if settings.get("probes"):
        parts += ["--probes", ",".join(settings["probes"])]
    parts += ["--budget", str(settings.get("budget")), "--seed", str(settings.get("seed", 0))]
    parts += ["--min-per-class", str(settings.get("min_per_class", 10))]
    if settings.get("layers", "last") != "last":
        parts += ["--layers", settings["layers"]]
    resamples = settings.get("bootstrap_resamples")
    parts += ["--bootstrap", str(resamples)] if resamples else ["--no-bootstrap"]
    command = " ".join(shlex.quote(p) for p in parts)
    return Section(
        "Settings to reproduce",
        [f"Command: {command}", f"Data fingerprint: {data.get('fingerprint', '-')}"],
        code=json.dumps(to_jsonable(settings), indent=2),
    )


def _finite(value) -> bool:
    return isinstance(value, int | float) and math.isfinite(value)


def _int(value) -> str:
    return str(int(value)) if _finite(value) else "-"


def _fmt(value) -> str:
    if not _finite(value):
        return "-"
    return f"{value:.3f}" if abs(value) < 100 else f"{value:.1f}"


def _pct(value) -> str:
    return f"{100 * value:.1f}" if _finite(value) else "-"


def _interval(p) -> str:
    return "-" if p is None else f"{_pct(p.mean)} ({_pct(p.low)}–{_pct(p.high)}) at {p.n:,}"


def _duration(seconds) -> str:
    if not _finite(seconds):
        return "-"
    from advisor.strategy.reasoning import format_duration as fmt

    return fmt(seconds)
