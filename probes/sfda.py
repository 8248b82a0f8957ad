"""SFDA: Self-challenging Fisher Discriminant Analysis."""

from __future__ import annotations

import numpy as np

from ._lda import fit_predict_proba
from ._linalg import class_means, reduce_dim
from ._validation import features_and_labels


def sfda(features, labels, max_dim=None) -> float:
    """SFDA score (Shao et al., "Not All Models Are Equal", ECCV 2022). Higher = better.

    Stage 1 fits a shrinkage LDA (adaptive shrinkage from a 3-step power iteration, as the
    reference); its posteriors, softened by a softmax, drive ConfMix, which pulls every
    example towards the mean of the other classes' means by (1 - p(y_i | x_i)). Stage 2 refits
    the LDA with the same shrinkage on the mixed features; the score is the mean p(y_i | x_i)
    (no log, as the reference). Does not modify its input. Saturates at 1.0 when D >= N;
    max_dim ("auto" or an int) reduces dimensions by exact PCA first, as the advisor's
    registry does. Cost O(N D^2 + D^3).
    """
    x, y, n_classes = features_and_labels(features, labels)
    x = reduce_dim(x, max_dim, n_classes)
    probs, shrinkage = fit_predict_proba(x, y, n_classes)
    soft = np.exp(probs)
    soft /= soft.sum(axis=1, keepdims=True)
    means, _ = class_means(x, y, n_classes)
    others = (means.sum(axis=0)[None, :] - means) / (n_classes - 1)  # mean of the other class means
    p_true = soft[np.arange(y.shape[0]), y][:, None]
    mixed = p_true * x + (1.0 - p_true) * others[y]
    probs, _ = fit_predict_proba(mixed, y, n_classes, shrinkage=shrinkage)
    return float(np.mean(probs[np.arange(y.shape[0]), y]))
