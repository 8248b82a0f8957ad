"""Pieces of the recipe: learning-rate schedule, parameter groups, metrics, data order."""

from __future__ import annotations

import math

import numpy as np
import pytest
from finetune_helpers import tiny_backbone
from sklearn.metrics import confusion_matrix as sk_confusion
from sklearn.metrics import f1_score

from advisor.finetuning.batches import epoch_batches
from advisor.finetuning.classifier import ImageClassifier, param_groups
from advisor.finetuning.config import resolve_recipe
from advisor.finetuning.head_init import fit_linear_head
from advisor.finetuning.metrics import summarize
from advisor.finetuning.optimization import lr_factor


def test_schedule_constant_head_phase_then_warmup_and_cosine_to_zero():
    recipe = resolve_recipe("image", {"epochs": 4, "head_epochs": 1, "warmup_epochs": 1.0})
    steps = 10
    factors = [lr_factor(s, steps_per_epoch=steps, recipe=recipe) for s in range(40)]
    assert factors[:10] == [1.0] * 10  # head warm-up
    assert factors[10] < factors[15] < factors[19] <= 1.0  # linear warm-up
    assert all(a >= b for a, b in zip(factors[20:], factors[21:], strict=False))  # cosine decay
    assert factors[-1] < 0.01 and factors[20] == pytest.approx(1.0)


def test_discriminative_and_layer_decay_groups():
    model = ImageClassifier(tiny_backbone().model, 4)
    flat = param_groups(model, lr=1e-3, backbone_lr_mult=0.1, layer_decay=None, weight_decay=0.05)
    assert {round(g["lr"], 9) for g in flat} == {1e-3, 1e-4}
    assert all(g["weight_decay"] == 0.0 for g in flat if all(p.ndim <= 1 for p in g["params"]))
    decayed = param_groups(model, lr=1e-3, backbone_lr_mult=0.1, layer_decay=0.5, weight_decay=0.05)
    rates = sorted({g["lr"] for g in decayed})
    assert (
        rates[-1] == pytest.approx(1e-3) and len(rates) >= 3
    )  # head, then ever smaller rates deeper down
    stem = next(
        g["lr"] for g in decayed if any(p is model.net.conv_stem.weight for p in g["params"])
    )
    assert stem == pytest.approx(rates[0])
    n_params = sum(len(g["params"]) for g in decayed)
    assert n_params == len(list(model.parameters()))


def test_summary_matches_scikit_learn():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 4, 200)
    p = np.where(rng.random(200) < 0.7, y, rng.integers(0, 4, 200))
    s = summarize(y, p, 4)
    assert s["accuracy"] == pytest.approx(np.mean(y == p))
    assert s["macro_f1"] == pytest.approx(f1_score(y, p, average="macro"))
    assert (s["confusion"] == sk_confusion(y, p, labels=range(4))).all()
    recall = sk_confusion(y, p, labels=range(4)).diagonal() / np.bincount(y, minlength=4)
    assert np.allclose(s["per_class_accuracy"], recall)
    assert math.isnan(summarize(np.array([0]), np.array([0]), 2)["per_class_accuracy"][1])


def test_epoch_order_depends_only_on_seed_and_epoch():
    a = epoch_batches(103, 16, seed=5, epoch=2)
    assert [b.tolist() for b in a] == [b.tolist() for b in epoch_batches(103, 16, seed=5, epoch=2)]
    assert [b.tolist() for b in a] != [b.tolist() for b in epoch_batches(103, 16, seed=5, epoch=3)]
    assert sorted(np.concatenate(a).tolist()) == list(range(103))  # 103 = 6*16 + 7: nothing dropped
    short = epoch_batches(33, 16, seed=0, epoch=0)
    assert [len(b) for b in short] == [16, 16]  # a lone last example is dropped (batch norm)


def test_probe_head_fits_separable_features():
    import torch

    rng = np.random.default_rng(0)
    labels = rng.integers(0, 3, 300)
    centers = rng.normal(size=(3, 8)) * 4
    features = torch.tensor(centers[labels] + rng.normal(size=(300, 8)), dtype=torch.float32)
    weight, bias = fit_linear_head(features, torch.as_tensor(labels), 3)
    predicted = (features @ weight.T + bias).argmax(1).numpy()
    assert np.mean(predicted == labels) > 0.97
    # label smoothing bounds the logits, so fine-tuning does not start from huge weights
    assert (features @ weight.T + bias).abs().max() < 20


