"""The fusion's parameters: the fitted weights shipped in catalog/data/fusion_params.json.

They are fitted on every published table available by ``benchmarks/published.py --fit``
(the file records how), never on the dataset being ranked; docs/trust.md explains them.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

PARAMS_FILE = Path(__file__).resolve().parents[2] / "catalog" / "data" / "fusion_params.json"

# Used only when the shipped parameter file is missing; equal trust in every probe.
DEFAULT_PARAMS = {
    "version": 0,
    "clip": 3.0,
    "probe_weights": {},
    "default_probe_weight": 0.5,
    "proxies": {"nce": "leep", "source_entropy": "leep"},
    "prior_weight": 0.3,
    "prior_component_weights": {
        "imagenet_top1": 1.0,
        "data_scale": 0.5,
        "log_params": 0.0,
        "track_record": 0.0,
    },
    "signal_weights": {
        "unk_rate": 2.0,
        "truncation_rate": 1.0,
        "size_mismatch": 0.1,
    },
    "provenance": "built-in defaults (catalog/data/fusion_params.json not found)",
}


@dataclass
class FusionParams:
    """The knobs of the fusion; see catalog/data/fusion_params.json for the shipped values."""

    clip: float = 3.0
    probe_weights: dict[str, float] = field(default_factory=dict)
    default_probe_weight: float = 0.5
    prior_weight: float = 0.3
    prior_component_weights: dict[str, float] = field(default_factory=dict)
    signal_weights: dict[str, float] = field(default_factory=dict)
    # "logme+nleep" -> {"probe_weights": {...}, "prior_weight": ...}: weights fitted for
    # exactly that set of published probes; picked by the probes actually computed.
    subsets: dict[str, dict] = field(default_factory=dict)
    # unfitted probe -> the published probe whose fitted weight it takes (same evidence source)
    proxies: dict[str, str] = field(default_factory=dict)
    # Agreement shrinkage (fusion_core.py); None switches a rule off.
    probe_gate: float | None = None
    disagree_threshold: float | None = None
    disagree_prior_weight: float | None = None
    # Track records ({"models", "families", "aliases"}); None: catalog/data/track_record.json.
    track_record: dict | None = None
    # Source -> its mean weighted tau alone on the fit's targets (the probes' fitted names, and
    # "prior"). When set, the weights are a softmax of it over the sources computed
    # (reliability_weights), and probe_weights / prior_weight are not used.
    reliability: dict[str, float] = field(default_factory=dict)
    temperature: float = 0.003
    # The stacked ranker (fusion_core.stack): coefficient per fitted probe and "prior" on
    # their z-scores; empty: no ranker, the final score is the weighted fusion alone.
    ranker: dict[str, float] = field(default_factory=dict)
    # Task group ("image", "text", "segmentation") -> the knobs fitted on that group's
    # targets, which replace the ones above for data of that group (for_group).
    groups: dict[str, dict] = field(default_factory=dict)
    provenance: str = ""

    @classmethod
    def from_dict(cls, raw: Mapping) -> FusionParams:
        known = {k: raw[k] for k in cls.__dataclass_fields__ if k in raw}
        if isinstance(known.get("provenance"), Mapping):
            known["provenance"] = str(known["provenance"].get("summary", known["provenance"]))
        return cls(**known)

    def for_group(self, group: str | None) -> FusionParams:
        """The parameters for data of task ``group``: its fitted knobs over the shared ones
        (clip, proxies, signals, track records); these parameters when it has none."""
        fitted = self.groups.get(group or "")
        if not fitted:
            return self
        known = {k: v for k, v in fitted.items() if k in self.__dataclass_fields__}
        return replace(self, **known, groups={}, subsets={})

    def say(
        self, probes: Sequence[str], weights: Mapping[str, float] | None = None
    ) -> dict[str, float]:
        """Each computed probe's say in the final score: its fused weight (``weights``, e.g.
        after the agreement gate; default: ``for_probes``, before it) plus the size of the
        ranker coefficient it supplies (0: its values cannot move the final score)."""
        from advisor.ranking.fusion_core import ranker_suppliers

        if weights is None:
            weights, _ = self.for_probes(probes)
        supplied = ranker_suppliers(probes, self.proxies, self.ranker)
        out = {p: float(weights.get(p, 0.0)) for p in probes}
        for feature, probe in supplied.items():
            out[probe] += abs(float(self.ranker[feature]))
        return out

    def probe_weight(self, probe: str, fitted: Mapping[str, float] | None = None) -> float:
        """Weight of ``probe`` under ``fitted`` weights (default: ``probe_weights``): its own,
        else its proxy's, else ``default_probe_weight``."""
        fitted = self.probe_weights if fitted is None else fitted
        if probe in fitted:
            return float(fitted[probe])
        if self.proxies.get(probe) in fitted:
            return float(fitted[self.proxies[probe]])
        return float(self.default_probe_weight)

    def for_probes(self, probes: Sequence[str]) -> tuple[dict[str, float], float]:
        """(weight per probe, prior weight) for this set of computed probes.

        Published probes use the weights fitted for exactly the published probes present
        (a computed proxy counts as its published relative), else the global fit; other
        probes get ``default_probe_weight``.
        """
        if self.reliability:
            return self.reliability_weights(probes)
        fitted = {p for entry in self.subsets.values() for p in entry["probe_weights"]}
        present = sorted({self.proxies.get(p, p) for p in probes} & fitted)
        entry = self.subsets.get("+".join(present))
        if entry is None:
            return {p: self.probe_weight(p) for p in probes}, self.prior_weight
        weights = {p: self.probe_weight(p, entry["probe_weights"]) for p in probes}
        return weights, float(entry["prior_weight"])

    def reliability_weights(self, probes: Sequence[str]) -> tuple[dict[str, float], float]:
        """Softmax of the sources' reliability (at ``temperature``) over the probes computed
        and the prior: the most reliable of them leads, the others break its ties. A probe
        with no record takes its proxy's; none at all, ``default_probe_weight`` (relative to
        the leader's 1); a source that ranked worse than chance elsewhere, 0."""
        known = {}
        for probe in probes:
            name = probe if probe in self.reliability else self.proxies.get(probe, probe)
            if name in self.reliability:
                known[probe] = float(self.reliability[name])
        prior = float(self.reliability.get("prior", 0.0))
        positive = [r for r in (*known.values(), prior) if r > 0]
        top = max(positive) if positive else 0.0

        def weight(r: float) -> float:
            return math.exp((r - top) / self.temperature) if r > 0 else 0.0

        weights = {
            p: weight(known[p]) if p in known else float(self.default_probe_weight) for p in probes
        }
        total = weight(prior) + sum(weights.values())
        return weights, (weight(prior) / total if total else 0.0)


def task_group_of(entries: Mapping[str, object | None]) -> str:
    """The fusion's task group for these candidates: "text" when any is a text encoder, else
    "image" (what the product knows about the data; segmentation is named by the caller)."""
    modalities = {getattr(e, "modality", None) for e in entries.values()}
    return "text" if "text" in modalities else "image"


def task_fusion_note(task: str) -> str:
    """The note a ranking of a task other than classification carries: the shipped fusion
    weights come from classification tables only, so for this task they are a default."""
    return (
        f"fusion weights were fitted on classification benchmarks only; for {task} they are "
        "defaults, not a fit (run advisor verify on your data to check the order)"
    )


@lru_cache(maxsize=1)
def load_params(path: str | None = None) -> FusionParams:
    """The shipped fusion parameters (cached); built-in defaults when the file is absent."""
    target = Path(path) if path else PARAMS_FILE
    if not target.exists():
        return FusionParams.from_dict(DEFAULT_PARAMS)
    return FusionParams.from_dict(json.loads(target.read_text()))
