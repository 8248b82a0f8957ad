"""N-LEEP's scaling options: max_samples scores a stratified subsample, max_dim caps the PCA,
and with the registry's caps the ranking of real digit candidates matches the reference."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA

import probes
from probes._sampling import stratified_subsample
from probes.nleep import _reduce


@pytest.fixture(scope="module")
def digits():
    x, y = load_digits(return_X_y=True)
    return x.astype(np.float64), y


def test_max_samples_scores_n_leep_of_the_stratified_subsample(digits):
    x, y = digits
    rows = stratified_subsample(y, 10, 600, 4)
    assert 590 <= rows.size <= 600 and set(y[rows]) == set(y)
    capped = probes.nleep(x, y, max_samples=600, seed=4)
    assert capped == probes.nleep(x[rows], y[rows], seed=4)
    assert capped != pytest.approx(probes.nleep(x, y, seed=4), rel=1e-3)


def test_caps_at_or_above_the_data_are_the_reference(digits):
    x, y = digits
    x, y = x[:500], y[:500]
    assert probes.nleep(x, y, max_samples=500, max_dim=64) == probes.nleep(x, y)


def test_max_dim_keeps_the_variance_rule_below_the_cap_and_caps_above_it(digits):
    x, _ = digits
    exact = PCA(n_components=0.8).fit(x).n_components_
    assert _reduce(x, 0.8, exact + 10, seed=0).shape == (len(x), exact)
    assert _reduce(x, 0.8, exact - 5, seed=0).shape == (len(x), exact - 5)
    assert _reduce(x, 0.8, None, seed=0).shape == (len(x), exact)


def test_capped_n_leep_ranks_digit_candidates_as_the_reference_does(digits):
    """Candidates of clearly different quality, as in docs/probes.md's agreement table; the
    registry's options with the row cap scaled to this 600-row subset (1000 of 1797 there)."""
    x, y = digits[0][:600], digits[1][:600]
    rng = np.random.default_rng(0)
    candidates = [x, x + 6 * rng.standard_normal(x.shape), x @ rng.standard_normal((64, 6))]
    options = {**probes.REGISTRY["nleep"].options, "max_samples": 330}
    reference = [probes.nleep(f, y) for f in candidates]
    capped = [probes.nleep(f, y, **options) for f in candidates]
    assert np.argsort(capped).tolist() == np.argsort(reference).tolist()
    # fewer rows per component score a little lower, for every candidate alike
    assert np.max(np.abs(np.subtract(capped, reference))) < 0.25


@pytest.mark.parametrize("bad", [0, -3, 2.5, "1000", True])
@pytest.mark.parametrize("option", ["max_samples", "max_dim"])
def test_bad_caps_name_the_option(digits, option, bad):
    x, y = digits
    with pytest.raises(probes.ProbeInputError, match=option):
        probes.nleep(x[:100], y[:100], **{option: bad})
