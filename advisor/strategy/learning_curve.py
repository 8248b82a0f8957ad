"""Learning curves from cached features: frozen-feature probe score against labelled examples.

For one candidate's features of the probe subsample, each repeat is one round of
stratified K-fold cross-fitting (K = 1 / test_fraction): every fold trains the head the
frozen strategy trains (advisor.finetune's L-BFGS linear head with the task's loss:
cross-entropy, squared error on standardised targets, binary cross-entropy) on nested
subsets of the other folds, of growing size, and predicts its own rows. At each size the
round's score is the metric of the pooled out-of-fold predictions: every probed row is
scored once, so the score is measured on as many rows as the subsample holds, as a test
split of that size is. (Mean AP on a 300-row part read 1.4 points above the same heads on
560 rows: few positives per label inflate AP, docs/strategy.md.) A saturating power law
``score(n) = a - b * n**-c`` is fitted to the mean curve (``scipy.optimize.curve_fit``); a
bootstrap over the repeats gives the spread of the fitted curve, hence the intervals of the
predictions at the full labelled set, 2x and 10x; each resample is also shifted by a row
bootstrap of the pooled score, since the repeats share the probed rows. No extraction: the
features are the ones the ranking already cached.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import numpy as np

from advisor.errors import AdvisorError
from advisor.finetuning.tasks import TEST_SCORE

METRICS = TEST_SCORE  # the score a fine-tune reports per task, which the curve predicts
LEVEL = 0.9  # central interval of the bootstrap predictions (5th to 95th percentile)


@dataclass(frozen=True)
class Prediction:
    n: int
    mean: float
    low: float
    high: float

    def to_dict(self) -> dict:
        return {"n": self.n, "mean": self.mean, "low": self.low, "high": self.high}


@dataclass
class LearningCurve:
    candidate: str
    metric: str  # "accuracy" | "r2" | "map"
    sizes: list[int]  # training examples per point
    scores: np.ndarray  # [repeats, len(sizes)] held-out probe score
    params: tuple[float, float, float]  # (a, b, c) of a - b * n**-c on the mean curve
    boot_params: np.ndarray  # [n_boot, 3] fits of the bootstrap resamples
    n_full: int  # the full labelled training set the predictions refer to
    predictions: dict[str, Prediction] = field(default_factory=dict)  # "full", "2x", "10x"
    notes: list[str] = field(default_factory=list)

    @property
    def mean_scores(self) -> np.ndarray:
        return self.scores.mean(axis=0)

    def predict(self, n: float, *, level: float = LEVEL) -> Prediction:
        """The fitted score at ``n`` training examples with the bootstrap interval."""
        point = float(power_law(np.asarray([n], dtype=float), *self.params)[0])
        if len(self.boot_params):
            boots = np.array([power_law(np.asarray([n], float), *p)[0] for p in self.boot_params])
            tail = 100 * (1 - level) / 2
            low, high = np.percentile(boots, [tail, 100 - tail])
        else:
            low = high = point
        return Prediction(int(round(n)), point, float(min(low, point)), float(max(high, point)))

    def gain(self, factor: float) -> tuple[float, float]:
        """Expected gain (mean, spread) from labelling ``factor`` times the full set, in the
        metric's units; the spread is the bootstrap standard deviation of the gain."""
        n0, n1 = float(self.n_full), float(self.n_full) * factor
        point = float(power_law(np.array([n1]), *self.params)[0]) - float(
            power_law(np.array([n0]), *self.params)[0]
        )
        if not len(self.boot_params):
            return point, 0.0
        diffs = [
            power_law(np.array([n1]), *p)[0] - power_law(np.array([n0]), *p)[0]
            for p in self.boot_params
        ]
        return point, float(np.std(diffs))

    def gain_sentence(self, factor: float = 2.0) -> str:
        mean, spread = self.gain(factor)
        unit, scale = ("points", 100.0) if self.metric != "r2" else ("R² points", 100.0)
        times = f"{factor:g}×"
        return (
            f"labelling {times} more data ({self.n_full:,} -> {int(self.n_full * factor):,}) is "
            f"expected to add {scale * mean:.1f} ± {scale * spread:.1f} {unit} with frozen features"
        )

    def to_dict(self) -> dict:
        return {
            "candidate": self.candidate,
            "metric": self.metric,
            "sizes": list(self.sizes),
            "scores": self.scores.tolist(),
            "mean_scores": self.mean_scores.tolist(),
            "params": {"a": self.params[0], "b": self.params[1], "c": self.params[2]},
            "n_full": self.n_full,
            "predictions": {k: p.to_dict() for k, p in self.predictions.items()},
            "gain_2x": self.gain(2.0)[0],
            "notes": list(self.notes),
        }


