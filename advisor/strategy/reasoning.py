"""The advice's reasoning: one or two sentences a user can check against the evidence."""

from __future__ import annotations

from advisor.strategy.estimate import Evidence, StrategyEstimate
from advisor.strategy.learning_curve import LearningCurve


def reasoning(
    ev: Evidence, estimates: list[StrategyEstimate], chosen: str, curve: LearningCurve | None
) -> str:
    """One or two checkable sentences: the evidence, then the expected gain and its cost."""
    gap = ev.gap()
    size = "large" if gap >= 0.6 else "moderate" if gap >= 0.3 else "small"
    facts = []
    if ev.source_entropy_nats is not None:
        facts.append(
            f"source entropy {ev.source_entropy_nats:.1f} of {ev.source_entropy_max:.1f} nats"
        )
    if ev.upscale_factor is not None and ev.upscale_factor > 1.5:
        facts.append(f"images upscaled {ev.upscale_factor:.0f}×")
    if ev.grayscale_fraction:
        facts.append(f"{100 * ev.grayscale_fraction:.0f}% grayscale")
    if ev.unk_rate:
        facts.append(f"{100 * ev.unk_rate:.1f}% unknown tokens")
    if ev.truncation_rate:
        facts.append(f"{100 * ev.truncation_rate:.0f}% of texts truncated")
    if ev.earlier_layer_better:
        facts.append(
            f"layer {ev.best_layer} scores above the last ({ev.layer_probe} "
            f"+{ev.layer_margin:.3g}), so more layers should train"
        )
    signals = f" ({'; '.join(facts)})" if facts else " (no domain signal measured)"
    by_name = {e.name: e for e in estimates}
    frozen = by_name["frozen"]
    pick = by_name[chosen]
    lead = f"{ev.n_train:,} labels and a {size} domain gap{signals}: "
    if chosen == "frozen":
        others = [e for e in estimates if e.name != "frozen"]
        best_other = max(others, key=lambda e: e.expected) if others else None
        gain = 100 * (best_other.expected - frozen.expected) if best_other else 0.0
        text = (
            f"frozen features + a linear head are expected to reach {_pct(frozen.expected)} "
            f"({_pct(frozen.low)}–{_pct(frozen.high)})"
            + (
                f"; {best_other.label} is expected to add only {gain:.1f} points"
                + _cost_text(best_other, frozen)
                if best_other
                else ""
            )
            + "."
        )
    else:
        low = 100 * (pick.expected - frozen.expected) * 0.5
        high = 100 * (pick.expected - frozen.expected) * 1.5
        text = (
            f"{pick.label} is expected to add {low:.1f}–{high:.1f} points over frozen features "
            f"({_pct(frozen.expected)} -> {_pct(pick.expected)}){_cost_text(pick, frozen)}."
        )
    if curve is not None:
        text += f" The curve says {curve.gain_sentence(2.0)}."
    return lead + text


def _cost_text(pick: StrategyEstimate, frozen: StrategyEstimate) -> str:
    if pick.seconds is None or frozen.seconds is None:
        return ""
    pick_time, frozen_time = format_duration(pick.seconds), format_duration(frozen.seconds)
    return f", at about {pick_time} against {frozen_time} on this device"


def _pct(value: float) -> str:
    return f"{100 * value:.1f}%"


def format_duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


__all__ = ["format_duration", "reasoning"]
