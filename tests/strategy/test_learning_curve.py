"""The learning curve: the power-law fit recovers a known curve, and real probe curves rise
and predict held-out accuracy at a larger training set."""

from __future__ import annotations

import numpy as np
import pytest

from advisor.errors import AdvisorError
from advisor.strategy.learning_curve import fit_power_law, learning_curve, power_law


def test_fit_recovers_a_known_power_law():
    sizes = np.array([20, 40, 80, 160, 320, 640])
    truth = (0.93, 1.6, 0.55)
    a, b, c = fit_power_law(sizes, power_law(sizes, *truth))
    assert (a, b, c) == pytest.approx(truth, rel=1e-3)


def test_fit_recovers_the_ceiling_from_noisy_points():
    rng = np.random.default_rng(0)
    sizes = np.geomspace(20, 1000, 8)
    noisy = power_law(sizes, 0.9, 1.2, 0.6) + rng.normal(0, 0.003, len(sizes))
    a, _, _ = fit_power_law(sizes, noisy)
    assert abs(a - 0.9) < 0.03
    # the prediction at 4x the largest size stays close to the truth
    assert (
        abs(power_law(4000, *fit_power_law(sizes, noisy)) - power_law(4000, 0.9, 1.2, 0.6)) < 0.02
    )


def test_fit_never_exceeds_the_ceiling():
    sizes = np.array([10, 20, 40, 80])
    a, _, _ = fit_power_law(sizes, np.array([0.6, 0.8, 0.9, 0.99]), ceiling=1.0)
    assert a <= 1.0


def _digits_pixels():
    from advisor.data import load_data

    data = load_data("digits")
    x = data.image_arrays.reshape(len(data), -1).astype(np.float64)
    return x, data.labels


def test_real_curve_rises_and_predicts_a_larger_training_set():
    """Pixels of 400 digits -> curve; its prediction at 1000 labels matches the frozen
    strategy's head (advisor.finetune's L-BFGS probe) really trained on 1000 other digits
    and tested on the remaining 397 (within 3 points)."""
    import torch

    from advisor.finetuning.head_init import fit_linear_head

    x, y = _digits_pixels()
    order = np.random.default_rng(0).permutation(len(y))
    probe, rest = order[:400], order[400:]
    curve = learning_curve(x[probe], y[probe], n_full=1000, repeats=4, n_boot=40, seed=0)
    means = curve.mean_scores
    assert means[-1] > means[0] + 0.1  # more labels help on digits
    full = curve.predictions["full"]
    assert full.low <= full.mean <= full.high
    assert curve.predictions["10x"].mean >= full.mean
    train, test = rest[:1000], rest[1000:]
    w, b = fit_linear_head(
        torch.from_numpy(x[train].astype(np.float32)), torch.from_numpy(y[train]), 10
    )
    logits = torch.from_numpy(x[test]) @ w.double().T + b.double()
    measured = float(np.mean(logits.argmax(1).numpy() == y[test]))
    assert abs(full.mean - measured) < 0.03
    assert "expected to add" in curve.gain_sentence(2.0)
    assert curve.notes  # 1000 is more than 3x the largest measured size (280)


def test_regression_curve_reports_r2():
    x, y = _digits_pixels()
    rng = np.random.default_rng(1)
    w = rng.normal(size=x.shape[1])
    targets = (x @ w)[:, None] / 100 + rng.normal(0, 0.5, (len(x), 1))
    curve = learning_curve(
        x[:300],
        y[:300],
        n_full=500,
        task="regression",
        targets=targets[:300],
        repeats=3,
        n_boot=20,
    )
    assert curve.metric == "r2"
    assert curve.mean_scores[-1] > 0.5


def test_too_few_examples_name_the_fix():
    x, y = _digits_pixels()
    with pytest.raises(AdvisorError, match="--budget"):
        learning_curve(x[:12], y[:12], n_full=100)


def test_every_training_prefix_keeps_the_class_proportions():
    """The curve's nested training subsets are stratified like advisor.finetune's training
    split: on imbalanced labels every prefix holds each class in proportion (within one
    example), so the curve does not train on an over-sampled rare class."""
    from advisor.strategy.learning_curve import _nested_order

    y = np.repeat(np.arange(4), [300, 60, 30, 10])
    order = _nested_order(y, np.random.default_rng(3))
    assert sorted(order.tolist()) == list(range(len(y)))
    shares = np.bincount(y) / len(y)
    for n in (10, 40, 100, 250, 400):
        counts = np.bincount(y[order[:n]], minlength=4)
        assert np.all(np.abs(counts - n * shares) <= 1.0), (n, counts)


