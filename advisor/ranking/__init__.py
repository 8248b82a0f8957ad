"""Ranking candidates: probe scores per candidate, fused into one ordered, explained result.

Heavy work (torch, probes) is imported inside functions so importing the package stays light.
"""

from advisor.lazy import lazy_getattr
from advisor.ranking.rank import rank  # eager: the module name would shadow the function
from advisor.ranking.result import Ranking, build_ranking

__all__ = ["Ranking", "build_ranking", "compute_probe_scores", "fuse", "rank"]

_LAZY = {
    "fuse": "advisor.ranking.fusion",
    "compute_probe_scores": "advisor.ranking.scoring",
}


__getattr__ = lazy_getattr(__name__, _LAZY)
