"""The built-in examples of regression, multi-label and text pairs, end to end through
load_data: real contents, seeded, and the install fix when WordNet is missing."""

import numpy as np
import pytest

from advisor.data import BUILTIN_DATASETS, builtin_tasks, load_data, subsample
from advisor.errors import DataError


def _need(name: str) -> None:
    if not BUILTIN_DATASETS[name].available():
        pytest.skip(f"{name} is not installed here ({BUILTIN_DATASETS[name].install})")


def test_digit_slant_measures_the_lean_of_a_stroke():
    upright = np.zeros((1, 8, 8))
    upright[0, :, 4] = 1.0  # a vertical bar
    leaning = np.zeros((1, 8, 8))
    for row in range(8):
        leaning[0, row, 7 - row] = 1.0  # top right to bottom left: leans right
    assert builtin_tasks.digit_slant(upright)[0] == pytest.approx(0.0)
    assert builtin_tasks.digit_slant(leaning)[0] == pytest.approx(1.0)
    assert builtin_tasks.digit_slant(leaning[:, :, ::-1])[0] == pytest.approx(-1.0)


def test_digits_regression():
    _need("digits-regression")
    data = load_data("digits-regression")
    assert data.task == "regression" and data.modality == "image"
    assert len(data) == BUILTIN_DATASETS["digits-regression"].size == 1797
    assert data.target_names == ["slant"] and data.targets.shape == (1797, 1)
    slant = data.targets[:, 0]
    assert np.isfinite(slant).all() and 0.05 < slant.std() < 0.5
    assert len(np.unique(slant)) > 1500  # a continuous target, not a class in disguise
    assert data.num_classes == 10  # strata: deciles of the slant
    sub, idx = subsample(data, budget=200, seed=0)
    assert len(sub) == 200 and np.array_equal(sub.targets, data.targets[idx])


def test_wordnet_multilabel():
    _need("wordnet-multilabel")
    data = load_data("wordnet-multilabel")
    assert data.task == "multilabel" and data.modality == "text"
    assert len(data) == BUILTIN_DATASETS["wordnet-multilabel"].size
    assert len(data.target_names) == BUILTIN_DATASETS["wordnet-multilabel"].num_classes
    assert all(name.startswith("noun.") for name in data.target_names)
    per_row = data.targets.sum(axis=1)
    assert per_row.min() >= 1 and (per_row >= 2).mean() > 0.4
    assert data.targets.sum(axis=0).min() >= builtin_tasks.MULTILABEL_MIN_COUNT
    # A real lemma keeps the classes of all its senses: the bird, the machine, the poet
    # Hart Crane, and the constellation Grus.
    crane = data.targets[data.texts.index("crane")]
    assert data.label_text(data.texts.index("crane")) == (
        "noun.animal|noun.artifact|noun.object|noun.person"
    )
    assert crane.sum() == 4
    again = load_data("wordnet-multilabel")
    assert again.fingerprint() == data.fingerprint()  # seeded


def test_wordnet_pairs():
    _need("wordnet-pairs")
    data = load_data("wordnet-pairs")
    assert data.task == "classification" and data.text_pairs is not None
    assert len(data) == BUILTIN_DATASETS["wordnet-pairs"].size
    assert data.class_names == ["hypernym", "same-class"]
    counts = np.bincount(data.labels)
    assert abs(int(counts[0]) - int(counts[1])) <= 2
    synsets = builtin_tasks._read_synsets()
    by_gloss = {s.gloss: s for s in synsets.values()}
    for i in range(0, len(data), 97):
        first, second = by_gloss[data.texts[i]], by_gloss[data.text_pairs[i]]
        if data.labels[i] == 0:  # the second gloss is a hypernym's
            assert any(synsets[h].gloss == data.text_pairs[i] for h in first.hypernyms)
        else:
            assert second.lexname == first.lexname
    assert "||" in data.summary()["examples"][0]["example"]


def test_wordnet_examples_without_wordnet_name_the_install(monkeypatch):
    monkeypatch.setattr(builtin_tasks, "wordnet_noun_file", lambda: None)
    for loader in (
        builtin_tasks.load_wordnet_multilabel_data,
        builtin_tasks.load_wordnet_pairs_data,
    ):
        with pytest.raises(DataError, match="apt-get install wordnet-base"):
            loader()
