"""Small linear-algebra helpers shared by several probes (float64 throughout)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from probes.errors import ProbeInputError

_EPS = np.finfo(np.float64).eps


def class_means(x: np.ndarray, y: np.ndarray, n_classes: int) -> tuple[np.ndarray, np.ndarray]:
    """(means [C, D], counts [C]) of the rows of x grouped by integer codes y."""
    counts = np.bincount(y, minlength=n_classes).astype(np.float64)
    onehot = np.zeros((x.shape[0], n_classes))  # a BLAS product beats np.add.at by far
    onehot[np.arange(x.shape[0]), y] = 1.0
    return (onehot.T @ x) / counts[:, None], counts


def symmetric_pinv_apply(
    cov: np.ndarray, rhs: np.ndarray, rcond: float | None = None
) -> np.ndarray:
    """pinv(cov) @ rhs for a symmetric PSD matrix, via one eigendecomposition.

    Eigenvalues below ``rcond * max`` (default D * machine epsilon) count as zero, so the
    rounding noise of a rank-deficient covariance is not inverted.
    """
    evals, evecs = np.linalg.eigh(cov)
    rcond = cov.shape[0] * _EPS if rcond is None else rcond
    keep = evals > rcond * max(evals.max(), 0.0)
    v = evecs[:, keep]
    return v @ ((v.T @ rhs) / evals[keep][:, None])


@dataclass
class Pca:
    """Exact PCA of centred features from one eigendecomposition of the smaller Gram matrix.

    evals: eigenvalues of centred^T centred, descending, numerically zero ones dropped.
    axes [D, r] (when D <= N) or left [N, r] (when D > N) hold the matching vectors.
    """

    centred: np.ndarray
    evals: np.ndarray
    axes: np.ndarray | None
    left: np.ndarray | None

    @property
    def rank(self) -> int:
        return self.evals.shape[0]

    def scores(self, k: int) -> np.ndarray:
        """Coordinates [N, k] of every row on the top-k principal axes."""
        if self.axes is not None:
            return self.centred @ self.axes[:, :k]
        return self.left[:, :k] * np.sqrt(self.evals[:k])

    def class_mean_scores(
        self, y: np.ndarray, n_classes: int, k: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """Class means [C, k] in principal coordinates, and class counts."""
        if self.axes is not None:
            means, counts = class_means(self.centred, y, n_classes)
            return means @ self.axes[:, :k], counts
        return class_means(self.scores(k), y, n_classes)


def pca(x: np.ndarray, top: int | None = None) -> Pca:
    """Exact PCA; with ``top`` only the leading eigenpairs are computed (LAPACK evr, cheaper)."""
    centred = x - x.mean(axis=0)
    n, d = centred.shape
    gram = centred.T @ centred if d <= n else centred @ centred.T
    size = gram.shape[0]
    if top is not None and top < size // 2:
        from scipy import linalg  # lazily: keeps `import probes` light

        evals, vecs = linalg.eigh(
            gram,
            subset_by_index=[size - top, size - 1],
            driver="evr",
            overwrite_a=True,
            check_finite=False,
        )
    else:
        evals, vecs = np.linalg.eigh(gram)
    evals, vecs = evals[::-1], vecs[:, ::-1]
    keep = evals > max(evals[0], 0.0) * max(n, d) * _EPS
    evals, vecs = evals[keep], vecs[:, keep]
    return Pca(centred, evals, vecs if d <= n else None, vecs if d > n else None)


def target_dim(max_dim, n_rows: int, n_classes: int, d: int) -> int:
    """Dimensions to keep for max_dim = None (all), an int, or "auto".

    "auto" keeps max(C, N/8): estimators that invert a D x D covariance (H-score, SFDA)
    overfit as D approaches N and saturate once D >= N - C; N/8 keeps their small-sample
    bias low and the same for every candidate scored on the same data.
    """
    if max_dim is None:
        return d
    if max_dim == "auto":
        return min(d, max(n_classes, n_rows // 8, 2))
    if isinstance(max_dim, (int, np.integer)) and not isinstance(max_dim, bool) and max_dim >= 1:
        return min(d, int(max_dim))
    raise ProbeInputError(f"max_dim must be None, a positive int or 'auto', got {max_dim!r}")


def reduce_dim(x: np.ndarray, max_dim, n_classes: int) -> np.ndarray:
    """x itself, or its exact top-k principal-component scores when max_dim asks for fewer dims."""
    k = target_dim(max_dim, x.shape[0], n_classes, x.shape[1])
    if k >= x.shape[1]:
        return x
    decomposition = pca(x, top=k)
    return decomposition.scores(min(k, decomposition.rank))
