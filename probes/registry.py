"""REGISTRY: every probe's spec, and the lookups of which probes suit a task.

The advisor discovers probes only through this table. Each entry is a ``ProbeSpec``
(probes/spec.py: what the probe needs, supports, costs and cites, with one uniform call).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from probes.errors import ProbeInputError

from .domain import source_coverage, source_entropy
from .etran import etran
from .gbc import gbc
from .hscore import hscore, regularized_hscore
from .knn import knn
from .leep import leep, nce
from .linear_probe import linear_probe
from .logme import logme
from .multilabel import linear_map
from .ncti import ncti
from .nleep import nleep
from .parc import parc
from .regression import knn_regression, ridge
from .sfda import sfda
from .spec import TASKS, ProbeSpec
from .transrate import transrate


def available_probes(
    task: str = "multiclass",
    has_source_probs: bool = False,
    *,
    level: str | None = None,
    default_only: bool = False,
) -> list[str]:
    """Names of the probes usable for ``task`` with or without a source head, in registry order."""
    if task not in TASKS:
        raise ProbeInputError(f"task must be one of {', '.join(TASKS)}, got {task!r}")
    names = []
    for spec in REGISTRY.values():
        needs_source = "source_probs" in spec.needs or "source_labels" in spec.needs
        if task not in spec.tasks or (needs_source and not has_source_probs):
            continue
        if (level is not None and spec.level != level) or (default_only and not spec.default):
            continue
        names.append(spec.name)
    return names


def default_probes(task: str = "multiclass", has_source_probs: bool = True) -> list[str]:
    """The advisor's default probe set for a task (cheap, robust, complementary)."""
    return available_probes(task, has_source_probs, default_only=True)


