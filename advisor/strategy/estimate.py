"""Expected accuracy and cost of each adaptation strategy, from evidence the ranking holds.

The model (docs/strategy.md "How the estimates are made"):

* frozen features + linear head: the learning curve's prediction at the training set size;
* LP-FT closes part of the frozen head-room ``1 - frozen``; the part grows with the domain
  gap (source-head entropy, resolution and colour mismatch, unknown tokens, truncation,
  earlier layers scoring better than the last), with the labels per parameter and with the
  epochs of training;
* full fine-tuning from a new (zero) head starts from what the zero head itself reaches in
  the planned steps, measured on the frozen features (zero_head.py), plus half of LP-FT's
  gain: in a short run the untrained head is the bottleneck, and its first steps distort
  the features (Kumar et al. 2022, LP-FT). Without that measurement: half of LP-FT's gain,
  less a point when labels are few per parameter;
* partial fine-tuning of the last blocks reaches about the trained share of LP-FT's gain
  (LP-FT trains a superset of its layers from the same head), and half of that when
  earlier layers transfer better than the last.

Costs come from the measured extraction throughput on this device (examples/s of the
forward pass; a training step costs about three forward passes) and the parameter count
(weights, gradients and AdamW moments, plus activations estimated from the GMACs).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

STRATEGIES = ("frozen", "lp_ft", "full_ft", "partial_ft")
LABELS = {
    "frozen": "frozen features + linear head",
    "lp_ft": "LP-FT (linear probe, then fine-tune all layers)",
    "full_ft": "full fine-tuning from a new head",
    "partial_ft": "partial fine-tuning of the last blocks",
}
# advisor.finetune options that run each strategy (partial: see PARTIAL_LAYERS). Frozen
# keeps the backbone's rate at zero, so the head starts from the L-BFGS linear probe as in
# LP-FT (freeze_backbone=True trains a zero head by SGD on cached features instead, which
# short runs leave short of the probe) and the export is a whole model.
RECIPES = {
    "frozen": {"backbone_lr_mult": 0.0},
    "lp_ft": {},
    "full_ft": {"head_init": "zero"},
}
PARTIAL_LAYERS = {"image": 4, "text": 2}  # deepest layer groups that train in partial_ft
TYPICAL_DEPTH = {"image": 17, "text": 8}  # layer groups (EfficientNet-Lite0, MiniLM-L6)
# Recommend the cheapest strategy expected within this many points of the best one.
TIE_POINTS = 0.5
TRAIN_STEP_COST = 3.0  # one training example costs ~3 forward passes (forward + backward)
ACTIVATION_MB_PER_GMAC = 40.0  # stored training activations per example, fp32 (rough)
DEFAULT_GAP = 0.3  # domain gap when no signal is known


@dataclass(frozen=True)
class Evidence:
    """The numbers the estimate used, each None when the ranking did not have it."""

    n_train: int
    params_m: float | None = None
    gmacs: float | None = None
    examples_per_second: float | None = None
    source_entropy_nats: float | None = None  # mean entropy of the source head
    source_entropy_max: float | None = None  # log(number of source classes)
    upscale_factor: float | None = None
    grayscale_fraction: float | None = None
    unk_rate: float | None = None
    truncation_rate: float | None = None
    best_layer: str | None = None
    final_layer: str | None = None
    layer_margin: float | None = None  # best layer's probe score minus the final layer's
    layer_probe: str | None = None

    @property
    def earlier_layer_better(self) -> bool:
        return bool(
            self.best_layer
            and self.final_layer
            and self.best_layer != self.final_layer
            and (self.layer_margin or 0.0) > 0
        )

    def gap_parts(self) -> dict[str, float]:
        """Each known domain-gap signal mapped to [0, 1] (0: looks like the source data)."""
        parts = {}
        if self.source_entropy_nats is not None and self.source_entropy_max:
            ratio = self.source_entropy_nats / self.source_entropy_max
            parts["source entropy"] = _clip((ratio - 0.2) / 0.6)
        if self.upscale_factor is not None and self.upscale_factor > 0:
            parts["upscaling"] = _clip(math.log2(max(self.upscale_factor, 1.0)) / 4.0)
        if self.grayscale_fraction is not None:
            parts["grayscale"] = _clip(self.grayscale_fraction)
        if self.unk_rate is not None:
            parts["unknown tokens"] = _clip(10.0 * self.unk_rate)
        if self.truncation_rate is not None:
            parts["truncation"] = _clip(self.truncation_rate)
        return parts

    def gap(self) -> float:
        parts = self.gap_parts()
        base = sum(parts.values()) / len(parts) if parts else DEFAULT_GAP
        return _clip(base + (0.15 if self.earlier_layer_better else 0.0))


@dataclass
class StrategyEstimate:
    name: str
    label: str
    expected: float  # metric units (accuracy in [0, 1])
    low: float
    high: float
    seconds: float | None  # estimated wall time on this device
    memory_gb: float | None  # estimated peak memory
    recipe: dict = field(default_factory=dict)  # advisor.finetune options that run it

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "label": self.label,
            "expected": self.expected,
            "low": self.low,
            "high": self.high,
            "seconds": self.seconds,
            "memory_gb": self.memory_gb,
            "recipe": dict(self.recipe),
        }


def estimate_strategies(
    frozen: tuple[float, float, float],
    evidence: Evidence,
    *,
    modality: str,
    epochs: int = 3,
    n_eval: int = 0,
    batch_size: int = 32,
    ceiling: float = 1.0,
    floor: float = 0.0,
    zero_head: tuple[float, float, float] | None = None,
) -> list[StrategyEstimate]:
    """One estimate per applicable strategy. ``frozen``: (expected, low, high) of the
    frozen linear head at ``evidence.n_train`` labels (the learning curve). ``zero_head``:
    (expected, low, high) of a zero-initialised head trained on the frozen features for the
    planned steps (zero_head.zero_head_score); None: the rule alone. ``ceiling`` and
    ``floor``: the metric's range (R² has no floor)."""
    f, f_low, f_high = frozen
    room = max(ceiling - f, 0.0)
    gap = evidence.gap()
    params = evidence.params_m or 5.0
    data = evidence.n_train / (evidence.n_train + 50.0 * params)  # labels per parameter
    time_share = 1.0 - math.exp(-epochs / 2.0)  # a short run captures less of the gain
    close_lpft = (0.25 + 0.75 * gap) * data * time_share * 0.8
    gains = {"frozen": 0.0, "lp_ft": room * close_lpft}
    gains["full_ft"] = gains["lp_ft"] * 0.5 - 0.01 * (1 - data)
    out = [
        _estimate("frozen", f, f_low, f_high, 0.0, evidence, modality, epochs, n_eval, batch_size)
    ]
    depth = TYPICAL_DEPTH.get(modality)
    if modality in ("image", "text"):
        common = (evidence, modality, epochs, n_eval, batch_size)
        out.append(_estimate("lp_ft", f, f_low, f_high, gains["lp_ft"], *common))
        base, extra = (f, f_low, f_high), 0.0
        if zero_head is not None:
            # The head's own progress is the base; how much the backbone then helps or
            # hurts through it is the doubt, so it widens with the head's shortfall.
            base = tuple(min(value, ceiling) for value in zero_head)
            gains["full_ft"] = 0.5 * gains["lp_ft"]
            extra = 0.5 * max(f - base[0], 0.0)
        # Not capped at LP-FT: where AdamW's few steps beat the L-BFGS probe head (tweets,
        # 441 labels near MiniLM's 384 dimensions), LP-FT starts from the weaker head.
        out.append(_estimate("full_ft", *base, gains["full_ft"], *common, extra_spread=extra))
        k = PARTIAL_LAYERS[modality]
        share = k / depth
        # LP-FT trains a superset of these layers from the same probe head and stops at
        # its best validation score, so partial reaches about the trained share of LP-FT's
        # gain; half of that when an earlier layer scores better (the cut is in the wrong
        # place). Measured at 2 epochs, partial gained 0.0, -0.7, +0.6, -0.4 points over
        # frozen where LP-FT gained 0.0, +0.1, +2.2, +4.4 (docs/strategy.md).
        reach = share * (0.5 if evidence.earlier_layer_better else 1.0)
        gain = gains["lp_ft"] * reach
        out.append(
            _estimate(
                "partial_ft",
                f,
                f_low,
                f_high,
                gain,
                evidence,
                modality,
                epochs,
                n_eval,
                batch_size,
                share=share,
                recipe={"train_last_layers": k},
            )
        )
    for item in out:  # inside the metric's range (an accuracy interval from -33 % read wrong)
        item.expected = min(max(item.expected, floor), ceiling)
        item.high = min(max(item.high, item.expected), ceiling)
        item.low = max(min(item.low, item.expected), floor)
    return out


