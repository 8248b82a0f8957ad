"""Domain-similarity signals from the source head: how familiar the target data looks.

Cui et al., "Large Scale Fine-Grained Categorization and Domain-Specific Transfer
Learning", CVPR 2018, motivate choosing the source whose data resembles the target's.
These two signals read that resemblance off the source model's own predictions; they
need no target labels and are heuristics rather than published estimators.
"""

from __future__ import annotations

import numpy as np

from probes.errors import ProbeInputError

from ._validation import as_probabilities


def source_entropy(source_probs) -> float:
    """Negated mean normalised entropy of the source predictions, in [-1, 0] (higher = better).

    -mean_i H(p(z | x_i)) / log(Cs): 0 when the source head is certain on every target
    example (the images look like its own training data), -1 when it is uniformly unsure.
    Normalising by log(Cs) makes heads with 1k and 21k classes comparable. Cost O(N Cs).
    """
    from scipy.special import entr  # lazily: scipy.special is slow to import

    p = as_probabilities(source_probs)
    if p.shape[1] < 2:
        raise ProbeInputError("source_probs has a single source class; entropy needs at least 2")
    return float(-np.mean(entr(p).sum(axis=1)) / np.log(p.shape[1]))


def source_coverage(source_probs, labels=None) -> float:
    """Effective number of source classes the target data uses, per target class (higher = better).

    exp(H(mean_i p(z | x_i))), the perplexity of the average source prediction, divided by
    the number of target classes when labels are given. Near 0: the whole target set falls
    into a handful of source classes, so the source head cannot tell the target classes
    apart. Cost O(N Cs).
    """
    from scipy.special import entr

    p = as_probabilities(source_probs)
    marginal = p.mean(axis=0)
    effective = float(np.exp(entr(marginal).sum()))
    if labels is None:
        return effective
    from ._validation import encode_labels

    _, classes = encode_labels(labels, n_rows=p.shape[0])
    return effective / len(classes)