_F, _L, _P, _S = "features", "labels", "source_probs", "source_labels"
_MC = ("multiclass",)
_RG = ("regression",)
_ML = ("multilabel",)
_SPECS = [
    ProbeSpec(
        "logme",
        logme,
        (_F, _L),
        TASKS,
        "candidate",
        "O(N·D·min(N,D) + min(N,D)^3)",
        "You et al., LogME, ICML 2021; You et al., JMLR 2022 (fixed-point algorithm)",
        True,
        "evidence of a Bayesian linear model from features to labels",
    ),
    ProbeSpec(
        "leep",
        leep,
        (_P, _L),
        _MC,
        "candidate",
        "O(N·Cs·C)",
        "Nguyen et al., LEEP, ICML 2020",
        True,
        "log-likelihood of the labels through the source head's soft predictions",
    ),
    ProbeSpec(
        "nce",
        nce,
        (_S, _L),
        _MC,
        "candidate",
        "O(N + C·Cs)",
        "Tran et al., Transferability and Hardness of Supervised Classification Tasks, ICCV 2019",
        True,
        "negative conditional entropy of target labels given source argmax labels",
    ),
    ProbeSpec(
        "nleep",
        nleep,
        (_F, _L),
        _MC,
        "candidate",
        "O(iter·M·K·d^2), M = min(N, 1000), K ≈ M/10 components, d ≤ 128",
        "Li et al., Ranking Neural Checkpoints, CVPR 2021",
        True,
        "LEEP on a Gaussian mixture fitted to PCA-reduced features",
        {"max_samples": 1000, "max_dim": 128},  # cost independent of N (docs/probes.md)
    ),
    ProbeSpec(
        "hscore",
        hscore,
        (_F, _L),
        _MC,
        "candidate",
        "O(N·D^2 + D^3)",
        "Bao et al., An Information-Theoretic Approach to Transferability, ICIP 2019",
        False,
        "class-mean variance relative to total feature variance",
        {"max_dim": "auto"},
    ),
    ProbeSpec(
        "regularized_hscore",
        regularized_hscore,
        (_F, _L),
        _MC,
        "candidate",
        "O(N·D^2 + D^3)",
        "Ibrahim et al., Newer is not always better, ECML-PKDD 2022",
        True,
        "H-score with a Ledoit-Wolf shrunk covariance (stable when D >> N)",
    ),
    ProbeSpec(
        "transrate",
        transrate,
        (_F, _L),
        _MC,
        "candidate",
        "O(N·D·min(N,D))",
        "Huang et al., Frustratingly Easy Transferability Estimation, ICML 2022",
        False,
        "coding-rate gain from knowing the labels (feature-label mutual information)",
        {"normalize": "rms"},
    ),
    ProbeSpec(
        "sfda",
        sfda,
        (_F, _L),
        _MC,
        "candidate",
        "O(N·D^2 + D^3)",
        "Shao et al., Not All Models Are Equal, ECCV 2022",
        False,
        "class separability under a self-challenging shrinkage Fisher discriminant",
        {"max_dim": "auto"},
    ),
    ProbeSpec(
        "gbc",
        gbc,
        (_F, _L),
        _MC,
        "candidate",
        "O(N·D + C^2·D)",
        "Pandy et al., Transferability Estimation using Bhattacharyya Class Separability, "
        "CVPR 2022",
        False,
        "overlap of class-conditional Gaussians (spherical, 64 PCA dims)",
        {"max_dim": 64},
    ),
    ProbeSpec(
        "parc",
        parc,
        (_F, _L),
        _MC,
        "candidate",
        "O(M^2·D + M^2 log M), M = min(N, 2000)",
        "Bolya et al., Scalability in Transferability Estimation, NeurIPS 2021",
        False,
        "rank agreement of feature and label dissimilarity matrices",
        {"n_dims": 32},
    ),
    ProbeSpec(
        "knn",
        knn,
        (_F, _L),
        _MC,
        "candidate",
        "O(N^2·D)",
        "leave-one-out k-nearest-neighbour accuracy (cf. Bolya et al. 2021 baselines)",
        True,
        "leave-one-out 5-NN cosine accuracy",
    ),
    ProbeSpec(
        "linear_probe",
        linear_probe,
        (_F, _L),
        _MC,
        "candidate",
        "O(folds·iter·N·D·C)",
        "cross-validated logistic regression (Kornblith et al., "
        "Do Better ImageNet Models Transfer Better?, CVPR 2019)",
        True,
        "5-fold logistic-regression accuracy on frozen features",
    ),
    ProbeSpec(
        "knn_regression",
        knn_regression,
        (_F, _L),
        _RG,
        "candidate",
        "O(N^2·D)",
        "leave-one-out k-nearest-neighbour regression (the regression form of the knn "
        "baseline; cf. TransformerRanker, Garbas et al. 2024)",
        True,
        "leave-one-out 5-NN cosine regression R^2",
    ),
    ProbeSpec(
        "ridge",
        ridge,
        (_F, _L),
        _RG,
        "candidate",
        "O(folds·N·D·min(N,D))",
        "cross-validated ridge regression on frozen features (linear evaluation protocol, "
        "Kornblith et al., CVPR 2019)",
        True,
        "5-fold ridge-regression R^2 on standardised frozen features",
    ),
    ProbeSpec(
        "linear_map",
        linear_map,
        (_F, _L),
        _ML,
        "candidate",
        "O(folds·iter·N·D·K), K labels",
        "one-vs-rest linear probe (linear evaluation protocol, Kornblith et al., CVPR 2019), "
        "scored by mean average precision",
        True,
        "5-fold one-vs-rest logistic regression, mean average precision",
    ),
    ProbeSpec(
        "source_entropy",
        source_entropy,
        (_P,),
        TASKS,
        "candidate",
        "O(N·Cs)",
        "domain similarity idea: Cui et al., CVPR 2018",
        True,
        "confidence of the source head on the target data (negated normalised entropy)",
    ),
    ProbeSpec(
        "source_coverage",
        source_coverage,
        (_P, _L),
        _MC,
        "candidate",
        "O(N·Cs)",
        "domain similarity idea: Cui et al., CVPR 2018",
        False,
        "effective number of source classes the target data uses, per target class",
    ),
    ProbeSpec(
        "ncti",
        ncti,
        (_F, _L),
        _MC,
        "set",
        "O(K·(N·D·64 + N·64^2)) for K candidates",
        "Wang et al., How Far Pre-trained Models Are from Neural Collapse..., ICCV 2023",
        False,
        "distance from neural collapse, normalised across candidates",
    ),
    ProbeSpec(
        "etran",
        etran,
        (_F, _L),
        _MC,
        "set",
        "O(K·(N·D^2 + D^3)) for K candidates",
        "Gholami et al., ETran: Energy-Based Transferability Estimation, ICCV 2023",
        False,
        "energy (in-distribution-ness) plus LDA separability, normalised across candidates",
        {"max_dim": "auto"},
    ),
]

REGISTRY: Mapping[str, ProbeSpec] = MappingProxyType({spec.name: spec for spec in _SPECS})
