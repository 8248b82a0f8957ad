"""Everything about the highlighted candidate: probe scores and ranks (heaviest fused weight
first), why it ranks there, metadata, and how the final score is made."""

from __future__ import annotations

import math

from rich.markup import escape
from textual.containers import VerticalScroll
from textual.widgets import Static

from advisor.ranking.display import probe_weights, probes_by_weight

METADATA = (
    ("architecture", "architecture"),
    ("family", "family"),
    ("params_m", "params (M)"),
    ("gmacs", "GMACs"),
    ("input_size", "input size"),
    ("embed_dim", "embedding width"),
    ("imagenet_top1", "ImageNet top-1 (%)"),
    ("pretraining_data", "pretrained on"),
    ("licence", "licence"),
    ("source", "source"),
    ("cpu_latency_ms", "CPU latency (ms)"),
    ("year", "year"),
)


def _value(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def why_lines(why) -> list[str]:
    if why is None:
        return []
    if isinstance(why, str):
        return [line for line in why.splitlines() if line.strip()]
    if isinstance(why, dict):
        return [f"{k}: {_value(v)}" for k, v in why.items()]
    return [str(item) for item in why]


def probe_lines(
    record: dict, probes: list[str], weights: dict[str, float] | None = None
) -> list[str]:
    """The probe table, heaviest fused weight first; weightless probes dimmed. ``weights``:
    the ones the fusion used for this ranking (``Ranking.probe_weights``), else the shipped
    fit's."""
    weights = {p: float(weights.get(p, 0.0)) for p in probes} if weights else probe_weights(probes)
    width = max([len(p) for p in probes] + [5])
    lines = [f"[b]{'probe':<{width}} {'score':>7} {'rank':>4}[/]"]
    for probe in probes_by_weight(probes, weights):
        line = (
            f"{escape(probe):<{width}} {_value(record.get(probe)):>7} "
            f"{_value(record.get(probe + '_rank')):>4}"
        )
        lines.append(line if weights[probe] > 0 else f"[dim]{line}[/]")
    if any(weights[p] <= 0 for p in probes) and any(weights[p] > 0 for p in probes):
        lines.append("[dim]dimmed: no weight in the final score[/]")
    return lines


def race_lines(record: dict, race: dict | None) -> list[str]:
    """The race's verdict on a raced candidate: its validation accuracy at every rung."""
    if record.get("decided_by") != "race" or not race:
        return []
    candidate = record.get("candidate")
    lines = [
        "",
        f"[b]decided by race[/] (budget {escape(str(race.get('budget', '')))}): "
        "validation accuracy per rung",
    ]
    for rung in race.get("rungs", []):
        outcome = (rung.get("outcomes") or {}).get(candidate)
        if outcome is None:
            lines.append(f"rung {rung['rung']}: [dim]eliminated before it[/]")
            continue
        accuracy = outcome.get("val_accuracy")
        shown = "—" if accuracy is None else f"{100 * accuracy:.1f} %"
        kept = " · promoted" if candidate in (rung.get("promoted") or []) else ""
        lines.append(f"rung {rung['rung']} · {outcome.get('steps')} steps · {shown}{kept}")
    if candidate == race.get("winner"):
        lines.append("[b]won the race[/]")
    return lines


def layer_lines(record: dict, mode: str | None) -> list[str]:
    """Which layer to use for frozen features and the per-layer scores (layer modes only)."""
    scores = record.get("layer_scores")
    if not scores or not mode or mode == "last":
        return []
    best, judge = record.get("best_layer"), record.get("best_layer_probe")
    lines = ["", f"[b]layers[/] ({escape(mode)})"]
    if best:
        lines.append(
            f"use layer [b]{escape(str(best))}[/] for frozen features"
            + (f" (best {escape(judge)})" if judge else "")
        )
    probes = ([judge] if judge else []) + [
        p for p in next(iter(scores.values()), {}) if p != judge
    ][:2]
    width = max([len(str(name)) for name in scores] + [5])
    lines.append(f"[b]{'layer':<{width}}" + "".join(f" {escape(p)[:9]:>9}" for p in probes) + "[/]")
    for name, by_probe in scores.items():
        line = f"{escape(str(name)):<{width}}" + "".join(
            f" {_value((by_probe or {}).get(p)):>9}" for p in probes
        )
        lines.append(f"[b]{line}[/] ◀" if name == best else line)
    return lines


def detail_markup(
    record: dict,
    probes: list[str],
    entry=None,
    total: int | None = None,
    fusion: str = "",
    *,
    weights: dict[str, float] | None = None,
    race: dict | None = None,
    layers: str | None = None,
) -> str:
    """Rich markup for one ranking record (plus its catalog entry and the fusion method).

    ``weights``: the ranking's probe weights; ``race``: the race that settled it
    (``Ranking.race``); ``layers``: the ranking's layer mode."""
    name = escape(str(record.get("candidate")))
    rank = record.get("rank")
    of = f" of {total}" if total else ""
    lines = [
        f"[b]{name}[/]",
        f"rank [b]{_value(rank)}[/]{of} · final score [b]{_value(record.get('final_score'))}[/]",
    ]
    if record.get("rank_low") is not None and record.get("rank_high") is not None:
        lines.append(
            f"rank range (bootstrap): {record['rank_low']}–{record['rank_high']}"
            + (f" · P(best) {record['p_best']:.2f}" if record.get("p_best") is not None else "")
        )
    if record.get("too_close"):
        lines.append("[yellow]too close to call against the leader[/]")
    if record.get("decided_by") == "race" and record.get("race_val_accuracy") is not None:
        lines.append(
            f"[b]race validation accuracy {100 * record['race_val_accuracy']:.1f} %[/]"
            f" after {record.get('race_steps')} steps (the final word)"
        )
    if record.get("finetuned_accuracy") is not None:
        lines.append(
            f"[b]fine-tuned test accuracy {100 * record['finetuned_accuracy']:.1f} %[/] (verify)"
        )
    if probes:
        lines += [""] + probe_lines(record, probes, weights)
    lines += race_lines(record, race)
    lines += layer_lines(record, layers)
    reasons = why_lines(record.get("why"))
    if reasons:
        lines += ["", "[b]why it ranks here[/]"] + [f"• {escape(r)}" for r in reasons]
    lines += ["", "[b]metadata[/]"]
    lines.append(
        f"availability: {_value(record.get('availability'))} · "
        f"features: {_value(record.get('extract_seconds'))} s"
    )
    cost = f"cost: {_value(record.get('latency_ms'))} ms/example measured here"
    if record.get("pareto"):
        cost += " · on the quality/cost Pareto front"
    lines.append(cost)
    if entry is not None:
        for key, label in METADATA:
            value = getattr(entry, key, None)
            if value not in (None, ""):
                lines.append(f"{label}: {escape(_value(value))}")
        if getattr(entry, "notes", ""):
            lines.append(f"[dim]{escape(entry.notes)}[/]")
    if fusion:
        lines += ["", "[b]how the final score is made[/]", f"[dim]{escape(fusion)}[/]"]
    return "\n".join(lines)


class DetailPane(VerticalScroll):
    """Scrollable detail text of the highlighted ranking row."""

    def compose(self):
        yield Static("Highlight a candidate to see why it ranks where it does.", id="detail-text")

    def show(
        self,
        record: dict,
        probes: list[str],
        entry=None,
        total: int | None = None,
        fusion: str = "",
        **context,
    ) -> None:
        """``context``: ``weights``, ``race`` and ``layers`` of :func:`detail_markup`."""
        self.query_one("#detail-text", Static).update(
            detail_markup(record, probes, entry, total, fusion, **context)
        )