def power_law(n, a, b, c):
    """The saturating curve ``a - b * n**-c`` (a: the ceiling with infinite data)."""
    return a - b * np.power(np.asarray(n, dtype=float), -c)


def fit_power_law(sizes, scores, *, ceiling: float = 1.0, start=None) -> tuple[float, float, float]:
    """Least-squares (a, b, c) for mean scores at ``sizes``; a <= ceiling, b >= 0, c in
    [0.05, 2]. Too few points or a failed fit fall back to a flat curve at the last score.
    ``start``: initial (a, b, c), e.g. the mean curve's fit for its bootstrap resamples."""
    from scipy.optimize import OptimizeWarning, curve_fit

    x = np.asarray(sizes, dtype=float)
    y = np.asarray(scores, dtype=float)
    if len(x) < 3 or not np.all(np.isfinite(y)):
        return float(y[-1]), 0.0, 0.5
    top = float(y.max())
    a0 = min(top + 0.5 * max(top - float(y[0]), 1e-3), ceiling)
    b0 = max((a0 - float(y[0])) * x[0] ** 0.5, 1e-6)
    # b >= 0 makes the curve rise towards a, so a cannot sit below the worst point
    bounds = ([min(float(y.min()), ceiling - 1e-6), 0.0, 0.05], [ceiling, np.inf, 2.0])
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", OptimizeWarning)
            params, _ = curve_fit(
                power_law,
                x,
                y,
                p0=_inside(start, bounds) or (a0, b0, 0.5),
                bounds=bounds,
                maxfev=5000,
            )
    except (RuntimeError, ValueError):
        return float(y[-1]), 0.0, 0.5
    return float(params[0]), float(params[1]), float(params[2])


def _inside(start, bounds):
    """``start`` nudged strictly inside the bounds (curve_fit refuses a start on them)."""
    if start is None:
        return None
    lows, highs = bounds
    out = []
    for value, low, high in zip(start, lows, highs, strict=True):
        span = (high - low) if math.isfinite(high) else max(abs(value), 1.0)
        out.append(min(max(value, low + 1e-6 * span), high - 1e-6 * span))
    return tuple(out)


def default_sizes(n_train_pool: int, num_classes: int, points: int = 6) -> list[int]:
    """Geometric sizes from a few examples per class to the whole training pool."""
    low = max(2 * num_classes, 10)
    if n_train_pool <= low:
        return [int(n_train_pool)]
    sizes = np.unique(np.round(np.geomspace(low, n_train_pool, points)).astype(int))
    return [int(s) for s in sizes]