def test_multilabel_scores_a_label_the_training_rows_lack_as_a_fine_tune_does():
    # advisor.finetune scores mean AP over every label its test part holds, trained or not;
    # the curve must too, or it predicts above what the frozen head measures.
    from advisor.strategy.learning_curve import _pooled_score, _probe_outputs

    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, 20))
    common = (x[:, 0] + 0.3 * rng.normal(size=400) > 0).astype(float)
    rare = np.zeros(400)
    rare[[350, 360, 370, 380]] = 1.0  # in the test rows only
    with_rare = np.column_stack([common, rare])
    train, test = np.arange(300), np.arange(300, 400)
    labels = common.astype(int)

    def score(targets):
        outputs = _probe_outputs("multilabel", x, labels, targets, train, test, {}, 0)
        return _pooled_score("multilabel", outputs, labels[test], targets[test])

    both, alone = score(with_rare), score(with_rare[:, :1])
    assert alone > 0.8  # the common label is learnt
    assert both < alone - 0.2  # the untrained label's AP (near its 4 % base rate) counts


def test_folds_score_every_row_once_with_each_class_spread():
    from advisor.strategy.learning_curve import _stratified_folds

    y = np.repeat(np.arange(3), [50, 31, 7])
    folds = _stratified_folds(y, 3, np.random.default_rng(0))
    assert sorted(np.concatenate(folds).tolist()) == list(range(len(y)))
    sizes = [len(f) for f in folds]
    assert max(sizes) - min(sizes) <= 1
    for fold in folds:  # each class within one row of its share
        assert np.all(np.abs(np.bincount(y[fold], minlength=3) - np.bincount(y) / 3) <= 1)


def _rare_labels(n, rng):
    """Features and 20 rare labels (3 % each) with a weak linear signal."""
    x = rng.normal(size=(n, 30))
    w = rng.normal(size=(30, 20))
    logits = 2.5 * (x @ w) / np.sqrt(30) - 5.0
    return x, (rng.random((n, 20)) < 1 / (1 + np.exp(-logits))).astype(float)


def test_multilabel_curve_predicts_map_on_a_large_test_set():
    """Mean AP with few positives per label reads high on a small test part; the curve's
    pooled out-of-fold score predicts what the frozen head scores on 3,000 rows, where
    averaging per-fold scores (its former rule) reads 6 points high."""
    import torch

    from advisor.finetuning.head_init import fit_linear_head, head_l2
    from advisor.finetuning.tasks import multilabel_metrics, sigmoid
    from advisor.strategy.learning_curve import _probe_outputs, _stratified_folds

    rng = np.random.default_rng(0)
    x, t = _rare_labels(4200, rng)
    strata = t.argmax(1) * t.max(1).astype(int)  # first label present, 0 for none
    probe, train, test = np.arange(600), np.arange(600, 1000), np.arange(1200, 4200)
    curve = learning_curve(
        x[probe], strata[probe], n_full=400, task="multilabel", targets=t[probe], repeats=3
    )
    features = torch.from_numpy(x[train].astype(np.float32))
    goal = torch.from_numpy(t[train].astype(np.float32))
    l2 = head_l2(features, goal, task="multilabel", outputs=20)
    w, b = fit_linear_head(features, goal, 20, l2=l2, label_smoothing=0.1, task="multilabel")
    logits = x[test] @ w.double().numpy().T + b.double().numpy()
    measured = multilabel_metrics(sigmoid(logits), t[test], 0.5)["map"]
    per_fold = []  # the former rule: each 200-row fold's mean AP, averaged
    for fold in _stratified_folds(strata[probe], 3, np.random.default_rng(1)):
        rest = np.setdiff1d(probe, fold)
        out = _probe_outputs("multilabel", x, strata, t, rest, fold, {}, 0)
        per_fold.append(multilabel_metrics(sigmoid(out), t[fold], 0.5)["map"])
    assert abs(curve.predictions["full"].mean - measured) < 0.02
    assert np.mean(per_fold) > measured + 0.04


def test_interval_covers_the_draw_of_the_probed_rows():
    """Five disjoint 350-digit subsamples: their predictions at 200 labels spread by about
    what each interval claims (the repeats alone, sharing one draw of rows, gave 90 %
    intervals a third of that spread)."""
    x, y = _digits_pixels()
    order = np.random.default_rng(0).permutation(len(y))
    means, halves = [], []
    for k in range(5):
        rows = order[k * 350 : (k + 1) * 350]
        curve = learning_curve(
            x[rows], y[rows], n_full=200, sizes=(40, 100, 233), repeats=2, n_boot=40, seed=k
        )
        full = curve.predictions["full"]
        means.append(full.mean)
        halves.append((full.high - full.low) / 2)
    spread = np.std(means, ddof=1)
    assert spread > 0.005  # the draws do differ
    assert np.mean(halves) >= spread  # a 90 % half-width is 1.6 standard deviations
