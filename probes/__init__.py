"""Transferability probes: cheap estimates of how well a pretrained backbone will transfer.

Plain functions on numpy arrays (float32 or float64 in, float64 computation), each
returning a float where higher means better expected transfer; set-level probes (ncti,
etran) return one float per candidate. ``REGISTRY`` describes every probe (inputs,
tasks, cost, citation) and gives one uniform call. Depends on numpy, scipy and
scikit-learn only. See docs/probes.md.
"""

from .domain import source_coverage, source_entropy
from .errors import ProbeInputError
from .etran import etran, etran_components
from .gbc import gbc
from .hscore import hscore, regularized_hscore
from .knn import knn
from .leep import leep, nce
from .linear_probe import linear_probe
from .logme import logme
from .multilabel import linear_map
from .ncti import ncti, ncti_components
from .nleep import nleep
from .parc import parc
from .registry import REGISTRY, available_probes, default_probes
from .regression import knn_regression, ridge
from .sfda import sfda
from .spec import ProbeSpec, infer_task
from .transrate import transrate

__all__ = [
    "REGISTRY",
    "ProbeSpec",
    "ProbeInputError",
    "available_probes",
    "default_probes",
    "infer_task",
    "logme",
    "leep",
    "nce",
    "nleep",
    "hscore",
    "regularized_hscore",
    "transrate",
    "sfda",
    "gbc",
    "parc",
    "knn",
    "linear_probe",
    "knn_regression",
    "ridge",
    "linear_map",
    "source_entropy",
    "source_coverage",
    "ncti",
    "ncti_components",
    "etran",
    "etran_components",
]