def learning_curve(
    features,
    labels,
    *,
    n_full: int,
    task: str = "classification",
    targets=None,
    sizes=None,
    repeats: int = 5,
    test_fraction: float = 0.3,
    n_boot: int = 100,
    seed: int = 0,
    candidate: str = "",
) -> LearningCurve:
    """The frozen-feature learning curve of one candidate, fitted and extrapolated.

    ``features`` [N, D] of the probe subsample, ``labels`` [N] (classification labels, or
    the strata of regression / multilabel rows with ``targets``). ``n_full``: the labelled
    training set the user has (the predictions are at ``n_full``, 2x and 10x).
    ``test_fraction``: each cross-fitting fold's share of the rows (0.3: 3 folds);
    ``repeats``: rounds of cross-fitting, each with fresh folds.
    """
    if task not in METRICS:
        raise AdvisorError(f"task must be one of {', '.join(METRICS)} (got {task!r}); pick one")
    if repeats < 2:
        raise AdvisorError(f"repeats must be an integer >= 2 (got {repeats!r}); pass 3 or more")
    x = np.asarray(features, dtype=np.float64)
    y = np.asarray(labels)
    if task != "classification" and targets is None:
        raise AdvisorError(f"task {task!r} needs targets; pass the rows' target array")
    t = None if targets is None else np.asarray(targets)
    if len(x) != len(y) or (t is not None and len(t) != len(x)):
        raise AdvisorError("features, labels and targets must have one row each; pass aligned rows")
    classes = np.unique(y)
    folds = max(2, int(round(1 / test_fraction)))
    pool = len(x) - int(math.ceil(len(x) / folds))  # the smallest fold's training rows
    if pool < max(2 * len(classes), 10):
        raise AdvisorError(
            f"{len(x)} examples are too few for a learning curve over {len(classes)} classes; "
            "raise the probe budget (--budget)"
        )
    sizes = list(sizes) if sizes is not None else default_sizes(pool, len(classes))
    sizes = [s for s in sizes if s <= pool]
    rng = np.random.default_rng(seed)
    scores = np.full((repeats, len(sizes)), np.nan)
    l2s: dict[int, float] = {}  # per size, chosen on the first fold and kept (cost)
    largest = []  # per repeat: the pooled outputs at the largest size
    for r in range(repeats):
        pooled = [None] * len(sizes)  # per size: out-of-fold outputs of every row
        for test_idx in _stratified_folds(y, folds, rng):
            train_idx = np.setdiff1d(np.arange(len(y)), test_idx)
            order = _nested_order(y[train_idx], rng)
            for j, n in enumerate(sizes):
                chosen = train_idx[order[:n]]
                outputs = _probe_outputs(task, x, y, t, chosen, test_idx, l2s, j)
                if pooled[j] is None:
                    pooled[j] = np.zeros((len(y), outputs.shape[1]))
                pooled[j][test_idx] = outputs
        for j in range(len(sizes)):
            scores[r, j] = _pooled_score(task, pooled[j], y, t)
        largest.append(pooled[-1])
    mean = np.nanmean(scores, axis=0)
    ceiling = 1.0
    params = fit_power_law(sizes, mean, ceiling=ceiling)
    # The repeats share the probed rows, so their spread misses that the rows are one draw:
    # each resample also shifts the curve by a row bootstrap's change of the score, centred
    # (duplicated rows bias mean AP up on a resample).
    shifts = np.zeros(n_boot)
    for b in range(n_boot):
        rows = rng.integers(0, len(y), len(y))
        tr = None if t is None else t[rows]
        shifts[b] = _pooled_score(task, largest[b % repeats][rows], y[rows], tr)
        shifts[b] -= scores[b % repeats, -1]
    shifts = np.where(np.isfinite(shifts), shifts, 0.0)
    shifts -= shifts.mean() if n_boot else 0.0
    boot = []
    for shift in shifts:
        pick = rng.integers(0, repeats, size=(repeats, len(sizes)))
        resampled = np.nanmean(np.take_along_axis(scores, pick, axis=0), axis=0)
        boot.append(fit_power_law(sizes, resampled + shift, ceiling=ceiling, start=params))
    curve = LearningCurve(
        candidate=candidate,
        metric=METRICS[task],
        sizes=[int(s) for s in sizes],
        scores=scores,
        params=params,
        boot_params=np.asarray(boot, dtype=float).reshape(-1, 3),
        n_full=int(n_full),
    )
    for name, factor in (("full", 1), ("2x", 2), ("10x", 10)):
        curve.predictions[name] = curve.predict(n_full * factor)
    if n_full > 3 * sizes[-1]:
        curve.notes.append(
            f"the prediction at {n_full:,} extrapolates {n_full / sizes[-1]:.0f}× beyond the "
            f"largest measured size ({sizes[-1]:,}); a larger --budget narrows it"
        )
    return curve


def _stratified_folds(y, folds: int, rng) -> list[np.ndarray]:
    """``folds`` disjoint test parts covering every row, each class dealt round-robin
    from a random start so every fold holds its share of each class (within one row)."""
    fold_of = np.empty(len(y), dtype=int)
    offset = 0
    for cls in np.unique(y):
        rows = rng.permutation(np.flatnonzero(y == cls))
        fold_of[rows] = (offset + np.arange(len(rows))) % folds
        offset += len(rows)  # the next class starts where this one stopped: even fold sizes
    return [np.flatnonzero(fold_of == k) for k in range(folds)]