def recommend(estimates: list[StrategyEstimate], *, tie_points: float = TIE_POINTS) -> str:
    """The cheapest strategy expected within ``tie_points`` of the best expectation (order
    of STRATEGIES breaks cost ties: frozen first)."""
    best = max(e.expected for e in estimates)
    close = [e for e in estimates if 100 * (best - e.expected) <= tie_points]
    return min(
        close, key=lambda e: e.seconds if e.seconds is not None else STRATEGIES.index(e.name)
    ).name


def _estimate(
    name,
    f,
    f_low,
    f_high,
    gain,
    ev,
    modality,
    epochs,
    n_eval,
    batch_size,
    share=1.0,
    recipe=None,
    extra_spread=0.0,
) -> StrategyEstimate:
    spread = max(0.5 * abs(gain), extra_spread)  # the gain model is coarse: +-50% of the gain
    seconds, memory = _cost(name, ev, modality, epochs, n_eval, batch_size, share)
    return StrategyEstimate(
        name=name,
        label=LABELS[name],
        expected=f + gain,
        low=f_low + gain - spread,
        high=f_high + gain + spread,
        seconds=seconds,
        memory_gb=memory,
        recipe=dict(RECIPES.get(name, {}) if recipe is None else recipe),
    )


def _cost(name, ev, modality, epochs, n_eval, batch_size, share):
    """(seconds, GB) on the device the features were measured on; None when unknown."""
    n = ev.n_train
    seconds = None
    if ev.examples_per_second:
        forward = 1.0 / ev.examples_per_second
        if name == "frozen":  # probe pass, then head epochs: forward passes only
            passes = n + epochs * (n + n_eval / 2) + n_eval / 2
        else:
            step = 1.0 + (TRAIN_STEP_COST - 1.0) * share  # backward through the trained part
            probe = n if name != "full_ft" else 0  # the linear-probe head's feature pass
            passes = probe + epochs * (n * step + n_eval / 2) + n_eval / 2
        seconds = passes * forward
    memory = None
    if ev.params_m is not None:
        weights = 4e6 * ev.params_m
        act = ACTIVATION_MB_PER_GMAC * 1e6 * (ev.gmacs or 1.0) * batch_size
        if name == "frozen" or modality not in ("image", "text"):
            memory = weights + act / 20  # inference keeps no activations for a backward pass
        else:
            memory = weights + 12e6 * ev.params_m * share + act * max(share, 0.3)
        memory /= 1e9
    return seconds, memory


def _clip(value: float) -> float:
    return min(max(float(value), 0.0), 1.0)
