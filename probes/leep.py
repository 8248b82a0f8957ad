"""Probes built on the source model's own classifier: LEEP and NCE."""

from __future__ import annotations

import numpy as np

from ._validation import as_probabilities, encode_labels, encode_source_labels, one_hot


def leep(source_probs, labels) -> float:
    """Log Expected Empirical Prediction (Nguyen, Hassner, Seeger & Archambeau, ICML 2020).

    source_probs: [N, Cs] softmax of the source head; labels: [N]. The empirical
    conditional P(y | z) is built from the joint of target labels and soft source labels;
    LEEP is the mean log-likelihood of the true label under sum_z P(y|z) P(z|x).
    Higher = better; at most 0. Cost O(N Cs C).
    """
    y, classes = encode_labels(labels)
    probs = as_probabilities(source_probs, n_rows=y.shape[0])
    n = y.shape[0]
    joint = one_hot(y, len(classes)).T @ probs / n  # P(y, z): [C, Cs]
    marginal = joint.sum(axis=0)  # P(z)
    # a source class that never fires (probability 0 everywhere) contributes nothing
    conditional = np.divide(joint, marginal, out=np.zeros_like(joint), where=marginal > 0)
    eep = np.einsum("nz,nz->n", probs, conditional[y])  # sum_z P(y_i|z) P(z|x_i)
    return float(np.mean(np.log(eep)))


def nce(source_labels, labels) -> float:
    """Negative Conditional Entropy -H(Y | Z) (Tran, Nguyen & Hassner, ICCV 2019).

    source_labels: [N] argmax classes of the source model (any hashable values);
    labels: [N]. Higher = better; at most 0. Uses 0 log 0 = 0, which equals the thuml /
    tllib code (they add 1e-20 inside the log). Cost O(N + C Cs).
    """
    y, classes = encode_labels(labels)
    z = encode_source_labels(source_labels, y.shape[0])
    n_z = int(z.max()) + 1
    joint = np.zeros((len(classes), n_z))
    np.add.at(joint, (y, z), 1.0)
    joint /= y.shape[0]
    p_z = joint.sum(axis=0)
    nonzero = joint > 0
    cond = np.where(nonzero, joint / np.where(p_z > 0, p_z, 1.0), 1.0)
    return float(np.sum(joint[nonzero] * np.log(cond[nonzero])))