def _stratified_split(y, n_train: int, rng) -> tuple[np.ndarray, np.ndarray]:
    """About ``n_train`` rows for training with every class on both sides when possible
    (the zero-head estimate's split, advisor/strategy/zero_head.py)."""
    train, test = [], []
    fraction = n_train / len(y)
    for cls in np.unique(y):
        rows = rng.permutation(np.flatnonzero(y == cls))
        k = int(round(fraction * len(rows)))
        k = min(max(k, 1), len(rows) - 1) if len(rows) > 1 else len(rows)
        train.extend(rows[:k])
        test.extend(rows[k:])
    return np.asarray(train), np.asarray(test)


def _nested_order(y, rng) -> np.ndarray:
    """A permutation whose every prefix keeps the pool's class proportions (within one
    example per class), as the stratified training split that ``advisor.finetune`` trains
    on does. Class-balanced prefixes over-represent the rare classes: on wordnet-nouns
    (26 imbalanced classes) they put the prediction at 436 labels 3.5 points under a
    stratified curve's, 4.6 under the measured frozen accuracy (docs/strategy.md)."""
    keys = np.empty(len(y))
    for cls in np.unique(y):
        rows = rng.permutation(np.flatnonzero(y == cls))
        # the k-th row of a class of n sits at (k + u) / n: systematic stratified sampling
        keys[rows] = (np.arange(len(rows)) + rng.random()) / len(rows)
    return np.argsort(keys, kind="stable")


def _probe_outputs(task, x, y, t, train, test, l2s: dict, key) -> np.ndarray:
    """The test rows' outputs of the head the frozen strategy trains, in a form that pools
    across folds: class logits, regression values in the targets' units, label logits.
    The head's cross-validated l2 is chosen once per ``key`` (size) and kept in ``l2s``:
    the folds and repeats share it, at a fraction of the fits."""
    from advisor.finetuning.tasks import TaskHead, targets_head

    if task == "classification":
        num_classes = int(y.max()) + 1
        if len(np.unique(y[train])) < 2:  # one class: predict it
            return np.eye(num_classes)[np.full(len(test), y[train][0])]
        head = TaskHead("classification", num_classes)
        return _engine_head_outputs(x[train], y[train], x[test], head, l2s, key)
    values = np.asarray(t, dtype=np.float64).reshape(len(t), -1)
    # every label trains, as in a fine-tune (a label the training rows lack included)
    head = targets_head(task, values[train])
    goal = head.encode_targets(values[train])
    outputs = _engine_head_outputs(x[train], goal, x[test], head, l2s, key)
    return head.values(outputs) if task == "regression" else outputs


def _pooled_score(task, outputs, y, t) -> float:
    """The task's test score (the fine-tuning engine's: accuracy, R², mean AP over the
    labels present) of the pooled out-of-fold outputs of every row."""
    from advisor.finetuning.tasks import TaskHead, multilabel_metrics, regression_metrics, sigmoid

    if task == "classification":
        metrics = TaskHead("classification", outputs.shape[1]).evaluate(outputs, y)
    else:
        values = np.asarray(t, dtype=np.float64).reshape(len(t), -1)
        if task == "regression":
            metrics = regression_metrics(outputs, values)
        else:  # mean AP does not depend on the threshold
            metrics = multilabel_metrics(sigmoid(outputs), values, 0.5)
    return float(metrics[TEST_SCORE[task]])


def _engine_head_outputs(x_train, goal, x_test, head, l2s: dict, key) -> np.ndarray:
    """Test outputs of advisor.finetune's probe head (head_init.fit_linear_head: one global
    feature scale; the task's loss: label-smoothed cross-entropy, squared error, binary
    cross-entropy; ``l2s[key]`` or, on first use, its cross-validated l2), so the curve
    predicts what the engine will measure. scikit-learn's per-dimension standardised
    logistic regression was 9 points below the engine's head on digits/Lite0 at 273 labels."""
    import torch

    from advisor.finetuning.head_init import fit_linear_head, head_l2

    classes = head.task == "classification"
    features = torch.from_numpy(np.ascontiguousarray(x_train, dtype=np.float32))
    targets = torch.from_numpy(np.asarray(goal, dtype=np.int64 if classes else np.float32))
    if key not in l2s:
        l2s[key] = head_l2(features, targets, task=head.task, outputs=head.outputs)
    weight, bias = fit_linear_head(
        features, targets, head.outputs, l2=l2s[key], label_smoothing=0.1, task=head.task
    )
    out = torch.from_numpy(np.asarray(x_test, dtype=np.float64)) @ weight.double().T
    return (out + bias.double()).numpy()