def _ridge_objective_gradient(z, y, weight, bias, l2):

    w = weight.clone().requires_grad_(True)
    b = bias.clone().requires_grad_(True)
    loss = ((z @ w.T + b - y) ** 2).mean() + 0.5 * l2 * (w * w).sum()
    loss.backward()
    return max(w.grad.abs().max().item(), b.grad.abs().max().item())


def test_ridge_head_is_the_exact_minimiser_for_tall_and_wide_features():
    import torch

    from advisor.finetuning.head_init import _ridge_path

    rng = np.random.default_rng(0)
    for n, d in ((200, 30), (40, 120)):  # N > D uses the D x D Gram, N < D the N x N one
        z = torch.tensor(rng.normal(size=(n, d)) + 3.0, dtype=torch.float64)
        y = torch.tensor(rng.normal(size=(n, 2)), dtype=torch.float64)
        for l2, (weight, bias) in zip((1e-3, 1.0), _ridge_path(z, y, (1e-3, 1.0)), strict=True):
            assert _ridge_objective_gradient(z, y, weight, bias, l2) < 1e-8


def test_regression_head_picks_its_l2_by_cross_validation():
    """N < D with noisy targets (features of a few latent factors, as a backbone's are): the
    fixed l2 interpolates the noise, the cross-validated one does not."""
    import torch

    rng = np.random.default_rng(1)
    n, d = 150, 600
    latent = rng.normal(size=(2 * n, 100))
    x = latent @ rng.normal(size=(100, d)) + 0.5 * rng.normal(size=(2 * n, d))
    y = latent @ rng.normal(size=100) + rng.normal(scale=6.3, size=2 * n)
    y = ((y - y[:n].mean()) / y[:n].std())[:, None]
    features, targets = torch.tensor(x, dtype=torch.float32), torch.tensor(y, dtype=torch.float32)

    def held_out_r2(**options):
        weight, bias = fit_linear_head(features[:n], targets[:n], 1, task="regression", **options)
        residual = (features[n:] @ weight.T + bias - targets[n:]).numpy()
        return 1 - (residual**2).sum() / ((y[n:] - y[n:].mean()) ** 2).sum()

    tuned, fixed = held_out_r2(), held_out_r2(l2=1e-3)
    assert tuned > 0.4  # 0.54 here
    assert tuned > fixed + 0.2  # the fixed l2: 0.24


def _latent_classes(rng, n, d, classes=4):
    """Backbone-like features (10 latent factors in many noisy dimensions) and labels that are
    a noisy linear function of the factors."""
    latent = rng.normal(size=(n, 10))
    x = latent @ rng.normal(size=(10, d)) + 3.0 * rng.normal(size=(n, d))
    logits = latent @ rng.normal(size=(10, classes)) + rng.normal(size=(n, classes))
    return x.astype(np.float32), logits.argmax(1)


def test_classification_head_picks_its_l2_by_cross_validation():
    """N < D: the fixed l2 1e-3 fits the noise dimensions, the cross-validated one does not."""
    import torch

    n = 200
    x, y = _latent_classes(np.random.default_rng(0), n + 2000, 800)
    features, labels = torch.from_numpy(x), torch.from_numpy(y)

    def held_out_accuracy(**options):
        weight, bias = fit_linear_head(features[:n], labels[:n], 4, **options)
        return float(((features[n:] @ weight.T + bias).argmax(1) == labels[n:]).float().mean())

    tuned, fixed = held_out_accuracy(), held_out_accuracy(l2=1e-3)
    assert tuned > fixed + 0.06, (tuned, fixed)  # 0.745 against 0.623 here


def test_large_sets_choose_the_l2_on_a_subsample_and_weaken_it(monkeypatch):
    """Above CV_ROWS rows the choice is made on CV_ROWS of them and scaled by CV_ROWS / N, so
    more data means less regularisation, and the cost does not grow with N."""
    import torch

    from advisor.finetuning import head_init

    monkeypatch.setattr(head_init, "CV_ROWS", 120)
    x, y = _latent_classes(np.random.default_rng(3), 480, 300)
    features, labels = torch.from_numpy(x), torch.from_numpy(y)
    small = head_init.head_l2(features[:120], labels[:120], task="classification", outputs=4)
    large = head_init.head_l2(features, labels, task="classification", outputs=4)
    assert small in head_init.LBFGS_GRID
    assert large < small
    assert np.isclose(head_init.LBFGS_GRID, large * 480 / 120).any()
